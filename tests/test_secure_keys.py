"""Master key from the credential store or a passphrase; never a plain file, never silently."""

from __future__ import annotations

import base64
import json
import unicodedata
from pathlib import Path

import pytest
from keyring.backends import chainer, fail

from assist.errors import AssistError
from assist.secure import keys
from assist.secure.keys import ASK_NEW, ASK_UNLOCK, ScryptParams, key_status, load_keys

CHEAP = ScryptParams(log2_n=10, r=8, p=1)  # tests only; real slots use DEFAULT_SCRYPT
PASSPHRASE = "korrekt hest batteri"


class MemoryKeyring:
    """A credential store in a dict. Duck-typed on purpose: subclassing keyring's backend class
    would register it with keyring for every later test in this process."""

    priority = 1

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}
        self.calls: list[str] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.calls.append("get")
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append("set")
        self.items[(service, username)] = password


class BrokenKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("dbus said no")


class ForgetfulKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append("set")  # accepts, keeps nothing


def load(data_dir: Path, env: dict[str, str] | None = None, **kwargs: object) -> keys.KeyMaterial:
    return load_keys(data_dir, env or {}, new_passphrase_kdf=CHEAP, **kwargs)  # type: ignore[arg-type]


def code_of(call: object) -> str:
    with pytest.raises(AssistError) as caught:
        call()  # type: ignore[operator]
    return caught.value.code


def test_keyring_present_creates_one_key_and_reuses_it(tmp_path: Path) -> None:
    store = MemoryKeyring()
    first = load(tmp_path / "data", backend=store)
    assert first.source == "keyring"
    assert len(first.master_key) == 32 and len(first.audit_key) == 32
    assert first.audit_key != first.master_key
    stored = store.items[("Assist", "master-key")]
    assert base64.b64decode(stored) == first.master_key
    again = load(tmp_path / "data", backend=store)
    assert again == first
    # Another data folder on the same account uses the same stored key.
    assert load(tmp_path / "other", backend=store).master_key == first.master_key


def test_no_key_is_ever_written_to_disk_or_shown_in_repr(tmp_path: Path) -> None:
    material = load(tmp_path, backend=MemoryKeyring())
    passphrase_material = load(tmp_path / "p", {"ASSIST_PASSPHRASE": PASSPHRASE},
                               backend=fail.Keyring())
    for km in (material, passphrase_material):
        assert km.master_key.hex() not in repr(km)
        for path in tmp_path.rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                for secret in (km.master_key, km.audit_key):
                    assert secret not in content
                    assert base64.b64encode(secret) not in content
                    assert secret.hex().encode() not in content


def test_keyring_absent_uses_the_passphrase_and_reopens_with_it(tmp_path: Path) -> None:
    env = {"ASSIST_PASSPHRASE": PASSPHRASE}
    first = load(tmp_path, env, backend=fail.Keyring())
    assert first.source == "passphrase"
    slot = json.loads((tmp_path / "keyslot.json").read_text())
    assert slot["source"] == "passphrase" and slot["kdf"] == "scrypt"
    assert (slot["log2_n"], slot["r"], slot["p"]) == (10, 8, 1)
    assert load(tmp_path, env, backend=fail.Keyring()) == first
    # The slot, not the current environment, decides: a keyring appearing later changes nothing.
    assert load(tmp_path, env, backend=MemoryKeyring()) == first


def test_wrong_passphrase_fails_clearly(tmp_path: Path) -> None:
    load(tmp_path, {"ASSIST_PASSPHRASE": PASSPHRASE}, backend=fail.Keyring())
    wrong = {"ASSIST_PASSPHRASE": PASSPHRASE + "!"}
    assert code_of(lambda: load(tmp_path, wrong, backend=fail.Keyring())) == (
        "secure.wrong_passphrase"
    )
    assert code_of(lambda: load(tmp_path, {}, backend=fail.Keyring())) == (
        "secure.passphrase_needed"
    )


