"""Exclusive, whole-or-nothing file creation (key slots and recordings rely on it)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from assist.secure._files import create_exclusive


def test_creates_once_and_never_replaces(tmp_path: Path) -> None:
    path = tmp_path / "slot.json"
    assert create_exclusive(path, b"first")
    assert not create_exclusive(path, b"second")
    assert path.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["slot.json"]  # no temporary files left


def test_file_systems_without_hard_links_still_get_exclusive_creation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: str, dst: str) -> None:
        raise OSError(errno.EPERM, "hard links not supported")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "r.rec"
    assert create_exclusive(path, b"header")
    assert not create_exclusive(path, b"other")
    assert path.read_bytes() == b"header"
    assert [p.name for p in tmp_path.iterdir()] == ["r.rec"]
