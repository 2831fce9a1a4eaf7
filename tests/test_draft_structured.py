"""The structured drafter selects, cleans and normalises; it never invents or fills the
professional's section, and every sentence keeps the segments it came from."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assist.cancel import CancelToken, Progress
from assist.drafting.agreements import describe_agreement, strip_annotation
from assist.drafting.cleaning import clean_sentence, split_sentences
from assist.drafting.danish_dates import extract_facts
from assist.drafting.pipeline import build_draft
from assist.drafting.structured import StructuredDrafter
from assist.drafting.templates import get_template
from assist.drafting.types import Draft, DraftSection
from assist.errors import Cancelled
from assist.jobs.events import run
from assist.transcript import Segment, Transcript

EVAL_DIR = Path(__file__).resolve().parents[1] / "bench" / "drafting_eval"
EVAL_CASES = [
    ("jn01_sygedagpenge", "journalnotat"),
    ("of02_misbrug", "opfoelgning"),
    ("bs01_skole", "boernesamtale"),
    ("pn02_plejecenter", "plejenotat"),
]


def _transcript(*texts: str, flags: dict[int, tuple[str, ...]] | None = None) -> Transcript:
    segments = tuple(
        Segment(i, i * 3.0, i * 3.0 + 2.5, text, 0.9, flags=(flags or {}).get(i, ()))
        for i, text in enumerate(texts)
    )
    return Transcript("da", len(texts) * 3.0, "test", segments)


def _eval(name: str) -> Transcript:
    return Transcript.from_dict(json.loads((EVAL_DIR / f"{name}.json").read_text("utf-8")))


def _draft(transcript: Transcript, template_id: str = "journalnotat") -> Draft:
    return run(build_draft(StructuredDrafter(), transcript, get_template(template_id)))


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


@pytest.mark.parametrize(("name", "template_id"), EVAL_CASES)
def test_every_sentence_rests_on_its_segments_by_construction(name: str, template_id: str) -> None:
    transcript = _eval(name)
    draft = _draft(transcript, template_id)
    by_id = {s.segment_id: s for s in transcript.segments}
    sentences = [s for sec in draft.sections for s in sec.sentences]
    assert len(sentences) >= 5
    for sentence in sentences:
        assert sentence.sources and set(sentence.sources) <= set(by_id)
        source_text = " ".join(by_id[i].text for i in sentence.sources)
        cleaned_source = " ".join(
            s.text for s in split_sentences(by_id[i] for i in sentence.sources)
        )
        # Every fact of the sentence was said in its sources (normalised for comparison) ...
        said = {(f.kind, f.value) for f in extract_facts(cleaned_source)}
        for fact in extract_facts(strip_annotation(sentence.text)):
            assert (fact.kind, fact.value) in said, (sentence.text, fact)
        # ... and so was every word that is not a normalised date, time or amount.
        source_words = set(_words(source_text)) | set(_words(cleaned_source))
        unexplained = [w for w in _words(strip_annotation(sentence.text)) if w not in source_words]
        assert all(w.isdigit() or w in ("kl", "kr") for w in unexplained), (
            sentence.text,
            unexplained,
        )
    assert not draft.flags


@pytest.mark.parametrize(("name", "template_id"), EVAL_CASES)
def test_professional_section_stays_empty(name: str, template_id: str) -> None:
    draft = _draft(_eval(name), template_id)
    template = get_template(template_id)
    for section, spec in zip(draft.sections, template.sections, strict=True):
        assert section.section_id == spec.section_id
        assert section.generated is not spec.professional_only
        if spec.professional_only:
            assert section.sentences == ()


def test_fillers_stutters_and_false_starts_are_removed() -> None:
    assert clean_sentence("Øh, jeg jeg har — jeg har ikke været på arbejde.") == (
        "Jeg har ikke været på arbejde."
    )
    assert clean_sentence("Min datter hun... hun er ni år, ikke?") == "Min datter hun er ni år."
    assert clean_sentence("Det er altså svært, ikke også.") == "Det er svært."
    assert clean_sentence("Inger har, øh, et tryksår.") == "Inger har et tryksår."
    assert clean_sentence("Jeg synes, øhm, det går fint, ik'?") == "Jeg synes det går fint."
    # a real negation is kept; only the tag question goes
    assert clean_sentence("Jeg kan ikke sove, ikke?") == "Jeg kan ikke sove."


def test_agreements_dates_and_quotes_land_where_they_belong() -> None:
    transcript = _transcript(
        "Øh, min datter er syg, og huslejen er fire tusind kroner.",
        "Jeg vil gerne tilbage på arbejde.",
        "Vi aftalte, at du sender lønsedlerne inden den tolvte december klokken ti.",
        "Næste møde er på tirsdag klokken halv tre.",
    )
    sections = {s.section_id: s for s in _draft(transcript).sections}
    assert [s.text for s in sections["situation"].sentences] == [
        "Min datter er syg, og huslejen er 4.000 kr."
    ]
    assert [s.text for s in sections["egne_ord"].sentences] == [
        "»Jeg vil gerne tilbage på arbejde.«"
    ]
    (agreement,) = sections["aftaler"].sentences
    assert agreement.text.startswith(
        "Vi aftalte, at du sender lønsedlerne inden 12. december kl. 10.00."
    )
    assert "(hvem: du; hvornår: inden 12. december kl. 10.00)" in agreement.text
    assert agreement.sources == (2,)
    (next_step,) = sections["naeste_skridt"].sentences
    assert next_step.text == "Næste møde er på tirsdag kl. 2.30."


def test_agreement_who_and_when_are_taken_from_the_words() -> None:
    agreement = describe_agreement("Birgitte, du sørger for kontoudtogene inden fredag.")
    assert (agreement.who, agreement.when) == ("Birgitte", "inden fredag")
    assert describe_agreement("Vi aftaler, at jeg ringer i morgen.").who == "jeg"


def test_sentences_spanning_segments_cite_all_of_them() -> None:
    transcript = _transcript("Vi aftalte at du sender", "lønsedlerne senest fredag. Okay.")
    (sentence,) = [s for sec in _draft(transcript).sections for s in sec.sentences]
    assert sentence.sources == (0, 1)


def test_back_channels_and_courtesies_are_left_out() -> None:
    transcript = _transcript(
        "Ja, det gør jeg.",
        "Det lyder hårdt.",
        "Tak fordi du fortæller mig det.",
        "Okay.",
        "Jeg har ondt i ryggen.",
    )
    sentences = [s.text for sec in _draft(transcript).sections for s in sec.sentences]
    assert sentences == ["Jeg har ondt i ryggen."]


def test_flagged_noise_segments_are_left_out() -> None:
    transcript = _transcript(
        "Jeg har ondt i ryggen hver dag.",
        "Tak fordi du så med, abonner på kanalen.",
        flags={1: ("possible_hallucination",)},
    )
    text = " ".join(s.text for sec in _draft(transcript).sections for s in sec.sentences)
    assert "ryggen" in text and "kanalen" not in text


def test_sections_stream_in_template_order_with_progress() -> None:
    template = get_template("opfoelgning")
    events = list(StructuredDrafter().draft(_eval("of01_praktik"), template))
    sections = [e for e in events if isinstance(e, DraftSection)]
    assert [s.section_id for s in sections] == [s.section_id for s in template.sections]
    assert isinstance(events[0], Progress) and isinstance(events[-1], Progress)


def test_cancel_stops_between_steps() -> None:
    cancel = CancelToken()
    events = StructuredDrafter().draft(
        _eval("jn01_sygedagpenge"), get_template("journalnotat"), cancel
    )
    first = next(events)
    assert isinstance(first, Progress)
    cancel.cancel()
    with pytest.raises(Cancelled):
        list(events)


def test_a_long_transcript_is_drafted() -> None:
    # A correctness check that a long transcript works; the speed target lives in bench/.
    segments = []
    for repeat in range(12):
        for segment in _eval("jn02_boligstoette").segments:
            segments.append(
                Segment(
                    len(segments),
                    repeat * 120 + segment.start_s,
                    repeat * 120 + segment.end_s,
                    segment.text,
                    0.9,
                )
            )
    draft = _draft(Transcript("da", 1440.0, "test", tuple(segments)))
    assert sum(len(s.sentences) for s in draft.sections) >= 20


def test_a_quote_names_its_speaker_and_the_label_is_not_flagged() -> None:
    from assist.drafting.verify import verify_draft

    segments = (
        Segment(0, 0.0, 3.0, "Hvad ønsker du selv?", 0.9, speaker="Rådgiver"),
        Segment(1, 3.0, 6.0, "Jeg vil ikke flytte fra min lejlighed.", 0.9, speaker="Borger"),
    )
    transcript = Transcript("da", 6.0, "test", segments)
    draft = run(build_draft(StructuredDrafter(), transcript, get_template("journalnotat")))
    quotes = [s for sec in draft.sections for s in sec.sentences if "»" in s.text]
    assert [q.text for q in quotes] == ["Borger: »Jeg vil ikke flytte fra min lejlighed.«"]
    checked = verify_draft(draft, transcript)
    flagged = [s for sec in checked.sections for s in sec.sentences if "»" in s.text]
    assert flagged[0].flags == ()