def test_no_credential_store_and_no_passphrase_is_a_clear_error_and_writes_nothing(
    tmp_path: Path,
) -> None:
    for backend in (fail.Keyring(), chainer.ChainerBackend()):
        with pytest.raises(AssistError) as caught:
            load(tmp_path / "data", {}, backend=backend)
        assert caught.value.code == "secure.no_key_source"
        assert caught.value.exit_code != 0
        assert "ASSIST_PASSPHRASE" in caught.value.message("da")
    assert not (tmp_path / "data" / "keyslot.json").exists()


def test_ask_passphrase_is_called_for_new_then_unlock(tmp_path: Path) -> None:
    asked: list[str] = []

    def ask(purpose: str) -> str:
        asked.append(purpose)
        return PASSPHRASE

    first = load(tmp_path, {}, backend=fail.Keyring(), ask_passphrase=ask)
    second = load(tmp_path, {}, backend=fail.Keyring(), ask_passphrase=ask)
    assert asked == [ASK_NEW, ASK_UNLOCK]
    assert first == second
    assert code_of(
        lambda: load(tmp_path / "new", {}, backend=fail.Keyring(), ask_passphrase=lambda _: "")
    ) == "secure.no_key_source"


def test_a_new_passphrase_must_be_long_enough(tmp_path: Path) -> None:
    assert code_of(
        lambda: load(tmp_path, {"ASSIST_PASSPHRASE": "kort"}, backend=fail.Keyring())
    ) == "secure.passphrase_too_short"


def test_passphrase_unicode_forms_unlock_the_same_data(tmp_path: Path) -> None:
    composed = unicodedata.normalize("NFC", "grønne æbler på øen")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    first = load(tmp_path, {"ASSIST_PASSPHRASE": composed}, backend=fail.Keyring())
    assert load(tmp_path, {"ASSIST_PASSPHRASE": decomposed}, backend=fail.Keyring()) == first


def test_default_scrypt_cost_works(tmp_path: Path) -> None:
    material = load_keys(tmp_path, {"ASSIST_PASSPHRASE": PASSPHRASE}, backend=fail.Keyring())
    slot = json.loads((tmp_path / "keyslot.json").read_text())
    assert slot["log2_n"] == 17
    assert load_keys(tmp_path, {"ASSIST_PASSPHRASE": PASSPHRASE}, backend=fail.Keyring()) == (
        material
    )


def test_forcing_the_source(tmp_path: Path) -> None:
    store = MemoryKeyring()
    forced = {"ASSIST_KEY_SOURCE": "passphrase", "ASSIST_PASSPHRASE": PASSPHRASE}
    assert load(tmp_path / "a", forced, backend=store).source == "passphrase"
    assert store.items == {}
    assert code_of(
        lambda: load(tmp_path / "b", {"ASSIST_KEY_SOURCE": "keyring"}, backend=fail.Keyring())
    ) == "secure.keyring_forced_unavailable"
    with pytest.raises(AssistError) as caught:
        load(tmp_path / "c", {"ASSIST_KEY_SOURCE": "plaintext"}, backend=store)
    assert caught.value.code == "secure.bad_key_source" and caught.value.exit_code == 2
    # Data made with a passphrase cannot be opened "with the keyring" by mistake.
    assert code_of(
        lambda: load(tmp_path / "a", {"ASSIST_KEY_SOURCE": "keyring"}, backend=store)
    ) == "secure.key_source_conflict"


def test_keyring_data_never_falls_back_to_a_passphrase(tmp_path: Path) -> None:
    store = MemoryKeyring()
    load(tmp_path, backend=store)
    env = {"ASSIST_PASSPHRASE": PASSPHRASE}
    assert code_of(lambda: load(tmp_path, env, backend=fail.Keyring())) == (
        "secure.keyring_unavailable"
    )
    assert code_of(lambda: load(tmp_path, env, backend=BrokenKeyring())) == (
        "secure.keyring_unavailable"
    )


