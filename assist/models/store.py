"""The model store: where installed and imported models live, and the only way code gets a model.

`resolve()` hands out a plain local path only after the files match their recorded SHA-256
(cached by file identity, see hashing.py), so a swapped or damaged model is never loaded.
Layout of the model directory (`assist.paths.model_dir()`):

    <root>/<model_id>/...        catalog models installed by `assist models install`,
                                 and imported models copied with `--copy`
    <root>/registry.json         imported models (often registered in place) and qualifications
    <root>/.hash-cache.json      hashes keyed by path + size + mtime + ctime + inode
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from assist.cancel import CancelToken, Progress
from assist.errors import AssistError, Msg
from assist.models.catalog import CatalogEntry, ModelFile, ModelKind, load_catalog
from assist.models.hashing import HashCache, cache_path
from assist.models.registry import REGISTRY_FILE_NAME, QualificationRecord, Registry
from assist.paths import model_dir

DEFAULT_ASR_MODEL = "whisper-base-ct2"
DEFAULT_LLM_MODEL = "gemma-3-270m-q4km"

Origin = Literal["catalog", "imported"]
# Why a model cannot be used; None when it is installed and verified.
Problem = Literal["not_installed", "missing_file", "unreadable", "size_mismatch", "hash_mismatch"]

UNKNOWN_MODEL = Msg(
    "models.unknown_id",
    da="Ukendt model '{model_id}'. Kendte modeller: {known}.",
    en="Unknown model '{model_id}'. Known models: {known}.",
)
WRONG_KIND = Msg(
    "models.wrong_kind",
    da="Modellen '{model_id}' er en {actual}-model, men her skal bruges en {expected}-model.",
    en="The model '{model_id}' is an {actual} model, but an {expected} model is needed here.",
)
NOT_INSTALLED = Msg(
    "models.not_installed",
    da="Modellen '{model_id}' er ikke installeret i {path}. Kør 'assist models install' "
    "(eller 'assist models import' for en model fra IT).",
    en="The model '{model_id}' is not installed in {path}. Run 'assist models install' "
    "(or 'assist models import' for a model from IT).",
)
FILE_MISSING = Msg(
    "models.file_missing",
    da="Modelfilen {path} for '{model_id}' mangler. Installér eller importér modellen igen.",
    en="The model file {path} for '{model_id}' is missing. Install or import the model again.",
)
FILE_UNREADABLE = Msg(
    "models.file_unreadable",
    da="Modelfilen {path} for '{model_id}' kan ikke læses. Tjek adgangen til filen, eller "
    "kontakt IT.",
    en="The model file {path} for '{model_id}' cannot be read. Check access to the file, or "
    "contact IT.",
)
HASH_MISMATCH = Msg(
    "models.hash_mismatch",
    da="Modelfilen {path} for '{model_id}' er ændret eller beskadiget (kontrolsummen passer "
    "ikke), så Assist bruger den ikke. Installér eller importér modellen igen, eller kontakt IT.",
    en="The model file {path} for '{model_id}' has been changed or damaged (checksum mismatch), "
    "so Assist will not use it. Install or import the model again, or contact IT.",
)


@dataclass(frozen=True)
class InstalledModel:
    """A verified model ready to load: `path` is a directory (asr) or the .gguf file (llm)."""

    model_id: str
    kind: ModelKind
    path: Path
    sha256: str
    fit_for_drafting: bool
    qualification: dict[str, Any] | None


@dataclass(frozen=True)
class ModelSpec:
    """What the store expects of one model, whether from the catalog or imported."""

    model_id: str
    kind: ModelKind
    origin: Origin
    directory: Path
    files: tuple[ModelFile, ...]
    licence: str
    source: str
    fit: Mapping[str, bool]
    notes_da: str = ""
    notes_en: str = ""

    @property
    def primary_file(self) -> ModelFile:
        return next(f for f in self.files if f.primary)

    @property
    def load_path(self) -> Path:
        return self.directory if self.kind == "asr" else self.directory / self.primary_file.name

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)


@dataclass(frozen=True)
class ModelStatus:
    model_id: str
    kind: ModelKind
    origin: Origin
    installed: bool
    verified: bool
    path: Path
    sha256: str
    licence: str
    fit: Mapping[str, bool]
    qualified: bool | None
    source: str
    # The gate's verdict: "passed", "failed" or "crashed" (with the signal); None: never judged.
    qualification_outcome: str | None = None
    qualification_signal: str = ""
    notes_da: str = ""
    notes_en: str = ""
    problem: Problem | None = None
    problem_file: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.model_id,
            "kind": self.kind,
            "installed": self.installed,
            "verified": self.verified,
            "path": str(self.path),
            "sha256": self.sha256,
            "licence": self.licence,
            "fit": dict(self.fit),
            "qualified": self.qualified,
            "qualification": None
            if self.qualification_outcome is None
            else {"outcome": self.qualification_outcome, "signal": self.qualification_signal},
            "source": self.source,
            "origin": self.origin,
            "problem": self.problem,
        }


def open_store(
    env: Mapping[str, str] | None = None, catalog: Mapping[str, CatalogEntry] | None = None
) -> ModelStore:
    return ModelStore(model_dir(env), catalog)


class ModelStore:
    def __init__(self, root: Path, catalog: Mapping[str, CatalogEntry] | None = None) -> None:
        self.root = Path(root)
        self.catalog: Mapping[str, CatalogEntry] = load_catalog() if catalog is None else catalog
        self.registry = Registry(self.root / REGISTRY_FILE_NAME)
        self.hashes = HashCache(cache_path(self.root))

    # -- what the store knows -------------------------------------------------------------

    def specs(self) -> list[ModelSpec]:
        found = [self._catalog_spec(entry) for entry in self.catalog.values()]
        found += [
            ModelSpec(
                model_id=m.model_id,
                kind=m.kind,
                origin="imported",
                directory=m.directory,
                files=m.files,
                licence=m.licence,
                source=m.source,
                fit={"transcription": m.kind == "asr", "drafting": m.kind == "llm"},
            )
            for m in self.registry.imported().values()
            if m.model_id not in self.catalog
        ]
        return found

    def spec(self, model_id: str) -> ModelSpec:
        entry = self.catalog.get(model_id)
        if entry is not None:
            return self._catalog_spec(entry)
        for spec in self.specs():
            if spec.model_id == model_id:
                return spec
        known = ", ".join(s.model_id for s in self.specs())
        raise AssistError(UNKNOWN_MODEL, model_id=model_id, known=known)

    def _catalog_spec(self, entry: CatalogEntry) -> ModelSpec:
        return ModelSpec(
            model_id=entry.model_id,
            kind=entry.kind,
            origin="catalog",
            directory=self.root / entry.model_id,
            files=entry.files,
            licence=entry.licence,
            source=entry.source,
            fit=entry.fit,
            notes_da=entry.notes_da,
            notes_en=entry.notes_en,
        )

    # -- using a model ------------------------------------------------------------------------

    def resolve(self, model_id: str, kind: str | None = None) -> InstalledModel:
        """The verified local path of a model, or an AssistError saying what to do."""
        spec = self.spec(model_id)
        if kind is not None and kind != spec.kind:
            raise AssistError(WRONG_KIND, model_id=model_id, actual=spec.kind, expected=kind)
        status = self._drain(self._check_steps(spec, full=False, cancel=None))
        if status.problem == "not_installed" and spec.origin == "catalog":
            raise AssistError(NOT_INSTALLED, model_id=model_id, path=self.root)
        bad_file = spec.directory / (status.problem_file or spec.primary_file.name)
        if status.problem in ("missing_file", "not_installed"):
            raise AssistError(FILE_MISSING, model_id=model_id, path=bad_file)
        if status.problem == "unreadable":
            raise AssistError(FILE_UNREADABLE, model_id=model_id, path=bad_file)
        if status.problem is not None:
            raise AssistError(HASH_MISMATCH, model_id=model_id, path=bad_file)
        qualification = self.qualification(model_id)
        return InstalledModel(
            model_id=model_id,
            kind=spec.kind,
            path=spec.load_path,
            sha256=spec.primary_file.sha256,
            fit_for_drafting=self._fit_for_drafting(spec, qualification),
            qualification=qualification,
        )

    @staticmethod
    def _fit_for_drafting(spec: ModelSpec, qualification: dict[str, Any] | None) -> bool:
        # A model may draft only if it is meant to and the gate passed this exact file.
        return (
            spec.kind == "llm"
            and spec.fit.get("drafting", False)
            and qualification is not None
            and bool(qualification.get("passed"))
        )

    # -- checking ----------------------------------------------------------------------------

    def statuses(self, *, full: bool = False) -> list[ModelStatus]:
        return [self._drain(self._check_steps(spec, full, None)) for spec in self.specs()]

    def status(self, model_id: str, *, full: bool = False) -> ModelStatus:
        return self._drain(self._check_steps(self.spec(model_id), full, None))

    def verify(
        self,
        model_ids: Iterable[str] | None = None,
        *,
        full: bool = False,
        cancel: CancelToken | None = None,
    ) -> Generator[Progress | ModelStatus, None, None]:
        """Re-check models (all if `model_ids` is None), yielding Progress then each status.

        With `full`, every file is re-read even if the cache says it is unchanged.
        """
        specs = self.specs() if model_ids is None else [self.spec(i) for i in model_ids]
        for spec in specs:
            stage = f"verify {spec.model_id}"
            done = 0
            steps = self._check_steps(spec, full, cancel)
            while True:
                try:
                    done += next(steps)
                except StopIteration as finished:
                    yield finished.value
                    break
                yield Progress(stage=stage, done=done, total=spec.total_size)

    def _check_steps(
        self, spec: ModelSpec, full: bool, cancel: CancelToken | None
    ) -> Generator[int, None, ModelStatus]:
        """Yields bytes hashed; returns (via StopIteration) the ModelStatus."""
        problem: Problem | None = None
        problem_file: str | None = None
        present = {f.name for f in spec.files if (spec.directory / f.name).is_file()}
        if not present:
            problem = "not_installed"
        for model_file in spec.files:
            if problem is not None:
                break
            path = spec.directory / model_file.name
            try:
                if model_file.name not in present:
                    problem = "missing_file"
                elif path.stat().st_size != model_file.size:
                    problem = "size_mismatch"
                else:
                    sha = yield from self.hashes.sha256_steps(path, full=full, cancel=cancel)
                    if sha != model_file.sha256:
                        problem = "hash_mismatch"
            except OSError:
                problem = "unreadable"
            if problem is not None:
                problem_file = model_file.name
        qualification = self.qualification(spec.model_id) if spec.kind == "llm" else None
        return ModelStatus(
            model_id=spec.model_id,
            kind=spec.kind,
            origin=spec.origin,
            installed=problem != "not_installed",
            verified=problem is None,
            path=spec.load_path,
            sha256=spec.primary_file.sha256,
            licence=spec.licence,
            fit=spec.fit,
            qualified=None if qualification is None else bool(qualification.get("passed")),
            qualification_outcome=_outcome(qualification),
            qualification_signal=str((qualification or {}).get("report", {}).get("signal", "")),
            source=spec.source,
            notes_da=spec.notes_da,
            notes_en=spec.notes_en,
            problem=problem,
            problem_file=problem_file,
        )

    @staticmethod
    def _drain(steps: Generator[int, None, ModelStatus]) -> ModelStatus:
        while True:
            try:
                next(steps)
            except StopIteration as finished:
                status: ModelStatus = finished.value
                return status

    # -- qualification ------------------------------------------------------------------------

    def qualification(self, model_id: str) -> dict[str, Any] | None:
        """The gate's last verdict on this model's current file, or None if never judged."""
        record = self.registry.qualification(model_id)
        if record is None:
            return None
        if record.sha256 != self.spec(model_id).primary_file.sha256:
            return None  # the verdict was about a different file
        return record.as_dict()

    def record_qualification(self, model_id: str, passed: bool, report: dict[str, Any]) -> None:
        spec = self.spec(model_id)
        record = QualificationRecord(
            passed=passed,
            sha256=spec.primary_file.sha256,
            recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
            report=dict(report),
        )
        self.registry.set_qualification(model_id, record)


def _outcome(qualification: Mapping[str, Any] | None) -> str | None:
    if qualification is None:
        return None
    report = qualification.get("report") or {}
    outcome = report.get("outcome")
    if outcome in ("passed", "failed", "crashed"):
        return str(outcome)
    return "passed" if qualification.get("passed") else "failed"  # records from before outcomes
