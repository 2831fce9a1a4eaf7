"""The key that authenticates the model registry (imported models and qualification verdicts).

`registry.json` lives in the model folder, which anyone who can write the user's files can edit.
So each record in it carries an HMAC-SHA256 with a key derived (HKDF, its own label) from the
case store's master key, the same key `assist.secure.keys.load_keys` gives: from the OS credential
store, or scrypt of the passphrase (`ASSIST_PASSPHRASE` or a prompt). No second secret is kept
anywhere, the registry key cannot be turned back into the master key, and a record written by
hand, edited, or copied from another user's folder does not verify.

Commands that do not open the case store (`assist models list`, `assist doctor`, `transcribe`)
load the key only when there is a record to check, and only if a key exists already: reading never
creates a key or asks for a new passphrase. Writing a record (`models import`, `models qualify`,
the gate during `models install`) loads or, on first use, creates the key like the case store
does. A case store opened in this process hands its key over (`remember_master_key`), so drafting
does not derive it a second time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from assist.errors import AssistError, Msg

if TYPE_CHECKING:
    from assist.secure.keys import KeyringBackend

_KEY_LABEL = b"assist/model-registry-key/v1"
_KEY_ID_DOMAIN = b"assist/model-registry-key-id/v1"
_MAC_DOMAIN = b"assist/model-registry-record/v1\x00"

REGISTRY_KEY_NEEDED = Msg(
    "models.registry_key_needed",
    da="Modelregistret kan ikke opdateres uden Assists krypteringsnøgle ({reason}). Angiv "
    "adgangsfrasen (ASSIST_PASSPHRASE, eller når Assist spørger), eller bed IT om at slå "
    "systemets nøglelager til. Intet er ændret.",
    en="The model registry cannot be updated without Assist's encryption key ({reason}). Give "
    "the passphrase (ASSIST_PASSPHRASE, or when Assist asks), or ask IT to enable the system "
    "credential store. Nothing was changed.",
)


@dataclass(frozen=True)
class RegistryKey:
    secret: bytes = field(repr=False)

    @property
    def key_id(self) -> str:
        """A public fingerprint: tells "written with another key" from "edited"."""
        return hmac.new(self.secret, _KEY_ID_DOMAIN, hashlib.sha256).hexdigest()[:16]

    def mac(self, kind: str, model_id: str, record: Mapping[str, Any]) -> str:
        """The MAC of one record (without its "mac" field), bound to its kind and model id."""
        body = {k: v for k, v in record.items() if k != "mac"}
        text = json.dumps([kind, model_id, body], sort_keys=True, separators=(",", ":"))
        return hmac.new(self.secret, _MAC_DOMAIN + text.encode("utf-8"), hashlib.sha256).hexdigest()


def registry_key_from(master_key: bytes) -> RegistryKey:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_LABEL)
    return RegistryKey(hkdf.derive(master_key))


class KeySource(Protocol):
    """Where a model store gets its registry key."""

    def for_reading(self) -> RegistryKey | None:
        """The key if one can be had without creating one or asking for a new passphrase;
        None if not (records then count as "locked": not trusted, not called tampered)."""
        ...

    def for_writing(self) -> RegistryKey:
        """The key, created on first use; AssistError saying why not."""
        ...


@dataclass(frozen=True)
class FixedKey:
    """A key the caller already has (tests; an app that has loaded the keys)."""

    key: RegistryKey

    def for_reading(self) -> RegistryKey | None:
        return self.key

    def for_writing(self) -> RegistryKey:
        return self.key


class NoKey:
    """No key at all: nothing verifies and nothing can be written (a bare `ModelStore`)."""

    def for_reading(self) -> RegistryKey | None:
        return None

    def for_writing(self) -> RegistryKey:
        raise AssistError(REGISTRY_KEY_NEEDED, reason="no key source")


# Keys of case stores opened in this process, by their data directory.
_REMEMBERED: dict[str, RegistryKey] = {}


def _dir_key(data_dir: Path) -> str:
    return str(Path(data_dir).expanduser().absolute())


def remember_master_key(data_dir: Path, master_key: bytes) -> None:
    """Called by the case store once its key checked out: the model store of the same data
    folder then needs no second key load (no second passphrase prompt or scrypt)."""
    _REMEMBERED[_dir_key(data_dir)] = registry_key_from(master_key)


def forget_remembered_keys() -> None:
    """Drop every key remembered in this process (e.g. when the app locks)."""
    _REMEMBERED.clear()


class UserKeys:
    """The registry key of the user's case store (`assist.paths.data_dir(env)`), loaded with
    `assist.secure.keys.load_keys` when first needed and then kept."""

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        ask_passphrase: Callable[[str], str] | None = None,
        backend: KeyringBackend | None = None,
    ) -> None:
        from assist.paths import data_dir

        self.data_dir = data_dir(env)
        self._env = env
        self._ask = ask_passphrase
        self._backend = backend
        self._key: RegistryKey | None = None
        self.read_problem: str | None = None  # why `for_reading` had no key (an error code)

    def for_reading(self) -> RegistryKey | None:
        from assist.secure.keys import SLOT_FILE

        known = self._key or _REMEMBERED.get(_dir_key(self.data_dir))
        if known is not None:
            return known
        if not (self.data_dir / SLOT_FILE).is_file():
            self.read_problem = "no_key_yet"  # no key exists, so nothing can have been signed
            return None
        try:
            return self._load()
        except AssistError as error:
            self.read_problem = error.code
            return None

    def for_writing(self) -> RegistryKey:
        known = self._key or _REMEMBERED.get(_dir_key(self.data_dir))
        return known if known is not None else self._load()

    def _load(self) -> RegistryKey:
        from assist.secure.keys import load_keys

        keys = load_keys(self.data_dir, self._env, backend=self._backend, ask_passphrase=self._ask)
        self._key = registry_key_from(keys.master_key)
        _REMEMBERED[_dir_key(self.data_dir)] = self._key
        return self._key
