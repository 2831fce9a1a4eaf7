"""Notes typed during a meeting, in the case store: sealed at once, kept apart from what was
said, numbered for citing, covered by the case's manifest, gone with the case."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.store_support import MovableClock, make_keys, open_store

from assist.errors import AssistError
from assist.secure.keys import KeyMaterial
from assist.store import CaseStore
from assist.store.schema import DB_NAME
from assist.transcript import MeetingNote, Segment, Transcript

MARKER = "QXNOTEMARKER4417"


@pytest.fixture
def keys() -> KeyMaterial:
    return make_keys()


@pytest.fixture
def store(tmp_path: Path, keys: KeyMaterial) -> Iterator[CaseStore]:
    opened = open_store(tmp_path / "data", keys, MovableClock())
    yield opened
    with contextlib.suppress(sqlite3.ProgrammingError):  # one test closes it itself
        opened.close()


def _case_with_speech(store: CaseStore) -> str:
    case_id = store.create_case(title="Møde", note_type="samtale")
    store.set_consent(case_id, "given", "Borgeren")
    store.save_transcript(
        case_id,
        Transcript("da", 4.0, "whisper", (Segment(0, 0.0, 4.0, "Jeg vil ikke flytte.", 0.9),)),
    )
    return case_id


def test_notes_are_numbered_timed_and_read_back_apart_from_the_segments(
    store: CaseStore,
) -> None:
    case_id = _case_with_speech(store)
    first = store.add_meeting_note(case_id, 65.2, "  Søster hjælper med indkøb ")
    second = store.add_meeting_note(case_id, 130.0, "Vil ikke flytte")
    assert first == MeetingNote(1, 65.2, "Søster hjælper med indkøb")
    assert second.note_id == 2
    transcript = store.load_transcript(case_id)
    assert transcript is not None
    assert [s.text for s in transcript.segments] == ["Jeg vil ikke flytte."]
    assert transcript.notes == (first, second)
    assert "Søster" not in transcript.text  # what was said stays what was said
    assert store.meeting_notes(case_id) == (first, second)


def test_a_transcript_replaced_after_the_recording_keeps_the_notes(store: CaseStore) -> None:
    case_id = _case_with_speech(store)
    store.add_meeting_note(case_id, 1.0, "Husleje 4.000 kr.")
    store.save_transcript(
        case_id, Transcript("da", 2.0, "whisper", (Segment(0, 0.0, 2.0, "Ny tekst.", 0.9),))
    )
    transcript = store.load_transcript(case_id)
    assert transcript is not None and [n.text for n in transcript.notes] == ["Husleje 4.000 kr."]


def test_notes_alone_make_a_transcript_for_the_drafter(store: CaseStore) -> None:
    case_id = store.create_case(title="Møde", note_type="samtale")
    assert store.load_transcript(case_id) is None
    store.add_meeting_note(case_id, 3.0, "Borger møder ikke op til aktivering")
    transcript = store.load_transcript(case_id)
    assert transcript is not None and transcript.segments == ()
    assert transcript.notes[0].text == "Borger møder ikke op til aktivering"


def test_a_note_is_changed_or_removed_and_the_others_keep_their_numbers(
    store: CaseStore,
) -> None:
    case_id = _case_with_speech(store)
    for text in ("en", "to", "tre"):
        store.add_meeting_note(case_id, 1.0, text)
    changed = store.change_meeting_note(case_id, 2, "to, rettet")
    assert changed == MeetingNote(2, 1.0, "to, rettet")
    assert store.change_meeting_note(case_id, 1, "  ") is None
    assert [(n.note_id, n.text) for n in store.meeting_notes(case_id)] == [
        (2, "to, rettet"),
        (3, "tre"),
    ]
    assert store.add_meeting_note(case_id, 2.0, "fire").note_id == 4
    store.change_meeting_note(case_id, 4, "")  # the highest number removed is not given again
    assert store.add_meeting_note(case_id, 2.0, "fem").note_id == 5
    with pytest.raises(AssistError) as raised:
        store.change_meeting_note(case_id, 1, "back from the dead")
    assert raised.value.code == "store.meeting_note_not_found"
    with pytest.raises(AssistError) as raised:
        store.change_meeting_note(case_id, 9, "x")
    assert raised.value.code == "store.meeting_note_not_found"


@pytest.mark.parametrize(
    ("at_s", "text", "code"),
    [
        (1.0, "   ", "store.meeting_note_empty"),
        (1.0, "x" * 5001, "store.meeting_note_too_long"),
        (1.0, "skjult \u202e tekst", "text.bad_char_meeting_note"),
        (-1.0, "tekst", "store.meeting_note_bad_time"),
    ],
)
def test_bad_notes_are_refused_with_a_message_and_nothing_is_stored(
    store: CaseStore, at_s: float, text: str, code: str
) -> None:
    case_id = _case_with_speech(store)
    with pytest.raises(AssistError) as raised:
        store.add_meeting_note(case_id, at_s, text)
    assert raised.value.code == code
    assert raised.value.message("da") and raised.value.message("en")
    assert store.meeting_notes(case_id) == ()


def test_a_note_is_sealed_on_disk_and_audited_without_its_text(
    store: CaseStore, tmp_path: Path
) -> None:
    case_id = _case_with_speech(store)
    store.add_meeting_note(case_id, 12.0, f"Borgeren nævner {MARKER}")
    for path in (tmp_path / "data").iterdir():
        if path.is_file():
            assert MARKER.encode() not in path.read_bytes(), path
    added = [e for e in store.audit_events(case_id) if e.event == "meeting_note_added"]
    assert [e.payload for e in added] == [{"note_id": 1, "at_s": 12.0}]


def test_a_note_deleted_beside_assist_shows_as_damage(
    store: CaseStore, tmp_path: Path, keys: KeyMaterial
) -> None:
    case_id = _case_with_speech(store)
    store.add_meeting_note(case_id, 1.0, "Vil ikke flytte")
    store.close()
    with sqlite3.connect(tmp_path / "data" / DB_NAME) as conn:
        conn.execute("DELETE FROM meeting_notes")
    with (
        open_store(tmp_path / "data", keys, MovableClock()) as reopened,
        pytest.raises(AssistError) as raised,
    ):
        reopened.load_transcript(case_id)
    assert raised.value.code == "store.case_damaged"
    assert "meeting_notes" in str(raised.value.params["reason"])


def test_notes_go_with_the_case_and_stay_after_consent_is_withdrawn(
    store: CaseStore, tmp_path: Path
) -> None:
    case_id = _case_with_speech(store)
    store.add_meeting_note(case_id, 1.0, "Vil ikke flytte")
    store.withdraw_consent(case_id, "Borgeren")
    assert [n.text for n in store.meeting_notes(case_id)] == ["Vil ikke flytte"]
    store.delete_case(case_id)
    with sqlite3.connect(tmp_path / "data" / DB_NAME) as conn:
        assert conn.execute("SELECT COUNT(*) FROM meeting_notes").fetchone() == (0,)


def test_no_note_is_added_to_a_signed_case(store: CaseStore) -> None:
    from assist.casework import edit_section, save_generated_draft, sign_case
    from assist.drafting.structured import StructuredDrafter
    from assist.drafting.templates import get_template
    from assist.drafting.types import Draft, DraftSection

    case_id = _case_with_speech(store)
    transcript = store.load_transcript(case_id)
    assert transcript is not None
    drafted = StructuredDrafter().draft(transcript, get_template("journalnotat"))
    sections = tuple(e for e in drafted if isinstance(e, DraftSection))
    save_generated_draft(store, case_id, Draft("journalnotat", "structured", "none", sections))
    edit_section(store, case_id, "faglig_vurdering", "Min vurdering.")
    sign_case(store, case_id, "Anne Hansen", "all")
    with pytest.raises(AssistError) as raised:
        store.add_meeting_note(case_id, 1.0, "for sent")
    assert raised.value.code == "store.wrong_state"
    assert store.meeting_notes(case_id) == ()


# ---- the command line -------------------------------------------------------------------------


def test_case_note_adds_a_note_that_draft_cites_as_a_note(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from assist.cli import main

    monkeypatch.setenv("ASSIST_LANG", "en")
    assert main(["case", "new", "--title", "Møde"]) == 0
    case_id = capsys.readouterr().out.strip()
    assert main(["case", "note", case_id, "Vil ikke flytte", "--at", "01:05"]) == 0
    assert "Note 1 added at 01:05" in capsys.readouterr().out
    for bad in (["--at", "1:75"], ["--at", "soon"]):
        assert main(["case", "note", case_id, "x", *bad]) == 2
        err = capsys.readouterr().err
        assert "mm:ss" in err and "Traceback" not in err
    assert main(["case", "note", case_id, "  "]) == 2
    assert "empty" in capsys.readouterr().err
    code = main(["draft", "--case", case_id, "--engine", "structured", "--json"])
    drafted, err = capsys.readouterr()
    assert code == 0, err
    sentences = [s for sec in json.loads(drafted)["sections"] for s in sec["sentences"]]
    assert [(s["text"], s["sources"], s["notes"]) for s in sentences] == [
        ("Sagsbehandlerens notat: Vil ikke flytte.", [], [1])
    ]
    assert main(["case", "show", case_id]) == 0
    assert "notes typed during the meeting: 1" in capsys.readouterr().out


def test_each_note_written_tells_the_views_once(store: CaseStore) -> None:
    from assist.store.changes import Change

    case_id = _case_with_speech(store)
    seen: list[Change] = []
    store.subscribe(seen.append)
    store.add_meeting_note(case_id, 1.0, "en")
    store.change_meeting_note(case_id, 1, "et")
    assert seen == [Change("notes_changed", case_id)] * 2


def test_the_note_being_typed_is_kept_sealed_until_it_is_added(
    store: CaseStore, tmp_path: Path
) -> None:
    case_id = _case_with_speech(store)
    assert store.note_in_progress(case_id) is None
    store.keep_note_in_progress(case_id, 7.5, f"Søster {MARKER}")
    store.keep_note_in_progress(case_id, 7.5, f"Søster hjælper {MARKER}")
    assert store.note_in_progress(case_id) == MeetingNote(0, 7.5, f"Søster hjælper {MARKER}")
    assert store.meeting_notes(case_id) == ()  # not a note: never shown nor cited
    transcript = store.load_transcript(case_id)
    assert transcript is not None and transcript.notes == ()
    for path in (tmp_path / "data").iterdir():
        if path.is_file():
            assert MARKER.encode() not in path.read_bytes(), path
    added = store.add_meeting_note(case_id, 7.5, "Søster hjælper")
    assert store.note_in_progress(case_id) is None and added.note_id == 1
    store.keep_note_in_progress(case_id, 9.0, "halv")
    store.keep_note_in_progress(case_id, 9.0, "")
    assert store.note_in_progress(case_id) is None
    assert not [e for e in store.audit_events(case_id) if "progress" in e.event]
