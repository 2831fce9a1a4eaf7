"""Assist makes no network attempt: not in the app's process, not in its engine workers.

Two counters, both on stderr so they work across processes: Assist's own guard (netguard)
writes a line for each call it refuses, and an audit hook loaded into every process of the run
(tests/helpers/network_watch/sitecustomize.py) writes a line for each socket call that got past
the guard, then stops it before it reaches the OS. A clean run has neither. The planted tests
show that each counter sees an attempt, so the clean tests can fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assist.netguard import REFUSAL_MARK

WATCH = Path(__file__).parent / "helpers" / "network_watch"
HELPERS = Path(__file__).parent / "helpers"
UNGUARDED_MARK = "UNGUARDED-NETWORK-ATTEMPT"


def _run(*argv: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], int, int]:
    """(result, attempts the guard refused, attempts that got past it) of a Python run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "ASSIST_LANG"))}
    env["PYTHONPATH"] = os.pathsep.join([str(WATCH), str(HELPERS)])
    result = subprocess.run(
        [sys.executable, *argv], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )
    lines = result.stderr.splitlines()
    refused = sum(line.startswith(REFUSAL_MARK) for line in lines)
    unguarded = sum(line.startswith(UNGUARDED_MARK) for line in lines)
    return result, refused, unguarded


@pytest.mark.models
def test_transcribe_and_doctor_make_no_network_attempt(
    danish_speech: Path, tmp_path: Path, asr_model: object
) -> None:
    clip = str(danish_speech / "u0042008.wav")
    result, refused, unguarded = _run("-m", "assist", "transcribe", clip, "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (refused, unguarded) == (0, 0)
    transcript = json.loads(result.stdout)
    assert "bank" in " ".join(s["text"] for s in transcript["segments"]).lower()
    result, refused, unguarded = _run("-m", "assist", "doctor", "--json", cwd=tmp_path)
    assert json.loads(result.stdout)["cpu"]["llama_cpp_build"]["features"]  # a worker ran
    assert (refused, unguarded) == (0, 0)


PLANTED_IN_APP = r"""
import sys, urllib.request
import assist.settings as settings
original = settings.load_settings
def phoning_home(*args, **kwargs):
    try:  # a library that phones home and swallows the failure
        urllib.request.urlopen("http://example.org/telemetry", timeout=1)
    except OSError:
        pass
    return original(*args, **kwargs)
settings.load_settings = phoning_home  # main() calls it, after installing the guard
from assist.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_planted_attempt_in_the_app_is_counted_and_refused(tmp_path: Path) -> None:
    result, refused, unguarded = _run(
        "-c", PLANTED_IN_APP, "transcribe", str(tmp_path / "missing.wav"), cwd=tmp_path
    )
    assert result.returncode == 1 and "missing.wav" in result.stderr  # the command went on
    assert refused >= 1 and unguarded == 0  # the app's guard stopped it, and said so


PLANTED_IN_WORKER = r"""
from fake_workers import PhoneHomeSpec
from assist.engines.worker import EngineWorker
from assist.errors import AssistError
try:
    EngineWorker(PhoneHomeSpec()).info()
except AssistError as error:
    print(error.code, error.params.get("kind"))
"""


def test_a_planted_attempt_in_an_engine_worker_is_counted_and_refused(tmp_path: Path) -> None:
    # The parent here never installs the guard: only the worker's own guard can stop it.
    result, refused, unguarded = _run("-c", PLANTED_IN_WORKER, cwd=tmp_path)
    assert result.stdout.split() == ["internal", "NetworkBlockedError"], result.stderr
    assert refused == 1 and unguarded == 0


def test_an_attempt_past_every_guard_is_counted_and_never_leaves(tmp_path: Path) -> None:
    code = "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=1)\n" \
           "except OSError as e:\n    print(e)\n"  # fmt: skip
    result, refused, unguarded = _run("-c", code, cwd=tmp_path)
    assert (refused, unguarded) == (0, 1)
    assert "audit hook" in result.stdout
