"""Where the master key comes from: the OS credential store, or else a passphrase. Never a file.

The master key is 32 random bytes kept in the OS credential store through `keyring` (service
"Assist", username "master-key"). Where there is no usable credential store (headless Linux, CI,
keyring's fail/null backend, an empty chainer, or a keyring error while no data exists yet), it is
derived with scrypt from a passphrase (`ASSIST_PASSPHRASE`, or the `ask_passphrase` callback).
`ASSIST_KEY_SOURCE=keyring|passphrase` forces one of the two.

The data directory holds a small key-slot file, `keyslot.json`, written once and atomically. It
records which source protects the data, the scrypt salt and parameters for a passphrase, and a
key-check value (HKDF of the key; reveals nothing about it). The slot decides later loads: data
made with the credential store never silently switches to a passphrase (or the reverse), a wrong
passphrase fails clearly instead of yielding garbage, and a key that vanished from the
credential store is reported instead of being replaced by a new one (which would orphan the data).
Likewise a missing slot file beside existing store data is reported ("secure.keyslot_missing"),
never replaced: a new slot means a new key, and the data could never be opened again.

The audit key is HKDF-SHA256 of the master key with its own label, so it needs no storage of its
own and cannot be used to derive the master key.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from assist.errors import EXIT_USAGE, AssistError, Msg
from assist.secure._files import create_exclusive
from assist.secure.aead import KEY_BYTES, new_key
from assist.settings import environment

KeySource = Literal["keyring", "passphrase"]
KEY_SOURCES: tuple[KeySource, ...] = ("keyring", "passphrase")
KEYRING_SERVICE = "Assist"
KEYRING_USERNAME = "master-key"
SLOT_FILE = "keyslot.json"
SLOT_FORMAT = "assist-keyslot"
MIN_PASSPHRASE_CHARS = 8

# What `ask_passphrase` is called with: a new passphrase (ask twice to confirm) or an existing one.
ASK_NEW = "new"
ASK_UNLOCK = "unlock"

NO_KEY_SOURCE = Msg(
    "secure.no_key_source",
    da="Der er intet brugbart nøglelager på denne computer ({backend}), og der er ikke givet "
    "nogen adgangsfrase. Angiv en adgangsfrase (ASSIST_PASSPHRASE, eller når Assist spørger), "
    "eller bed IT om at slå systemets nøglelager til. Intet er gemt ukrypteret.",
    en="There is no usable credential store on this computer ({backend}) and no passphrase was "
    "given. Give a passphrase (ASSIST_PASSPHRASE, or when Assist asks), or ask IT to enable the "
    "system credential store. Nothing was stored unencrypted.",
)
WRONG_PASSPHRASE = Msg(
    "secure.wrong_passphrase",
    da="Forkert adgangsfrase: dataene i {data_dir} kan ikke åbnes med den.",
    en="Wrong passphrase: the data in {data_dir} cannot be opened with it.",
)
PASSPHRASE_NEEDED = Msg(
    "secure.passphrase_needed",
    da="Dataene i {data_dir} er beskyttet med en adgangsfrase. Angiv den (ASSIST_PASSPHRASE, "
    "eller når Assist spørger).",
    en="The data in {data_dir} is protected with a passphrase. Give it (ASSIST_PASSPHRASE, or "
    "when Assist asks).",
)
PASSPHRASE_TOO_SHORT = Msg(
    "secure.passphrase_too_short",
    da="Adgangsfrasen skal have mindst {min_chars} tegn.",
    en="The passphrase must have at least {min_chars} characters.",
    exit_code=EXIT_USAGE,
)
BAD_KEY_SOURCE = Msg(
    "secure.bad_key_source",
    da="ASSIST_KEY_SOURCE skal være 'keyring' eller 'passphrase', ikke '{value}'.",
    en="ASSIST_KEY_SOURCE must be 'keyring' or 'passphrase', not '{value}'.",
    exit_code=EXIT_USAGE,
)
KEY_SOURCE_CONFLICT = Msg(
    "secure.key_source_conflict",
    da="Dataene i {data_dir} er beskyttet med '{existing}', men ASSIST_KEY_SOURCE er "
    "'{forced}'. Fjern ASSIST_KEY_SOURCE, eller brug en anden datamappe.",
    en="The data in {data_dir} is protected with '{existing}', but ASSIST_KEY_SOURCE is "
    "'{forced}'. Remove ASSIST_KEY_SOURCE, or use another data folder.",
    exit_code=EXIT_USAGE,
)
KEYRING_UNAVAILABLE = Msg(
    "secure.keyring_unavailable",
    da="Systemets nøglelager ({backend}) kan ikke bruges lige nu, og nøglen til dataene i "
    "{data_dir} ligger der. Lås nøglelageret op (log ind igen), og prøv igen.",
    en="The system credential store ({backend}) cannot be used right now, and the key to the "
    "data in {data_dir} is kept there. Unlock the credential store (log in again) and try again.",
)
KEYRING_FORCED_UNAVAILABLE = Msg(
    "secure.keyring_forced_unavailable",
    da="ASSIST_KEY_SOURCE=keyring, men systemets nøglelager ({backend}) kan ikke bruges.",
    en="ASSIST_KEY_SOURCE=keyring, but the system credential store ({backend}) cannot be used.",
)
KEYRING_KEY_MISSING = Msg(
    "secure.keyring_key_missing",
    da="Nøglen til dataene i {data_dir} findes ikke i systemets nøglelager ({backend}). Uden "
    "den kan dataene ikke åbnes, og Assist laver ikke en ny i stedet. Kontakt IT.",
    en="The key to the data in {data_dir} is not in the system credential store ({backend}). "
    "Without it the data cannot be opened, and Assist will not make a new one instead. "
    "Contact IT.",
)
KEYRING_KEY_MISMATCH = Msg(
    "secure.keyring_key_mismatch",
    da="Nøglen i systemets nøglelager ({backend}) passer ikke til dataene i {data_dir} (de "
    "er måske lavet af en anden bruger). Kontakt IT.",
    en="The key in the system credential store ({backend}) does not match the data in "
    "{data_dir} (it may belong to another user). Contact IT.",
)
KEYSLOT_MISSING = Msg(
    "secure.keyslot_missing",
    da="Nøglefilen {path} mangler, men {data_dir} indeholder krypterede data. Assist laver ikke "
    "en ny nøgle i stedet (med en ny nøgle kan dataene aldrig åbnes igen). Læg keyslot.json "
    "tilbage fra en sikkerhedskopi, eller kontakt IT. Intet er ændret.",
    en="The key file {path} is missing, but {data_dir} holds encrypted data. Assist will not "
    "make a new key instead (the data could never be opened with it). Put keyslot.json back "
    "from a backup, or contact IT. Nothing was changed.",
)
KEYSLOT_CORRUPT = Msg(
    "secure.keyslot_corrupt",
    da="Nøglefilen {path} er beskadiget eller ukendt. Den er ikke ændret; kontakt IT.",
    en="The key file {path} is damaged or unknown. It was left unchanged; contact IT.",
)
PROMPT_NEW_PASSPHRASE = Msg(
    "secure.prompt_new_passphrase",
    da="Vælg en adgangsfrase til Assists krypterede data (mindst {min_chars} tegn): ",
    en="Choose a passphrase for Assist's encrypted data (at least {min_chars} characters): ",
)
PROMPT_PASSPHRASE = Msg(
    "secure.prompt_passphrase",
    da="Adgangsfrase til Assists krypterede data: ",
    en="Passphrase for Assist's encrypted data: ",
)

# What the CLI and app say about where the key came from (`describe_source`).
SOURCE_KEYRING = Msg(
    "secure.source_keyring",
    da="Krypteringsnøglen ligger i systemets nøglelager.",
    en="The encryption key is kept in the system credential store.",
)
SOURCE_PASSPHRASE = Msg(
    "secure.source_passphrase",
    da="Krypteringsnøglen er afledt af adgangsfrasen (der bruges ikke noget nøglelager).",
    en="The encryption key is derived from the passphrase (no credential store is used).",
)


def describe_source(source: KeySource) -> Msg:
    return SOURCE_KEYRING if source == "keyring" else SOURCE_PASSPHRASE


@dataclass(frozen=True)
class ScryptParams:
    """scrypt cost; recorded in the key slot. Default: n=2**17, r=8, p=1 (128 MiB, OWASP)."""

    log2_n: int = 17
    r: int = 8
    p: int = 1

    def is_sane(self) -> bool:
        # Bounds keep a damaged or hostile slot from asking for absurd memory or time.
        return 10 <= self.log2_n <= 22 and 1 <= self.r <= 32 and 1 <= self.p <= 16


DEFAULT_SCRYPT = ScryptParams()


@dataclass(frozen=True)
class KeyMaterial:
    master_key: bytes = field(repr=False)
    audit_key: bytes = field(repr=False)
    source: KeySource


@dataclass(frozen=True)
class KeyringStatus:
    backend_name: str
    usable: bool
    reason: str | None = None


@dataclass(frozen=True)
class KeyStatus:
    """For `assist doctor`: what protects the data, without creating or reading any key."""

    keyring: KeyringStatus
    slot_source: KeySource | None  # None: no key yet in this data directory (or slot damaged)
    slot_problem: str | None  # an error code: slot file unreadable, or missing beside store data
    forced_source: KeySource | None
    passphrase_in_env: bool


def _derive(key: bytes, label: bytes, length: int = KEY_BYTES) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=label).derive(key)


def audit_key_from(master_key: bytes) -> bytes:
    return _derive(master_key, b"assist/audit-key/v1")


def key_check_value(master_key: bytes) -> bytes:
    return _derive(master_key, b"assist/key-check/v1", 16)


def _material(master_key: bytes, source: KeySource) -> KeyMaterial:
    return KeyMaterial(master_key=master_key, audit_key=audit_key_from(master_key), source=source)


# ---------------------------------------------------------------- credential store (keyring)


class KeyringBackend(Protocol):
    """What Assist calls on a credential store: a `keyring` backend (tests pass in-memory ones)."""

    def get_password(self, service: str, username: str) -> str | None: ...

    def set_password(self, service: str, username: str, password: str) -> None: ...


def _default_backend() -> KeyringBackend:
    import keyring

    return keyring.get_keyring()


def _backend_name(backend: KeyringBackend) -> str:
    kind = type(backend)
    return f"{kind.__module__}.{kind.__qualname__}"


def keyring_status(backend: KeyringBackend | None = None) -> KeyringStatus:
    """Which credential store `keyring` would use and whether it can hold a key. Reads nothing."""
    try:
        backend = _default_backend() if backend is None else backend
    except Exception as error:  # a broken keyring installation is "no credential store"
        return KeyringStatus("unknown", False, f"keyring failed to load: {type(error).__name__}")
    name = _backend_name(backend)
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring | null.Keyring):
        return KeyringStatus(name, False, "no credential store backend is available")
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return KeyringStatus(name, False, "no credential store backend is available")
    try:
        priority = getattr(type(backend), "priority", 1)
    except Exception as error:  # keyring backends raise to say "not viable here"
        return KeyringStatus(name, False, f"backend not viable: {type(error).__name__}")
    if isinstance(priority, int | float) and priority <= 0:
        return KeyringStatus(name, False, "backend has no priority (not a real store)")
    return KeyringStatus(name, True)


def _decode_stored_key(value: str) -> bytes | None:
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    return raw if len(raw) == KEY_BYTES else None


class _KeyringFailed(Exception):
    """The credential store raised or returned something unusable."""


def _keyring_read(backend: KeyringBackend) -> bytes | None:
    try:
        value = backend.get_password(KEYRING_SERVICE, KEYRING_USERNAME)
    except Exception as error:
        raise _KeyringFailed(type(error).__name__) from None
    if value is None:
        return None
    key = _decode_stored_key(value) if isinstance(value, str) else None
    if key is None:
        raise _KeyringFailed("stored key is malformed")
    return key


def _keyring_read_or_create(backend: KeyringBackend) -> bytes:
    existing = _keyring_read(backend)
    if existing is not None:
        return existing
    key = new_key()
    try:
        backend.set_password(KEYRING_SERVICE, KEYRING_USERNAME, base64.b64encode(key).decode())
    except Exception as error:
        raise _KeyringFailed(type(error).__name__) from None
    # Some stores accept a write and keep nothing; only a key we can read back is kept.
    if _keyring_read(backend) != key:
        raise _KeyringFailed("credential store did not keep the key")
    return key


# ---------------------------------------------------------------- key slot file


@dataclass(frozen=True)
class _Slot:
    source: KeySource
    key_check: bytes
    salt: bytes = b""
    scrypt: ScryptParams | None = None


def _slot_path(data_dir: Path) -> Path:
    return Path(data_dir) / SLOT_FILE


# The case store's files in the data directory (assist/store: schema.DB_NAME and its WAL,
# audit.HEAD_FILE, recordings/*.arec); a test keeps these names in step with the store.
STORE_FILES = ("cases.sqlite3", "cases.sqlite3-wal", "audit-head.json")
STORE_RECORDINGS = ("recordings", ".arec")


def store_data_exists(data_dir: Path) -> bool:
    """True if `data_dir` holds (encrypted) case store data: a key for it must already exist."""
    data_dir = Path(data_dir)
    for name in STORE_FILES:
        try:
            if (data_dir / name).stat().st_size > 0:
                return True
        except OSError:
            continue
    folder, suffix = STORE_RECORDINGS
    recordings = data_dir / folder
    return recordings.is_dir() and any(recordings.glob(f"*{suffix}"))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _read_slot(data_dir: Path) -> _Slot | None:
    path = _slot_path(data_dir)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        doc = json.loads(raw.decode("utf-8"))
        if doc["format"] != SLOT_FORMAT or doc["version"] != 1 or doc["source"] not in KEY_SOURCES:
            raise ValueError("unknown slot")
        key_check = base64.b64decode(doc["key_check"], validate=True)
        if doc["source"] == "keyring":
            return _Slot("keyring", key_check)
        params = ScryptParams(int(doc["log2_n"]), int(doc["r"]), int(doc["p"]))
        salt = base64.b64decode(doc["salt"], validate=True)
        if doc["kdf"] != "scrypt" or not params.is_sane() or len(salt) < 16:
            raise ValueError("bad kdf")
        return _Slot("passphrase", key_check, salt, params)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise AssistError(KEYSLOT_CORRUPT, path=str(path)) from None


def _write_slot_once(data_dir: Path, slot: _Slot) -> bool:
    """Write the slot if none exists (atomically, never replacing one). False if one appeared."""
    doc: dict[str, object] = {
        "format": SLOT_FORMAT,
        "version": 1,
        "source": slot.source,
        "key_check": _b64(slot.key_check),
    }
    if slot.source == "keyring":
        doc.update(service=KEYRING_SERVICE, username=KEYRING_USERNAME)
    else:
        assert slot.scrypt is not None
        doc.update(
            kdf="scrypt",
            log2_n=slot.scrypt.log2_n,
            r=slot.scrypt.r,
            p=slot.scrypt.p,
            salt=_b64(slot.salt),
        )
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    return create_exclusive(_slot_path(data_dir), json.dumps(doc, indent=2).encode("utf-8"))


# ---------------------------------------------------------------- passphrase


def _scrypt(passphrase: str, salt: bytes, params: ScryptParams) -> bytes:
    # NFC: "ø" typed on different systems may arrive composed or decomposed.
    secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    kdf = Scrypt(salt=salt, length=KEY_BYTES, n=2**params.log2_n, r=params.r, p=params.p)
    return kdf.derive(secret)


def _get_passphrase(
    env: Mapping[str, str],
    ask_passphrase: Callable[[str], str] | None,
    purpose: str,
    missing: AssistError,
) -> str:
    passphrase = environment.passphrase(env)
    if not passphrase and ask_passphrase is not None:
        passphrase = ask_passphrase(purpose) or ""
    if not passphrase:
        raise missing
    if purpose == ASK_NEW and len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise AssistError(PASSPHRASE_TOO_SHORT, min_chars=MIN_PASSPHRASE_CHARS)
    return passphrase


# ---------------------------------------------------------------- load_keys


def _forced_source(env: Mapping[str, str]) -> KeySource | None:
    value = environment.forced_key_source(env)
    if not value:
        return None
    for source in KEY_SOURCES:
        if value == source:
            return source
    raise AssistError(BAD_KEY_SOURCE, value=value)


def load_keys(
    data_dir: Path,
    env: Mapping[str, str] | None = None,
    *,
    backend: KeyringBackend | None = None,
    ask_passphrase: Callable[[str], str] | None = None,
    new_passphrase_kdf: ScryptParams = DEFAULT_SCRYPT,
) -> KeyMaterial:
    """The master and audit keys for `data_dir`, creating them on first use.

    `backend`: a keyring backend object (tests pass an in-memory one; default: keyring's choice).
    `ask_passphrase(purpose)`: called with ASK_NEW or ASK_UNLOCK when a passphrase is needed and
    ASSIST_PASSPHRASE is unset; returns the passphrase ("" to give up). For ASK_NEW, the caller
    should ask twice and compare. `new_passphrase_kdf` sets the scrypt cost of a *new* slot only
    (tests use a cheap one; existing slots use what they recorded).
    """
    env = os.environ if env is None else env
    data_dir = Path(data_dir)
    forced = _forced_source(env)
    slot = _read_slot(data_dir)
    if slot is not None:
        if forced is not None and forced != slot.source:
            raise AssistError(
                KEY_SOURCE_CONFLICT, data_dir=str(data_dir), existing=slot.source, forced=forced
            )
        return _open_existing(data_dir, slot, env, backend, ask_passphrase)
    if store_data_exists(data_dir):
        # The slot was removed (or lost) but the data is there: a new key would orphan it.
        raise AssistError(KEYSLOT_MISSING, path=str(_slot_path(data_dir)), data_dir=str(data_dir))

    status = keyring_status(backend)
    if forced == "keyring" and not status.usable:
        raise AssistError(KEYRING_FORCED_UNAVAILABLE, backend=status.backend_name)
    if forced != "passphrase" and status.usable:
        try:
            master = _keyring_read_or_create(_default_backend() if backend is None else backend)
        except _KeyringFailed:
            if forced == "keyring":
                raise AssistError(KEYRING_FORCED_UNAVAILABLE, backend=status.backend_name) from None
        else:
            if _write_slot_once(data_dir, _Slot("keyring", key_check_value(master))):
                return _material(master, "keyring")
            return load_keys(data_dir, env, backend=backend, ask_passphrase=ask_passphrase)

    missing = AssistError(NO_KEY_SOURCE, backend=status.backend_name)
    passphrase = _get_passphrase(env, ask_passphrase, ASK_NEW, missing)
    salt = os.urandom(16)
    master = _scrypt(passphrase, salt, new_passphrase_kdf)
    new_slot = _Slot("passphrase", key_check_value(master), salt, new_passphrase_kdf)
    if _write_slot_once(data_dir, new_slot):
        return _material(master, "passphrase")
    # Another process created the slot first: unlock that one with the same passphrase.
    return load_keys(data_dir, {**env, "ASSIST_PASSPHRASE": passphrase}, backend=backend)


def _open_existing(
    data_dir: Path,
    slot: _Slot,
    env: Mapping[str, str],
    backend: KeyringBackend | None,
    ask_passphrase: Callable[[str], str] | None,
) -> KeyMaterial:
    if slot.source == "keyring":
        status = keyring_status(backend)
        try:
            if not status.usable:
                raise _KeyringFailed(status.reason or "unusable")
            master = _keyring_read(_default_backend() if backend is None else backend)
        except _KeyringFailed:
            raise AssistError(
                KEYRING_UNAVAILABLE, backend=status.backend_name, data_dir=str(data_dir)
            ) from None
        if master is None:
            raise AssistError(
                KEYRING_KEY_MISSING, backend=status.backend_name, data_dir=str(data_dir)
            )
        if not hmac.compare_digest(key_check_value(master), slot.key_check):
            raise AssistError(
                KEYRING_KEY_MISMATCH, backend=status.backend_name, data_dir=str(data_dir)
            )
        return _material(master, "keyring")

    assert slot.scrypt is not None
    missing = AssistError(PASSPHRASE_NEEDED, data_dir=str(data_dir))
    passphrase = _get_passphrase(env, ask_passphrase, ASK_UNLOCK, missing)
    master = _scrypt(passphrase, slot.salt, slot.scrypt)
    if not hmac.compare_digest(key_check_value(master), slot.key_check):
        raise AssistError(WRONG_PASSPHRASE, data_dir=str(data_dir))
    return _material(master, "passphrase")


def key_status(
    data_dir: Path, env: Mapping[str, str] | None = None, *, backend: KeyringBackend | None = None
) -> KeyStatus:
    """For `assist doctor`: the credential store and what protects `data_dir`. Creates nothing."""
    env = os.environ if env is None else env
    try:
        forced: KeySource | None = _forced_source(env)
    except AssistError:
        forced = None
    slot_problem: str | None = None
    try:
        slot = _read_slot(data_dir)
    except AssistError as error:
        slot, slot_problem = None, error.code
    if slot is None and slot_problem is None and store_data_exists(data_dir):
        slot_problem = KEYSLOT_MISSING.code
    return KeyStatus(
        keyring=keyring_status(backend),
        slot_source=slot.source if slot else None,
        slot_problem=slot_problem,
        forced_source=forced,
        passphrase_in_env=bool(environment.passphrase(env)),
    )
