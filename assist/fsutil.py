"""File writes that never leave a half-written file behind, never replace anything but a regular
file, and whose temporaries a later start recognises and removes.

`atomic_output(path)` writes to a temporary file beside the target, named
`.NAME.<16 hex>.assist-part`, created private (0600) and held under an exclusive lock (flock) for
as long as its writer runs; it replaces the target only when the block succeeds. The target must
be a regular file or not exist: a device, FIFO or socket (also behind a symlink) is refused with
AssistError "fs.output_not_regular" and left untouched; a symlink to a regular file is written
through, so the link stays.

A writer killed with SIGKILL leaves its temporary behind, and for an export that is a complete
plaintext note. Two things remove such leftovers, and only those whose lock is free (a running
writer keeps its lock, the kernel drops it when the process dies):
- every write sweeps its target folder (`remove_leftovers`), so an export's leftover goes at the
  next export into the same folder;
- while `tracking_outputs(data_dir)` is active (the CLI's whole run; the app's later), a write
  outside the data folder first notes its temporary's path in `DATA/pending-outputs/` (a marker
  file locked like the temporary), and `clean_after_crash(data_dir)`, which the CLI runs at the
  start of every command, removes the temporaries of dead writers named there and every
  leftover in the data folder itself (e.g. `.audit-head.json.*`).
On Windows there is no flock, but an open file cannot be deleted, which protects a live writer
the same way.

`write_output(path, data)` is the checked writer for what a user names on the command line
(`--output`): it refuses special files, folders, missing folders and places without write access
before writing, and turns a full disk or a read-only place into one clear AssistError.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from assist.errors import AssistError, Msg

try:
    import fcntl
except ImportError:  # Windows: an open file cannot be deleted there, which is the lock we need
    fcntl = None  # type: ignore[assignment]

TEMP_SUFFIX = ".assist-part"
PENDING_DIR = "pending-outputs"
PENDING_SUFFIX = ".pending"
_TEMP_NAME = re.compile(r"^\..+\.[0-9a-f]{16}\.assist-part$")
# Temporaries of the writer before this one (mkstemp names), in the data folder only.
_LEGACY_DATA_TEMP = re.compile(r"^\.audit-head\.json\.[A-Za-z0-9_]{8}\.part$")
_NAME_KEPT = 100  # characters of the target's name in its temporary's name

OUTPUT_NOT_REGULAR = Msg(
    "fs.output_not_regular",
    da="'{path}' er ikke en almindelig fil (men fx en enhed, en FIFO eller en socket). Assist "
    "skriver kun til almindelige filer; intet er skrevet, og '{path}' er uændret.",
    en="'{path}' is not a regular file (it is e.g. a device, a FIFO or a socket). Assist writes "
    "only to regular files; nothing was written and '{path}' is unchanged.",
)
OUTPUT_IS_FOLDER = Msg(
    "fs.output_is_folder",
    da="'{path}' er en mappe. Angiv et filnavn i mappen. Intet er gemt.",
    en="'{path}' is a folder. Give a file name in it. Nothing was saved.",
)
OUTPUT_FOLDER_MISSING = Msg(
    "fs.output_folder_missing",
    da="Mappen '{folder}' findes ikke (eller er ikke en mappe), så '{path}' kan ikke gemmes. "
    "Opret mappen, eller vælg en anden. Intet er gemt.",
    en="The folder '{folder}' does not exist (or is not a folder), so '{path}' cannot be saved. "
    "Create it or choose another. Nothing was saved.",
)
OUTPUT_NOT_ALLOWED = Msg(
    "fs.output_not_allowed",
    da="Du må ikke skrive i '{folder}' (ingen skriveadgang, eller stedet er skrivebeskyttet), så "
    "'{path}' kan ikke gemmes. Intet er gemt.",
    en="You may not write in '{folder}' (no write permission, or the place is read-only), so "
    "'{path}' cannot be saved. Nothing was saved.",
)
OUTPUT_DISK_FULL = Msg(
    "fs.output_disk_full",
    da="Der er ikke plads nok på disken til '{path}'. Intet er gemt; frigør plads, og prøv igen.",
    en="There is no space left on the disk for '{path}'. Nothing was saved; free some space and "
    "try again.",
)
OUTPUT_FAILED = Msg(
    "fs.output_failed",
    da="'{path}' kunne ikke gemmes ({reason}). Intet er gemt.",
    en="'{path}' could not be saved ({reason}). Nothing was saved.",
)

# The data folder whose pending-outputs/ notes temporaries outside it (see `tracking_outputs`).
_tracking: Path | None = None


# ---- the target ---------------------------------------------------------------------------------


def output_target(path: Path) -> Path:
    """The file a write to `path` replaces: `path`, or a symlink's final target. AssistError
    "fs.output_not_regular" if that exists and is not a regular file or a folder (a folder is
    left to the write, which fails with IsADirectoryError as it always did)."""
    path = Path(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return target  # not there yet (or its folder is not): the write reports that
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise AssistError(OUTPUT_NOT_REGULAR, path=str(path))
    return target


def check_output_path(path: Path) -> None:
    """Everything that can be known before writing `path`; one AssistError naming the problem."""
    target = output_target(path)
    if target.is_dir():
        raise AssistError(OUTPUT_IS_FOLDER, path=str(path))
    folder = target.parent
    if not folder.is_dir():
        raise AssistError(OUTPUT_FOLDER_MISSING, path=str(path), folder=str(folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise AssistError(OUTPUT_NOT_ALLOWED, path=str(path), folder=str(folder))


def output_error(error: OSError, path: Path) -> AssistError:
    """The clear message for an OSError while writing `path`."""
    folder = str(Path(path).parent)
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG):
        return AssistError(OUTPUT_DISK_FULL, path=str(path))
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return AssistError(OUTPUT_NOT_ALLOWED, path=str(path), folder=folder)
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        return AssistError(OUTPUT_FOLDER_MISSING, path=str(path), folder=folder)
    if error.errno == errno.EISDIR:
        return AssistError(OUTPUT_IS_FOLDER, path=str(path))
    return AssistError(OUTPUT_FAILED, path=str(path), reason=error.strerror or type(error).__name__)


def write_output(path: Path, data: bytes) -> None:
    """The checked writer for a file the user named (`--output`): whole or not at all, only a
    regular file, and every failure one AssistError."""
    check_output_path(path)
    try:
        atomic_write_bytes(path, data)
    except OSError as error:
        raise output_error(error, path) from None


def write_output_text(path: Path, text: str) -> None:
    write_output(path, text.encode("utf-8"))


# ---- writing ------------------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[IO[bytes]]:
    """Write to a locked temporary file beside `path`; it replaces `path` only if the block
    succeeds. OSError as the file system gives it; AssistError for a special file."""
    target = output_target(path)
    folder = target.parent
    remove_leftovers(folder)
    token = secrets.token_hex(8)
    tmp = folder / f".{target.name[:_NAME_KEPT]}.{token}{TEMP_SUFFIX}"
    marker = _note_pending(tmp, token)
    try:
        fd = _create_locked(tmp)
        try:
            with os.fdopen(fd, "wb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
                output_target(target)  # a FIFO put there meanwhile is not replaced either
                if os.name != "nt":
                    os.replace(tmp, target)  # still locked: no cleaner can take it first
            if os.name == "nt":
                os.replace(tmp, target)  # Windows renames only closed files
            _fsync_dir(folder)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    finally:
        if marker is not None:
            _unlink_and_close(*marker)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_output(path) as handle:
        handle.write(data)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


# ---- leftovers ----------------------------------------------------------------------------------


@contextlib.contextmanager
def tracking_outputs(data_dir: Path | None) -> Iterator[None]:
    """While active, every write outside `data_dir` notes its temporary in
    `data_dir/pending-outputs/` until the temporary is gone (None: no tracking)."""
    global _tracking
    previous, _tracking = _tracking, (Path(data_dir).absolute() if data_dir else None)
    try:
        yield
    finally:
        _tracking = previous


def clean_after_crash(data_dir: Path) -> int:
    """At start-up: remove what killed writers left, in the data folder and wherever its
    pending-outputs/ says. Returns how many temporaries were removed; never raises OSError."""
    data_dir = Path(data_dir)
    removed = remove_leftovers(data_dir, legacy=True)
    journal = data_dir / PENDING_DIR
    try:
        names = sorted(os.listdir(journal))
    except OSError:
        return removed
    for name in names:
        if not name.endswith(PENDING_SUFFIX):
            continue
        marker = journal / name
        fd = _try_lock(marker)
        if fd is None:
            continue  # its writer is still at work
        try:
            named = Path(os.fsdecode(_read_all(fd)))
        except OSError:
            named = Path()
        # The marker's lock was free, so its writer is dead: its temporary goes even where the
        # file system has no flock (a network share) and the temporary's own lock says nothing.
        token = name[: -len(PENDING_SUFFIX)]
        ours = _TEMP_NAME.match(named.name) and named.name.endswith(f".{token}{TEMP_SUFFIX}")
        if ours and _remove_if_abandoned(named, writer_dead=True):
            removed += 1
        _unlink_and_close(marker, fd)
    return removed


def remove_leftovers(folder: Path, *, legacy: bool = False) -> int:
    """Remove the temporaries in `folder` whose writers are gone; `legacy` also takes the
    data folder's temporaries of the previous writer. Never raises OSError."""
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    removed = 0
    for name in names:
        if _TEMP_NAME.match(name) or (legacy and _LEGACY_DATA_TEMP.match(name)):
            removed += _remove_if_abandoned(Path(folder) / name)
    return removed


