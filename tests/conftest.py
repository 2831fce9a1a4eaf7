"""Shared test fixtures: paths to real Danish speech and the embedded models."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
def services(tmp_path: Path) -> Iterator[Any]:
    """The desktop app's services over a temporary store with fake engines
    (`tests/ui_support.make_services`), closed after the test: jobs cancelled and waited for."""
    from ui_support import make_services

    built = make_services(tmp_path)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture(autouse=True)
def delete_closed_widgets() -> Iterator[None]:
    """pytest-qt only schedules closed widgets for deletion; delete them before the next test,
    or a later test can touch half-dead views (seen: a segfault in QApplication.setStyle)."""
    yield
    if "PySide6.QtWidgets" in sys.modules:
        from PySide6.QtCore import QCoreApplication, QEvent

        if QCoreApplication.instance() is not None:
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture(autouse=True)
def own_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own (empty) user settings file and no extra policy: the developer's
    own settings must not steer a test, and no test may write them."""
    path = tmp_path_factory.mktemp("settings") / "settings.json"
    monkeypatch.setenv("ASSIST_USER_SETTINGS", str(path))
    for name in ("ASSIST_POLICY_FILE", "ASSIST_MACHINE_DEFAULTS"):
        monkeypatch.delenv(name, raising=False)
    return path


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


def _needs_model(what: str) -> None:
    message = f"the embedded {what} model is not installed (assist models install)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def asr_model() -> Any:
    """The installed default Whisper model, through the model store (hashes checked)."""
    from assist.errors import AssistError
    from assist.models.store import DEFAULT_ASR_MODEL, open_store

    try:
        return open_store().resolve(DEFAULT_ASR_MODEL, "asr")
    except AssistError:
        _needs_model("Whisper")


@pytest.fixture(scope="session")
def whisper(asr_model: Any) -> Any:
    """The embedded Whisper model, loaded once per test session."""
    from assist.asr.whisper_engine import WhisperEngine

    return WhisperEngine(asr_model.path, asr_model.model_id)
