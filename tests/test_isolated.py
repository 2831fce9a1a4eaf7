"""Tests that need a process of their own, each file run by a pytest of its own.

QtMultimedia connects to the sound server the first time a process uses it and aborts the whole
process when that server goes away; the tests in `tests/isolated/` start a private PulseAudio
server with a virtual microphone, so they must not share a process with other Qt tests. A
server left behind by a child that died is stopped here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

ISOLATED = Path(__file__).parent / "isolated"


def _run_isolated(name: str, tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rxs"]
    command += [f"--basetemp={tmp_path / 'run'}", str(ISOLATED / name)]
    try:
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=900, cwd=ISOLATED.parents[1]
        )
    finally:
        for process in psutil.process_iter(["cmdline"]):
            if any(str(tmp_path) in part for part in process.info["cmdline"] or []):
                process.kill()  # a sound server whose test process died before stopping it
    summary = result.stdout.strip().splitlines()[-1:] if result.stdout.strip() else []
    assert result.returncode == 0, f"{name}:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    assert summary and " passed" in summary[0], result.stdout[-3000:]


@pytest.mark.slow
def test_recording_through_a_real_microphone(tmp_path: Path) -> None:
    _run_isolated("check_real_microphone.py", tmp_path)


@pytest.mark.slow
@pytest.mark.models
def test_a_meeting_end_to_end_with_the_real_models(asr_model: object, tmp_path: Path) -> None:
    """New meeting, record through the virtual microphone, real transcription, draft, sign,
    export, the DOCX read back, and the user actions counted (`isolated/check_end_to_end.py`)."""
    _run_isolated("check_end_to_end.py", tmp_path)  # asr_model: skipped here without models


@pytest.mark.slow
@pytest.mark.models
def test_dictation_through_a_real_microphone_with_the_real_model(
    asr_model: object, tmp_path: Path
) -> None:
    """F8 held while real Danish speech plays into the virtual microphone, the real whisper
    model, clean text at the cursor, its audio and sources in the case
    (`isolated/check_real_dictation.py`)."""
    _run_isolated("check_real_dictation.py", tmp_path)
