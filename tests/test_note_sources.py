"""The core's link from draft sentences to transcript segments and flags, without the CLI."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from helpers.store_support import T0, MovableClock, make_keys, open_store
from test_casework_samples import sample_transcript, save_draft_like_the_draft_command

from assist.casework import edit_note_text, load_case_note, load_note_sources
from assist.drafting.types import Draft, DraftSection, DraftSentence, Flag
from assist.signoff import CaseMeta, NoteSection, NoteToSign, resolve_flags
from assist.signoff.sources import SectionSources, SourceSegment, flag_views, note_sources
from assist.store import CaseStore
from assist.transcript import Segment, Transcript

DRAFT = Draft(
    template_id="journalnotat",
    engine="llm",
    model="m",
    model_sha256="ab" * 32,
    sections=(
        DraftSection(
            "situation",
            "Situation",
            True,
            (
                DraftSentence("Borgeren er syg.", (0,)),
                DraftSentence(
                    "Hun får 4.000 kr.", (1, 7), (Flag("f1", "unsupported_number", "4.000"),)
                ),
            ),
        ),
        DraftSection("faglig_vurdering", "Faglig vurdering", False),
    ),
)
TRANSCRIPT = Transcript(
    language="da",
    duration_s=9.0,
    model="asr",
    segments=(
        Segment(0, 0.0, 2.5, "Jeg er syg.", 0.9),
        Segment(1, 2.5, 6.0, "Jeg får fire tusind.", 0.8),
    ),
)
META = CaseMeta("journalnotat", "Journalnotat", date(2026, 11, 28), "J.nr. 1")


def _note(situation: str) -> NoteToSign:
    return NoteToSign(
        META,
        (
            NoteSection("situation", "Situation", situation),
            NoteSection("faglig_vurdering", "Faglig vurdering", "", professional_only=True),
        ),
        DRAFT,
    )


def _sources(
    note: NoteToSign, transcript: Transcript | None = TRANSCRIPT
) -> tuple[SectionSources, ...]:
    flags = flag_views(note.draft, resolve_flags(note.draft, note.sections, frozenset()))
    return note_sources(note, flags, transcript)


def test_each_sentence_names_its_segments_with_times_and_text() -> None:
    sections = _sources(_note("Borgeren er syg. Hun får 4.000 kr."))
    assert [s.section_id for s in sections] == ["situation", "faglig_vurdering"]
    first, second = sections[0].sentences
    assert (first.section_id, first.text) == ("situation", "Borgeren er syg.")
    assert first.sources == (SourceSegment(0, 0.0, 2.5, "Jeg er syg."),)
    assert first.flags == ()
    # Segment 7 is not in the transcript: it keeps its id, without times or text.
    assert second.source_ids == (1, 7)
    assert second.sources[0] == SourceSegment(1, 2.5, 6.0, "Jeg får fire tusind.")
    assert second.sources[1] == SourceSegment(7) and not second.sources[1].found
    assert [(f.flag_id, f.kind, f.detail, f.resolution) for f in second.flags] == [
        ("f1", "unsupported_number", "4.000", "open")
    ]
    assert second.flags[0].sentence == "Hun får 4.000 kr."
    # The professional's own section was not drafted: no sentences to source.
    assert sections[1].title == "Faglig vurdering" and sections[1].sentences == ()


def test_a_flag_shows_as_fixed_once_its_sentence_is_rewritten() -> None:
    sections = _sources(_note("Borgeren er syg. Hun får et beløb."))
    assert sections[0].sentences[1].flags[0].resolution == "fixed"


def test_without_a_transcript_only_the_segment_ids_remain() -> None:
    sections = _sources(_note("Borgeren er syg."), transcript=None)
    sources = [s for sen in sections[0].sentences for s in sen.sources]
    assert [s.segment_id for s in sources] == [0, 1, 7]
    assert all(not s.found and s.start_s is None and s.text is None for s in sources)


def test_a_note_without_a_machine_draft_has_no_sentences() -> None:
    note = NoteToSign(META, (NoteSection("situation", "Situation", "Skrevet af mig."),))
    sections = note_sources(note, (), TRANSCRIPT)
    assert [(s.section_id, s.sentences) for s in sections] == [("situation", ())]


@pytest.fixture
def store(tmp_path: Path) -> CaseStore:
    with open_store(tmp_path / "data", make_keys(), MovableClock(T0)) as opened:
        yield opened


def test_a_case_note_sources_come_from_the_stored_transcript(store: CaseStore) -> None:
    case_id = store.create_case(
        title="J.nr. 7", participants=["Anne Hansen"], consent="given", consent_by="B"
    )
    draft = save_draft_like_the_draft_command(store, case_id)
    transcript = {s.segment_id: s for s in sample_transcript().segments}
    current = load_case_note(store, case_id)
    sections = load_note_sources(store, case_id)
    assert [s.section_id for s in sections] == [s.section_id for s in current.note.sections]
    sentences = [sen for sec in sections for sen in sec.sentences]
    drafted = [sen for sec in draft.sections for sen in sec.sentences]
    assert [s.text for s in sentences] == [s.text for s in drafted]
    for sentence, original in zip(sentences, drafted, strict=True):
        assert sentence.source_ids == original.sources
        for source in sentence.sources:
            segment = transcript[source.segment_id]
            assert (source.start_s, source.end_s, source.text) == (
                segment.start_s,
                segment.end_s,
                segment.text,
            )
        assert [f.flag_id for f in sentence.flags] == [f.flag_id for f in original.flags]
    assert {f.flag_id for s in sentences for f in s.flags} == {f.flag_id for f in current.flags}
    # An edit that removes a flagged sentence shows as fixed here too.
    flagged = next(s for s in sentences if s.flags)
    assert flagged.text in current.text
    edited = edit_note_text(store, case_id, current.text.replace(flagged.text, ""))
    after = load_note_sources(store, case_id, edited)
    states = {f.flag_id: f.resolution for sec in after for s in sec.sentences for f in s.flags}
    assert all(states[f.flag_id] == "fixed" for f in flagged.flags)