def _remove_if_abandoned(path: Path, *, writer_dead: bool = False) -> bool:
    fd = _try_lock(path, lock=not writer_dead)
    if fd is None:
        return False
    try:
        same = os.path.samestat(os.fstat(fd), os.lstat(path))
    except OSError:
        same = False
    if not same or not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return False
    return _unlink_and_close(path, fd)


# ---- locks and small helpers --------------------------------------------------------------------


def _note_pending(tmp: Path, token: str) -> tuple[Path, int] | None:
    """A locked marker naming `tmp`, if outputs are tracked and `tmp` is outside the data folder
    (there the start-up sweep finds it). Best effort: without it, the folder sweep remains."""
    journal_root = _tracking
    if journal_root is None or tmp.parent.absolute() == journal_root:
        return None
    journal = journal_root / PENDING_DIR
    try:
        journal.mkdir(parents=True, exist_ok=True, mode=0o700)
        marker = journal / f"{token}{PENDING_SUFFIX}"
        fd = _create_locked(marker)
    except OSError:
        return None
    try:
        os.write(fd, os.fsencode(str(tmp.absolute())))
        os.fsync(fd)
    except OSError:
        _unlink_and_close(marker, fd)
        return None
    return marker, fd


def _create_locked(path: Path) -> int:
    """Create `path` (new, 0600) and hold an exclusive lock on it. A cleaner that took the lock
    first may have removed the new file: then it is created again."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0)
    for _ in range(5):
        fd = os.open(path, flags, 0o600)
        try:
            if fcntl is not None:
                with contextlib.suppress(OSError):  # no flock here (a network share): unlocked
                    fcntl.flock(fd, fcntl.LOCK_EX)
            if os.path.samestat(os.fstat(fd), os.stat(path)):
                return fd
        except FileNotFoundError:
            pass
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    raise OSError(errno.EAGAIN, "the temporary file was removed while it was created", str(path))


def _try_lock(path: Path, *, lock: bool = True) -> int | None:
    """An fd of `path` holding its lock, or None if a live writer holds it, it is gone, or the
    file system cannot lock (then nothing is taken on the lock's word)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    if fcntl is None or not lock:
        return fd
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _unlink_and_close(path: Path, fd: int) -> bool:
    """Unlink while still locked (POSIX); Windows can only delete a closed file."""
    removed = False
    if os.name == "nt":
        os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(path)
        removed = True
    if os.name != "nt":
        os.close(fd)
    return removed


def _read_all(fd: int) -> bytes:
    chunks: list[bytes] = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; not possible (nor needed) on Windows."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
