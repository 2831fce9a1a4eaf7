"""Writing model files: joined from parts, hashed while written, renamed into place only if good."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from collections.abc import Callable, Generator, Sequence
from pathlib import Path

from assist.cancel import CancelToken
from assist.errors import AssistError, Msg
from assist.fsutil import atomic_output
from assist.models.hashing import iter_file_blocks

# Room left free beside a model so the laptop keeps working (recordings, autosave).
FREE_SPACE_MARGIN = 200 * 1024 * 1024

DIR_UNWRITABLE = Msg(
    "models.dir_unwritable",
    da="Kan ikke skrive i modelmappen {path}. Vælg en anden med ASSIST_MODEL_DIR, eller bed IT "
    "om skriveadgang.",
    en="Cannot write to the model folder {path}. Choose another with ASSIST_MODEL_DIR, or ask IT "
    "for write access.",
)
DISK_FULL = Msg(
    "models.disk_full",
    da="Der er ikke plads nok i {path}: modellen fylder {needed_mb} MB, og der er {free_mb} MB "
    "fri. Intet er skrevet halvt.",
    en="Not enough space in {path}: the model needs {needed_mb} MB and {free_mb} MB is free. "
    "Nothing was half-written.",
)
SOURCE_UNREADABLE = Msg(
    "models.source_unreadable",
    da="Kan ikke læse modelfilen {path}. Tjek at den findes, og at du har adgang til den.",
    en="Cannot read the model file {path}. Check that it exists and that you may read it.",
)

# Called with (sha256, size) of what was written, before it replaces the target; raises to abort.
Verifier = Callable[[str, int], None]


def ensure_writable_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        raise AssistError(DIR_UNWRITABLE, path=path) from None


def check_free_space(directory: Path, needed: int) -> None:
    try:
        free = shutil.disk_usage(directory).free
    except OSError:
        return  # cannot tell; writing will report a full disk cleanly anyway
    if free < needed + FREE_SPACE_MARGIN:
        raise AssistError(DISK_FULL, path=directory, needed_mb=_mb(needed), free_mb=_mb(free))


def _mb(size: int) -> int:
    return round(size / (1024 * 1024))


def write_joined(
    target: Path,
    sources: Sequence[Path],
    *,
    verify: Verifier | None = None,
    cancel: CancelToken | None = None,
) -> Generator[int, None, str]:
    """Write the concatenation of `sources` to `target` atomically; returns its SHA-256.

    Yields bytes written after each block. A failed `verify`, a cancel or a write error leaves
    `target` as it was (any earlier version stays, no temporary file remains).
    """
    digest = hashlib.sha256()
    size = 0
    try:
        with atomic_output(target) as out:
            for source in sources:
                for block in iter_file_blocks(source, cancel):
                    out.write(block)
                    digest.update(block)
                    size += len(block)
                    yield len(block)
            if verify is not None:
                verify(digest.hexdigest(), size)
        # The temporary file was created private; models are not secret and other accounts on
        # a shared laptop (or IT's service account) must be able to read them.
        os.chmod(target, 0o644)
    except OSError as error:
        if error.filename is not None and any(error.filename == str(s) for s in sources):
            raise AssistError(SOURCE_UNREADABLE, path=error.filename) from None
        if error.errno == errno.ENOSPC:
            raise AssistError(
                DISK_FULL, path=target.parent, needed_mb=_mb(size), free_mb=0
            ) from None
        raise AssistError(DIR_UNWRITABLE, path=target.parent) from None
    return digest.hexdigest()
