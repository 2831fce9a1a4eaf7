"""The container-reader fuzz test with a long budget.

    .venv/bin/python bench/secure_fuzz.py [--examples 20000]

Mutates a genuine recording (bit flips, byte sets, truncation, insertion, deletion, duplicated
ranges, swapped records) and feeds arbitrary bytes; the reader must never raise, never report
modified data as complete, and only return a whole-record prefix of the genuine audio.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))
from secure_fuzzing import MUTATIONS, RAW, check_bytes, check_mutated


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20_000)
    args = parser.parse_args()
    for name, strategy, check, share in (
        ("mutated recordings", MUTATIONS, check_mutated, 0.8),
        ("arbitrary bytes", RAW, check_bytes, 0.2),
    ):
        examples = max(1, int(args.examples * share))
        started = time.monotonic()
        options = settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        options(given(strategy)(check))()
        print(f"{name}: {examples} examples passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
