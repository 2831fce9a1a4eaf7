"""Speaker labels and text corrections on a case's stored transcript (assist.transcript_edits)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from helpers.store_support import T0, MovableClock, make_keys, open_store

from assist.drafting.types import Draft, DraftSection, DraftSentence
from assist.errors import AssistError
from assist.signoff import CaseMeta, NoteSection, NoteToSign
from assist.signoff.sources import SourceSegment, note_sources
from assist.store import CaseStore
from assist.transcript import Segment, Transcript, Word, format_time
from assist.transcript_edits import (
    edit_segment_text,
    rename_speaker,
    replace_text,
    set_speaker,
)

ASR_SHA = "cd" * 32
TRANSCRIPT = Transcript(
    language="da",
    duration_s=80.0,
    model="asr-model",
    segments=(
        Segment(0, 0.0, 5.0, "Hvordan går det med ryggen?", 0.9),
        Segment(
            1,
            12.0,
            20.0,
            "Ryggen gør ondt, og RYGGEN er stiv.",
            0.7,
            (Word(12.0, 13.0, "Ryggen", 0.4), Word(13.0, 14.0, "gør", 0.9)),
        ),
        Segment(2, 20.0, 30.0, "Vi taler om det igen.", 0.9),
        Segment(3, 3700.0, 3710.0, "Tak for i dag.", 0.9),
    ),
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CaseStore]:
    with open_store(tmp_path / "data", make_keys(), MovableClock(T0)) as opened:
        yield opened


@pytest.fixture
def case_id(store: CaseStore) -> str:
    case_id = store.create_case(title="J.nr. 1", consent="given", consent_by="B")
    store.save_transcript(case_id, TRANSCRIPT, model_sha256=ASR_SHA)
    return case_id


def _speakers(store: CaseStore, case_id: str) -> list[str]:
    transcript = store.load_transcript(case_id)
    assert transcript is not None
    return [s.speaker for s in transcript.segments]


def test_a_segment_without_a_speaker_keeps_its_old_json_and_old_json_loads() -> None:
    plain = Segment(0, 0.0, 1.0, "Hej.", 1.0)
    assert "speaker" not in plain.to_dict()
    old = {"segments": [{"id": 0, "start_s": 0, "end_s": 1, "text": "Hej."}]}
    assert Transcript.from_dict(old).segments[0].speaker == ""
    labelled = Segment(0, 0.0, 1.0, "Hej.", 1.0, speaker="Borger")
    assert labelled.to_dict()["speaker"] == "Borger"
    again = Transcript.from_dict({"segments": [labelled.to_dict()]})
    assert again.segments[0] == labelled
    # A file with a speaker passes the schema; one whose speaker is not text does not.
    assert Transcript.from_file_data({"segments": [labelled.to_dict()]}, "x.json").segments[
        0
    ].speaker == ("Borger")
    with pytest.raises(AssistError) as error:
        Transcript.from_file_data({"segments": [{**labelled.to_dict(), "speaker": 3}]}, "x.json")
    assert "speaker" in error.value.message("en")


def test_set_speaker_on_two_segments_is_stored_with_the_model_kept(
    store: CaseStore, case_id: str
) -> None:
    set_speaker(store, case_id, [0, 2], "Rådgiver")
    assert _speakers(store, case_id) == ["Rådgiver", "", "Rådgiver", ""]
    assert store.transcript_model(case_id) == ("asr-model", ASR_SHA)
    transcript = store.load_transcript(case_id)
    assert transcript is not None
    # Ids, times, words and text stay as they were.
    assert [(s.segment_id, s.start_s, s.text, s.words) for s in transcript.segments] == [
        (s.segment_id, s.start_s, s.text, s.words) for s in TRANSCRIPT.segments
    ]
    set_speaker(store, case_id, [2], "")
    assert _speakers(store, case_id) == ["Rådgiver", "", "", ""]


def test_set_speaker_refuses_an_unknown_segment_and_a_bad_character(
    store: CaseStore, case_id: str
) -> None:
    with pytest.raises(AssistError) as error:
        set_speaker(store, case_id, [0, 99], "Borger")
    assert "99" in error.value.message("en")
    with pytest.raises(AssistError) as error:
        set_speaker(store, case_id, [0], "Bor\u202eger")
    assert error.value.code == "text.bad_char_segment"
    assert _speakers(store, case_id) == ["", "", "", ""]


def test_rename_applies_everywhere_and_counts(store: CaseStore, case_id: str) -> None:
    set_speaker(store, case_id, [1, 3], "Borger")
    set_speaker(store, case_id, [0], "Rådgiver")
    assert rename_speaker(store, case_id, "Borger", "Hanne Jensen") == 2
    assert _speakers(store, case_id) == ["Rådgiver", "Hanne Jensen", "", "Hanne Jensen"]
    assert rename_speaker(store, case_id, "Nobody", "X") == 0


def test_edit_text_is_stored_checked_and_drops_the_stale_words(
    store: CaseStore, case_id: str
) -> None:
    edit_segment_text(store, case_id, 1, "Nakken gør ondt.")
    transcript = store.load_transcript(case_id)
    assert transcript is not None
    edited = transcript.segments[1]
    assert edited.text == "Nakken gør ondt." and edited.words == ()
    with pytest.raises(AssistError) as error:
        edit_segment_text(store, case_id, 1, "Skjult\x07tegn")
    assert error.value.code == "text.bad_char_segment"
    assert store.load_transcript(case_id) == transcript


def test_replace_all_counts_every_match_case_insensitively(store: CaseStore, case_id: str) -> None:
    assert replace_text(store, case_id, "ryggen", "nakken") == 3
    transcript = store.load_transcript(case_id)
    assert transcript is not None
    assert transcript.segments[1].text == "nakken gør ondt, og nakken er stiv."
    assert transcript.segments[0].text == "Hvordan går det med nakken?"
    assert replace_text(store, case_id, "Tak", "TAK", case_sensitive=True) == 1
    assert replace_text(store, case_id, "tak", "x", case_sensitive=True) == 0
    with pytest.raises(AssistError):
        replace_text(store, case_id, "", "x")


def test_edits_are_refused_once_the_case_is_signed(store: CaseStore, case_id: str) -> None:
    store.save_signed_note(case_id, {"v": 1}, "Notat.", signer="Anne")
    with pytest.raises(AssistError) as error:
        set_speaker(store, case_id, [0], "Borger")
    assert error.value.code == "store.wrong_state"
    assert _speakers(store, case_id) == ["", "", "", ""]


def test_edits_wait_while_a_recording_runs(store: CaseStore, case_id: str) -> None:
    recording = store.start_recording(case_id, transcript_model="asr-model")
    try:
        with pytest.raises(AssistError) as error:
            set_speaker(store, case_id, [0], "Borger")
        assert error.value.code == "transcript_edit.recording"
    finally:
        recording.stop()
    set_speaker(store, case_id, [0], "Borger")
    assert _speakers(store, case_id)[0] == "Borger"


def test_a_live_transcript_keeps_its_model_after_an_edit(store: CaseStore) -> None:
    case_id = store.create_case(title="J.nr. 2", consent="given", consent_by="B")
    recording = store.start_recording(
        case_id, transcript_model="live-asr", transcript_model_sha256=ASR_SHA
    )
    recording.write(b"\x00\x00" * 16_000)
    recording.on_segment(Segment(0, 0.0, 1.0, "Goddag.", 0.9))
    recording.stop()
    set_speaker(store, case_id, [0], "Borger")
    assert store.transcript_model(case_id) == ("live-asr", ASR_SHA)
    # Withdrawn consent still removes every segment made from speech.
    store.withdraw_consent(case_id, "B")
    assert store.load_transcript(case_id) is None


def test_a_cited_segment_shows_its_speaker_and_time(store: CaseStore, case_id: str) -> None:
    set_speaker(store, case_id, [1], "Borger")
    transcript = store.load_transcript(case_id)
    draft = Draft(
        "journalnotat",
        "llm",
        "m",
        sections=(DraftSection("situation", "Situation", True, (DraftSentence("Ondt.", (1, 0)),)),),
    )
    meta = CaseMeta("journalnotat", "Journalnotat", date(2026, 3, 2), "J.nr. 1")
    note = NoteToSign(meta, (NoteSection("situation", "Situation", "Ondt."),), draft)
    (section,) = note_sources(note, (), transcript)
    cited, unlabelled = section.sentences[0].sources
    assert cited.speaker == "Borger"
    assert cited.reference == "Borger (00:12)"
    assert cited.quote == "Borger (00:12): Ryggen gør ondt, og RYGGEN er stiv."
    assert unlabelled.reference == "(00:00)"
    assert SourceSegment(7).reference == "#7"
    assert json.dumps(cited.speaker)  # a plain string for any front end


def test_time_format() -> None:
    assert (format_time(0), format_time(72.9), format_time(3700)) == ("00:00", "01:12", "1:01:40")


def test_an_edit_is_audited_as_an_edit_not_as_a_new_transcription(
    store: CaseStore, case_id: str
) -> None:
    before = [e.event for e in store.audit_events(case_id)]
    set_speaker(store, case_id, [0], "Borger")
    after = [e.event for e in store.audit_events(case_id)]
    assert after[len(before) :] == ["transcript_edited"]
    assert after.count("transcribed") == before.count("transcribed")
    assert store.verify_audit().ok  # the manifest vouches for the edit
