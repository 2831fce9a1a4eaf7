"""Consent rules for recording, withdrawal, live segments, and recovery after a kill."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.store_support import HELPERS, MovableClock, make_keys, open_store, subprocess_env

from assist.errors import AssistError
from assist.store import CaseStore
from assist.store.recover import recover_recordings
from assist.transcript import Segment

SECOND = b"\x07\x00" * 16_000


@pytest.fixture
def store(tmp_path: Path) -> CaseStore:
    with open_store(tmp_path / "data", make_keys(), MovableClock()) as opened:
        yield opened


@pytest.mark.parametrize("consent", ["not-asked", "refused"])
def test_recording_is_refused_without_consent(store: CaseStore, consent: str) -> None:
    case_id = store.create_case(title="x", consent=consent)  # type: ignore[arg-type]
    with pytest.raises(AssistError) as refused:
        store.start_recording(case_id)
    assert refused.value.code == "store.no_consent"
    assert consent in refused.value.message("da") and "samtykke" in refused.value.message("da")
    assert store.get_case(case_id).recordings == ()
    assert list((store.recordings_dir).iterdir()) == []


def test_consent_given_later_allows_recording_and_audio_round_trips(store: CaseStore) -> None:
    case_id = store.create_case(title="x")
    with pytest.raises(AssistError) as missing_name:
        store.set_consent(case_id, "given")
    assert missing_name.value.code == "store.consent_needs_name"
    store.set_consent(case_id, "given", by="Borger B")
    recording = store.start_recording(case_id)
    recording.write(SECOND)
    recording.write(SECOND[:16_000])
    recording.close()
    [info] = store.get_case(case_id).recordings
    assert (info.state, info.complete, info.duration_s) == ("stopped", True, 1.5)
    read = store.read_recording(info.recording_id)
    assert read.complete and read.pcm == SECOND + SECOND[:16_000]


def test_live_segments_are_saved_at_once_and_numbered_across_recordings(tmp_path: Path) -> None:
    keys = make_keys()
    with open_store(tmp_path, keys) as store:
        case_id = store.create_case(title="x", consent="given", consent_by="B")
        first = store.start_recording(case_id)
        first.write(SECOND * 2)
        first.on_segment(Segment(0, 0.0, 1.0, "en", 0.9))
        first.on_segment(Segment(1, 1.0, 2.0, "to", 0.9))
        first.stop()
        second = store.start_recording(case_id)
        stored = second.on_segment(Segment(0, 0.5, 1.0, "tre", 0.9))
        # Committed at once: another connection sees it while the recording still runs.
        with open_store(tmp_path, keys) as other:
            transcript = other.load_transcript(case_id)
        second.stop()
    assert stored is not None and (stored.segment_id, stored.start_s) == (2, 2.5)
    assert transcript is not None
    assert [(s.segment_id, s.text, s.start_s) for s in transcript.segments] == [
        (0, "en", 0.0),
        (1, "to", 1.0),
        (2, "tre", 2.5),
    ]


def test_withdrawn_consent_stops_recording_and_deletes_audio_at_once(store: CaseStore) -> None:
    case_id = store.create_case(title="x", consent="given", consent_by="B")
    earlier = store.start_recording(case_id)
    earlier.write(SECOND)
    earlier.stop()
    running = store.start_recording(case_id)
    running.write(SECOND)
    files = sorted(store.recordings_dir.iterdir())
    assert len(files) == 2
    assert store.withdraw_consent(case_id, by="Borger B") == 2
    assert not any(p.exists() for p in files)
    with pytest.raises(AssistError) as stopped:
        running.write(SECOND)
    assert stopped.value.code == "store.consent_withdrawn_stop"
    assert running.on_segment(Segment(0, 0, 1, "efter", 0.9)) is None
    info = store.get_case(case_id)
    assert info.consent.status == "withdrawn" and info.consent.by == "Borger B"
    assert [r.state for r in info.recordings] == ["deleted", "deleted"]
    assert {r.deleted_reason for r in info.recordings} == {"consent_withdrawn"}
    with pytest.raises(AssistError) as refused:
        store.start_recording(case_id)
    assert refused.value.code == "store.no_consent"
    events = [e.event for e in store.audit_events(case_id)]
    assert "consent_withdrawn" in events and events.count("audio_deleted") == 2
    for recording in info.recordings:
        with pytest.raises(AssistError):
            store.read_recording(recording.recording_id)


def test_kill_during_recording_keeps_segments_and_recovers_audio_prefix(tmp_path: Path) -> None:
    data_dir, keys = tmp_path / "data", make_keys()
    with open_store(data_dir, keys) as store:
        case_id = store.create_case(title="x", consent="given", consent_by="B")
    child = subprocess.Popen(
        [sys.executable, str(HELPERS / "store_record_child.py"), case_id],
        env=subprocess_env(data_dir, keys),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    saved = [child.stdout.readline() for _ in range(4)]
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert saved[-1].strip() == "segment 3 saved"
    with sqlite3.connect(data_dir / "cases.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with open_store(data_dir, keys) as store:
        transcript = store.load_transcript(case_id)
        assert transcript is not None and len(transcript.segments) >= 4
        [found] = recover_recordings(store)
        assert (found.case_id, found.action) == (case_id, "kept_prefix")
        assert found.problem == "truncated" and found.duration_s >= 1.5
        [info] = store.get_case(case_id).recordings
        assert (info.state, info.complete) == ("recovered", False)
        read = store.read_recording(info.recording_id)
        assert read.complete and read.duration_s == pytest.approx(found.duration_s)
        assert read.pcm == b"\x10\x00" * (len(read.pcm) // 2)
        assert "recording_recovered" in [e.event for e in store.audit_events(case_id)]
        assert recover_recordings(store) == []  # nothing left to do
        assert store.verify_audit().ok


def test_consent_withdrawn_elsewhere_stops_this_recording(tmp_path: Path) -> None:
    keys = make_keys()
    with open_store(tmp_path, keys) as app:
        case_id = app.create_case(title="x", consent="given", consent_by="B")
        recording = app.start_recording(case_id)
        recording.consent_check_s = 0.0  # check on every write (default: once a second)
        recording.write(SECOND)
        with open_store(tmp_path, keys) as cli:  # e.g. `assist case consent ID --withdrawn`
            cli.withdraw_consent(case_id)
        with pytest.raises(AssistError) as stopped:
            recording.write(SECOND)
        assert stopped.value.code == "store.consent_withdrawn_stop"
        assert list(app.recordings_dir.iterdir()) == []
        assert [r.state for r in app.get_case(case_id).recordings] == ["deleted"]


def test_recover_deletes_an_orphan_whose_key_is_gone(store: CaseStore) -> None:
    from assist.secure.aead import new_key
    from assist.secure.container import RecordingWriter

    orphan = RecordingWriter.create(store.recordings_dir / "rdeadbeef.arec", new_key(), "rdeadbeef")
    orphan.write(SECOND)  # never closed: no final record, like a crash
    [found] = recover_recordings(store)
    assert (found.recording_id, found.action, found.case_id) == (
        "rdeadbeef",
        "deleted_orphan",
        None,
    )
    assert list(store.recordings_dir.iterdir()) == []
    last = store.audit_events()[-1]
    assert (last.event, last.payload["reason"]) == ("audio_deleted", "orphan")


def test_withdrawal_from_the_ui_thread_stops_the_audio_thread(store: CaseStore) -> None:
    import threading

    case_id = store.create_case(title="x", consent="given", consent_by="B")
    recording = store.start_recording(case_id)
    outcome: list[str] = []
    started = threading.Event()

    def audio_loop() -> None:  # what the app's audio thread does
        try:
            while True:
                recording.write(SECOND[:3200])
                started.set()
        except AssistError as error:
            outcome.append(error.code)

    thread = threading.Thread(target=audio_loop)
    thread.start()
    assert started.wait(10)
    store.withdraw_consent(case_id)
    thread.join(timeout=10)
    assert not thread.is_alive() and outcome == ["store.consent_withdrawn_stop"]
    assert list(store.recordings_dir.iterdir()) == []
