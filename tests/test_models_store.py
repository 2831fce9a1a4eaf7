"""The model store: catalog, resolve, hash checks and their cache, qualification records."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_models_fakes import (
    ASR_ID,
    FAKE_FILES,
    LLM_ID,
    TEST_REGISTRY_KEY,
    fake_catalog,
    fake_store,
    write_model_files,
)

import assist.models.hashing as hashing
from assist.errors import AssistError
from assist.models.catalog import CatalogFormatError, load_catalog
from assist.models.store import (
    DEFAULT_ASR_MODEL,
    DEFAULT_LLM_MODEL,
    ModelStatus,
    ModelStore,
    open_store,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    return fake_store(tmp_path / "models")


@pytest.fixture
def installed(store: ModelStore) -> ModelStore:
    write_model_files(store.root / ASR_ID, ASR_ID)
    write_model_files(store.root / LLM_ID, LLM_ID)
    return store


@pytest.fixture
def blocks_read(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Records every file the hashing code reads, to tell a cache hit from a re-hash."""
    reads: list[Path] = []
    original = hashing.iter_file_blocks

    def counting(path: Path, cancel: object = None) -> Iterator[bytes]:
        reads.append(path)
        return original(path, cancel)  # type: ignore[arg-type]

    monkeypatch.setattr(hashing, "iter_file_blocks", counting)
    return reads


def test_packaged_catalog_is_an_identical_copy_of_the_canonical_catalog() -> None:
    canonical = (REPO / "models" / "catalog.toml").read_bytes()
    packaged = (REPO / "assist" / "models" / "catalog.toml").read_bytes()
    assert packaged == canonical, "copy models/catalog.toml to assist/models/catalog.toml"


def test_catalog_describes_the_embedded_models_honestly() -> None:
    catalog = load_catalog()
    asr, llm = catalog[DEFAULT_ASR_MODEL], catalog[DEFAULT_LLM_MODEL]
    assert (asr.kind, llm.kind) == ("asr", "llm")
    assert asr.primary_file.name == "model.bin"
    assert asr.primary_file.sha256 == (
        "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
    )
    assert llm.primary_file.name.endswith(".gguf")
    assert llm.primary_file.sha256 == (
        "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
    )
    assert {f.name for f in asr.files} >= {"config.json", "tokenizer.json", "vocabulary.json"}
    # The base 270M model must never be offered for drafting; whisper base is weak for Danish.
    assert llm.fit["drafting"] is False
    assert asr.fit["transcription"] is True and asr.fit["danish_production"] is False
    assert "svag på dansk" in asr.notes_da and "weak for Danish" in asr.notes_en
    assert asr.licence == "MIT" and "Gemma" in llm.licence
    assert asr.installable and llm.installable


def test_a_catalog_entry_without_a_primary_file_is_rejected() -> None:
    text = (
        '[[model]]\nid = "x"\nkind = "llm"\nlicence = "MIT"\nsource = "s"\n'
        '[[model.files]]\nname = "a.gguf"\nsha256 = "' + "0" * 64 + '"\nsize = 1\n'
    )
    with pytest.raises(CatalogFormatError):
        load_catalog(text)


def test_open_store_uses_the_model_dir_from_the_environment(tmp_path: Path) -> None:
    store = open_store({"ASSIST_MODEL_DIR": str(tmp_path / "m")})
    assert store.root == tmp_path / "m"
    assert DEFAULT_ASR_MODEL in store.catalog


def test_resolve_gives_a_folder_for_speech_and_the_gguf_file_for_a_language_model(
    installed: ModelStore,
) -> None:
    asr = installed.resolve(ASR_ID, "asr")
    assert asr.path == installed.root / ASR_ID and asr.path.is_dir()
    assert asr.sha256 == fake_catalog()[ASR_ID].primary_file.sha256
    llm = installed.resolve(LLM_ID)
    assert llm.path == installed.root / LLM_ID / "tiny.gguf" and llm.path.is_file()
    assert llm.fit_for_drafting is False and llm.qualification is None


