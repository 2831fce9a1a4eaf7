"""Shared test fixtures: paths to real Danish speech and the embedded models."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE_WAV = REPO / "tests" / "fixtures" / "sample-da.wav"


def danish_speech_dir() -> Path:
    """The shared real-speech fixtures (../shared/fixtures/danish-speech beside the checkout)."""
    override = os.environ.get("ASSIST_FIXTURES_DIR")
    return Path(override) if override else REPO.parent / "shared" / "fixtures" / "danish-speech"


@pytest.fixture(scope="session")
def danish_speech() -> Path:
    path = danish_speech_dir()
    if not (path / "references.tsv").exists():
        if os.environ.get("CI"):
            pytest.fail(f"real Danish speech fixtures missing at {path}")
        pytest.skip(f"real Danish speech fixtures missing at {path}")
    return path


@pytest.fixture(scope="session")
def danish_references(danish_speech: Path) -> dict[str, str]:
    """{'u0042008.wav': 'hvad synes du ...', ...}"""
    rows = (danish_speech / "references.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return dict(row.split("\t", 1) for row in rows if row.strip())


CLI_PASSPHRASE = "korrekt hest batteri"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty case store for CLI tests, keyed by a passphrase (no credential store here)."""
    from assist.secure.keys import ScryptParams, load_keys

    directory = tmp_path / "data"
    env = {"ASSIST_PASSPHRASE": CLI_PASSPHRASE, "ASSIST_KEY_SOURCE": "passphrase"}
    # A cheap KDF for the test's key slot; later loads use what the slot records.
    load_keys(directory, env, new_passphrase_kdf=ScryptParams(log2_n=10))
    monkeypatch.setenv("ASSIST_DATA_DIR", str(directory))
    monkeypatch.setenv("ASSIST_KEY_SOURCE", "passphrase")
    monkeypatch.setenv("ASSIST_PASSPHRASE", CLI_PASSPHRASE)
    monkeypatch.delenv("ASSIST_LANG", raising=False)
    monkeypatch.delenv("ASSIST_LETTERHEAD", raising=False)
    return directory
