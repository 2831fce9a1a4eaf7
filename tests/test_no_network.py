"""Assist transcribes with every network door shut, and never even knocks on one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Runs in a fresh interpreter: every way out (connect, DNS, create_connection) raises and is
# counted before Assist is even imported; the count goes to stderr as the last line.
GUARDED_RUN = r"""
import socket, sys
attempts = []
def refuse(*args, **kwargs):
    attempts.append(repr(args[:2]))
    raise OSError("network blocked by test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.getaddrinfo = refuse
socket.gethostbyname = refuse
socket.create_connection = refuse
from assist.cli import main
code = main(sys.argv[1:])
print("NETWORK_ATTEMPTS=" + str(len(attempts)), file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.models
def test_transcribe_works_with_sockets_blocked(
    danish_speech: Path, tmp_path: Path, asr_model: object
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "ASSIST_LANG"))}
    result = subprocess.run(
        [sys.executable, "-c", GUARDED_RUN, "transcribe", str(danish_speech / "u0042008.wav"),
         "--json"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "NETWORK_ATTEMPTS=0"
    transcript = json.loads(result.stdout)
    assert "bank" in " ".join(s["text"] for s in transcript["segments"]).lower()
