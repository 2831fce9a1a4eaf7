"""Tiny fake models and fake model packages shared by the tests/test_models_*.py files.

No tests live here: the fakes stand in for the ~400 MB embedded models so that the model store's
behaviour can be tested in milliseconds.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

from assist.models.catalog import CatalogEntry, ModelKind, SourcePart, load_catalog
from assist.models.install import SourceMissing
from assist.models.store import ModelStore
from assist.models.trust import FixedKey, registry_key_from

ASR_ID = "fake-asr"
LLM_ID = "fake-llm"


def ct2_whisper_bin(payload: bytes = b"weights" * 100) -> bytes:
    """Bytes that start like a CTranslate2 Whisper model.bin (version 6, spec 'WhisperSpec')."""
    name = b"WhisperSpec\0"
    return struct.pack("<IH", 6, len(name)) + name + payload


def gguf_bytes(payload: bytes = b"tensors" * 100) -> bytes:
    return b"GGUF" + struct.pack("<I", 3) + payload


FAKE_FILES: dict[str, dict[str, bytes]] = {
    ASR_ID: {
        "model.bin": ct2_whisper_bin(),
        "config.json": b'{"lang_ids": [1, 2]}',
        "tokenizer.json": b'{"model": {}}',
        "vocabulary.json": b'["a", "b"]',
    },
    LLM_ID: {"tiny.gguf": gguf_bytes()},
}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_toml(model_id: str, name: str, data: bytes, primary: bool) -> str:
    # The primary file comes in two parts from two packages, like the real ones.
    package = "fakepkg_" + model_id.replace("-", "_")
    if primary:
        parts = (
            f'{{ package = "{package}_1", resource = "data/{name}.p1" }}, '
            f'{{ package = "{package}_2", resource = "data/{name}.p2" }}'
        )
    else:
        parts = f'{{ package = "{package}_2", resource = "data/{name}" }}'
    return (
        "[[model.files]]\n"
        f'name = "{name}"\nsha256 = "{sha(data)}"\nsize = {len(data)}\n'
        f"primary = {'true' if primary else 'false'}\nparts = [{parts}]\n"
    )


def fake_catalog_toml() -> str:
    text = "version = 1\n"
    for model_id, kind, drafting in ((ASR_ID, "asr", False), (LLM_ID, "llm", True)):
        text += (
            f'[[model]]\nid = "{model_id}"\nkind = "{kind}"\nlicence = "MIT"\n'
            f'source = "test fake"\ninstall_extra = "assist[models]"\n'
            f'notes_da = "dansk note"\nnotes_en = "english note"\n'
            f"[model.fit]\ntranscription = {'true' if kind == 'asr' else 'false'}\n"
            f"drafting = {'true' if drafting else 'false'}\n"
        )
        primary_name = "model.bin" if kind == "asr" else "tiny.gguf"
        for name, data in FAKE_FILES[model_id].items():
            text += _file_toml(model_id, name, data, name == primary_name)
    return text


def fake_catalog() -> dict[str, CatalogEntry]:
    return load_catalog(fake_catalog_toml())


@dataclass
class FakePackages:
    """Package directories on disk holding the fake parts; `locate` finds parts in them."""

    root: Path
    locate_calls: int = 0

    def locate(self, part: SourcePart) -> Path:
        self.locate_calls += 1
        path = self.root / part.package / part.resource
        if not path.is_file():
            raise SourceMissing(part.package)
        return path


def make_fake_packages(root: Path) -> FakePackages:
    """Write the parts the fake catalog names, as importable packages under `root`."""
    for entry in fake_catalog().values():
        for model_file in entry.files:
            data = FAKE_FILES[entry.model_id][model_file.name]
            chunks = (
                [data[: len(data) // 2], data[len(data) // 2 :]]
                if len(model_file.parts) == 2
                else [data]
            )
            for part, chunk in zip(model_file.parts, chunks, strict=True):
                package_dir = root / part.package
                (package_dir / part.resource).parent.mkdir(parents=True, exist_ok=True)
                (package_dir / "__init__.py").write_text("")
                (package_dir / part.resource).write_bytes(chunk)
    return FakePackages(root)


def write_model_files(directory: Path, model_id: str) -> None:
    """Put a fake model's files in place as if installed."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in FAKE_FILES[model_id].items():
        (directory / name).write_bytes(data)


# The registry key a test's model store signs its records with (real stores derive it from the
# case store's master key, see assist/models/trust.py).
TEST_REGISTRY_KEY = FixedKey(registry_key_from(b"\x42" * 32))


def loads_fine(kind: ModelKind, path: Path, model_id: str) -> None:
    """The fakes are not real models: their import skips the load in a worker."""


def fake_store(root: Path) -> ModelStore:
    """A model store on the fake catalog, with a registry key and no real model loading."""
    return ModelStore(root, fake_catalog(), keys=TEST_REGISTRY_KEY, load_check=loads_fine)
