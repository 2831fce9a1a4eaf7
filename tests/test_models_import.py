"""`import_model`: registering an administrator's CTranslate2 Whisper folder or GGUF file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_models_fakes import ASR_ID, ct2_whisper_bin, fake_store, gguf_bytes

from assist.cancel import Progress
from assist.errors import AssistError
from assist.models.importing import import_model, remove_imported
from assist.models.registry import REGISTRY_FILE_NAME, ImportedModel
from assist.models.store import ModelStatus, ModelStore


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    return fake_store(tmp_path / "models")


def make_ct2_folder(folder: Path, vocabulary: str = "vocabulary.json") -> Path:
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(ct2_whisper_bin(b"danish weights" * 50))
    (folder / "config.json").write_text('{"lang_ids": [50285]}')
    (folder / "tokenizer.json").write_text('{"model": {}}')
    (folder / vocabulary).write_text('["a"]')
    (folder / "README.md").write_text("model card")
    return folder


def run_import(
    store: ModelStore, path: Path, model_id: str, kind: str, **options: object
) -> ImportedModel:
    items = list(import_model(store, path, model_id, kind, **options))  # type: ignore[arg-type]
    assert isinstance(items[-1], ImportedModel)
    return items[-1]


def test_a_ct2_whisper_folder_is_registered_in_place(store: ModelStore, tmp_path: Path) -> None:
    folder = make_ct2_folder(tmp_path / "hviske")
    model = run_import(store, folder, "hviske-tiske", "asr", licence="Apache-2.0")
    assert model.directory == folder and not model.copied
    assert {f.name for f in model.files} == {
        "model.bin",
        "config.json",
        "tokenizer.json",
        "vocabulary.json",
    }
    resolved = store.resolve("hviske-tiske", "asr")
    assert resolved.path == folder
    assert not (store.root / "hviske-tiske").exists()
    status = store.status("hviske-tiske")
    assert status.origin == "imported" and status.licence == "Apache-2.0" and status.verified


def test_a_gguf_file_is_registered_and_starts_unqualified(
    store: ModelStore, tmp_path: Path
) -> None:
    gguf = tmp_path / "qwen3-4b.gguf"
    gguf.write_bytes(gguf_bytes(b"q" * 5000))
    items = list(import_model(store, gguf, "qwen3-4b", "llm"))
    assert any(isinstance(i, Progress) for i in items)
    resolved = store.resolve("qwen3-4b", "llm")
    assert resolved.path == gguf
    assert resolved.fit_for_drafting is False and store.status("qwen3-4b").qualified is None
    store.record_qualification("qwen3-4b", True, {"cases": 12})
    assert store.resolve("qwen3-4b").fit_for_drafting is True


def test_changing_an_imported_file_in_place_is_refused(store: ModelStore, tmp_path: Path) -> None:
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(gguf_bytes())
    run_import(store, gguf, "m", "llm")
    store.record_qualification("m", True, {})
    gguf.write_bytes(gguf_bytes(b"other weights" * 60))
    with pytest.raises(AssistError) as raised:
        store.resolve("m")
    assert raised.value.code == "models.hash_mismatch"


def test_copy_puts_the_files_in_the_model_dir(store: ModelStore, tmp_path: Path) -> None:
    folder = make_ct2_folder(tmp_path / "src", vocabulary="vocabulary.txt")
    model = run_import(store, folder, "roest", "asr", copy=True)
    assert model.copied and model.directory == store.root / "roest"
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"):
        assert (store.root / "roest" / name).read_bytes() == (folder / name).read_bytes()
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt", "README.md"):
        (folder / name).unlink()
    assert store.resolve("roest").path == store.root / "roest"


def test_reimporting_needs_replace_and_voids_the_old_qualification(
    store: ModelStore, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.gguf", tmp_path / "b.gguf"
    first.write_bytes(gguf_bytes(b"one" * 100))
    second.write_bytes(gguf_bytes(b"two" * 100))
    run_import(store, first, "llm-x", "llm")
    store.record_qualification("llm-x", True, {})
    with pytest.raises(AssistError) as raised:
        run_import(store, second, "llm-x", "llm")
    assert raised.value.code == "models.id_taken"
    run_import(store, second, "llm-x", "llm", replace=True)
    assert store.resolve("llm-x").path == second
    assert store.qualification("llm-x") is None


def _problem_folder(tmp_path: Path, problem: str) -> Path:
    folder = make_ct2_folder(tmp_path / problem)
    if problem == "no-tokenizer":
        (folder / "tokenizer.json").unlink()
    elif problem == "no-vocabulary":
        (folder / "vocabulary.json").unlink()
    elif problem == "not-ct2":
        (folder / "model.bin").write_bytes(b"PK\x03\x04 a zip, not a model")
    elif problem == "bad-config":
        (folder / "config.json").write_text("{oops")
    return folder


@pytest.mark.parametrize(
    ("problem", "named"),
    [
        ("no-tokenizer", "tokenizer.json"),
        ("no-vocabulary", "vocabulary.json"),
        ("not-ct2", "model.bin"),
        ("bad-config", "config.json"),
    ],
)
def test_a_folder_that_is_not_a_ct2_whisper_model_is_refused(
    store: ModelStore, tmp_path: Path, problem: str, named: str
) -> None:
    folder = _problem_folder(tmp_path, problem)
    with pytest.raises(AssistError) as raised:
        run_import(store, folder, "bad", "asr")
    assert raised.value.code == "models.not_ct2_whisper"
    assert named in raised.value.message("da")
    assert not (store.root / REGISTRY_FILE_NAME).exists()


@pytest.mark.parametrize("what", ["text-file", "folder", "empty-file"])
def test_something_that_is_not_a_gguf_file_is_refused(
    store: ModelStore, tmp_path: Path, what: str
) -> None:
    path = tmp_path / "model.gguf"
    if what == "text-file":
        path.write_text("this is not a model")
    elif what == "folder":
        path.mkdir()
    else:
        path.write_bytes(b"")
    with pytest.raises(AssistError) as raised:
        run_import(store, path, "bad", "llm")
    assert raised.value.code == "models.not_gguf"


@pytest.mark.parametrize(
    ("model_id", "code"),
    [
        ("Has Spaces", "models.bad_id"),
        ("../escape", "models.bad_id"),
        ("", "models.bad_id"),
        (ASR_ID, "models.id_taken"),
    ],
)
def test_bad_or_taken_ids_are_refused(
    store: ModelStore, tmp_path: Path, model_id: str, code: str
) -> None:
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(gguf_bytes())
    with pytest.raises(AssistError) as raised:
        run_import(store, gguf, model_id, "llm")
    assert raised.value.code == code


def test_a_missing_path_and_an_unknown_kind_are_refused(store: ModelStore, tmp_path: Path) -> None:
    with pytest.raises(AssistError) as raised:
        run_import(store, tmp_path / "nowhere.gguf", "m", "llm")
    assert raised.value.code == "models.import_not_found"
    with pytest.raises(AssistError) as raised:
        run_import(store, tmp_path, "m", "tts")
    assert raised.value.code == "models.bad_kind"


def test_a_damaged_registry_is_reported_not_overwritten(store: ModelStore, tmp_path: Path) -> None:
    store.root.mkdir(parents=True)
    registry = store.root / REGISTRY_FILE_NAME
    registry.write_text("{ broken")
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(gguf_bytes())
    with pytest.raises(AssistError) as raised:
        run_import(store, gguf, "m", "llm")
    assert raised.value.code == "models.registry_unreadable"
    assert registry.read_text() == "{ broken"


def test_the_registry_is_plain_json_with_no_temporary_files_left(
    store: ModelStore, tmp_path: Path
) -> None:
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(gguf_bytes())
    run_import(store, gguf, "m", "llm")
    data = json.loads((store.root / REGISTRY_FILE_NAME).read_text())
    assert data["imported"]["m"]["files"][0]["name"] == "m.gguf"
    assert [p.name for p in store.root.iterdir() if p.name.endswith(".part")] == []
    statuses = {s.model_id: s for s in store.statuses()}
    assert isinstance(statuses["m"], ModelStatus) and statuses["m"].kind == "llm"


def test_removing_an_in_place_import_keeps_the_files(store: ModelStore, tmp_path: Path) -> None:
    folder = make_ct2_folder(tmp_path / "it-share")
    run_import(store, folder, "shared", "asr")
    removed = remove_imported(store, "shared")
    assert removed.model_id == "shared" and (folder / "model.bin").is_file()
    with pytest.raises(AssistError) as raised:
        store.resolve("shared")
    assert raised.value.code == "models.unknown_id"


def test_removing_a_copied_import_deletes_only_the_copy(store: ModelStore, tmp_path: Path) -> None:
    folder = make_ct2_folder(tmp_path / "src")
    run_import(store, folder, "copied", "asr", copy=True)
    remove_imported(store, "copied")
    assert not (store.root / "copied").exists()
    assert (folder / "model.bin").is_file()


def test_catalog_models_cannot_be_removed(store: ModelStore) -> None:
    with pytest.raises(AssistError) as raised:
        remove_imported(store, ASR_ID)
    assert raised.value.code == "models.not_removable"


def test_an_imported_model_whose_files_vanished_names_the_file(
    store: ModelStore, tmp_path: Path
) -> None:
    gguf = tmp_path / "gone.gguf"
    gguf.write_bytes(gguf_bytes())
    run_import(store, gguf, "gone", "llm")
    gguf.unlink()
    with pytest.raises(AssistError) as raised:
        store.resolve("gone")
    assert raised.value.code == "models.file_missing"
    assert str(gguf) in raised.value.message("en")
