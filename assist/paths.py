"""Where Assist keeps models and data: environment overrides first; IT policy plugs in later."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP_NAME = "Assist"
APP_AUTHOR = "Assist"


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def model_dir(env: Mapping[str, str] | None = None) -> Path:
    """Directory with installed models (ASSIST_MODEL_DIR overrides the platform default)."""
    override = _env(env).get("ASSIST_MODEL_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)) / "models"


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """Directory with the encrypted case store (ASSIST_DATA_DIR overrides the platform default)."""
    override = _env(env).get("ASSIST_DATA_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)) / "data"
