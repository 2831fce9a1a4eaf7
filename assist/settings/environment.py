"""The ASSIST_* variables that are not settings: a secret and two development switches.

Every other ASSIST_* variable belongs to a setting (`Setting.env`) and is read only by
`assist.settings.effective`; these three are read only here (an architecture test checks both).
The passphrase is never a setting: settings are shown, audited by hash and written to files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

PASSPHRASE_ENV = "ASSIST_PASSPHRASE"  # unlocks a passphrase-protected store without a prompt
KEY_SOURCE_ENV = "ASSIST_KEY_SOURCE"  # keyring | passphrase: force how a new store is protected
DEBUG_ENV = "ASSIST_DEBUG"  # show the traceback of an unexpected error (developers only)


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def passphrase(env: Mapping[str, str] | None = None) -> str:
    return _env(env).get(PASSPHRASE_ENV) or ""


def forced_key_source(env: Mapping[str, str] | None = None) -> str:
    return (_env(env).get(KEY_SOURCE_ENV) or "").strip().lower()


def debug(env: Mapping[str, str] | None = None) -> bool:
    return bool(_env(env).get(DEBUG_ENV))