@pytest.mark.parametrize(
    ("model_id", "kind", "code"),
    [
        ("no-such-model", None, "models.unknown_id"),
        (ASR_ID, "llm", "models.wrong_kind"),
    ],
)
def test_resolve_refuses_unknown_ids_and_the_wrong_kind(
    installed: ModelStore, model_id: str, kind: str | None, code: str
) -> None:
    with pytest.raises(AssistError) as raised:
        installed.resolve(model_id, kind)
    assert raised.value.code == code
    assert model_id in raised.value.message("da")


def test_resolve_says_how_to_install_a_model_that_is_not_there(store: ModelStore) -> None:
    with pytest.raises(AssistError) as raised:
        store.resolve(ASR_ID)
    assert raised.value.code == "models.not_installed"
    assert "assist models install" in raised.value.message("da")
    assert "assist models install" in raised.value.message("en")


def test_a_missing_file_of_an_installed_model_is_named(installed: ModelStore) -> None:
    (installed.root / ASR_ID / "tokenizer.json").unlink()
    with pytest.raises(AssistError) as raised:
        installed.resolve(ASR_ID)
    assert raised.value.code == "models.file_missing"
    assert "tokenizer.json" in raised.value.message("en")


def test_a_tampered_file_of_the_same_size_is_refused(installed: ModelStore) -> None:
    installed.resolve(LLM_ID)  # verified and cached
    path = installed.root / LLM_ID / "tiny.gguf"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(AssistError) as raised:
        installed.resolve(LLM_ID)
    assert raised.value.code == "models.hash_mismatch"
    assert "kontrolsummen passer ikke" in raised.value.message("da")


def test_a_tamper_that_restores_the_modification_time_is_still_caught(
    installed: ModelStore,
) -> None:
    installed.resolve(ASR_ID)
    path = installed.root / ASR_ID / "model.bin"
    before = path.stat()
    data = bytearray(path.read_bytes())
    data[20] ^= 0x01
    path.write_bytes(bytes(data))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    with pytest.raises(AssistError) as raised:
        fake_store(installed.root).resolve(ASR_ID)
    assert raised.value.code == "models.hash_mismatch"


def test_a_truncated_file_is_refused(installed: ModelStore) -> None:
    path = installed.root / ASR_ID / "model.bin"
    path.write_bytes(path.read_bytes()[:-10])
    status = installed.status(ASR_ID)
    assert (status.installed, status.verified, status.problem) == (True, False, "size_mismatch")
    with pytest.raises(AssistError) as raised:
        installed.resolve(ASR_ID)
    assert raised.value.code == "models.hash_mismatch"


def test_the_hash_cache_spares_rereading_unchanged_files_across_restarts(
    installed: ModelStore, blocks_read: list[Path]
) -> None:
    installed.resolve(ASR_ID)
    assert len(blocks_read) == len(FAKE_FILES[ASR_ID])
    blocks_read.clear()
    fake_store(installed.root).resolve(ASR_ID)  # a new process, same cache file
    assert blocks_read == []


def test_any_change_to_a_file_forces_a_full_rehash(
    installed: ModelStore, blocks_read: list[Path]
) -> None:
    installed.resolve(ASR_ID)
    config = installed.root / ASR_ID / "config.json"
    config.write_bytes(config.read_bytes())  # same bytes, new identity
    blocks_read.clear()
    fake_store(installed.root).resolve(ASR_ID)
    assert blocks_read == [config]


def test_a_damaged_cache_file_only_costs_a_rehash(
    installed: ModelStore, blocks_read: list[Path]
) -> None:
    installed.resolve(ASR_ID)
    (installed.root / hashing.CACHE_FILE_NAME).write_text("{not json")
    blocks_read.clear()
    assert fake_store(installed.root).resolve(ASR_ID).path.is_dir()
    assert len(blocks_read) == len(FAKE_FILES[ASR_ID])


