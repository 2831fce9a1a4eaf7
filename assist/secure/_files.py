"""Create a file whole or not at all, and never over an existing one (slot files, recordings)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def fsync_dir(directory: Path) -> None:
    """Make a new directory entry durable; not possible (nor needed) on Windows."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def create_exclusive(path: Path, content: bytes) -> bool:
    """Write `content` to the new file `path`, durably; False (and nothing changed) if it exists.

    The content goes to a temporary file that is then hard-linked into place: unlike a rename, a
    link never replaces an existing file, so two processes cannot overwrite each other. File
    systems without hard links (FAT, some network shares) get an O_EXCL create instead, which is
    exclusive too but could leave a partial file after a crash at that instant.
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp_name, path)
        except FileExistsError:
            return False
        except OSError:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            try:
                out = os.open(path, flags)
            except FileExistsError:
                return False
            with os.fdopen(out, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
    fsync_dir(path.parent)
    return True
