"""Properties over generated speech: the structured drafter never produces a sentence its own
verifier would flag, whatever mixture of fillers, numbers, dates and negations it is given."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assist.drafting.danish_dates import normalise_danish
from assist.drafting.pipeline import build_draft
from assist.drafting.structured import StructuredDrafter
from assist.drafting.templates import get_template
from assist.errors import AssistError
from assist.jobs.events import run
from assist.transcript import Segment, Transcript

SPOKEN = """
jeg du vi hun han det er har kan ikke aldrig ingen skal vil gerne sende ringe møde aftale øh
øhm altså ik' ikke også jeg jeg — ... , . ? den tolvte december klokken ti halv tre kvart
over ni fire tusind kroner to børn tirsdag i næste uge 4000 kr. 12/12 Mette Ahmad husleje
lægen ryg datter min søn Aarhus jobcentret senest inden fredag elleve femogtyve hundrede og
om eftermiddagen
"""
VOCABULARY = tuple(SPOKEN.split())

words = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=25)
segments_text = st.lists(words.map(" ".join), min_size=1, max_size=8)
TEMPLATES = ("journalnotat", "opfoelgning", "boernesamtale", "plejenotat")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=segments_text, template_id=st.sampled_from(TEMPLATES))
def test_structured_drafts_pass_their_own_verifier(texts: list[str], template_id: str) -> None:
    segments = tuple(Segment(i, i * 2.0, i * 2.0 + 2.0, text, 0.9) for i, text in enumerate(texts))
    transcript = Transcript("da", len(texts) * 2.0, "generated", segments)
    try:
        draft = run(build_draft(StructuredDrafter(), transcript, get_template(template_id)))
    except AssistError as error:
        assert error.code == "draft.only_noise"
        return
    ids = {s.segment_id for s in segments}
    for section in draft.sections:
        for sentence in section.sentences:
            assert sentence.sources and set(sentence.sources) <= ids
            assert not sentence.flags, (texts, sentence)


@given(words.map(" ".join))
def test_normalising_twice_changes_nothing(text: str) -> None:
    once = normalise_danish(text)
    assert normalise_danish(once) == once