def test_verify_full_rereads_files_the_cache_vouches_for(installed: ModelStore) -> None:
    installed.resolve(LLM_ID)
    path = installed.root / LLM_ID / "tiny.gguf"
    # Simulate a cache that vouches for a file whose bytes changed under it (e.g. bit rot).
    data = bytearray(path.read_bytes())
    data[10] ^= 0x01
    path.write_bytes(bytes(data))
    cache_file = installed.root / hashing.CACHE_FILE_NAME
    cache = json.loads(cache_file.read_text())
    entry = cache["files"][str(path.absolute())]
    stat = path.stat()
    entry.update(
        size=stat.st_size, mtime_ns=stat.st_mtime_ns, ctime_ns=stat.st_ctime_ns, inode=stat.st_ino
    )
    cache_file.write_text(json.dumps(cache))
    fresh = fake_store(installed.root)
    assert fresh.status(LLM_ID).verified is True  # the quick check trusts the cache
    results = [r for r in fresh.verify([LLM_ID], full=True) if isinstance(r, ModelStatus)]
    assert [(r.model_id, r.problem) for r in results] == [(LLM_ID, "hash_mismatch")]


def test_verify_yields_progress_up_to_the_model_size(installed: ModelStore) -> None:
    items = list(installed.verify([ASR_ID], full=True))
    progress = [i for i in items if not isinstance(i, ModelStatus)]
    total = sum(len(d) for d in FAKE_FILES[ASR_ID].values())
    assert progress and progress[-1].done == total and progress[-1].total == total
    assert isinstance(items[-1], ModelStatus) and items[-1].verified


def test_statuses_report_every_known_model(store: ModelStore) -> None:
    write_model_files(store.root / ASR_ID, ASR_ID)
    by_id = {s.model_id: s for s in store.statuses()}
    assert by_id[ASR_ID].installed and by_id[ASR_ID].verified
    assert not by_id[LLM_ID].installed and by_id[LLM_ID].problem == "not_installed"
    assert by_id[LLM_ID].qualified is None and by_id[ASR_ID].qualified is None


def test_qualification_makes_a_drafting_model_fit_only_if_it_passed(installed: ModelStore) -> None:
    installed.record_qualification(LLM_ID, False, {"score": 0.2})
    failed = installed.resolve(LLM_ID)
    assert failed.fit_for_drafting is False
    assert failed.qualification is not None and failed.qualification["report"] == {"score": 0.2}
    assert installed.status(LLM_ID).qualified is False
    installed.record_qualification(LLM_ID, True, {"score": 0.9})
    fresh = fake_store(installed.root)  # persisted in registry.json
    assert fresh.resolve(LLM_ID).fit_for_drafting is True
    assert fresh.status(LLM_ID).qualified is True


def test_a_model_the_catalog_marks_unfit_stays_unfit_even_if_qualified(tmp_path: Path) -> None:
    store = ModelStore(tmp_path, keys=TEST_REGISTRY_KEY)  # the real catalog
    entry = store.catalog[DEFAULT_LLM_MODEL]
    assert entry.fit["drafting"] is False
    store.record_qualification(DEFAULT_LLM_MODEL, True, {})
    spec = store.spec(DEFAULT_LLM_MODEL)
    assert store._fit_for_drafting(spec, store.qualification(DEFAULT_LLM_MODEL)) is False


def test_an_unreadable_file_is_one_clear_error(
    installed: ModelStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests run as root in CI, where chmod cannot make a file unreadable: fail the open instead.
    def refuse(path: Path, cancel: object = None) -> Iterator[bytes]:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(hashing, "iter_file_blocks", refuse)
    with pytest.raises(AssistError) as raised:
        installed.resolve(ASR_ID)
    assert raised.value.code == "models.file_unreadable"
    assert installed.status(LLM_ID).problem == "unreadable"
