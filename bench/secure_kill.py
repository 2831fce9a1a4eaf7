"""kill -9 a real-time-paced encrypted recording at random moments; count what is lost.

    .venv/bin/python bench/secure_kill.py [--kills 200] [--concurrency 8] [--seed N]

Each kill: a child process records a known signal at real-time pace (tests/helpers/
secure_kill_child.py) and is killed 0.5-3 s after its first write. The parent reads the file back
and reports the seconds lost beyond the 2-second bound (target 0), recovered audio that differs
from what was recorded (target 0), and, after flipping one random bit in a random record of each
recovered file, how often the reader still accepted that record (target 0).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))
from secure_tools import run_kills


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        results = run_kills(Path(tmp), args.kills, concurrency=args.concurrency, seed=args.seed)
    lost = [r.lost_beyond_bound_s for r in results]
    behind = [r.elapsed_s - r.recovered_s for r in results]
    print(
        f"kills: {len(results)} in {time.monotonic() - started:.0f} s "
        f"(concurrency {args.concurrency})"
    )
    print(
        f"kill moment after first write: {min(r.elapsed_s for r in results):.2f}-"
        f"{max(r.elapsed_s for r in results):.2f} s"
    )
    print(
        f"audio lost (elapsed - recovered): median {statistics.median(behind):.2f} s, "
        f"max {max(behind):.2f} s"
    )
    print(
        f"kills losing more than 2 s: {sum(x > 0 for x in lost)} "
        f"(worst excess {max(lost):.2f} s)  target 0"
    )
    print(
        f"recovered audio differing from what was recorded: "
        f"{sum(not r.content_ok for r in results)}  target 0"
    )
    print(f"accepted tampered chunks: {sum(r.tamper_accepted for r in results)}  target 0")
    problems: dict[str, int] = {}
    for r in results:
        problems[str(r.problem)] = problems.get(str(r.problem), 0) + 1
    print(f"reader verdicts: {problems}")
    bad = any(x > 0 for x in lost) or any(not r.content_ok or r.tamper_accepted for r in results)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
