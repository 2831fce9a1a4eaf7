"""Authenticated encryption for everything Assist stores about a citizen.

Sealed format, version 1: ``version (1 byte) || nonce (12 random bytes) || AES-256-GCM ciphertext
and 16-byte tag``. The version byte is itself authenticated (it is prefixed to the caller's AAD),
so a future format cannot be confused with this one. Callers bind every sealed value to where it
belongs through the AAD (case id and field name, see `field_aad`): a value copied into another
case or field fails to open.

Any failure to open (wrong key, modified bytes, wrong AAD, unknown version, too short) is one
AssistError, "secure.tampered": the caller cannot and should not tell these apart.
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from assist.errors import AssistError, Msg

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
VERSION_AES_GCM = 1
# Bytes `seal` adds to the plaintext.
OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES

TAMPERED = Msg(
    "secure.tampered",
    da="Krypterede data kunne ikke åbnes: de er ændret, beskadigede eller hører til en anden "
    "sag eller nøgle. Intet af det er brugt.",
    en="Encrypted data could not be opened: it was modified, damaged, or belongs to another "
    "case or key. None of it was used.",
)

_WRAP_LABEL = b"assist/case-key/v1"


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return secrets.token_bytes(KEY_BYTES)


def _check_key(key: bytes) -> None:
    # A key of the wrong size is a programming error, not something a user can act on.
    if not isinstance(key, bytes | bytearray) or len(key) != KEY_BYTES:
        raise ValueError("an Assist key is exactly 32 bytes")


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt and authenticate `plaintext`, bound to `aad` (which is not stored)."""
    _check_key(key)
    nonce = secrets.token_bytes(NONCE_BYTES)
    version = bytes([VERSION_AES_GCM])
    return version + nonce + AESGCM(bytes(key)).encrypt(nonce, plaintext, version + aad)


def open_sealed(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """The plaintext of `seal(key, plaintext, aad)`; AssistError "secure.tampered" otherwise."""
    _check_key(key)
    if len(sealed) < OVERHEAD or sealed[0] != VERSION_AES_GCM:
        raise AssistError(TAMPERED)
    version, nonce, body = sealed[:1], sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    try:
        return AESGCM(bytes(key)).decrypt(nonce, body, version + aad)
    except InvalidTag:
        raise AssistError(TAMPERED) from None


def aad_of(*parts: str | bytes) -> bytes:
    """An unambiguous AAD from several parts (each length-prefixed, so ("ab","c") != ("a","bc"))."""
    out = bytearray()
    for part in parts:
        raw = part.encode("utf-8") if isinstance(part, str) else bytes(part)
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def field_aad(case_id: str, field: str, *extra: str | bytes) -> bytes:
    """The AAD for one stored field of one case (add e.g. a row id in `extra`)."""
    return aad_of(b"assist/field/v1", case_id, field, *extra)


def wrap_key(master: bytes, data_key: bytes, case_id: str) -> bytes:
    """Seal a case's data key with the master key; only this case id can unwrap it."""
    _check_key(data_key)
    return seal(master, bytes(data_key), aad_of(_WRAP_LABEL, case_id))


def unwrap_key(master: bytes, wrapped: bytes, case_id: str) -> bytes:
    """The data key of `case_id`; AssistError "secure.tampered" for anything else."""
    data_key = open_sealed(master, wrapped, aad_of(_WRAP_LABEL, case_id))
    if len(data_key) != KEY_BYTES:
        raise AssistError(TAMPERED)
    return data_key
