"""Run the `assist` CLI with the master key from ASSIST_TEST_MASTER_KEY (hex) instead of the
credential store or a slow passphrase KDF: lets tests drive the real CLI quickly."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from assist.secure import keys as secure_keys


def _load_keys(data_dir: Path, env: Any = None, **_: Any) -> secure_keys.KeyMaterial:
    master = bytes.fromhex(os.environ["ASSIST_TEST_MASTER_KEY"])
    return secure_keys.KeyMaterial(master, secure_keys.audit_key_from(master), "passphrase")


if __name__ == "__main__":
    from assist.cli import main
    from assist.store import session

    session.load_keys = _load_keys  # type: ignore[assignment]
    sys.exit(main(sys.argv[1:]))
