"""Hardening of recording: no hang when a live recording fails at its end, one active recording
per case across processes (visible to `case delete`, `retention run`, `recover` and a second
`record`), stale markers after kill -9, and consent withdrawal removing what the recording said.
"""

from __future__ import annotations

import json
import math
import os
import signal
import struct
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import CLI_PASSPHRASE, SAMPLE_WAV
from helpers.store_support import HELPERS, REPO, make_keys, open_store, subprocess_env

from assist.asr.engine import FakeAsrEngine
from assist.asr.live import EnergySpeechDetector, LiveTranscriber
from assist.asr.session import LiveThread
from assist.cli import main
from assist.errors import AssistError
from assist.jobs.events import run
from assist.jobs.recording import RecordingSession
from assist.secure.keys import load_keys
from assist.store import CaseStore, apply_retention
from assist.store.base import CASE_NOT_FOUND
from assist.store.recover import recover_recordings
from assist.store.retention import RetentionPolicy
from assist.transcript import Segment, Transcript

SECOND = b"\x07\x00" * 16_000
LATER = datetime(2030, 1, 1, tzinfo=UTC)  # every unsigned case is due by then


def _tone(seconds: float) -> bytes:
    """A loud 220 Hz tone: speech to the energy detector, no pause, so nothing commits before
    finish()."""
    samples = int(seconds * 16_000)
    return b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 220 * i / 16_000)))
        for i in range(samples)
    )


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _in_thread(target: Any, timeout_s: float) -> tuple[bool, list[Any]]:
    """Run `target()` on a daemon thread; (finished in time, [result or exception])."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(target())
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout_s)
    return not thread.is_alive(), outcome


# ---- 1. the hang: a failure after the end marker ------------------------------------------


def test_a_failure_in_the_final_flush_ends_the_session_instead_of_hanging() -> None:
    # What a deleted case did: the last utterance's segment could not be saved any more.
    transcriber = LiveTranscriber(FakeAsrEngine(), detector=EnergySpeechDetector(0.6))
    tone = _tone(2.0)
    blocks = [tone[i : i + 3200] for i in range(0, len(tone), 3200)]

    def on_segment(segment: Segment) -> None:
        raise AssistError(CASE_NOT_FOUND, case_id="abc")

    def session() -> BaseException | None:
        live = LiveThread(transcriber, on_segment)
        for block in blocks:
            live.put(block)
        live.end()
        assert list(live.wait_committed()) == []
        return live.failure

    finished, outcome = _in_thread(session, 10)
    assert finished, "the live transcription blocked after a failure in finish()"
    [error] = outcome
    assert isinstance(error, AssistError) and error.code == "store.case_not_found"


def test_a_failure_while_feeding_still_drains_and_ends() -> None:
    class Failing(LiveTranscriber):
        def feed(self, pcm: bytes) -> list[Segment]:
            raise RuntimeError("recogniser broke")

    transcriber = Failing(FakeAsrEngine(), detector=EnergySpeechDetector(0.6))
    blocks = [SECOND] * 5
    session = RecordingSession(blocks, live=lambda: transcriber)
    finished, outcome = _in_thread(lambda: run(session.run()), 10)
    assert finished and isinstance(outcome[0], RuntimeError)


# ---- 6. one recording per case, and no deletion under a running one (same process) --------


@pytest.fixture
def two_stores(tmp_path: Path) -> Iterator[tuple[CaseStore, CaseStore]]:
    """Two store objects on one folder: what two Assist processes look like to each other."""
    keys = make_keys()
    with open_store(tmp_path, keys) as app, open_store(tmp_path, keys) as cli:
        yield app, cli


def test_a_second_recording_on_the_same_case_is_refused(
    two_stores: tuple[CaseStore, CaseStore],
) -> None:
    app, other = two_stores
    case_id = app.create_case(title="x", consent="given", consent_by="B")
    first = app.start_recording(case_id)
    for store in (app, other):
        with pytest.raises(AssistError) as refused:
            store.start_recording(case_id)
        assert refused.value.code == "store.recording_active"
        assert "one recording" in refused.value.message("en")
    first.write(SECOND)
    first.on_segment(Segment(0, 0.0, 1.0, "første", 0.9))
    first.stop()
    second = other.start_recording(case_id)  # after the first stopped: fine
    second.write(SECOND)
    second.on_segment(Segment(0, 0.0, 1.0, "anden", 0.9))
    second.stop()
    transcript = app.load_transcript(case_id)
    assert transcript is not None
    assert [(s.text, s.start_s) for s in transcript.segments] == [("første", 0.0), ("anden", 1.0)]
    assert [r.state for r in app.get_case(case_id).recordings] == ["stopped", "stopped"]


def test_delete_purge_and_retention_leave_a_case_alone_while_it_is_recorded(
    two_stores: tuple[CaseStore, CaseStore],
) -> None:
    app, other = two_stores
    recorded = app.create_case(title="optages", consent="given", consent_by="B")
    idle = app.create_case(title="gammel")
    recording = app.start_recording(recorded)
    recording.write(SECOND)
    for store in (app, other):
        started = time.monotonic()
        with pytest.raises(AssistError) as refused:
            store.delete_case(recorded)
        assert refused.value.code == "store.case_being_recorded"
        with pytest.raises(AssistError) as refused:
            store.purge_case(recorded, "retention_unsigned")
        assert refused.value.code == "store.case_being_recorded"
        assert time.monotonic() - started < 2.0
    report = apply_retention(other, RetentionPolicy(), LATER)
    assert (report.cases_purged_unsigned, report.cases_skipped_recording) == (1, 1)
    assert [c.case_id for c in other.list_cases()] == [recorded]
    recording.write(SECOND)  # the recording never noticed
    recording.on_segment(Segment(0, 0.0, 2.0, "stadig her", 0.9))
    recording.stop()
    [info] = other.get_case(recorded).recordings
    assert (info.state, info.complete, info.duration_s) == ("stopped", True, 2.0)
    other.delete_case(recorded)  # stopped: now it may go
    assert other.list_cases() == [] and idle not in other.known_case_ids()
    assert list(other.recordings_dir.iterdir()) == []
    assert not list((other.data_dir / "locks").glob(f"{recorded}*"))
    assert other.verify_audit().ok


# ---- across processes: the CLI, a recorder in another process, kill -9 ---------------------


def _wait_for(predicate: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _readline(stream: Any, timeout_s: float) -> str:
    finished, outcome = _in_thread(stream.readline, timeout_s)
    if not finished:
        pytest.fail("no line from the child process in time")
    return str(outcome[0])


def _stop(child: subprocess.Popen[str]) -> None:
    if child.poll() is None:
        child.kill()
        child.wait(10)


def _cli_keys(data_dir: Path) -> Any:
    return load_keys(data_dir, {"ASSIST_PASSPHRASE": CLI_PASSPHRASE})


def _recording_states(data_dir: Path, case_id: str) -> list[str]:
    with open_store(data_dir, _cli_keys(data_dir)) as store:
        return [r.state for r in store.get_case(case_id).recordings]


def test_a_recorder_in_another_process_blocks_delete_until_it_is_killed(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSIST_LANG", "en")
    code, out, _ = _run(capsys, "case", "new", "--consent", "given", "--consent-by", "B")
    case_id = out.strip()
    child = subprocess.Popen(
        [sys.executable, str(HELPERS / "store_record_child.py"), case_id],
        env=subprocess_env(data_dir, _cli_keys(data_dir)),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert _readline(child.stdout, 30).strip() == "segment 0 saved"
        started = time.monotonic()
        code, _, err = _run(capsys, "case", "delete", case_id, "--yes")
        assert code == 1 and "being recorded" in err and "Nothing was deleted" in err
        assert time.monotonic() - started < 2.0
        code, out, err = _run(capsys, "retention", "run", "--now", LATER.isoformat(), "--json")
        assert code == 0 and json.loads(out)["cases_skipped_recording"] == 1
        assert "being recorded" in err
        # A second recording on the same case, from a third process (here: the CLI).
        code, out, err = _run(capsys, "record", "--case", case_id, "--input", str(SAMPLE_WAV))
        assert code == 1 and "already being recorded" in err
        # `recover` must not take a running recording for a crashed one.
        code, out, _ = _run(capsys, "recover", "--json")
        assert code == 0 and json.loads(out) == []
        code, out, _ = _run(capsys, "case", "show", case_id, "--json")
        assert [r["state"] for r in json.loads(out)["recordings"]] == ["recording"]
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        _stop(child)
    # The killed recorder left no marker that blocks: its lock died with it.
    started = time.monotonic()
    code, out, err = _run(capsys, "case", "delete", case_id, "--yes")
    assert code == 0, err
    assert time.monotonic() - started < 2.0
    code, out, _ = _run(capsys, "audit", "verify")
    assert code == 0 and "intact" in out
    assert list((data_dir / "recordings").iterdir()) == []


_FAKE_ASR_CLI = """
import sys
sys.path.insert(0, sys.argv[1])
from assist.asr import model as asr_model
from assist.asr.engine import FakeAsrEngine
from assist.models import store as model_store

