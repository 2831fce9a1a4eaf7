"""The encrypted case store: round trips, states, keys, and that nothing readable reaches disk."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
from pathlib import Path

import pytest
from helpers.store_support import (
    MovableClock,
    encodings,
    leaks,
    make_keys,
    open_store,
    pcm_of,
)

from assist.errors import AssistError
from assist.store import CaseStore, RetentionPolicy, apply_retention
from assist.transcript import Segment, Transcript, Word

MARKER = "ZQXMARKER7781"


@pytest.fixture
def store(tmp_path: Path) -> CaseStore:
    with open_store(tmp_path / "data", make_keys(), MovableClock()) as opened:
        yield opened


def _transcript(text: str) -> Transcript:
    words = (Word(0.0, 0.5, text, 0.9),)
    return Transcript(
        language="da",
        duration_s=4.0,
        model="whisper-base-ct2",
        segments=(
            Segment(0, 0.0, 2.0, f"Borgeren sagde {text}", 0.8, words),
            Segment(1, 2.0, 4.0, "Anden sætning.", 0.9),
        ),
    )


def _draft(text: str) -> dict[str, object]:
    return {
        "template": "samtale",
        "engine": "structured",
        "model": "none",
        "sections": [
            {
                "id": "forloeb",
                "title": "Forløb",
                "generated": True,
                "sentences": [{"text": text, "sources": [0], "flags": []}],
            }
        ],
    }


def test_case_round_trip_and_state_transitions(store: CaseStore) -> None:
    case_id = store.create_case(
        title="Møde om bolig",
        note_type="samtale",
        participants=["Åse", "Bjørn"],
        consent="given",
        consent_by="Åse Øster",
    )
    info = store.get_case(case_id)
    assert (info.title, info.note_type, info.participants) == (
        "Møde om bolig",
        "samtale",
        ("Åse", "Bjørn"),
    )
    assert (info.consent.status, info.consent.by, info.state) == ("given", "Åse Øster", "draft")
    assert not (info.has_transcript or info.has_draft or info.has_signed_note)

    store.save_transcript(case_id, _transcript("ordet"), model_sha256="ab" * 32)
    assert store.load_transcript(case_id) == _transcript("ordet")
    assert store.save_draft(case_id, _draft("Første."), "Første.", generated=True) == 1
    assert store.save_draft_text(case_id, "Første, rettet.") == 2
    stored = store.load_draft(case_id)
    assert stored is not None
    assert (stored.draft, stored.text, stored.revision) == (_draft("Første."), "Første, rettet.", 2)

    with pytest.raises(AssistError) as not_yet:
        store.mark_exported(case_id, export_format="docx")
    assert not_yet.value.code == "store.wrong_state"
    assert store.save_signed_note(case_id, {"v": 1}, "Første, rettet.", signer="Karen K") == 1
    with pytest.raises(AssistError) as no_more_transcript:
        store.save_transcript(case_id, _transcript("senere"))
    assert no_more_transcript.value.code == "store.wrong_state"
    store.mark_exported(case_id, export_format="docx", sha256="cd" * 32)
    info = store.get_case(case_id)
    assert info.state == "exported" and info.signed_at and info.exported_at
    assert info.has_transcript and info.has_draft and info.has_signed_note

    # A correction: the draft is the working copy, signed as version 2; version 1 stays.
    store.save_draft_text(case_id, "Første, rettet igen.")
    assert store.save_signed_note(case_id, {"v": 2}, "Første, rettet igen.", signer="Lis L") == 2
    assert store.get_case(case_id).state == "signed"
    latest, first = store.load_signed_note(case_id), store.load_signed_note(case_id, version=1)
    assert latest is not None and (latest.version, latest.text, latest.signer, latest.note) == (
        2,
        "Første, rettet igen.",
        "Lis L",
        {"v": 2},
    )
    assert first is not None and (first.text, first.signer) == ("Første, rettet.", "Karen K")
    assert [e.event for e in store.audit_events(case_id)] == [
        "case_created",
        "transcribed",
        "drafted",
        "edited",
        "signed",
        "exported",
        "edited",
        "signed",
    ]


def test_ids_resolve_by_prefix_and_unknown_ids_fail_clearly(store: CaseStore) -> None:
    case_id = store.create_case(title="a")
    assert store.resolve_case_id(case_id[:5]) == case_id
    with pytest.raises(AssistError) as missing:
        store.get_case("000000000000")
    assert missing.value.code == "store.case_not_found"
    with pytest.raises(AssistError) as bad_consent:
        store.create_case(consent="given")
    assert bad_consent.value.code == "store.consent_needs_name"


def test_sealed_fields_are_bound_to_their_case(tmp_path: Path) -> None:
    keys = make_keys()
    with open_store(tmp_path, keys) as store:
        first, second = store.create_case(title="første"), store.create_case(title="anden")
    with sqlite3.connect(tmp_path / "cases.sqlite3") as conn:
        title = conn.execute("SELECT title FROM cases WHERE case_id = ?", (first,)).fetchone()[0]
        conn.execute("UPDATE cases SET title = ? WHERE case_id = ?", (title, second))
    with open_store(tmp_path, keys) as store, pytest.raises(AssistError) as moved:
        store.get_case(second)
    assert moved.value.code == "secure.tampered"


def test_a_different_key_cannot_open_the_store(tmp_path: Path) -> None:
    with open_store(tmp_path, make_keys()) as store:
        store.create_case(title="hemmelig")
    with pytest.raises(AssistError) as wrong:
        open_store(tmp_path, make_keys())
    assert wrong.value.code == "store.wrong_key"
    assert "hemmelig" not in wrong.value.message("da") + wrong.value.message("en")


def _fill_case_with_marker(store: CaseStore, marker: str) -> str:
    case_id = store.create_case(
        title=f"Titel {marker}",
        participants=[f"Deltager {marker}"],
        consent="given",
        consent_by=f"Borger {marker}",
    )
    recording = store.start_recording(case_id)
    recording.write(pcm_of(f"audio {marker} audio", seconds=1.2))
    recording.on_segment(Segment(0, 0.0, 1.0, f"Live {marker}", 0.9))
    recording.stop()
    store.save_transcript(case_id, _transcript(marker))
    store.save_draft(case_id, _draft(f"Udkast {marker}."), f"Udkast {marker}.", generated=True)
    store.save_draft_text(case_id, f"Rettet {marker}.")
    return case_id


def test_marker_strings_never_reach_the_disk_in_any_encoding(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    clock = MovableClock()
    needles = encodings(MARKER)
    with open_store(data_dir, make_keys(), clock) as store:
        kept = _fill_case_with_marker(store, MARKER)
        store.save_signed_note(
            kept, {"text": f"Note {MARKER}"}, f"Note {MARKER}", signer=f"Signer {MARKER}"
        )
        store.mark_exported(kept, export_format="docx")
        deleted = _fill_case_with_marker(store, MARKER)
        # While open (WAL and all) nothing is readable...
        assert leaks(data_dir, needles) == []
        assert MARKER not in str([e.to_dict() for e in store.audit_events()])
        store.delete_case(deleted)
        clock.advance(days=31)
        assert apply_retention(store, RetentionPolicy()).cases_purged_exported == 1
        assert leaks(data_dir, needles) == []
    assert leaks(data_dir, needles) == []


def test_sqlite3_shows_no_content(tmp_path: Path) -> None:
    with open_store(tmp_path, make_keys()) as store:
        _fill_case_with_marker(store, MARKER)
    dump = subprocess.run(
        ["sqlite3", str(tmp_path / "cases.sqlite3"), ".dump"], capture_output=True, check=True
    ).stdout
    assert b"CREATE TABLE cases" in dump  # the dump worked
    assert [n for n in encodings(MARKER) if n in dump] == []


def test_deleted_case_leaves_no_ciphertext_or_key_behind(tmp_path: Path) -> None:
    """Crypto-shredding plus secure_delete and WAL checkpoint: the exact sealed bytes and the
    wrapped key of a deleted case are gone from the database, its WAL and every other file."""
    data_dir = tmp_path / "data"
    with open_store(data_dir, make_keys()) as store:
        other = store.create_case(title="bliver")
        case_id = _fill_case_with_marker(store, MARKER)
        conn = sqlite3.connect(data_dir / "cases.sqlite3")
        secrets_of_case = [
            bytes(v)
            for (v,) in conn.execute(
                "SELECT wrapped FROM case_keys WHERE case_id = ? UNION ALL "
                "SELECT title FROM cases WHERE case_id = ? UNION ALL "
                "SELECT draft_text FROM drafts WHERE case_id = ? UNION ALL "
                "SELECT sealed FROM transcript_segments WHERE case_id = ?",
                (case_id,) * 4,
            )
        ]
        conn.close()
        assert len(secrets_of_case) >= 5
        assert leaks(data_dir, secrets_of_case), "the test must see the bytes before deletion"
        audio_files = list((data_dir / "recordings").iterdir())
        assert audio_files
        store.delete_case(case_id)
        assert leaks(data_dir, secrets_of_case) == []
        assert not any(p.exists() for p in audio_files)
        assert store.get_case(other).title == "bliver"
        with pytest.raises(AssistError):
            store.get_case(case_id)
        events = [e.event for e in store.audit_events(case_id)]
        assert events[0] == "case_created" and events[-1] == "case_deleted"
    with sqlite3.connect(data_dir / "cases.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_no_content_reaches_logs_or_error_messages(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    keys = make_keys()
    messages: list[str] = []
    with open_store(tmp_path, keys) as store:
        case_id = _fill_case_with_marker(store, MARKER)
        store.save_signed_note(case_id, {"t": MARKER}, MARKER, signer=MARKER)
        for attempt in (
            lambda: store.save_transcript(case_id, _transcript(MARKER)),  # wrong state
            lambda: store.create_case(title=MARKER, consent="given", consent_by=""),
            lambda: store.start_recording(case_id),
            lambda: store.record_event("model_imported", model=MARKER + " x"),
        ):
            with pytest.raises(AssistError) as error:
                attempt()
            messages += [str(error.value), error.value.message("da"), error.value.message("en")]
    assert messages and not any(MARKER in m for m in messages)
    assert MARKER not in caplog.text
