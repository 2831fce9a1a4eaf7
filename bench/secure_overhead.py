"""CPU cost of encrypting and writing a recording (target: under 5% of one core at real time).

    .venv/bin/python bench/secure_overhead.py [--seconds 60] [--fast-seconds 600]

Two measurements:
1. real time: `--seconds` of audio fed in 20 ms blocks at real-time pace to a RecordingWriter
   (sealed, written and fsynced every half second); process CPU time divided by wall time, minus
   the same pacing loop without the writer.
2. throughput: `--fast-seconds` of audio fed as fast as possible; CPU seconds spent per second
   of audio (includes the write and fsync system calls; not time waiting for the disk).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from assist.secure.aead import new_key
from assist.secure.container import RecordingWriter, read_recording

BLOCK_SAMPLES = 320  # 20 ms
BLOCK = os.urandom(BLOCK_SAMPLES * 2)


def paced(seconds: float, sink: RecordingWriter | None) -> tuple[float, float]:
    """(CPU seconds, wall seconds) for `seconds` of audio at real-time pace."""
    blocks = int(seconds * 16_000 / BLOCK_SAMPLES)
    cpu0, wall0 = time.process_time(), time.monotonic()
    for index in range(blocks):
        if sink is not None:
            sink.write(BLOCK)
        delay = wall0 + (index + 1) * BLOCK_SAMPLES / 16_000 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    if sink is not None:
        sink.close()
    return time.process_time() - cpu0, time.monotonic() - wall0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--fast-seconds", type=float, default=600.0)
    args = parser.parse_args()
    key = new_key()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "paced.rec"
        baseline_cpu, baseline_wall = paced(min(args.seconds, 20.0), None)
        cpu, wall = paced(args.seconds, RecordingWriter.create(path, key, "paced"))
        assert read_recording(path, key, "paced").complete
        baseline_share = baseline_cpu / baseline_wall
        share = cpu / wall
        print(
            f"real time: {args.seconds:.0f} s of audio in {wall:.1f} s wall, process CPU "
            f"{100 * share:.2f}% of one core (pacing loop alone {100 * baseline_share:.2f}%); "
            f"recording overhead {100 * max(0.0, share - baseline_share):.2f}%  target < 5%"
        )

        fast_path = Path(tmp) / "fast.rec"
        writer = RecordingWriter.create(fast_path, key, "fast", clock=lambda: 0.0)
        cpu0, wall0 = time.process_time(), time.monotonic()
        for _ in range(int(args.fast_seconds * 16_000 / BLOCK_SAMPLES)):
            writer.write(BLOCK)
        writer.close()
        cpu = time.process_time() - cpu0
        wall = time.monotonic() - wall0
        per_audio_s = cpu / args.fast_seconds
        print(
            f"throughput: {args.fast_seconds:.0f} s of audio in {wall:.2f} s wall, "
            f"{cpu:.2f} CPU s = {1000 * per_audio_s:.2f} ms CPU per audio second "
            f"({100 * per_audio_s:.2f}% of one core at real time)"
        )
        started = time.monotonic()
        read = read_recording(fast_path, key, "fast")
        print(f"reading back {read.duration_s:.0f} s: {time.monotonic() - started:.2f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
