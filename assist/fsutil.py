"""File writes that never leave a half-written file behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_output(path: Path, mode: str = "wb") -> Iterator[IO[bytes] | IO[str]]:
    """Write to a temporary file beside `path`; it replaces `path` only if the block succeeds."""
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_output(path, "wb") as handle:
        handle.write(data)  # type: ignore[arg-type]


def atomic_write_text(path: Path, text: str) -> None:
    with atomic_output(path, "w") as handle:
        handle.write(text)  # type: ignore[arg-type]
