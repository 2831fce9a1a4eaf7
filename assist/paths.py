"""Where Assist keeps models and data: the `model_dir` and `data_dir` settings (IT policy, the
user's choice, ASSIST_MODEL_DIR / ASSIST_DATA_DIR), else the platform's per-user data folder.

`data_dir()` also checks the data folder before anything uses it, with one clear AssistError:
it (or the nearest folder above it that exists) must be a folder Assist may write in, and no
other user may change it (group or others with write permission, e.g. mode 777: refused, not
just warned about, because another account could replace or delete the store's files; the
message gives the `chmod 700` that fixes it). Read permission for others is allowed: everything
in the store that a person said or wrote is encrypted. POSIX permissions are not checked on
Windows, where the user's profile folder is private by default.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from assist.errors import AssistError, Msg

DATA_DIR_NOT_A_FOLDER = Msg(
    "paths.data_dir_not_a_folder",
    da="Datamappen '{path}' kan ikke bruges: '{blocking}' er ikke en mappe. Peg indstillingen "
    "data_dir (eller ASSIST_DATA_DIR) på en mappe.",
    en="The data folder '{path}' cannot be used: '{blocking}' is not a folder. Point the "
    "data_dir setting (or ASSIST_DATA_DIR) at a folder.",
)
DATA_DIR_READ_ONLY = Msg(
    "paths.data_dir_read_only",
    da="Datamappen '{path}' kan ikke bruges: '{blocking}' er skrivebeskyttet, eller du har ikke "
    "skriveadgang. Vælg en mappe, du kan skrive i (indstillingen data_dir).",
    en="The data folder '{path}' cannot be used: '{blocking}' is read-only, or you may not "
    "write there. Choose a folder you can write in (the data_dir setting).",
)
DATA_DIR_SHARED = Msg(
    "paths.data_dir_shared",
    da="Datamappen '{path}' kan ændres af andre brugere (rettigheder {mode}). Assist bruger den "
    "ikke, før kun du har adgang: chmod 700 '{path}'",
    en="The data folder '{path}' can be changed by other users (permissions {mode}). Assist "
    "does not use it until only you have access: chmod 700 '{path}'",
)

APP_NAME = "Assist"
APP_AUTHOR = "Assist"


def _configured(key: str, env: Mapping[str, str] | None) -> Path | None:
    from assist.settings import load_settings

    return load_settings(env).path(key)


def model_dir(env: Mapping[str, str] | None = None) -> Path:
    """Directory with installed models (the `model_dir` setting, else the platform default)."""
    configured = _configured("model_dir", env)
    if configured is not None:
        return configured
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)) / "models"


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """Directory with the encrypted case store (the `data_dir` setting, else the platform
    default); AssistError if it cannot be used safely (see the module docstring)."""
    configured = _configured("data_dir", env)
    if configured is not None:
        directory = configured
    else:
        directory = Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)) / "data"
    check_data_dir(directory)
    return directory


def check_data_dir(directory: Path) -> None:
    existing = directory
    while not existing.exists() and not existing.is_symlink() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise AssistError(DATA_DIR_NOT_A_FOLDER, path=str(directory), blocking=str(existing))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise AssistError(DATA_DIR_READ_ONLY, path=str(directory), blocking=str(existing))
    if existing == directory and os.name != "nt":
        mode = stat.S_IMODE(os.stat(directory).st_mode)
        if mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise AssistError(DATA_DIR_SHARED, path=str(directory), mode=f"{mode:03o}")
