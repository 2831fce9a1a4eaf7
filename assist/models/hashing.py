"""SHA-256 of model files, with a cache so that starting Assist does not re-read gigabytes.

A cached hash is trusted only while the file's path, size, mtime_ns, ctime_ns and inode are all
unchanged; any change forces a full re-hash. ctime is in the key because a program can restore
mtime after editing a file but cannot set ctime. The cache guards against corruption and
accidental edits, not against someone who can write the model directory (they could rewrite the
cache too).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from assist.cancel import CancelToken, result_of
from assist.fsutil import atomic_write_text

CACHE_FILE_NAME = ".hash-cache.json"
BLOCK_SIZE = 4 * 1024 * 1024


def _stat_key(path: Path) -> dict[str, int]:
    info = path.stat()
    return {
        "size": info.st_size,
        "mtime_ns": info.st_mtime_ns,
        "ctime_ns": info.st_ctime_ns,
        "inode": info.st_ino,
    }


def iter_file_blocks(path: Path, cancel: CancelToken | None = None) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while block := handle.read(BLOCK_SIZE):
            if cancel is not None:
                cancel.raise_if_cancelled()
            yield block


class HashCache:
    """Hashes keyed by file identity, kept in a JSON file (in memory only if it is unwritable)."""

    def __init__(self, cache_file: Path) -> None:
        self._cache_file = cache_file
        self._entries: dict[str, dict[str, Any]] | None = None
        # The speech and language engines may resolve their models from two threads at once.
        self._lock = threading.RLock()

    def _load(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return self._load_unlocked()

    def _load_unlocked(self) -> dict[str, dict[str, Any]]:
        if self._entries is None:
            try:
                data = json.loads(self._cache_file.read_text(encoding="utf-8"))
                entries = data.get("files", {}) if isinstance(data, dict) else {}
                self._entries = entries if isinstance(entries, dict) else {}
            except (OSError, ValueError):
                self._entries = {}  # a missing or damaged cache only costs a re-hash
        return self._entries

    def lookup(self, path: Path) -> str | None:
        """The cached hash if the file is provably unchanged since it was hashed, else None."""
        entry = self._load().get(str(path.absolute()))
        if not entry:
            return None
        try:
            current = _stat_key(path)
        except OSError:
            return None
        if any(entry.get(field) != value for field, value in current.items()):
            return None
        sha = entry.get("sha256")
        return sha if isinstance(sha, str) else None

    def store(self, path: Path, sha256: str) -> None:
        entry = {**_stat_key(path), "sha256": sha256}
        with self._lock:
            self._load()[str(path.absolute())] = entry
            self._save()

    def forget(self, path: Path) -> None:
        with self._lock:
            if self._load().pop(str(path.absolute()), None) is not None:
                self._save()

    def _save(self) -> None:
        # A read-only model directory (installed by IT) is fine: we just re-hash next start.
        with contextlib.suppress(OSError):
            self._cache_file.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps({"version": 1, "files": self._load()}, indent=1, sort_keys=True)
            atomic_write_text(self._cache_file, text)

    def sha256_steps(
        self, path: Path, *, full: bool = False, cancel: CancelToken | None = None
    ) -> Generator[int, None, str]:
        """Hash of `path`, from the cache unless `full` or the file changed.

        Yields the number of bytes read after each block (for progress); returns the hex digest:
        `sha = yield from cache.sha256_steps(path)`.
        """
        if not full:
            cached = self.lookup(path)
            if cached is not None:
                return cached
        before = _stat_key(path)
        digest = hashlib.sha256()
        for block in iter_file_blocks(path, cancel):
            digest.update(block)
            yield len(block)
        sha = digest.hexdigest()
        # Only cache if nothing changed while we read; otherwise the next call hashes again.
        if _stat_key(path) == before:
            self.store(path, sha)
        return sha

    def sha256(self, path: Path, *, full: bool = False) -> str:
        return result_of(self.sha256_steps(path, full=full))


def cache_path(model_root: Path) -> Path:
    return model_root / CACHE_FILE_NAME
