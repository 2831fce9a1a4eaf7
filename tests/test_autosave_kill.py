"""Autosave: an edit is saved within 2 s of the keystroke, and survives kill -9 intact."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers.store_support import HELPERS, make_keys, open_store, subprocess_env

from assist.store import CaseStore, DraftAutosaver


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def store(tmp_path: Path) -> CaseStore:
    with open_store(tmp_path, make_keys()) as opened:
        yield opened


def _saved_text(store: CaseStore, case_id: str) -> str | None:
    stored = store.load_draft(case_id)
    return None if stored is None else stored.text


def test_saves_after_a_pause_in_typing(store: CaseStore) -> None:
    case_id = store.create_case()
    clock = FakeClock()
    saver = DraftAutosaver(store, case_id, clock=clock)
    assert saver.due_in() is None and not saver.tick()
    saver.edit("H")
    clock.t += 0.4
    assert not saver.tick() and _saved_text(store, case_id) is None
    assert saver.due_in() == pytest.approx(0.1)
    clock.t += 0.1
    assert saver.tick() and _saved_text(store, case_id) == "H"
    assert not saver.dirty and not saver.tick()


def test_continuous_typing_is_saved_within_the_max_wait(store: CaseStore) -> None:
    case_id = store.create_case()
    clock = FakeClock()
    saver = DraftAutosaver(store, case_id, clock=clock)
    text = ""
    for _ in range(11):  # a keystroke every 0.125 s never pauses for 0.5 s
        text += "x"
        saver.edit(text)
        clock.t += 0.125
        saver.tick()
    assert _saved_text(store, case_id) is None
    text += "x"
    saver.edit(text)
    clock.t += 0.125  # 1.5 s after the first unsaved keystroke
    assert saver.tick()
    assert _saved_text(store, case_id) == "x" * 12
    assert saver.saves == 1
    saver.edit(text + "y")
    saver.close()
    assert _saved_text(store, case_id) == text + "y"
    # One "edited" audit event for the editing session, not one per save.
    assert [e.event for e in store.audit_events(case_id)].count("edited") == 1


def _start_child(data_dir: Path, keys, case_id: str, keystrokes: int) -> subprocess.Popen[str]:  # type: ignore[no-untyped-def]
    child = subprocess.Popen(
        [sys.executable, str(HELPERS / "store_autosave_child.py"), case_id, str(keystrokes)],
        env=subprocess_env(data_dir, keys),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def _check_integrity(data_dir: Path) -> None:
    with sqlite3.connect(data_dir / "cases.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_last_edit_survives_kill_after_a_pause(tmp_path: Path) -> None:
    keys = make_keys()
    with open_store(tmp_path, keys) as store:
        case_id = store.create_case()
    child = _start_child(tmp_path, keys, case_id, keystrokes=25)
    assert child.stdout is not None
    lines = [child.stdout.readline() for _ in range(25)]
    time.sleep(2.0)  # the promise: saved within 2 s of the keystroke
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert lines[-1].startswith("typed 25 ")
    _check_integrity(tmp_path)
    with open_store(tmp_path, keys) as store:
        assert _saved_text(store, case_id) == "abcdefghij" * 2 + "abcde"


def test_kill_while_typing_loses_at_most_the_last_two_seconds(tmp_path: Path) -> None:
    keys = make_keys()
    with open_store(tmp_path, keys) as store:
        case_id = store.create_case()
    child = _start_child(tmp_path, keys, case_id, keystrokes=0)
    assert child.stdout is not None
    typed: list[tuple[int, float]] = []

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            _, count, at = line.split()
            typed.append((int(count), float(at)))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(3.5)
    killed_at = time.time()
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    reader.join(timeout=5)
    _check_integrity(tmp_path)
    with open_store(tmp_path, keys) as store:
        saved = _saved_text(store, case_id)
    must_have = max(count for count, at in typed if at <= killed_at - 2.0)
    assert saved is not None and len(saved) >= must_have
    assert saved == ("abcdefghij" * 100)[: len(saved)]  # a whole earlier edit, not a torn one