class _Model:
    model_id = "fake-asr"
    sha256 = "0" * 64

class _Models:
    def resolve(self, *args, **kwargs):
        return _Model()

asr_model.load_engine = lambda *args, **kwargs: FakeAsrEngine()
model_store.open_store = lambda *args, **kwargs: _Models()
from assist.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _speech_clip(path: Path, seconds: float) -> Path:
    """The first `seconds` of the real Danish sample (speech and pauses)."""
    with wave.open(str(SAMPLE_WAV), "rb") as source:
        params = source.getparams()
        frames = source.readframes(int(seconds * params.framerate))
    with wave.open(str(path), "wb") as clip:
        clip.setparams(params)
        clip.writeframes(frames)
    return path


@pytest.mark.slow  # plays 6 s of speech in real time
def test_live_cli_recording_survives_delete_and_retention_attempts_and_ends(
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reported hang: `record --case ID --realtime --live &`, then `case delete ID` and
    `retention run --now 2030-...` while it records. Both are refused; the recording ends."""
    monkeypatch.setenv("ASSIST_LANG", "en")
    code, out, _ = _run(capsys, "case", "new", "--consent", "given", "--consent-by", "B")
    case_id = out.strip()
    clip = _speech_clip(tmp_path / "long.wav", 6.0)
    child = subprocess.Popen(
        [
            *(sys.executable, "-c", _FAKE_ASR_CLI, str(REPO), "record", "--case", case_id),
            *("--input", str(clip), "--realtime", "--live", "--json"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(
            lambda: _recording_states(data_dir, case_id) == ["recording"],
            30,
            "the recording to start",
        )
        deleted = _run(capsys, "case", "delete", case_id, "--yes")
        purged = _run(capsys, "retention", "run", "--now", "2030-01-01T00:00:00+00:00")
        try:
            out, err = child.communicate(timeout=30)  # a 6 s clip: never for ever
        except subprocess.TimeoutExpired:
            pytest.fail(f"the recorder hung after delete {deleted[0]} / retention {purged[2]!r}")
    finally:
        _stop(child)
    assert deleted[0] == 1 and "being recorded" in deleted[2]
    assert purged[0] == 0 and "being recorded" in purged[2]
    assert child.returncode == 0, err
    assert "unexpected" not in err.lower()
    summary = json.loads(out.splitlines()[-1])
    assert summary["duration_s"] == pytest.approx(6.0, abs=0.01) and summary["segments"]
    code, out, _ = _run(capsys, "case", "show", case_id, "--json")
    shown = json.loads(out)
    assert [(r["state"], r["complete"]) for r in shown["recordings"]] == [("stopped", True)]
    assert shown["has_transcript"] is True
    code, out, _ = _run(capsys, "audit", "verify")
    assert code == 0


# ---- consent withdrawn: audio, speech transcript and the draft sentences on it go ----------

TYPED = (
    "Borgeren har svært ved at betale huslejen på 6.500 kr.\n"
    "Vi aftalte et nyt møde den tolvte december.\n"
)
SPOKEN = (
    "Borgeren fortæller at hendes søn er syg og går til lægen hver uge.",
    "Hun siger at hun ikke kan arbejde lige nu på grund af ryggen.",
)


def _case_with_typed_and_spoken(store: CaseStore) -> str:
    from assist.casework import save_generated_draft
    from assist.drafting.pipeline import build_draft
    from assist.drafting.structured import StructuredDrafter
    from assist.drafting.templates import get_template
    from assist.jobs.events import run

    case_id = store.create_case(
        title="J.nr. 9", consent="given", consent_by="Borger B", note_type="journalnotat"
    )
    store.save_transcript(case_id, Transcript.from_typed_notes(TYPED))
    recording = store.start_recording(case_id)
    recording.write(SECOND * 3)
    for number, text in enumerate(SPOKEN):
        recording.on_segment(Segment(number, 1.5 * number, 1.5 * number + 1.5, text, 0.9))
    recording.stop()
    transcript = store.load_transcript(case_id)
    assert transcript is not None and len(transcript.segments) == 4
    draft = run(build_draft(StructuredDrafter(), transcript, get_template("journalnotat")))
    save_generated_draft(store, case_id, draft)
    return case_id


def test_withdrawal_deletes_the_speech_transcript_and_the_draft_sentences_on_it(
    tmp_path: Path,
) -> None:
    from assist.casework import edit_section, load_case_note

    with open_store(tmp_path, make_keys()) as store:
        case_id = _case_with_typed_and_spoken(store)
        note = load_case_note(store, case_id)
        situation = note.note.section("situation").text
        assert all(text in situation for text in SPOKEN)
        # The caseworker corrected one spoken sentence and added one of their own.
        edited = situation.replace("hver uge", "hver anden uge") + " Jeg ringer til lægen."
        edit_section(store, case_id, "situation", edited)
        edit_section(store, case_id, "faglig_vurdering", "Min vurdering: hjælp til husleje.")

        assert store.withdraw_consent(case_id, by="Borger B") == 1

        transcript = store.load_transcript(case_id)
        assert transcript is not None and transcript.model == "typed"
        assert [s.text for s in transcript.segments] == TYPED.splitlines()
        stored = store.load_draft(case_id)
        assert stored is not None
        cited = [
            (sentence["text"], sentence["sources"])
            for section in stored.draft["sections"]
            for sentence in section["sentences"]
        ]
        assert cited and all(set(sources) <= {0, 1} for _, sources in cited)
        for text in (*SPOKEN, "hver anden uge", "søn er syg", "ryggen"):
            assert text not in stored.text, text
        note = load_case_note(store, case_id)  # still a valid note
        assert note.note.section("situation").text == (
            "Borgeren har svært ved at betale huslejen på 6.500 kr. Jeg ringer til lægen."
        )
        assert note.note.section("faglig_vurdering").text == "Min vurdering: hjælp til husleje."
        assert "12. december" in note.note.section("aftaler").text

        withdrawal = store.consent_withdrawal(case_id)
        assert withdrawal is not None
        assert (
            withdrawal.recordings_deleted,
            withdrawal.segments_deleted,
            withdrawal.sentences_removed,
        ) == (1, 2, 2)
        [event] = [e for e in store.audit_events(case_id) if e.event == "consent_withdrawn"]
        assert dict(event.payload) == {
            "recordings_stopped": 0,
            "segments_deleted": 2,
            "sentences_removed": 2,
        }
        assert store.verify_audit().ok


def test_withdrawal_of_a_speech_only_case_leaves_no_transcript_and_typing_still_works(
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASSIST_LANG", "en")
    code, out, _ = _run(capsys, "case", "new", "--consent", "given", "--consent-by", "B")
    case_id = out.strip()
    with open_store(data_dir, _cli_keys(data_dir)) as store:
        recording = store.start_recording(case_id)
        recording.write(SECOND)
        recording.on_segment(Segment(0, 0.0, 1.0, SPOKEN[0], 0.9))
        recording.stop()
    code, _, err = _run(capsys, "draft", "--case", case_id)
    assert code == 0, err
    code, out, _ = _run(capsys, "case", "consent", case_id, "--withdrawn")
    assert code == 0
    assert "1 recording(s), 1 transcript segment(s) and 1 draft sentence(s) deleted" in out
    code, out, _ = _run(capsys, "case", "show", case_id, "--json")
    shown = json.loads(out)
    assert shown["has_transcript"] is False and shown["consent"]["status"] == "withdrawn"
    assert shown["consent_withdrawal"]["segments_deleted"] == 1
    assert shown["consent_withdrawal"]["sentences_removed"] == 1
    code, out, _ = _run(capsys, "case", "show", case_id)
    assert "consent was withdrawn" in out and "1 transcript segment(s)" in out
    code, _, err = _run(capsys, "draft", "--case", case_id)
    assert code == 1 and "no transcript" in err  # nothing left of the recording to draft from
    notes = tmp_path / "noter.txt"
    notes.write_text(TYPED, encoding="utf-8")
    code, out, err = _run(capsys, "draft", "--case", case_id, "--typed", str(notes), "--json")
    assert code == 0, err
    assert SPOKEN[0] not in out
    code, out, _ = _run(capsys, "audit", "show", "--case", case_id, "--json")
    payloads = json.dumps([e["payload"] for e in json.loads(out)], ensure_ascii=False)
    assert "Borgeren" not in payloads and "søn" not in payloads  # counts, never text
    code, out, _ = _run(capsys, "audit", "verify")
    assert code == 0


def test_a_live_segment_cannot_land_after_a_withdrawal_from_elsewhere(
    two_stores: tuple[CaseStore, CaseStore],
) -> None:
    app, other = two_stores
    case_id = app.create_case(title="x", consent="given", consent_by="B")
    recording = app.start_recording(case_id)
    recording.write(SECOND)
    other.withdraw_consent(case_id)
    with pytest.raises(AssistError) as refused:  # what a racing on_segment would reach
        app.append_segment(case_id, Segment(0, 0.0, 1.0, SPOKEN[1], 0.9))
    assert refused.value.code == "store.consent_withdrawn_stop"
    assert recording.on_segment(Segment(0, 0.0, 1.0, SPOKEN[1], 0.9)) is None
    recording.stop()
    assert app.load_transcript(case_id) is None
    assert recover_recordings(app) == []


def test_withdrawal_goes_through_even_when_a_stored_segment_does_not_open(
    tmp_path: Path,
) -> None:
    import sqlite3

    with open_store(tmp_path, make_keys()) as store:
        case_id = store.create_case(title="x", consent="given", consent_by="B")
        recording = store.start_recording(case_id)
        recording.write(SECOND)
        for number, text in enumerate(SPOKEN):
            recording.on_segment(Segment(number, number, number + 1.0, text, 0.9))
        recording.stop()
        conn = sqlite3.connect(tmp_path / "cases.sqlite3")
        with conn:  # one sealed segment flipped beside Assist
            conn.execute(
                "UPDATE transcript_segments SET sealed = zeroblob(64) "
                "WHERE case_id = ? AND seq = 1",
                (case_id,),
            )
        conn.close()
        assert store.withdraw_consent(case_id) == 1
        assert list(store.recordings_dir.iterdir()) == []
        left = store._conn.execute(
            "SELECT COUNT(*) FROM transcript_segments WHERE case_id = ?", (case_id,)
        ).fetchone()[0]
        assert left == 0
        events = [e.event for e in store.audit_events(case_id)]
        assert events.count("consent_withdrawn") == 1 and "audio_deleted" in events
