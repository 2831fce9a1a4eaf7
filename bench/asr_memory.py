"""Peak memory (RSS) of `assist transcribe` as a child process. Target: <= 1 GB.

    .venv/bin/python bench/asr_memory.py [--lengths 40,600]

Runs the real command (`python -m assist transcribe FILE --json`, the installed default model)
once per length and reads the child's peak resident set size from the kernel (wait4 rusage
on Linux/macOS; psutil polling elsewhere). 40 s is tests/fixtures/sample-da.wav; longer
lengths are generated.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from asr_common import REPO, joined, load_clips, table
from live_latency import write_wav

SAMPLE = REPO / "tests" / "fixtures" / "sample-da.wav"


def peak_rss_mb(command: list[str]) -> tuple[float, float, int]:
    """(peak RSS in MB, wall seconds, exit code) of a child process."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    if hasattr(os, "wait4"):
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        peak_kb = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss / 1024
        return peak_kb / 1024, time.perf_counter() - started, child.returncode
    import psutil

    watched = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.Error:
            break
        time.sleep(0.05)
    return peak / 2**20, time.perf_counter() - started, child.returncode or 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", default="40,600", help="audio lengths in seconds")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for seconds in [float(s) for s in args.lengths.split(",")]:
            if abs(seconds - 40) < 5:
                path = SAMPLE
            else:
                path = Path(folder) / f"long-{seconds:.0f}s.wav"
                write_wav(path, joined(load_clips(), seconds).audio)
            command = [sys.executable, "-m", "assist", "transcribe", str(path), "--json"]
            peak, wall, code = peak_rss_mb(command)
            if code != 0:
                raise SystemExit(f"assist transcribe failed with exit code {code}")
            rows.append([f"{seconds:.0f} s", f"{peak:.0f}", f"{wall:.1f}"])
    print(table(["audio", "peak RSS MB (target <= 1024)", "wall time s (incl. model load)"], rows))


if __name__ == "__main__":
    main()
