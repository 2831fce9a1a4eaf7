"""`assist models import`: register a model an administrator provides (e.g. a Danish Whisper).

Accepted: a CTranslate2 Whisper folder (model.bin, config.json, tokenizer.json and a vocabulary;
tokenizer.json is required because faster-whisper otherwise fetches one from the Hub) or a GGUF
file. The files are registered in place, since they may be several GB, unless `copy` is set; either
way their hashes are recorded and checked on every load. Before anything is registered the model
is loaded once in a worker process (`ModelStore.load_check`, see loading.py): one that does not
load, or crashes the worker, is refused and the registry stays as it was. The record is signed
with the registry key (trust.py), which is loaded first, before gigabytes are hashed. Imported
language models start unqualified for drafting until the drafting gate passes them.
"""

from __future__ import annotations

import contextlib
import json
import re
import struct
from collections.abc import Generator
from datetime import UTC, datetime
from pathlib import Path

from assist.cancel import CancelToken, Progress
from assist.errors import EXIT_USAGE, AssistError, Msg
from assist.models.catalog import KINDS, ModelFile, ModelKind
from assist.models.copying import check_free_space, ensure_writable_dir, write_joined
from assist.models.registry import ImportedModel
from assist.models.store import ModelStore
from assist.settings.rules import require_import_allowed

MODEL_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
GGUF_MAGIC = b"GGUF"
CT2_REQUIRED = ("model.bin", "config.json", "tokenizer.json")
CT2_VOCABULARIES = ("vocabulary.json", "vocabulary.txt")
CT2_OPTIONAL = ("preprocessor_config.json",)

BAD_ID = Msg(
    "models.bad_id",
    da="Ugyldigt model-id '{model_id}': brug små bogstaver a-z, tal, '.', '-' eller '_' "
    "(højst 64 tegn).",
    en="Invalid model id '{model_id}': use lower-case a-z, digits, '.', '-' or '_' "
    "(at most 64 characters).",
    exit_code=EXIT_USAGE,
)
BAD_KIND = Msg(
    "models.bad_kind",
    da="Ukendt modeltype '{kind}': vælg 'asr' (tale til tekst) eller 'llm' (sprogmodel).",
    en="Unknown model kind '{kind}': choose 'asr' (speech to text) or 'llm' (language model).",
    exit_code=EXIT_USAGE,
)
ID_TAKEN = Msg(
    "models.id_taken",
    da="Model-id'et '{model_id}' er allerede i brug. Vælg et andet id (eller brug --replace "
    "for en importeret model).",
    en="The model id '{model_id}' is already in use. Choose another id (or use --replace for "
    "an imported model).",
    exit_code=EXIT_USAGE,
)
PATH_NOT_FOUND = Msg(
    "models.import_not_found",
    da="Stien {path} findes ikke.",
    en="The path {path} does not exist.",
)
NOT_CT2_WHISPER = Msg(
    "models.not_ct2_whisper",
    da="{path} er ikke en CTranslate2 Whisper-mappe ({reason}). Den skal indeholde model.bin, "
    "config.json, tokenizer.json og vocabulary.json (eller .txt).",
    en="{path} is not a CTranslate2 Whisper folder ({reason}). It must contain model.bin, "
    "config.json, tokenizer.json and vocabulary.json (or .txt).",
)
SOURCE_CHANGED = Msg(
    "models.import_source_changed",
    da="{path} blev ændret, mens den blev importeret, så den er ikke registreret. Prøv igen, når "
    "filen ikke længere skrives.",
    en="{path} changed while it was being imported, so it was not registered. Try again once "
    "the file is no longer being written.",
)
NOT_GGUF = Msg(
    "models.not_gguf",
    da="{path} er ikke en GGUF-modelfil (den skal være én fil, der starter med 'GGUF').",
    en="{path} is not a GGUF model file (it must be a single file starting with 'GGUF').",
)


