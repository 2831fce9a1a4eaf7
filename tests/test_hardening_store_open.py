"""Hardening of the store's edges: a lost key slot or database is reported and nothing changes,
`case delete` confirms what it destroys, a failed `process` leaves the store as it was, and a
kill -9 in the middle of `case delete` or `retention run` leaves a consistent store.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import CLI_PASSPHRASE, SAMPLE_WAV
from helpers.store_support import HELPERS, files_under, make_keys, open_store, subprocess_env

from assist.asr import model as asr_model
from assist.asr.engine import FakeAsrEngine
from assist.cli import main
from assist.errors import AssistError, Msg
from assist.secure.keys import KeyMaterial, key_status, load_keys
from assist.store import CaseStore, apply_retention
from assist.store.recover import recover_recordings
from assist.store.retention import RetentionPolicy
from assist.transcript import Segment

LATER = datetime(2030, 1, 1, tzinfo=UTC)
TYPED = "Borgeren har svært ved at betale huslejen.\nVi aftalte et nyt møde i næste uge.\n"
CASE_TABLES = (
    "cases",
    "case_keys",
    "recordings",
    "transcript_meta",
    "transcript_segments",
    "drafts",
    "signed_notes",
)


@pytest.fixture(autouse=True)
def english(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSIST_LANG", "en")  # after `data_dir`, which clears it


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _new_case(capsys: pytest.CaptureFixture[str], title: str = "J.nr. 7") -> str:
    code, out, err = _run(capsys, "case", "new", "--title", title, "--note-type", "journalnotat")
    assert code == 0, err
    return out.strip()


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in files_under(directory)}


# ---- 9. a lost key slot or database: say what is wrong, change nothing -------------------


def test_a_removed_key_slot_is_reported_and_never_replaced(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _new_case(capsys, "hemmelig titel")
    (data_dir / "keyslot.json").unlink()
    before = _snapshot(data_dir)
    for argv in (("case", "list"), ("case", "new", "--title", "ny"), ("retention", "run")):
        code, out, err = _run(capsys, *argv)
        assert code == 1, argv
        assert "keyslot.json" in err and "is missing" in err and "Nothing was changed" in err
        assert "Wrong passphrase" not in err and "unexpected" not in err
        assert "hemmelig" not in out + err and "Traceback" not in err
        assert not (data_dir / "keyslot.json").exists()
        assert _snapshot(data_dir) == before
    with pytest.raises(AssistError) as refused:
        load_keys(data_dir, {"ASSIST_PASSPHRASE": CLI_PASSPHRASE})
    assert refused.value.code == "secure.keyslot_missing"
    assert key_status(data_dir, {}).slot_problem == "secure.keyslot_missing"


@pytest.mark.parametrize("damage", ["emptied", "deleted"])
def test_an_emptied_or_deleted_database_beside_its_key_slot_is_reported(
    data_dir: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    _new_case(capsys)
    database = data_dir / "cases.sqlite3"
    if damage == "emptied":
        database.write_bytes(b"")
    else:
        database.unlink()
    before = _snapshot(data_dir)
    for argv in (("case", "list"), ("case", "new", "--title", "ny"), ("retention", "run")):
        code, out, err = _run(capsys, *argv)
        assert code == 1, argv
        assert "cases.sqlite3" in err and "missing or empty" in err
        assert "Nothing was changed" in err and "No cases" not in out
        assert _snapshot(data_dir) == before  # no fresh store, no new tables, no WAL
    assert database.exists() == (damage == "emptied")


def test_a_new_data_folder_still_starts_a_store(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The fixture made only the key slot, as a first start that stopped early would.
    assert [p.name for p in data_dir.iterdir()] == ["keyslot.json"]
    code, out, _ = _run(capsys, "case", "list")
    assert code == 0 and "No cases" in out


def test_the_key_module_knows_the_store_files_by_their_real_names() -> None:
    from assist.secure import keys
    from assist.store import schema
    from assist.store.audit import HEAD_FILE
    from assist.store.base import RECORDINGS_DIR
    from assist.store.recordings import RECORDING_SUFFIX

    assert (schema.DB_NAME, f"{schema.DB_NAME}-wal", HEAD_FILE) == keys.STORE_FILES
    assert (RECORDINGS_DIR, RECORDING_SUFFIX) == keys.STORE_RECORDINGS


# ---- 3. `case delete` asks, shows what it destroys, and takes no guess --------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _signed_case(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    case_id = _new_case(capsys, "Hjemmebesøg Nørrevang")
    notes = tmp_path / "noter.txt"
    notes.write_text(TYPED, encoding="utf-8")
    for argv in (
        ("draft", "--case", case_id, "--typed", str(notes)),
        ("note", "edit", case_id, "--section", "faglig_vurdering", "--text", "Min vurdering."),
        ("sign", case_id, "--signer", "Anne Hansen", "--acknowledge-all"),
    ):
        code, _, err = _run(capsys, *argv)
        assert code == 0, (argv, err)
    return case_id


def test_delete_without_a_terminal_needs_yes(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = _new_case(capsys)
    monkeypatch.setattr(sys, "stdin", io.StringIO("yes\n"))  # piped input is no confirmation
    code, out, err = _run(capsys, "case", "delete", case_id)
    assert code == 2 and "must be confirmed" in err and "--yes" in err
    assert "Nothing was deleted" in err and out == ""
    code, _, _ = _run(capsys, "case", "show", case_id)
    assert code == 0


def test_delete_with_yes_takes_only_the_full_id(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = _new_case(capsys)
    code, _, err = _run(capsys, "case", "delete", case_id[0], "--yes")
    assert code == 2 and "full id" in err and "Nothing was deleted" in err
    assert case_id not in err  # a guess is not confirmed by printing the answer
    code, _, _ = _run(capsys, "case", "show", case_id)
    assert code == 0
    code, out, _ = _run(capsys, "case", "delete", case_id.upper(), "--yes")
    assert code == 0 and "deleted for good" in out


def test_delete_on_a_terminal_shows_id_title_and_what_is_lost_then_asks(
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case_id = _signed_case(capsys, tmp_path)
    monkeypatch.setattr(sys, "stdin", _Terminal("nej tak\n"))
    code, out, err = _run(capsys, "case", "delete", case_id[0])  # one character: shown back
    assert code == 1 and "nothing was deleted" in err.lower()
    assert case_id in err and "Hjemmebesøg Nørrevang" in err
    assert "NEVER exported" in err and "the transcript (2 segments)" in err
    assert "the draft of the note" in err and "cannot be undone" in err
    code, _, _ = _run(capsys, "case", "show", case_id)
    assert code == 0
    monkeypatch.setattr(sys, "stdin", _Terminal(""))  # end of input is no, too
    code, _, _ = _run(capsys, "case", "delete", case_id[:3])
    assert code == 1
    monkeypatch.setattr(sys, "stdin", _Terminal("yes\n"))
    code, out, err = _run(capsys, "case", "delete", case_id[:3])
    assert code == 0 and f"The case {case_id} is deleted for good" in out
    code, _, err = _run(capsys, "case", "show", case_id)
    assert code == 1 and "does not exist" in err


def test_a_case_changed_beside_assist_can_still_be_deleted(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = _new_case(capsys, "ændret udefra")
    conn = sqlite3.connect(data_dir / "cases.sqlite3")
    with conn:
        conn.execute("UPDATE cases SET consent = 'given' WHERE case_id = ?", (case_id,))
    conn.close()
    monkeypatch.setattr(sys, "stdin", _Terminal("yes\n"))
    code, out, err = _run(capsys, "case", "delete", case_id)
    assert code == 0, err
    assert case_id in err and "deleted for good" in out
    code, out, _ = _run(capsys, "case", "list", "--json")
    assert json.loads(out) == []


def test_delete_refuses_an_ambiguous_prefix_before_asking(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = load_keys(data_dir, {"ASSIST_PASSPHRASE": CLI_PASSPHRASE})
    with open_store(data_dir, keys) as store:
        ids = [store.create_case(title=f"sag {n}") for n in range(17)]  # 17 > 16 hex digits
    shared = next(c[0] for c in ids if sum(other[0] == c[0] for other in ids) > 1)
    monkeypatch.setattr(sys, "stdin", _Terminal("yes\n"))
    code, _, err = _run(capsys, "case", "delete", shared)
    assert code == 2 and "several cases" in err
    code, out, _ = _run(capsys, "case", "list", "--json")
    assert len(json.loads(out)) == 17


# ---- 8. a failed `process` leaves the store as it was ---------------------------------------


class _Model:
    model_id = "fake-asr"
    sha256 = "0" * 64
    fit_for_drafting = False  # asked as a language model too: never fit, so drafts are structured


class _Models:
    def resolve(self, *args: object, **kwargs: object) -> _Model:
        return _Model()

    def verify(self, *args: object, **kwargs: object) -> Iterator[object]:
        return iter(())  # every file known: nothing to hash


class _Interrupted(FakeAsrEngine):
    def transcribe(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        raise KeyboardInterrupt
        yield  # a generator, as the real engines are


@pytest.fixture
def engines(monkeypatch: pytest.MonkeyPatch) -> list[FakeAsrEngine]:
    """The engine `process` loads next (default: a FakeAsrEngine hearing 'tale N')."""
    from assist.models import store as model_store

    queue: list[FakeAsrEngine] = []
    monkeypatch.setattr(
        asr_model, "load_engine", lambda *a, **k: queue.pop(0) if queue else FakeAsrEngine()
    )
    monkeypatch.setattr(model_store, "open_store", lambda *a, **k: _Models())
    return queue


def _wav(path: Path, pcm: bytes) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(pcm)
    return path


DRAFT_FAILED = Msg("test.draft_failed", da="Udkastet kunne ikke laves.", en="Drafting failed.")


def _process_failures(
    tmp_path: Path, engines: list[FakeAsrEngine], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, list[str], int]]:
    """(what, argv after `process`, exit code) for each way a job fails; set up as it runs."""
    not_audio = tmp_path / "noter.wav"
    not_audio.write_text("ikke lyd", encoding="utf-8")
    silence = _wav(tmp_path / "stille.wav", bytes(16_000 * 2 * 3))
    noise = _wav(tmp_path / "stoej.wav", os.urandom(16_000 * 2 * 3))
    yield "missing file", [str(tmp_path / "findes-ikke.wav")], 1
    yield "not audio", [str(not_audio)], 1
    yield "silence", [str(silence)], 1
    engines.append(FakeAsrEngine(script=[[] for _ in range(50)]))  # hears no words in noise
    yield "noise", [str(noise)], 1
    engines.append(_Interrupted())
    yield "Ctrl+C", [str(SAMPLE_WAV)], 130

    def broken_draft(*args: object, **kwargs: object) -> None:
        raise AssistError(DRAFT_FAILED)

    with monkeypatch.context() as patch:
        patch.setattr("assist.jobs.draft.draft_transcript", broken_draft)
        yield "drafting failed", [str(SAMPLE_WAV)], 1


def test_failed_process_jobs_leave_no_case_behind(
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    engines: list[FakeAsrEngine],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, before, _ = _run(capsys, "audit", "show", "--json")
    for what, argv, exit_code in _process_failures(tmp_path, engines, monkeypatch):
        code, _, err = _run(capsys, "process", *argv, "--engine", "structured")
        assert code == exit_code, (what, err)
        assert "unexpected" not in err and "Traceback" not in err, what
        code, out, _ = _run(capsys, "case", "list", "--json")
        assert json.loads(out) == [], what
    # Nothing was written at all: the audit trail is as it was.
    _, after, _ = _run(capsys, "audit", "show", "--json")
    assert json.loads(after) == json.loads(before)


def test_a_failure_while_saving_removes_the_case_the_job_made(
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
    engines: list[FakeAsrEngine],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def disk_full(*args: object, **kwargs: object) -> None:
        from assist.store.base import STORE_DAMAGED

        raise AssistError(STORE_DAMAGED, path="x", reason="disk full")

    monkeypatch.setattr("assist.casework.save_generated_draft", disk_full)
    code, _, err = _run(capsys, "process", str(SAMPLE_WAV), "--engine", "structured")
    assert code == 1 and "disk full" in err
    code, out, _ = _run(capsys, "case", "list", "--json")
    assert json.loads(out) == []
    code, out, _ = _run(capsys, "audit", "verify")
    assert code == 0


def test_failed_process_jobs_leave_a_given_case_as_it_was(
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    engines: list[FakeAsrEngine],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case_id = _new_case(capsys)
    notes = tmp_path / "noter.txt"
    notes.write_text(TYPED, encoding="utf-8")
    code, _, err = _run(capsys, "draft", "--case", case_id, "--typed", str(notes))
    assert code == 0, err
    _, before, _ = _run(capsys, "case", "show", case_id, "--json")
    _, note_before, _ = _run(capsys, "note", "show", case_id, "--json")
    for what, argv, exit_code in _process_failures(tmp_path, engines, monkeypatch):
        code, _, err = _run(capsys, "process", *argv, "--case", case_id, "--engine", "structured")
        assert code == exit_code, (what, err)
        _, shown, _ = _run(capsys, "case", "show", case_id, "--json")
        assert json.loads(shown) == json.loads(before), what
        _, note, _ = _run(capsys, "note", "show", case_id, "--json")
        assert json.loads(note) == json.loads(note_before), what
    code, _, err = _run(
        capsys, "process", str(SAMPLE_WAV), "--case", case_id, "--engine", "structured"
    )
    assert code == 0, err  # and a job that works still replaces transcript and draft
    _, note, _ = _run(capsys, "note", "show", case_id, "--json")
    assert json.loads(note) != json.loads(note_before)
    _, audit, _ = _run(capsys, "audit", "show", "--case", case_id, "--json")
    assert [e["payload"].get("model") for e in json.loads(audit) if e["event"] == "transcribed"][
        -1
    ] == "fake-asr"
    _, listing, _ = _run(capsys, "case", "list", "--json")
    assert [c["id"] for c in json.loads(listing)] == [case_id]


# ---- kill -9 in the middle of `case delete` and `retention run` ---------------------------

CLI = HELPERS / "store_cli_with_key.py"
KILLS = 10


def _cli(data_dir: Path, keys: KeyMaterial, *argv: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(CLI), *argv],
        env=subprocess_env(data_dir, keys),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _timed(template: Path, keys: KeyMaterial, *argv: str) -> float:
    """How long the command takes on a copy of `template` (the faster of two runs)."""
    times = []
    for run in range(2):
        data = template.with_name(f"timing-{'-'.join(argv[:2])}-{run}")
        shutil.copytree(template, data)
        started = time.monotonic()
        child = _cli(data, keys, *argv)
        assert child.wait(timeout=60) == 0, argv
        times.append(time.monotonic() - started)
    return min(times)


def _kill(child: subprocess.Popen[bytes]) -> bool:
    """kill -9 if still running; True if it was."""
    running = child.poll() is None
    if running:
        os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    return running


def _kill_delay(opened_s: float, full_s: float, trial: int) -> float:
    """Kill moments spread from before the store is open to just after the command ends."""
    first, last = 0.6 * opened_s, full_s
    return first + (last - first) * trial / (KILLS - 1)


def _recorded_case(store: CaseStore, title: str, recordings: int, seconds: float) -> str:
    case_id = store.create_case(title=title, consent="given", consent_by="Borger B")
    for number in range(recordings):
        recording = store.start_recording(case_id)
        recording.write(b"\x10\x00" * int(16_000 * seconds))
        recording.on_segment(Segment(0, 0.0, 1.0, f"del {number}", 0.9))
        recording.stop()
    store.save_draft(case_id, {"sections": []}, "et udkast")
    return case_id


def _check_after_kill(data_dir: Path, keys: KeyMaterial, case_ids: list[str]) -> set[str]:
    """Each case fully there (audio readable, transcript, draft) or fully gone (no row, no
    file once `recover` finished the clean-up); the audit trail verifies. Returns those there."""
    with sqlite3.connect(data_dir / "cases.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for case_id in case_ids:
            rows = {
                table: conn.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE case_id = ?", (case_id,)
                ).fetchone()[0]
                for table in CASE_TABLES
            }
            there = ("cases", "case_keys", "recordings", "transcript_segments", "drafts")
            assert all(rows[t] for t in there) or not any(rows.values()), (case_id, rows)
    with open_store(data_dir, keys) as store:
        present = store.known_case_ids() & set(case_ids)
        for case_id in case_ids:
            if case_id in present:
                case = store.get_case(case_id)
                assert case.recordings and all(r.has_audio for r in case.recordings)
                for recording in case.recordings:
                    assert store.read_recording(recording.recording_id).complete
                assert store.load_transcript(case_id) is not None
                assert store.load_draft(case_id) is not None
            else:
                events = [e.event for e in store.audit_events(case_id)]
                assert events[-1] in ("case_deleted", "case_purged"), events
        recover_recordings(store)  # what start-up runs: shreds what a killed delete left
        on_disk = {p.name for p in store.recordings_dir.iterdir()}
        assert on_disk == store.audio_file_names()
        report = store.verify_audit()
        assert report.ok, report.problems
    return present


@pytest.mark.slow
def test_kill_during_case_delete_leaves_the_case_fully_there_or_fully_gone(
    tmp_path: Path,
) -> None:
    keys = make_keys()
    template = tmp_path / "template"
    with open_store(template, keys) as store:
        doomed = _recorded_case(store, "slettes", recordings=12, seconds=60)
        kept = _recorded_case(store, "bliver", recordings=1, seconds=2)
    opened_s = _timed(template, keys, "case", "list")
    full_s = _timed(template, keys, "case", "delete", doomed, "--yes")
    outcomes, killed = [], 0
    for trial in range(KILLS):
        data = tmp_path / f"kill{trial}"
        shutil.copytree(template, data)
        child = _cli(data, keys, "case", "delete", doomed, "--yes")
        time.sleep(_kill_delay(opened_s, full_s, trial))
        killed += _kill(child)
        present = _check_after_kill(data, keys, [doomed, kept])
        assert kept in present
        outcomes.append(doomed in present)
        if doomed in present:  # nothing stale blocks finishing the job
            with open_store(data, keys) as store:
                store.delete_case(doomed)
            _check_after_kill(data, keys, [doomed, kept])
    assert killed >= KILLS // 3 and True in outcomes, (killed, outcomes)


@pytest.mark.slow
def test_kill_during_retention_run_leaves_each_case_fully_there_or_fully_gone(
    tmp_path: Path,
) -> None:
    keys = make_keys()
    template = tmp_path / "template"
    with open_store(template, keys) as store:
        cases = [_recorded_case(store, f"sag {n}", recordings=1, seconds=3) for n in range(30)]
    now = LATER.isoformat()
    opened_s = _timed(template, keys, "case", "list")
    full_s = _timed(template, keys, "retention", "run", "--now", now)
    tried: list[tuple[float, int]] = []  # (kill delay, cases still there)
    killed = 0

    def trial(delay: float) -> None:
        nonlocal killed
        data = tmp_path / f"kill{len(tried)}"
        shutil.copytree(template, data)
        child = _cli(data, keys, "retention", "run", "--now", now)
        time.sleep(delay)
        killed += _kill(child)
        tried.append((delay, len(_check_after_kill(data, keys, cases))))
        with open_store(data, keys) as store:  # the next run finishes the job
            apply_retention(store, RetentionPolicy(), LATER)
        assert _check_after_kill(data, keys, cases) == set()

    for number in range(KILLS):
        trial(_kill_delay(opened_s, full_s, number))
    # A loaded machine shifts the timing: aim between the last "all there" and the first
    # "all gone" until one kill lands in the middle of the purges.
    for _ in range(6):
        if any(0 < count < len(cases) for _, count in tried):
            break
        before = max((d for d, c in tried if c == len(cases)), default=0.0)
        after = min((d for d, c in tried if c == 0 and d > before), default=2 * full_s)
        trial((before + after) / 2)
    assert killed >= KILLS // 3, (killed, tried)
    assert any(0 < count < len(cases) for _, count in tried), tried  # a kill mid-way
