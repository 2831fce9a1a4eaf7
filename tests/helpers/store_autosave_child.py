"""Child process for the autosave kill test: types into a draft through DraftAutosaver, driving
its tick from a 50 ms loop like the app's timer, and reports each keystroke with its wall time.

Usage: store_autosave_child.py CASE_ID KEYSTROKES   (0 = type until killed)
Env: ASSIST_DATA_DIR, ASSIST_TEST_MASTER_KEY. After the last keystroke it keeps ticking.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from assist.secure.keys import KeyMaterial, audit_key_from
from assist.store import DraftAutosaver, open_case_store


def main(case_id: str, keystrokes: int) -> None:
    master = bytes.fromhex(os.environ["ASSIST_TEST_MASTER_KEY"])
    keys = KeyMaterial(master, audit_key_from(master), "passphrase")
    store = open_case_store(Path(os.environ["ASSIST_DATA_DIR"]), keys)
    saver = DraftAutosaver(store, case_id)
    text = ""
    typed = 0
    next_key = time.monotonic()
    print("ready", flush=True)
    while True:
        now = time.monotonic()
        if (keystrokes == 0 or typed < keystrokes) and now >= next_key:
            text += "abcdefghij"[typed % 10]
            typed += 1
            saver.edit(text)
            print(f"typed {typed} {time.time():.3f}", flush=True)
            next_key = now + 0.03
        saver.tick()
        time.sleep(0.01 if keystrokes == 0 or typed < keystrokes else 0.05)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
