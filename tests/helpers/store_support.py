"""Test-side tools for the case store: keys, a movable clock, marker scanning, kill runs."""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from assist.secure.keys import KeyMaterial, audit_key_from
from assist.store import CaseStore, open_case_store

HELPERS = Path(__file__).resolve().parent
REPO = HELPERS.parents[1]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class MovableClock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def make_keys(master: bytes | None = None) -> KeyMaterial:
    master = master or secrets.token_bytes(32)
    return KeyMaterial(master_key=master, audit_key=audit_key_from(master), source="passphrase")


def open_store(data_dir: Path, keys: KeyMaterial, clock: MovableClock | None = None) -> CaseStore:
    return open_case_store(data_dir, keys, clock=clock)


def encodings(marker: str) -> list[bytes]:
    """How `marker` could show up in a file if it leaked: raw (UTF-8, UTF-16), hex, base64 at
    each of the three alignments, and JSON-escaped."""
    raw = marker.encode("utf-8")
    found = [raw, marker.encode("utf-16-le"), raw.hex().encode(), raw.hex().upper().encode()]
    for pad in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\x00" * pad + raw)
            # Drop the characters that depend on the neighbouring bytes.
            start = {0: 0, 1: 2, 2: 3}[pad]
            found.append(text[start:-4] if len(text) > start + 8 else text[start:])
    escaped = marker.encode("ascii", "backslashreplace")
    found.append(escaped.replace(b"\\x", b"\\u00"))
    return [needle for needle in dict.fromkeys(found) if len(needle) >= 8]


def files_under(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file())


def leaks(directory: Path, needles: Iterable[bytes]) -> list[tuple[str, bytes]]:
    needles = list(needles)
    hits: list[tuple[str, bytes]] = []
    for path in files_under(directory):
        data = path.read_bytes()
        hits.extend((str(path.relative_to(directory)), n) for n in needles if n in data)
    return hits


def pcm_of(text: str, seconds: float = 0.0) -> bytes:
    """PCM whose bytes spell `text` (so a plaintext leak of the audio is a marker hit), padded
    with silence to `seconds`."""
    raw = text.encode("utf-8")
    if len(raw) % 2:
        raw += b" "
    total = max(len(raw), int(seconds * 16_000) * 2)
    return raw + bytes(total - len(raw))


def subprocess_env(data_dir: Path, keys: KeyMaterial) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ASSIST_DATA_DIR=str(data_dir),
        ASSIST_TEST_MASTER_KEY=keys.master_key.hex(),
        PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    return env
