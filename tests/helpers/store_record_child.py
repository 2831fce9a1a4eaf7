"""Child process for kill tests: records into a case (silence at 10x real time) and saves a live
segment every half second, reporting each on stdout, until it is killed.

Usage: store_record_child.py CASE_ID   (ASSIST_DATA_DIR, ASSIST_TEST_MASTER_KEY in the env)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from assist.secure.keys import KeyMaterial, audit_key_from
from assist.store import open_case_store
from assist.transcript import Segment


def main(case_id: str) -> None:
    master = bytes.fromhex(os.environ["ASSIST_TEST_MASTER_KEY"])
    keys = KeyMaterial(master, audit_key_from(master), "passphrase")
    store = open_case_store(Path(os.environ["ASSIST_DATA_DIR"]), keys)
    recording = store.start_recording(case_id)
    block = b"\x10\x00" * 1600  # 0.1 s
    seconds = 0.0
    segment = 0
    while True:
        for _ in range(5):
            recording.write(block)
            seconds += 0.1
            time.sleep(0.01)
        stored = recording.on_segment(
            Segment(segment, seconds - 0.5, seconds, f"del {segment}", 0.9)
        )
        assert stored is not None
        print(f"segment {stored.segment_id} saved", flush=True)
        segment += 1


if __name__ == "__main__":
    main(sys.argv[1])
