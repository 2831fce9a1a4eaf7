"""Test-side tools for the recording container: record boundaries, expected audio, kill runs.

Used by tests/test_secure_*.py and bench/secure_*.py (which put this folder on sys.path).
"""

from __future__ import annotations

import os
import random
import signal
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from assist.secure import container

CHILD = Path(__file__).with_name("secure_kill_child.py")
BYTES_PER_SECOND = 32_000


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # "header", "audio", "final"


def spans(data: bytes) -> list[Span]:
    """Where the header and each record of a well-formed container lie (test oracle)."""
    id_len = struct.unpack_from(">H", data, 35)[0]
    pos = 37 + id_len + container.HEADER_TAG_BYTES
    found = [Span(0, pos, "header")]
    while pos + 17 <= len(data):
        body_len, kind = struct.unpack_from(">IB", data, pos)
        end = min(pos + 17 + body_len, len(data))
        found.append(Span(pos, end, "final" if kind == container.KIND_FINAL else "audio"))
        pos = end
    return found


def expected_pcm(start_sample: int, count: int) -> bytes:
    """The deterministic test signal the kill child records (any sample is checkable)."""
    import numpy as np

    index = np.arange(start_sample, start_sample + count, dtype=np.int64)
    return ((index * 7919 + (index >> 9)) % 65536).astype("<u2").tobytes()


@dataclass(frozen=True)
class KillResult:
    elapsed_s: float  # wall time from the child's first write to the kill
    recovered_s: float
    problem: str | None
    content_ok: bool
    tamper_accepted: bool  # after flipping a random bit in a record, was that record accepted?

    @property
    def lost_beyond_bound_s(self) -> float:
        return max(0.0, self.elapsed_s - 2.0 - self.recovered_s)


def _tamper_check(path: Path, key: bytes, recording_id: str, rng: random.Random) -> bool:
    """Flip one bit in a random record; True if the reader still returned that record's audio."""
    data = bytearray(path.read_bytes())
    records = [s for s in spans(bytes(data)) if s.kind == "audio" and s.end - s.start > 17]
    if not records:
        return False
    index = rng.randrange(len(records))
    target = records[index]
    position = rng.randrange(target.start, target.end)
    data[position] ^= 1 << rng.randrange(8)
    tampered = path.with_suffix(".tampered")
    tampered.write_bytes(bytes(data))
    try:
        read = container.read_recording(tampered, key, recording_id)
    finally:
        tampered.unlink()
    kept_before = sum(s.end - s.start - 17 - 29 for s in records[:index])
    return len(read.pcm) > kept_before or read.complete


def run_kills(
    workdir: Path, count: int, *, concurrency: int = 5, seed: int | None = None,
    min_s: float = 0.5, max_s: float = 3.0,
) -> list[KillResult]:
    """Start recording children at real-time pace, kill -9 each at a random moment, recover."""
    rng = random.Random(seed)
    results: list[KillResult] = []
    number = 0
    while number < count:
        batch = []
        for _ in range(min(concurrency, count - number)):
            key = os.urandom(32)
            recording_id = f"kill-{number}"
            path = workdir / f"{recording_id}.rec"
            child = subprocess.Popen(
                [sys.executable, str(CHILD), str(path), key.hex(), recording_id],
                stdout=subprocess.PIPE, text=True,
            )
            batch.append((child, key, recording_id, path))
            number += 1
        plans = []
        for child, key, recording_id, path in batch:
            assert child.stdout is not None
            line = child.stdout.readline().split()
            if not line or line[0] != "START":
                child.kill()
                raise RuntimeError(f"kill child did not start: {line!r}")
            started = float(line[1])
            plans.append((started + rng.uniform(min_s, max_s), started, child, key, recording_id,
                          path))
        for kill_at, started, child, key, recording_id, path in sorted(plans, key=lambda p: p[0]):
            time.sleep(max(0.0, kill_at - time.monotonic()))
            killed_at = time.monotonic()
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
            read = container.read_recording(path, key, recording_id)
            samples = len(read.pcm) // 2
            results.append(KillResult(
                elapsed_s=killed_at - started,
                recovered_s=read.duration_s,
                problem=read.problem,
                content_ok=read.pcm == expected_pcm(0, samples),
                tamper_accepted=_tamper_check(path, key, recording_id, rng),
            ))
            if child.stdout is not None:
                child.stdout.close()
    return results
