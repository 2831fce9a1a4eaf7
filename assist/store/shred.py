"""Deleting files that held (encrypted) audio: overwrite, sync, then unlink.

The real guarantee is the destroyed key (each recording has its own key, wrapped by the case key
in the database); overwriting is belt and braces, and cannot reach copies an SSD's wear-levelling
or a file-system snapshot keeps.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

_CHUNK = 1 << 20


def shred_file(path: Path) -> bool:
    """Overwrite `path` with zeros and remove it. False if there was no such file."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    with contextlib.suppress(OSError), open(path, "r+b") as handle:
        zeros = bytes(min(size, _CHUNK))
        remaining = size
        while remaining > 0:
            step = min(remaining, len(zeros))
            handle.write(zeros[:step])
            remaining -= step
        handle.flush()
        os.fsync(handle.fileno())
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return True
