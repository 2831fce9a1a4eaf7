"""Sealing fields and wrapping per-case keys: round trips, and every kind of misuse fails."""

from __future__ import annotations

import pytest

from assist.errors import AssistError
from assist.secure import aead


def test_seal_round_trip_and_fresh_nonce_each_time() -> None:
    key = aead.new_key()
    aad = aead.field_aad("case-1", "title")
    first = aead.seal(key, "Borger ønsker hjælp".encode(), aad)
    second = aead.seal(key, "Borger ønsker hjælp".encode(), aad)
    assert first != second  # random nonce
    assert first[0] == aead.VERSION_AES_GCM
    assert len(first) == len("Borger ønsker hjælp".encode()) + aead.OVERHEAD
    assert aead.open_sealed(key, first, aad).decode() == "Borger ønsker hjælp"


def test_new_keys_are_random_256_bit() -> None:
    keys = {aead.new_key() for _ in range(50)}
    assert len(keys) == 50 and all(len(k) == 32 for k in keys)


@pytest.mark.parametrize("where", range(0, 40))
def test_any_flipped_bit_is_tampered(where: int) -> None:
    key = aead.new_key()
    sealed = bytearray(aead.seal(key, b"0123456789a", b"aad"))
    sealed[where % len(sealed)] ^= 1 << (where % 8)
    with pytest.raises(AssistError) as caught:
        aead.open_sealed(key, bytes(sealed), b"aad")
    assert caught.value.code == "secure.tampered"


def test_wrong_key_wrong_aad_short_or_unknown_version_are_tampered() -> None:
    key = aead.new_key()
    sealed = aead.seal(key, b"data", aead.field_aad("case-1", "note"))
    attempts = [
        (aead.new_key(), sealed, aead.field_aad("case-1", "note")),
        (key, sealed, aead.field_aad("case-2", "note")),  # copied into another case
        (key, sealed, aead.field_aad("case-1", "title")),  # copied into another field
        (key, sealed[:10], aead.field_aad("case-1", "note")),
        (key, b"", aead.field_aad("case-1", "note")),
        (key, b"\x02" + sealed[1:], aead.field_aad("case-1", "note")),
    ]
    for attempt_key, attempt_sealed, attempt_aad in attempts:
        with pytest.raises(AssistError) as caught:
            aead.open_sealed(attempt_key, attempt_sealed, attempt_aad)
        assert caught.value.code == "secure.tampered"


def test_aad_parts_are_unambiguous() -> None:
    assert aead.aad_of("ab", "c") != aead.aad_of("a", "bc")
    assert aead.field_aad("case-1", "note", "3") != aead.field_aad("case-1", "note3")


def test_wrap_unwrap_binds_the_case_id() -> None:
    master, data_key = aead.new_key(), aead.new_key()
    wrapped = aead.wrap_key(master, data_key, "case-1")
    assert aead.unwrap_key(master, wrapped, "case-1") == data_key
    for other_master, other_case in ((master, "case-2"), (aead.new_key(), "case-1")):
        with pytest.raises(AssistError) as caught:
            aead.unwrap_key(other_master, wrapped, other_case)
        assert caught.value.code == "secure.tampered"


def test_a_sealed_field_is_not_an_unwrappable_key() -> None:
    # Domain separation: a 32-byte field sealed under the master key is not a wrapped case key.
    master = aead.new_key()
    sealed = aead.seal(master, bytes(32), aead.aad_of("case-1"))
    with pytest.raises(AssistError):
        aead.unwrap_key(master, sealed, "case-1")


def test_keys_of_the_wrong_size_are_programming_errors() -> None:
    with pytest.raises(ValueError):
        aead.seal(b"short", b"x", b"")
    with pytest.raises(ValueError):
        aead.wrap_key(aead.new_key(), b"short", "case-1")
