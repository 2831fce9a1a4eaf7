"""Notes typed during a meeting as sources of their own: drafted (structured and LLM), cited as
notes, verified like segments, marked as the caseworker's words in the note and the DOCX, kept
when consent to the recording is withdrawn."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from helpers.store_support import MovableClock, make_keys, open_store

from assist.casework import edit_section, export_case, save_generated_draft, sign_case
from assist.drafting.llm_drafter import LlmDrafter, parse_cited_sentences
from assist.drafting.meeting_notes import NOTE_LABEL
from assist.drafting.render import render_text
from assist.drafting.structured import StructuredDrafter
from assist.drafting.templates import get_template
from assist.drafting.types import Draft, DraftSection, DraftSentence
from assist.drafting.verify import verify_draft
from assist.llm.fake import FakeLlmEngine
from assist.store import CaseStore
from assist.transcript import MeetingNote, Segment, Transcript

SPEECH = (
    Segment(0, 0.0, 5.0, "Jeg har svært ved at betale huslejen.", 0.9),
    Segment(1, 5.0, 10.0, "Min søster hjælper mig med indkøb.", 0.9),
    Segment(2, 10.0, 15.0, "Vi ses igen den 14. marts klokken ti.", 0.9),
)
NOTES = (
    MeetingNote(1, 3.0, "husleje 4.000 kr pr md"),
    MeetingNote(2, 12.0, "Vil ikke flytte"),
)
TRANSCRIPT = Transcript("da", 15.0, "whisper-base", SPEECH, NOTES)


def _drafted(transcript: Transcript = TRANSCRIPT) -> Draft:
    template = get_template("journalnotat")
    sections = [
        e for e in StructuredDrafter().draft(transcript, template) if isinstance(e, DraftSection)
    ]
    return verify_draft(Draft("journalnotat", "structured", "none", tuple(sections)), transcript)


def _sentences(draft: Draft) -> list[DraftSentence]:
    return [sentence for section in draft.sections for sentence in section.sentences]


def _one(sentence: DraftSentence) -> Draft:
    section = DraftSection("situation", "Borgerens situation", True, (sentence,))
    return verify_draft(Draft("journalnotat", "structured", "none", (section,)), TRANSCRIPT)


def test_the_structured_drafter_cites_each_note_as_a_note_and_marks_it() -> None:
    sentences = _sentences(_drafted())
    from_notes = [s for s in sentences if s.notes]
    assert [(s.text, s.sources, s.notes) for s in from_notes] == [
        (NOTE_LABEL + "Husleje 4.000 kr. pr md.", (), (1,)),
        (NOTE_LABEL + "Vil ikke flytte.", (), (2,)),
    ]
    # What the citizen said stays cited to segments and is never labelled as a note.
    said = [s for s in sentences if s.sources]
    assert said and all(not s.notes and not s.text.startswith(NOTE_LABEL) for s in said)
    assert not any(f.kind == "no_source" for s in sentences for f in s.flags)


def test_within_a_section_notes_follow_the_meeting_timeline() -> None:
    situation = next(s for s in _drafted().sections if s.section_id == "situation")
    texts = [s.text for s in situation.sentences]
    rent_said = texts.index("Jeg har svært ved at betale huslejen.")
    rent_noted = texts.index(NOTE_LABEL + "Husleje 4.000 kr. pr md.")
    sister = texts.index("Min søster hjælper mig med indkøb.")
    assert rent_said < rent_noted < sister  # typed at 0:03, between what was said at 0:00 and 0:05


def test_a_number_a_note_does_not_hold_is_flagged_like_one_a_segment_does_not_hold() -> None:
    invented = _one(DraftSentence(NOTE_LABEL + "Husleje 5.000 kr.", (), notes=(1,)))
    assert [f.kind for f in _sentences(invented)[0].flags] == ["unsupported_amount"]
    faithful = _one(DraftSentence(NOTE_LABEL + "Husleje 4.000 kr. pr md.", (), notes=(1,)))
    assert _sentences(faithful)[0].flags == ()


def test_a_negation_dropped_from_a_note_is_flagged() -> None:
    dropped = _one(DraftSentence(NOTE_LABEL + "Vil flytte.", (), notes=(2,)))
    assert [f.kind for f in _sentences(dropped)[0].flags] == ["negation_mismatch"]


def test_an_unknown_note_is_no_source_and_says_which() -> None:
    unknown = _one(DraftSentence("Noget helt andet.", (), notes=(9,)))
    (flag,) = _sentences(unknown)[0].flags
    assert (flag.kind, flag.detail) == ("no_source", "ukendte notater: 9")


def test_the_draft_json_and_text_carry_note_citations_apart() -> None:
    sentence = DraftSentence(NOTE_LABEL + "Vil ikke flytte.", (), notes=(2,))
    assert DraftSentence.from_dict(sentence.to_dict()) == sentence
    assert "notes" not in DraftSentence("Ingen noter.", (0,)).to_dict()  # old JSON unchanged
    text = render_text(_drafted(), get_template("journalnotat"))
    assert "[kilde: notat:2]" in text and "[kilde: 0]" in text


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Borgeren vil ikke flytte [N2].", [(NOTE_LABEL + "Borgeren vil ikke flytte.", (), (2,))]),
        ("Huslejen er et problem [S0,N1].", [("Huslejen er et problem.", (0,), (1,))]),
        ("Forkert notat [N7].", []),
        ("[N1] Notatet først", [(NOTE_LABEL + "Notatet først.", (), (1,))]),
        ("Et segment [S2]", [("Et segment.", (2,), ())]),
    ],
)
def test_llm_citations_of_notes_become_note_sources(
    answer: str, expected: list[tuple[str, tuple[int, ...], tuple[int, ...]]]
) -> None:
    parsed = parse_cited_sentences(answer, {0, 1, 2}, {1, 2})
    assert [(s.text, s.sources, s.notes) for s in parsed] == expected


def test_the_llm_sees_notes_as_the_caseworkers_lines_in_timeline_order() -> None:
    engine = FakeLlmEngine(responses=["Borgeren ønsker ikke at flytte [N2]."] * 3)
    drafter = LlmDrafter(engine, "fake", "")
    draft = drafter.draft_note(TRANSCRIPT, get_template("plejenotat"))
    prompt = engine.detokenize(engine.prompts[0])
    order = [prompt.index(line) for line in ("S0:", "N1:", "S1:", "S2:", "N2:")]
    assert order == sorted(order)
    assert "sagsbehandlerens egne notater" in prompt
    cited = [s for s in _sentences(draft) if s.notes]
    assert cited and all(s.notes == (2,) and s.text.startswith(NOTE_LABEL) for s in cited)


def test_without_notes_the_llm_prompt_is_as_before() -> None:
    engine = FakeLlmEngine(responses=["INGEN"] * 3)
    LlmDrafter(engine, "fake", "").draft_note(
        Transcript("da", 15.0, "w", SPEECH), get_template("plejenotat")
    )
    prompt = engine.detokenize(engine.prompts[0])
    assert "N1:" not in prompt and "egne notater" not in prompt


# ---- in a case, to the DOCX --------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> CaseStore:
    with open_store(tmp_path / "data", make_keys(), MovableClock()) as opened:
        yield opened


def _case_with_notes(store: CaseStore, notes: tuple[MeetingNote, ...] = NOTES) -> str:
    case_id = store.create_case(title="J.nr. 7", note_type="journalnotat")
    store.set_consent(case_id, "given", "Borgeren")
    store.save_transcript(case_id, Transcript("da", 15.0, "whisper-base", SPEECH))
    for note in notes:
        store.add_meeting_note(case_id, note.at_s, note.text)
    transcript = store.load_transcript(case_id)
    assert transcript is not None
    save_generated_draft(store, case_id, _drafted(transcript))
    return case_id


def _signed_docx_paragraphs(store: CaseStore, case_id: str, path: Path) -> list[str]:
    edit_section(store, case_id, "faglig_vurdering", "Borgeren har brug for hjælp til budget.")
    sign_case(store, case_id, "Anne Hansen", "all")
    export_case(store, case_id, docx_path=path)
    return [p.text for p in docx.Document(str(path)).paragraphs]


def test_a_signed_note_resting_on_meeting_notes_says_so_in_the_docx(
    store: CaseStore, tmp_path: Path
) -> None:
    case_id = _case_with_notes(store)
    paragraphs = _signed_docx_paragraphs(store, case_id, tmp_path / "notat.docx")
    body = "\n".join(paragraphs)
    assert NOTE_LABEL + "Vil ikke flytte." in body
    assert "Jeg har svært ved at betale huslejen." in body
    assert not any(NOTE_LABEL + "Jeg har" in p for p in paragraphs)
    statement = next(p for p in paragraphs if "Første udkast" in p)
    assert "sagsbehandlerens egne notater skrevet under mødet" in statement
    assert "»Sagsbehandlerens notat:«" in statement


def test_a_docx_without_meeting_notes_does_not_mention_them(
    store: CaseStore, tmp_path: Path
) -> None:
    case_id = _case_with_notes(store, notes=())
    body = "\n".join(_signed_docx_paragraphs(store, case_id, tmp_path / "notat.docx"))
    assert "Første udkast" in body
    assert "egne notater" not in body and NOTE_LABEL not in body


def test_withdrawing_consent_keeps_sentences_resting_only_on_notes(store: CaseStore) -> None:
    case_id = _case_with_notes(store)
    store.withdraw_consent(case_id, "Borgeren")
    stored = store.load_draft(case_id)
    assert stored is not None
    kept = [s for sec in stored.draft["sections"] for s in sec["sentences"]]
    assert [s["text"] for s in kept] == [
        NOTE_LABEL + "Husleje 4.000 kr. pr md.",
        NOTE_LABEL + "Vil ikke flytte.",
    ]
    assert "Jeg har svært" not in stored.text and "Vil ikke flytte." in stored.text
