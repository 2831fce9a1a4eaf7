"""Case store speed: what a caseworker waits for, on a store with a realistic backlog.

    .venv/bin/python bench/store_latency.py                 # 200 cases of 300 segments each
    .venv/bin/python bench/store_latency.py --cases 50 --json out.json

Targets: an autosave (draft text) commit < 50 ms median (the 2-second autosave promise leaves
plenty), a live-segment commit < 50 ms median (segments arrive every few seconds), `case list`
< 1 s with 200 cases, delete (crypto-shred + checkpoint) < 1 s, a retention run over 200 cases
< 2 s, opening the store < 200 ms. All commits are durable (WAL, synchronous=FULL: an fsync
each), so the disk dominates; numbers on a busy shared machine are pessimistic.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assist.secure.keys import KeyMaterial, audit_key_from  # noqa: E402
from assist.store import RetentionPolicy, apply_retention, open_case_store  # noqa: E402
from assist.transcript import Segment, Transcript  # noqa: E402

SENTENCE = "Borgeren fortalte om sin hverdag og om hjælpen fra hjemmeplejen i de sidste uger."


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--segments", type=int, default=300)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    master = secrets.token_bytes(32)
    keys = KeyMaterial(master, audit_key_from(master), "passphrase")
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        store = open_case_store(data_dir, keys)
        transcript = Transcript(
            "da",
            args.segments * 4.0,
            "whisper-base-ct2",
            tuple(Segment(i, i * 4.0, i * 4.0 + 4, SENTENCE, 0.9) for i in range(args.segments)),
        )
        start = time.perf_counter()
        ids = []
        for n in range(args.cases):
            case_id = store.create_case(title=f"Sag {n}", consent="given", consent_by="Borger")
            store.save_transcript(case_id, transcript)
            store.save_draft_text(case_id, SENTENCE * 20)
            ids.append(case_id)
        results["fill_s"] = round(time.perf_counter() - start, 2)
        target = ids[-1]
        autosave = _timed(lambda: store.save_draft_text(target, SENTENCE * 40), 50)
        results["autosave_median_ms"] = _ms(statistics.median(autosave))
        results["autosave_max_ms"] = _ms(max(autosave))
        live_case = store.create_case(title="live", consent="given", consent_by="B")
        segment = Segment(0, 0.0, 4.0, SENTENCE, 0.9)
        live = _timed(lambda: store.append_segment(live_case, segment), 50)
        results["live_segment_median_ms"] = _ms(statistics.median(live))
        results["live_segment_max_ms"] = _ms(max(live))
        results["case_list_ms"] = _ms(min(_timed(store.list_cases, 3)))
        results["load_transcript_ms"] = _ms(min(_timed(lambda: store.load_transcript(target), 3)))
        results["delete_case_ms"] = _ms(min(_timed(lambda: store.delete_case(ids.pop()), 3)))
        store.close()
        results["open_store_ms"] = _ms(
            min(_timed(lambda: open_case_store(data_dir, keys).close(), 3))
        )
        store = open_case_store(data_dir, keys)
        later = store._now_dt() + timedelta(days=31)
        start = time.perf_counter()
        report = apply_retention(store, RetentionPolicy(), now=later)
        results["retention_purge_all_s"] = round(time.perf_counter() - start, 2)
        results["retention_purged"] = report.cases_purged
        results["db_bytes_after_purge"] = (data_dir / "cases.sqlite3").stat().st_size
        store.close()
    for key, value in results.items():
        print(f"{key:28} {value}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