def import_model(
    store: ModelStore,
    source: Path,
    model_id: str,
    kind: str,
    *,
    copy: bool = False,
    replace: bool = False,
    licence: str = "",
    cancel: CancelToken | None = None,
) -> Generator[Progress | ImportedModel, None, None]:
    """Check, hash and register a model; yields Progress and finally the ImportedModel."""
    if not MODEL_ID_PATTERN.fullmatch(model_id):
        raise AssistError(BAD_ID, model_id=model_id)
    if kind not in KINDS:
        raise AssistError(BAD_KIND, kind=kind)
    if store.settings is not None:
        require_import_allowed(store.settings)
    imported = store.registry.imported()
    if model_id in store.catalog or (model_id in imported and not replace):
        raise AssistError(ID_TAKEN, model_id=model_id)
    source = Path(source).expanduser().absolute()
    if not source.exists():
        raise AssistError(PATH_NOT_FOUND, path=source)
    if kind == "asr":
        source_dir, names = source, _ct2_whisper_files(source)
        primary = "model.bin"
    else:
        _check_gguf(source)
        source_dir, names = source.parent, [source.name]
        primary = source.name
    model_kind: ModelKind = "asr" if kind == "asr" else "llm"
    store.require_registry_key()  # before the slow part: a missing key fails at once

    # It must load (in a worker, like every later use) before a byte is copied or registered.
    before = {name: _identity(source_dir / name) for name in names}
    yield Progress(f"load {model_id}", 0, 1)
    store.load_check(model_kind, source, model_id)
    yield Progress(f"load {model_id}", 1, 1)

    total = sum((source_dir / name).stat().st_size for name in names)
    stage = f"import {model_id}"
    done = 0
    files: list[ModelFile] = []
    if copy:
        directory = store.root / model_id
        ensure_writable_dir(directory)
        check_free_space(directory, total)
    else:
        directory = source_dir
    for name in names:
        path = source_dir / name
        if copy:
            target = directory / name
            steps = write_joined(target, [path], cancel=cancel)
        else:
            target = path
            steps = store.hashes.sha256_steps(path, full=True, cancel=cancel)
        while True:
            try:
                done += next(steps)
            except StopIteration as finished:
                sha = str(finished.value)
                break
            yield Progress(stage, done, total)
        if copy:
            store.hashes.store(target, sha)
        files.append(
            ModelFile(name=name, sha256=sha, size=target.stat().st_size, primary=name == primary)
        )
    # What was hashed must be what was loaded.
    changed = [name for name in names if _identity(source_dir / name) != before[name]]
    if changed:
        raise AssistError(SOURCE_CHANGED, path=source_dir / changed[0])

    model = ImportedModel(
        model_id=model_id,
        kind=model_kind,
        directory=directory,
        files=tuple(files),
        licence=licence or "ukendt / unknown",
        source=f"imported from {source}",
        imported_at=datetime.now(UTC).isoformat(timespec="seconds"),
        copied=copy,
    )
    store.registry.add_imported(model)
    yield model


NOT_REMOVABLE = Msg(
    "models.not_removable",
    da="'{model_id}' er ikke en importeret model; kun importerede modeller kan fjernes.",
    en="'{model_id}' is not an imported model; only imported models can be removed.",
)


def remove_imported(store: ModelStore, model_id: str) -> ImportedModel:
    """Unregister an imported model. Files registered in place are left alone (they belong to
    IT); files that `--copy` put in the model directory are deleted."""
    store.spec(model_id)  # unknown ids fail with the store's message
    model = store.registry.imported().get(model_id)
    if model is None:
        raise AssistError(NOT_REMOVABLE, model_id=model_id)
    store.registry.remove_imported(model_id)
    if model.record_problem is not None:
        return model  # a record that does not verify says nothing trustworthy about files
    for model_file in model.files:
        path = model.directory / model_file.name
        store.hashes.forget(path)
        if model.copied and model.directory == store.root / model_id:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    if model.copied:
        with contextlib.suppress(OSError):  # only if empty: never delete what we did not put there
            model.directory.rmdir()
    return model


def _identity(path: Path) -> tuple[int, int, int, int]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino


def _ct2_whisper_files(folder: Path) -> list[str]:
    """The files of a CTranslate2 Whisper folder to record, or NOT_CT2_WHISPER saying why not."""
    if not folder.is_dir():
        raise AssistError(NOT_CT2_WHISPER, path=folder, reason="not a folder / ikke en mappe")
    missing = [name for name in CT2_REQUIRED if not (folder / name).is_file()]
    vocabularies = [name for name in CT2_VOCABULARIES if (folder / name).is_file()]
    if not vocabularies:
        missing.append("vocabulary.json")
    if missing:
        raise AssistError(NOT_CT2_WHISPER, path=folder, reason=", ".join(missing))
    spec_name = _ct2_spec_name(folder / "model.bin")
    if spec_name is None or "whisper" not in spec_name.lower():
        raise AssistError(NOT_CT2_WHISPER, path=folder, reason="model.bin")
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        config = None
    if not isinstance(config, dict):
        raise AssistError(NOT_CT2_WHISPER, path=folder, reason="config.json")
    optional = [name for name in CT2_OPTIONAL if (folder / name).is_file()]
    return [*CT2_REQUIRED, *vocabularies, *optional]


def _ct2_spec_name(model_bin: Path) -> str | None:
    """The model spec named in a CTranslate2 model.bin header (binary version >= 2), or None.

    The header is a little-endian uint32 format version, then a uint16 length and the spec name
    ending in a NUL byte (e.g. "WhisperSpec").
    """
    try:
        with model_bin.open("rb") as handle:
            header = handle.read(6 + 256)
    except OSError:
        return None
    if len(header) < 6:
        return None
    version, length = struct.unpack_from("<IH", header)
    if not 2 <= version <= 100 or not 1 <= length <= 256 or len(header) < 6 + length:
        return None
    name = header[6 : 6 + length].rstrip(b"\0")
    try:
        return name.decode("ascii")
    except UnicodeDecodeError:
        return None


def _check_gguf(path: Path) -> None:
    if not path.is_file():
        raise AssistError(NOT_GGUF, path=path)
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(GGUF_MAGIC))
    except OSError:
        magic = b""
    if magic != GGUF_MAGIC:
        raise AssistError(NOT_GGUF, path=path)
