"""The model registry as an attacker with file access sees it, and models that do not load.

Qualification verdicts and imported-model records are MAC'd with a key derived from the case
store's master key: a record edited, added or moved by hand is treated as untrusted (the model is
unqualified, an imported one unusable) and `assist models list` says so. `models import` loads
the model in a worker first and refuses one that does not load or crashes the worker.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers.fake_workers import FakeLlmSpec
from helpers.store_support import make_keys, open_store
from test_models_fakes import (
    LLM_ID,
    TEST_REGISTRY_KEY,
    ct2_whisper_bin,
    fake_catalog,
    fake_store,
    gguf_bytes,
    loads_fine,
    write_model_files,
)

import assist.cli.models_cmd as models_cmd
from assist.cli import main
from assist.drafting.select import choose_drafter
from assist.errors import AssistError
from assist.models.catalog import ModelKind
from assist.models.importing import import_model
from assist.models.loading import check_loads_in_worker
from assist.models.registry import REGISTRY_FILE_NAME, ImportedModel
from assist.models.store import DEFAULT_ASR_MODEL, DEFAULT_LLM_MODEL, ModelStore
from assist.models.store import open_store as open_models
from assist.models.trust import UserKeys, forget_remembered_keys, registry_key_from
from assist.secure.keys import SLOT_FILE, ScryptParams, load_keys

PASSPHRASE = "korrekt hest batteri"


# ---- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    opened = fake_store(tmp_path / "models")
    write_model_files(opened.root / LLM_ID, LLM_ID)
    return opened


def _registry(store: ModelStore) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((store.root / REGISTRY_FILE_NAME).read_text())
    return data


def _write_registry(store: ModelStore, data: dict[str, Any]) -> None:
    store.root.mkdir(parents=True, exist_ok=True)
    (store.root / REGISTRY_FILE_NAME).write_text(json.dumps(data, indent=2))


def _import(store: ModelStore, path: Path, model_id: str, kind: str) -> ImportedModel:
    items = list(import_model(store, path, model_id, kind))
    assert isinstance(items[-1], ImportedModel)
    return items[-1]


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli_store(store: ModelStore, monkeypatch: pytest.MonkeyPatch) -> ModelStore:
    monkeypatch.setattr(models_cmd, "_open", lambda: fake_store(store.root))
    return store


# ---- 5: the qualification gate is no longer a plain file ---------------------------------------


def test_a_hand_written_qualification_does_not_qualify_and_list_says_tampered(
    cli_store: ModelStore, capsys: pytest.CaptureFixture[str]
) -> None:
    store = cli_store
    assert store.resolve(LLM_ID).fit_for_drafting is False
    sha = store.spec(LLM_ID).primary_file.sha256
    _write_registry(
        store,
        {
            "version": 1,
            "imported": {},
            "qualifications": {
                LLM_ID: {"passed": True, "sha256": sha, "recorded_at": "", "report": {}}
            },
        },
    )
    resolved = store.resolve(LLM_ID)
    assert resolved.fit_for_drafting is False and resolved.qualification is None
    status = store.status(LLM_ID)
    assert (status.qualified, status.record_problem) == (False, "tampered")
    assert status.qualification_outcome == "tampered"

    code, out, _ = _cli(capsys, "--lang", "en", "models", "list")
    [line] = [row for row in out.splitlines() if row.startswith(LLM_ID + " ")]
    assert code == 0 and "TAMPERED" in line and "not qualified" in line
    code, out, _ = _cli(capsys, "models", "list")
    assert "ÆNDRET UDEN OM ASSIST" in out
    code, out, _ = _cli(capsys, "models", "list", "--json")
    row = {r["id"]: r for r in json.loads(out)}[LLM_ID]
    assert row["qualified"] is False and row["record_problem"] == "tampered"
    assert row["qualification"]["outcome"] == "tampered"


@pytest.mark.parametrize(
    "edit",
    ["flip_passed", "drop_mac", "other_key_id", "change_report"],
)
def test_an_edited_verdict_is_not_trusted(store: ModelStore, edit: str) -> None:
    store.record_qualification(LLM_ID, edit != "flip_passed", {"outcome": "failed"})
    data = _registry(store)
    record = data["qualifications"][LLM_ID]
    if edit == "flip_passed":
        record["passed"] = True
        record["report"] = {"outcome": "passed"}
    elif edit == "drop_mac":
        record.pop("mac")
    elif edit == "other_key_id":
        record["key_id"] = "0" * 16
    else:
        record["report"] = {"outcome": "passed", "probes_passed": 4}
    _write_registry(store, data)
    status = store.status(LLM_ID)
    assert status.qualified is not True and status.record_problem in ("tampered", "other_key")
    assert store.resolve(LLM_ID).fit_for_drafting is False


def test_a_verdict_moved_to_another_model_id_does_not_verify(store: ModelStore) -> None:
    store.record_qualification(LLM_ID, True, {})
    data = _registry(store)
    data["qualifications"]["fake-llm-2"] = data["qualifications"].pop(LLM_ID)
    _write_registry(store, data)
    moved = store.registry.qualification("fake-llm-2")
    assert moved is not None and moved.record_problem == "tampered"


def test_a_genuine_verdict_still_qualifies_and_survives_a_reopen(store: ModelStore) -> None:
    store.record_qualification(LLM_ID, True, {"outcome": "passed"})
    fresh = fake_store(store.root)
    assert fresh.resolve(LLM_ID).fit_for_drafting is True
    status = fresh.status(LLM_ID)
    assert (status.qualified, status.record_problem) == (True, None)


def test_drafting_falls_back_when_the_verdict_was_tampered_with(store: ModelStore) -> None:
    store.record_qualification(LLM_ID, False, {"outcome": "failed"})
    data = _registry(store)
    data["qualifications"][LLM_ID]["passed"] = True
    _write_registry(store, data)

    def loader(_installed: object) -> Any:
        raise AssertionError("an unqualified model must never be loaded for drafting")

    choice = choose_drafter("auto", LLM_ID, open_store=lambda _env: store, load_llm=loader)
    assert choice.note is not None and choice.note.code.endswith("unqualified")
    with pytest.raises(AssistError) as raised:
        choose_drafter("llm", LLM_ID, open_store=lambda _env: store, load_llm=loader)
    assert "qualif" in raised.value.code


def test_a_swapped_file_with_a_forged_hash_cache_loses_its_qualification(
    store: ModelStore,
) -> None:
    """The hash cache is a plain file too: rewriting it for a swapped file must not carry a
    verdict over to a file that was never judged."""
    store.record_qualification(LLM_ID, True, {"outcome": "passed"})
    assert store.resolve(LLM_ID).fit_for_drafting is True
    path = store.root / LLM_ID / "tiny.gguf"
    swapped = bytearray(path.read_bytes())
    swapped[-1] ^= 0xFF
    path.write_bytes(bytes(swapped))  # same size
    cache_file = store.root / ".hash-cache.json"
    cache = json.loads(cache_file.read_text())
    info = path.stat()
    entry = cache["files"][str(path.absolute())]
    entry.update(
        size=info.st_size, mtime_ns=info.st_mtime_ns, ctime_ns=info.st_ctime_ns, inode=info.st_ino
    )
    cache_file.write_text(json.dumps(cache))
    with pytest.raises(AssistError) as raised:
        fake_store(store.root).resolve(LLM_ID)
    assert raised.value.code == "models.hash_mismatch"


def test_a_file_whose_identity_changed_but_not_its_bytes_stays_qualified(
    store: ModelStore,
) -> None:
    store.record_qualification(LLM_ID, True, {"outcome": "passed"})
    path = store.root / LLM_ID / "tiny.gguf"
    os.chmod(path, 0o640)  # changes ctime only (a backup tool, an ACL change)
    assert fake_store(store.root).resolve(LLM_ID).fit_for_drafting is True
    recorded = _registry(store)["qualifications"][LLM_ID]["file"]
    assert recorded["ctime_ns"] == path.stat().st_ctime_ns  # noted again, so no re-hash next time


def test_a_tampered_import_record_makes_the_model_unusable(
    cli_store: ModelStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = cli_store
    gguf = tmp_path / "it" / "danish.gguf"
    gguf.parent.mkdir()
    gguf.write_bytes(gguf_bytes(b"danish" * 300))
    _import(store, gguf, "da-4b", "llm")
    assert store.resolve("da-4b").path == gguf
    other = tmp_path / "it" / "other.gguf"
    other.write_bytes(gguf_bytes(b"attacker" * 300))
    data = _registry(store)
    record = data["imported"]["da-4b"]
    record["files"][0].update(
        name="other.gguf",
        sha256=hashlib.sha256(other.read_bytes()).hexdigest(),
        size=other.stat().st_size,
    )
    _write_registry(store, data)
    with pytest.raises(AssistError) as raised:
        store.resolve("da-4b")
    assert raised.value.code == "models.record_tampered"
    code, out, _ = _cli(capsys, "--lang", "en", "models", "list")
    assert code == 0 and "RECORD TAMPERED WITH" in out
    assert _cli(capsys, "models", "verify")[0] == 1
    # IT can still remove it; nothing named in a tampered record is deleted.
    assert _cli(capsys, "models", "remove", "da-4b")[0] == 0
    assert gguf.exists() and other.exists()


def test_records_written_by_hand_for_an_imported_model_are_refused(
    store: ModelStore, tmp_path: Path
) -> None:
    gguf = tmp_path / "evil.gguf"
    gguf.write_bytes(gguf_bytes(b"x" * 100))
    sha = hashlib.sha256(gguf.read_bytes()).hexdigest()
    _write_registry(
        store,
        {
            "version": 1,
            "imported": {
                "evil": {
                    "kind": "llm",
                    "directory": str(tmp_path),
                    "files": [
                        {
                            "name": "evil.gguf",
                            "sha256": sha,
                            "size": gguf.stat().st_size,
                            "primary": True,
                        }
                    ],
                }
            },
            "qualifications": {"evil": {"passed": True, "sha256": sha, "report": {}}},
        },
    )
    assert store.status("evil").problem == "record_tampered"
    with pytest.raises(AssistError) as raised:
        store.resolve("evil", "llm")
    assert raised.value.code == "models.record_tampered"


# ---- where the key comes from -------------------------------------------------------------------


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    data_dir = tmp_path / "data"
    env = {
        "ASSIST_DATA_DIR": str(data_dir),
        "ASSIST_MODEL_DIR": str(tmp_path / "models"),
        "ASSIST_KEY_SOURCE": "passphrase",
        "ASSIST_PASSPHRASE": PASSPHRASE,
    }
    load_keys(data_dir, env, new_passphrase_kdf=ScryptParams(log2_n=10))
    return env


def _user_store(env: dict[str, str]) -> ModelStore:
    store = open_models(env, fake_catalog())
    store.load_check = loads_fine
    return store


def test_the_registry_key_is_the_case_stores_key_from_the_passphrase(
    user_env: dict[str, str], tmp_path: Path
) -> None:
    store = _user_store(user_env)
    write_model_files(store.root / LLM_ID, LLM_ID)
    store.record_qualification(LLM_ID, True, {"outcome": "passed"})
    assert _user_store(user_env).resolve(LLM_ID).fit_for_drafting is True
    # Another data folder (another user, another key): the verdict is not this user's.
    other_dir = tmp_path / "other-data"
    other_env = {**user_env, "ASSIST_DATA_DIR": str(other_dir), "ASSIST_PASSPHRASE": "et andet"}
    load_keys(other_dir, other_env, new_passphrase_kdf=ScryptParams(log2_n=10))
    other = _user_store(other_env)
    assert other.status(LLM_ID).record_problem == "other_key"
    assert other.resolve(LLM_ID).fit_for_drafting is False


def test_reading_without_the_passphrase_is_locked_never_a_prompt_or_a_new_key(
    user_env: dict[str, str], tmp_path: Path
) -> None:
    store = _user_store(user_env)
    write_model_files(store.root / LLM_ID, LLM_ID)
    store.record_qualification(LLM_ID, True, {"outcome": "passed"})
    forget_remembered_keys()  # as a new process would start
    locked_env = {k: v for k, v in user_env.items() if k != "ASSIST_PASSPHRASE"}
    locked = _user_store(locked_env)
    status = locked.status(LLM_ID)
    assert (status.qualified, status.record_problem) == (None, "locked")
    assert locked.resolve(LLM_ID).fit_for_drafting is False
    with pytest.raises(AssistError) as raised:
        locked.record_qualification(LLM_ID, True, {})
    assert raised.value.code == "secure.passphrase_needed"
    # A data folder without any key: reading creates none.
    empty = tmp_path / "fresh-data"
    keys = UserKeys({**locked_env, "ASSIST_DATA_DIR": str(empty)})
    assert keys.for_reading() is None and not (empty / SLOT_FILE).exists()


def test_a_case_store_opened_in_the_process_lends_its_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    keys = make_keys()
    open_store(data_dir, keys).close()  # remembers the registry key of this data folder
    env = {"ASSIST_DATA_DIR": str(data_dir), "ASSIST_MODEL_DIR": str(tmp_path / "m")}
    lent = UserKeys(env).for_reading()
    assert lent is not None and lent.key_id == registry_key_from(keys.master_key).key_id


def test_listing_models_on_a_machine_without_any_key_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSIST_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("ASSIST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ASSIST_PASSPHRASE", raising=False)
    monkeypatch.setenv("ASSIST_KEY_SOURCE", "passphrase")
    code, out, _ = _cli(capsys, "models", "list", "--json")
    assert code == 0 and {r["id"] for r in json.loads(out)} == {
        DEFAULT_ASR_MODEL,
        DEFAULT_LLM_MODEL,
    }
    assert not (tmp_path / "data" / SLOT_FILE).exists()


# ---- 13: a model that does not load is not imported ---------------------------------------------


@pytest.fixture(scope="module")
def real_gguf() -> Path:
    pytest.importorskip("llama_cpp")
    try:
        return open_models().resolve(DEFAULT_LLM_MODEL, "llm").path
    except AssistError:
        if os.environ.get("CI"):
            pytest.fail("the embedded GGUF is not installed")
        pytest.skip("the embedded GGUF is not installed (assist models install)")


@pytest.fixture
def real_store(tmp_path: Path) -> ModelStore:
    """A model store that really loads what it imports (in a worker)."""
    return ModelStore(tmp_path / "models", fake_catalog(), keys=TEST_REGISTRY_KEY)


def _bad_gguf(real: Path, folder: Path, how: str) -> Path:
    head = real.read_bytes()[: 1 << 20] if how != "truncated" else b""
    target = folder / f"{how}.gguf"
    if how == "truncated":
        with real.open("rb") as source, target.open("wb") as out:
            out.write(source.read(real.stat().st_size // 2))
    elif how == "random_after_header":
        out_bytes = head[:64] + os.urandom(2 * 1024 * 1024)
        target.write_bytes(out_bytes)
    else:  # the real metadata and tensor table, then noise where the tensors should be
        target.write_bytes(head[: 8 * 1024] + os.urandom(1024 * 1024))
    return target


@pytest.mark.models
@pytest.mark.parametrize("how", ["truncated", "random_after_header", "random_tensors"])
def test_a_gguf_that_does_not_load_is_refused_and_the_registry_is_unchanged(
    real_gguf: Path, real_store: ModelStore, tmp_path: Path, how: str
) -> None:
    bad = _bad_gguf(real_gguf, tmp_path, how)
    with pytest.raises(AssistError) as raised:
        _import(real_store, bad, "broken", "llm")
    assert raised.value.code in ("models.does_not_load", "models.crashed_on_load")
    assert str(bad) in raised.value.message("en") and "unchanged" in raised.value.message("en")
    assert not (real_store.root / REGISTRY_FILE_NAME).exists()
    assert "broken" not in {s.model_id for s in real_store.statuses()}


@pytest.mark.models
def test_the_real_gguf_imports_and_lists_as_verified(
    real_gguf: Path, real_store: ModelStore
) -> None:
    _import(real_store, real_gguf, "gemma-copy", "llm")
    status = real_store.status("gemma-copy")
    assert status.verified and status.record_problem is None and status.qualified is None


@pytest.mark.models
def test_the_cli_refuses_a_truncated_gguf_and_lists_nothing_new(
    real_gguf: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = tmp_path / "models"
    monkeypatch.setattr(
        models_cmd, "_open", lambda: ModelStore(root, fake_catalog(), keys=TEST_REGISTRY_KEY)
    )
    bad = _bad_gguf(real_gguf, tmp_path, "truncated")
    code, out, err = _cli(
        capsys, "--lang", "en", "models", "import", str(bad), "--id", "x", "--kind", "llm"
    )
    assert code == 1 and "cannot be loaded" in err and "Traceback" not in err
    code, out, _ = _cli(capsys, "models", "list", "--json")
    assert "x" not in {r["id"] for r in json.loads(out)}


@pytest.mark.models
def test_a_whisper_folder_whose_model_bin_does_not_load_is_refused(
    asr_model: Any, real_store: ModelStore, tmp_path: Path
) -> None:
    folder = tmp_path / "hviske"
    shutil.copytree(asr_model.path, folder, ignore=shutil.ignore_patterns("model.bin"))
    (folder / "model.bin").write_bytes(ct2_whisper_bin(os.urandom(512 * 1024)))
    with pytest.raises(AssistError) as raised:
        _import(real_store, folder, "hviske", "asr")
    assert raised.value.code == "models.does_not_load"
    assert not (real_store.root / REGISTRY_FILE_NAME).exists()


def _crashing_check(kind: ModelKind, path: Path, model_id: str) -> None:
    check_loads_in_worker(kind, path, model_id, spec=FakeLlmSpec(how="segfault", when="load"))


def test_a_worker_that_crashes_while_loading_is_a_refusal(tmp_path: Path) -> None:
    store = ModelStore(
        tmp_path / "models", fake_catalog(), keys=TEST_REGISTRY_KEY, load_check=_crashing_check
    )
    gguf = tmp_path / "crash.gguf"
    gguf.write_bytes(gguf_bytes())
    with pytest.raises(AssistError) as raised:
        _import(store, gguf, "crashy", "llm")
    assert raised.value.code == "models.crashed_on_load"
    assert "SIGSEGV" in raised.value.message("en")
    assert not (store.root / REGISTRY_FILE_NAME).exists()


def test_copy_import_of_a_model_that_does_not_load_copies_nothing(tmp_path: Path) -> None:
    def refuse(kind: ModelKind, path: Path, model_id: str) -> None:
        check_loads_in_worker(kind, path, model_id, spec=FakeLlmSpec(how="exit", when="load"))

    store = ModelStore(
        tmp_path / "models", fake_catalog(), keys=TEST_REGISTRY_KEY, load_check=refuse
    )
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(gguf_bytes())
    with pytest.raises(AssistError):
        _import_copy(store, gguf)
    assert not (store.root / "m").exists() and not (store.root / REGISTRY_FILE_NAME).exists()


def _import_copy(store: ModelStore, path: Path) -> None:
    list(import_model(store, path, "m", "llm", copy=True))


def test_no_key_means_no_import_before_any_work(tmp_path: Path) -> None:
    calls: list[str] = []

    def check(kind: ModelKind, path: Path, model_id: str) -> None:
        calls.append(model_id)

    store = ModelStore(tmp_path / "models", fake_catalog(), load_check=check)  # no key source
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(gguf_bytes())
    with pytest.raises(AssistError) as raised:
        _import(store, gguf, "m", "llm")
    assert raised.value.code == "models.registry_key_needed" and calls == []
