"""How long the audio path waits on the case store while another case is signed.

    .venv/bin/python bench/audio_path_wait.py [--recordings 5] [--minutes 10] [--json]

One case records in a thread as the app's audio callback would: a 100 ms block of PCM every
100 ms into `CaseRecording.write` (the encrypted writer, with its consent check on every block
here, the worst case; the default is once a second). Meanwhile another case with N recordings
of M minutes each is signed (`casework.sign_case`), which runs the retention policy and shreds
that case's audio under the store's lock. Reported: the worst and the 99th-percentile time of
one `write()` during the signature and the 2 s before it, and the worst time of that spent on the
store (the consent check). Target: the audio path never waits more than 20 ms on the store.
`--blocking-check` checks consent the old way, waiting for the store's lock, for comparison.
What is left of a slow `write()` is the disk: the container's fsync waits behind the shredding
writes (the app's microphone callback must hand blocks to a writer thread, not write itself).

The store lives in a temporary folder with a test key (no credential store, no passphrase KDF).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from helpers.store_support import make_keys, open_store  # noqa: E402
from test_casework_samples import save_draft_like_the_draft_command  # noqa: E402

from assist.casework import sign_case  # noqa: E402
from assist.store import CaseStore  # noqa: E402

BLOCK = bytes(3200)  # 100 ms of 16 kHz 16-bit mono
SECOND = bytes(32_000)


def _signable_case(store: CaseStore, recordings: int, minutes: float) -> str:
    case_id = store.create_case(title="J.nr. 2", consent="given", consent_by="Borger B")
    for _ in range(recordings):
        recording = store.start_recording(case_id)
        for _ in range(int(minutes * 60)):
            recording.write(SECOND)
        recording.stop()
    save_draft_like_the_draft_command(store, case_id)
    return case_id


def _record_while(
    store: CaseStore, busy: threading.Event, done: threading.Event
) -> tuple[list[float], list[float]]:
    """(write() times, time of those spent on the store's consent check), in seconds, of a
    recording that runs until `done`; only those while `busy`."""
    case_id = store.create_case(title="J.nr. 1", consent="given", consent_by="Borger C")
    recording = store.start_recording(case_id)
    recording.consent_check_s = 0.0
    on_store: list[float] = []
    check = store.consent_status_if_free

    def timed_check(case: str) -> str | None:
        started = time.monotonic()
        try:
            return check(case)
        finally:
            on_store.append(time.monotonic() - started)

    store.consent_status_if_free = timed_check  # type: ignore[method-assign]
    writes: list[float] = []
    store_waits: list[float] = []
    next_at = time.monotonic()
    while not done.is_set():
        on_store.clear()
        started = time.monotonic()
        recording.write(BLOCK)
        if busy.is_set():
            writes.append(time.monotonic() - started)
            store_waits.append(sum(on_store))
        next_at += 0.1
        time.sleep(max(0.0, next_at - time.monotonic()))
    recording.stop()
    return writes, store_waits


def measure(recordings: int, minutes: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder, open_store(Path(folder), make_keys()) as store:
        signable = _signable_case(store, recordings, minutes)
        busy, done = threading.Event(), threading.Event()
        result: list[tuple[list[float], list[float]]] = []
        recorder = threading.Thread(target=lambda: result.append(_record_while(store, busy, done)))
        busy.set()
        recorder.start()
        time.sleep(2.0)  # quiet baseline
        busy.clear()
        time.sleep(0.3)
        busy.set()
        signing_started = time.monotonic()
        sign_case(store, signable, "Anne Hansen", "all", allow_empty_assessment=True)
        signing_s = time.monotonic() - signing_started
        time.sleep(0.3)
        done.set()
        recorder.join()
    writes, store_waits = result[0]
    ms = sorted(w * 1000 for w in writes)
    return {
        "signing_s": round(signing_s, 2),
        "writes": len(ms),
        "store_wait_worst_ms": round(max(store_waits) * 1000, 2),
        "write_worst_ms": round(ms[-1], 2),
        "write_p99_ms": round(ms[int(0.99 * (len(ms) - 1))], 2),
        "write_median_ms": round(statistics.median(ms), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recordings", type=int, default=5)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--blocking-check",
        action="store_true",
        help="check consent the old way (waiting for the store's lock), for comparison",
    )
    args = parser.parse_args()
    if args.blocking_check:
        CaseStore.consent_status_if_free = CaseStore.consent_status  # type: ignore[method-assign]
    figures = measure(args.recordings, args.minutes)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"Signing a case with {args.recordings} x {args.minutes:g} min of audio took "
          f"{figures['signing_s']} s (retention shreds its audio).")  # fmt: skip
    print("| 100 ms blocks, during the signature and 2 s before it | ms |")
    print("|---|---|")
    print(f"| worst wait on the store (consent check) | {figures['store_wait_worst_ms']} |")
    for key in ("write_worst_ms", "write_p99_ms", "write_median_ms"):
        label = key.removeprefix("write_").removesuffix("_ms")
        print(f"| write() as a whole, {label} | {figures[key]} |")
    print(f"\n{figures['writes']} writes. Target: the audio path waits under 20 ms on the store.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
