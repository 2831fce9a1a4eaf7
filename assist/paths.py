"""Where Assist keeps models and data: environment overrides first; IT policy plugs in later.

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
    da="Datamappen '{path}' (ASSIST_DATA_DIR) kan ikke bruges: '{blocking}' er ikke en mappe. "
    "Peg ASSIST_DATA_DIR på en mappe.",
    en="The data folder '{path}' (ASSIST_DATA_DIR) cannot be used: '{blocking}' is not a "
    "folder. Point ASSIST_DATA_DIR at a folder.",
)
DATA_DIR_READ_ONLY = Msg(
    "paths.data_dir_read_only",
    da="Datamappen '{path}' kan ikke bruges: '{blocking}' er skrivebeskyttet, eller du har ikke "
    "skriveadgang. Vælg en mappe, du kan skrive i (ASSIST_DATA_DIR).",
    en="The data folder '{path}' cannot be used: '{blocking}' is read-only, or you may not "
    "write there. Choose a folder you can write in (ASSIST_DATA_DIR).",
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


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def model_dir(env: Mapping[str, str] | None = None) -> Path:
    """Directory with installed models (ASSIST_MODEL_DIR overrides the platform default)."""
    override = _env(env).get("ASSIST_MODEL_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)) / "models"


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """Directory with the encrypted case store (ASSIST_DATA_DIR overrides the platform default);
    AssistError if it cannot be used safely (see the module docstring)."""
    override = _env(env).get("ASSIST_DATA_DIR")
    if override:
        directory = Path(override).expanduser()
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