def test_a_key_missing_from_the_store_is_reported_not_replaced(tmp_path: Path) -> None:
    store = MemoryKeyring()
    load(tmp_path, backend=store)
    store.items.clear()
    assert code_of(lambda: load(tmp_path, backend=store)) == "secure.keyring_key_missing"
    assert store.items == {}
    store.items[("Assist", "master-key")] = base64.b64encode(bytes(32)).decode()
    assert code_of(lambda: load(tmp_path, backend=store)) == "secure.keyring_key_mismatch"
    store.items[("Assist", "master-key")] = "not base64!"
    assert code_of(lambda: load(tmp_path, backend=store)) == "secure.keyring_unavailable"


def test_a_failing_keyring_on_first_use_falls_back_to_passphrase_and_says_so(
    tmp_path: Path,
) -> None:
    env = {"ASSIST_PASSPHRASE": PASSPHRASE}
    assert load(tmp_path / "a", env, backend=BrokenKeyring()).source == "passphrase"
    assert load(tmp_path / "b", env, backend=ForgetfulKeyring()).source == "passphrase"
    assert code_of(lambda: load(tmp_path / "c", {}, backend=BrokenKeyring())) == (
        "secure.no_key_source"
    )


def test_a_damaged_slot_is_reported_and_left_alone(tmp_path: Path) -> None:
    load(tmp_path, {"ASSIST_PASSPHRASE": PASSPHRASE}, backend=fail.Keyring())
    slot_path = tmp_path / "keyslot.json"
    damaged = slot_path.read_bytes()[:-20]
    slot_path.write_bytes(damaged)
    assert code_of(
        lambda: load(tmp_path, {"ASSIST_PASSPHRASE": PASSPHRASE}, backend=fail.Keyring())
    ) == "secure.keyslot_corrupt"
    assert slot_path.read_bytes() == damaged
    # Absurd scrypt costs in a slot are refused instead of attempted.
    doc = {"format": "assist-keyslot", "version": 1, "source": "passphrase", "kdf": "scrypt",
           "log2_n": 40, "r": 8, "p": 1, "salt": base64.b64encode(bytes(16)).decode(),
           "key_check": base64.b64encode(bytes(16)).decode()}
    slot_path.write_text(json.dumps(doc))
    assert code_of(
        lambda: load(tmp_path, {"ASSIST_PASSPHRASE": PASSPHRASE}, backend=fail.Keyring())
    ) == "secure.keyslot_corrupt"


def test_key_status_for_doctor_creates_and_reads_nothing(tmp_path: Path) -> None:
    store = MemoryKeyring()
    status = key_status(tmp_path / "data", {}, backend=store)
    assert status.keyring.usable and status.slot_source is None
    assert store.calls == [] and not (tmp_path / "data").exists()
    absent = key_status(tmp_path, {"ASSIST_PASSPHRASE": "x"}, backend=fail.Keyring())
    assert not absent.keyring.usable and absent.keyring.reason
    assert "fail" in absent.keyring.backend_name and absent.passphrase_in_env
    load(tmp_path / "data", backend=store)
    store.calls.clear()
    assert key_status(tmp_path / "data", {}, backend=store).slot_source == "keyring"
    assert store.calls == []
    (tmp_path / "data" / "keyslot.json").write_text("{")
    assert key_status(tmp_path / "data", {}, backend=store).slot_problem == (
        "secure.keyslot_corrupt"
    )


def test_two_first_starts_at_once_end_with_one_key(tmp_path: Path) -> None:
    inner: list[keys.KeyMaterial] = []

    def ask(purpose: str) -> str:
        # While this start is asking, another process finishes creating the slot.
        if purpose == ASK_NEW:
            inner.append(load(tmp_path, {"ASSIST_PASSPHRASE": PASSPHRASE}, backend=fail.Keyring()))
        return PASSPHRASE

    outer = load(tmp_path, {}, backend=fail.Keyring(), ask_passphrase=ask)
    assert inner == [outer]
