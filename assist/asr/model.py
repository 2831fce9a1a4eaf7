"""Which speech model to load: an id from the model store (verified), or a model directory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from assist.asr.whisper_engine import WhisperSettings

if TYPE_CHECKING:
    from assist.engines.asr_worker import WorkerAsrEngine


def resolve_asr_model(model: str | None, env: Mapping[str, str] | None = None) -> tuple[str, Path]:
    """(model_id, directory), through the model store, which checks the files' hashes.

    A model IT placed by hand is registered first with `assist models import`, so that it is
    verified like every other model.
    """
    from assist.models.store import configured_model_id, open_store

    installed = open_store(env).resolve(model or configured_model_id("asr", env), "asr")
    return installed.model_id, installed.path


def load_engine(
    model: str | None,
    env: Mapping[str, str] | None = None,
    settings: WhisperSettings | None = None,
) -> WorkerAsrEngine:
    """The verified model, loaded in a speech recognition worker process."""
    from assist.engines.asr_worker import WhisperSpec, WorkerAsrEngine
    from assist.settings import load_settings

    model_id, directory = resolve_asr_model(model, env)
    threads = load_settings(env).number("engine_threads")
    spec = WhisperSpec(str(directory), model_id, settings or WhisperSettings(cpu_threads=threads))
    return WorkerAsrEngine.start(spec)
