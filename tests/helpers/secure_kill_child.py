"""Child process for kill tests: records a known signal at real-time pace until killed.

Usage: python secure_kill_child.py PATH KEY_HEX RECORDING_ID
Prints "START <time.monotonic()>" just before the first audio is written. CLOCK_MONOTONIC is
system-wide on Linux, so the parent can compare it with its own clock.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from secure_tools import expected_pcm

from assist.secure.container import RecordingWriter

BLOCK_S = 0.05  # audio devices deliver blocks of tens of milliseconds
LIMIT_S = 30.0


def main() -> None:
    path, key_hex, recording_id = sys.argv[1], sys.argv[2], sys.argv[3]
    writer = RecordingWriter.create(Path(path), bytes.fromhex(key_hex), recording_id)
    started = time.monotonic()
    print(f"START {started!r}", flush=True)
    fed = 0
    while True:
        # Feed what is due by the wall clock, so a delayed wake-up catches up like a device would.
        due = int((time.monotonic() - started) * 16_000)
        if due > fed:
            writer.write(expected_pcm(fed, due - fed))
            fed = due
        if fed >= LIMIT_S * 16_000:
            break
        time.sleep(BLOCK_S)
    writer.close()


if __name__ == "__main__":
    main()
