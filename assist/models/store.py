"""The model store: where installed and imported models live, and the only way code gets a model.

`resolve()` hands out a plain local path only after the files match their recorded SHA-256
(cached by file identity, see hashing.py), so a swapped or damaged model is never loaded.
Layout of the model directory (`assist.paths.model_dir()`):

    <root>/<model_id>/...        catalog models installed by `assist models install`,
                                 and imported models copied with `--copy`
    <root>/registry.json         imported models (often registered in place) and qualifications,
                                 each record MAC'd with the registry key (assist/models/trust.py)
    <root>/.hash-cache.json      hashes keyed by path + size + mtime + ctime + inode

A registry record that does not verify is never used: an imported model whose record was
tampered with cannot be resolved, and a qualification verdict that does not verify makes the
model unqualified (`ModelStatus.record_problem` says why). A passed verdict also records the
judged file's identity, so the hash cache (a plain file) cannot vouch for a swapped file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from assist.cancel import CancelToken, Progress, result_of
from assist.errors import AssistError, Msg
from assist.models.catalog import CatalogEntry, ModelFile, ModelKind, load_catalog
from assist.models.hashing import HashCache, cache_path
from assist.models.loading import LoadCheck, check_loads_in_worker
from assist.models.registry import (
    REGISTRY_FILE_NAME,
    QualificationRecord,
    RecordProblem,
    Registry,
)
from assist.models.trust import KeySource, UserKeys
from assist.paths import model_dir
from assist.settings.effective import Settings
from assist.settings.rules import require_model_allowed

# The embedded models (the `asr_model` and `llm_model` settings' defaults; a test keeps them equal).
DEFAULT_ASR_MODEL = "whisper-base-ct2"
DEFAULT_LLM_MODEL = "gemma-3-270m-q4km"


def configured_model_id(kind: str, env: Mapping[str, str] | None = None) -> str:
    """The model the settings choose for `kind` ("asr" or "llm")."""
    from assist.settings import load_settings

    settings = load_settings(env)
    chosen = settings.text("asr_model" if kind == "asr" else "llm_model")
    return chosen or (DEFAULT_ASR_MODEL if kind == "asr" else DEFAULT_LLM_MODEL)

Origin = Literal["catalog", "imported"]
# Why a model cannot be used; None when it is installed and verified.
Problem = Literal[
    "not_installed",
    "missing_file",
    "unreadable",
    "size_mismatch",
    "hash_mismatch",
    "record_tampered",  # the imported model's registry record does not verify
    "record_unverified",  # ... was signed with another key, or no key is available to check it
]

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


RECORD_TAMPERED = Msg(
    "models.record_tampered",
    da="Registreringen af modellen '{model_id}' i {path} er ændret uden om Assist, så modellen "
    "bruges ikke. Bed IT om at importere den igen (assist models import ... --replace).",
    en="The registration of the model '{model_id}' in {path} was changed outside Assist, so the "
    "model is not used. Ask IT to import it again (assist models import ... --replace).",
)
RECORD_UNVERIFIED = Msg(
    "models.record_unverified",
    da="Registreringen af modellen '{model_id}' kan ikke kontrolleres ({reason}), så modellen "
    "bruges ikke. Angiv adgangsfrasen (ASSIST_PASSPHRASE), eller importér modellen igen som "
    "denne bruger.",
    en="The registration of the model '{model_id}' cannot be checked ({reason}), so the model is "
    "not used. Give the passphrase (ASSIST_PASSPHRASE), or import the model again as this user.",
)


def _file_identity(path: Path) -> dict[str, int] | None:
    """What the hash cache keys a file by; None if it cannot be read."""
    try:
        info = path.stat()
    except OSError:
        return None
    return {
        "size": info.st_size,
        "mtime_ns": info.st_mtime_ns,
        "ctime_ns": info.st_ctime_ns,
        "inode": info.st_ino,
    }


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
    record_problem: RecordProblem | None = None  # an imported model's record did not verify

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
    # Why a registry record (the import, or the qualification verdict) is not trusted:
    # "tampered", "other_key" or "locked"; None when every record of the model verified.
    record_problem: RecordProblem | None = None

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
            "record_problem": self.record_problem,
        }


def open_store(
    env: Mapping[str, str] | None = None,
    catalog: Mapping[str, CatalogEntry] | None = None,
    *,
    ask_passphrase: Callable[[str], str] | None = None,
) -> ModelStore:
    """The user's model store; its registry is checked with the key of the user's case store
    (`UserKeys`: credential store, ASSIST_PASSPHRASE, or `ask_passphrase` if given)."""
    from assist.settings import load_settings

    keys = UserKeys(env, ask_passphrase=ask_passphrase)
    return ModelStore(model_dir(env), catalog, keys=keys, settings=load_settings(env))


class ModelStore:
    def __init__(
        self,
        root: Path,
        catalog: Mapping[str, CatalogEntry] | None = None,
        *,
        keys: KeySource | None = None,
        load_check: LoadCheck = check_loads_in_worker,
        settings: Settings | None = None,
    ) -> None:
        """`keys`: where the registry key comes from (default: none, so no record verifies and
        none can be written; `open_store` gives the user's). `load_check`: how an import proves
        the model loads (default: in a worker process). `settings`: the IT policy's allow-list
        and import rule (default: none, every verified model may be used and imported)."""
        self.root = Path(root)
        self.catalog: Mapping[str, CatalogEntry] = load_catalog() if catalog is None else catalog
        self.registry = Registry(self.root / REGISTRY_FILE_NAME, keys)
        self.hashes = HashCache(cache_path(self.root))
        self.load_check = load_check
        self.settings = settings

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
                record_problem=m.record_problem,
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
        if spec.record_problem == "tampered":
            raise AssistError(RECORD_TAMPERED, model_id=model_id, path=self.registry.path)
        if spec.record_problem is not None:
            reason = self._locked_reason() if spec.record_problem == "locked" else "other key"
            raise AssistError(RECORD_UNVERIFIED, model_id=model_id, reason=reason)
        status = result_of(self._check_steps(spec, full=False, cancel=None))
        if status.problem == "not_installed" and spec.origin == "catalog":
            raise AssistError(NOT_INSTALLED, model_id=model_id, path=self.root)
        bad_file = spec.directory / (status.problem_file or spec.primary_file.name)
        if status.problem in ("missing_file", "not_installed"):
            raise AssistError(FILE_MISSING, model_id=model_id, path=bad_file)
        if status.problem == "unreadable":
            raise AssistError(FILE_UNREADABLE, model_id=model_id, path=bad_file)
        if status.problem is not None:
            raise AssistError(HASH_MISMATCH, model_id=model_id, path=bad_file)
        if self.settings is not None:
            require_model_allowed(self.settings, model_id, spec.primary_file.sha256)
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
        return [result_of(self._check_steps(spec, full, None)) for spec in self.specs()]

    def status(self, model_id: str, *, full: bool = False) -> ModelStatus:
        return result_of(self._check_steps(self.spec(model_id), full, None))

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

    def _locked_reason(self) -> str:
        return str(getattr(self.registry.keys, "read_problem", None) or "no key")

    def _check_steps(
        self, spec: ModelSpec, full: bool, cancel: CancelToken | None
    ) -> Generator[int, None, ModelStatus]:
        """Yields bytes hashed; returns (via StopIteration) the ModelStatus."""
        problem: Problem | None = None
        problem_file: str | None = None
        record_problem: RecordProblem | None = spec.record_problem
        qualification = self.qualification(spec.model_id) if spec.kind == "llm" else None
        verdict_problem = self.qualification_problem(spec.model_id) if spec.kind == "llm" else None
        # A verified "passed" is about one exact file: the hash cache (a plain file anyone can
        # edit) may vouch for it only while the file is the one that was judged.
        judged = qualification.get("file") if qualification and qualification["passed"] else None
        recheck = bool(qualification and qualification["passed"])
        present = {f.name for f in spec.files if (spec.directory / f.name).is_file()}
        if record_problem is not None:
            problem = "record_tampered" if record_problem == "tampered" else "record_unverified"
        elif not present:
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
                    again = recheck and model_file.primary and _file_identity(path) != judged
                    sha = yield from self.hashes.sha256_steps(
                        path, full=full or again, cancel=cancel
                    )
                    if sha != model_file.sha256:
                        problem = "hash_mismatch"
                    elif again and (identity := _file_identity(path)) is not None:
                        with contextlib.suppress(AssistError):  # read-only folder: hash again
                            self.registry.refresh_file(spec.model_id, identity)
            except OSError:
                problem = "unreadable"
            if problem is not None and problem_file is None and record_problem is None:
                problem_file = model_file.name
        if record_problem is None and verdict_problem is not None:
            record_problem = verdict_problem
        qualified = None if qualification is None else bool(qualification.get("passed"))
        if verdict_problem == "tampered":
            qualified = False  # treated as unqualified, and said so
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
            qualified=qualified,
            qualification_outcome=verdict_problem or _outcome(qualification),
            qualification_signal=str((qualification or {}).get("report", {}).get("signal", "")),
            source=spec.source,
            notes_da=spec.notes_da,
            notes_en=spec.notes_en,
            problem=problem,
            problem_file=problem_file,
            record_problem=record_problem,
        )

    # -- qualification ------------------------------------------------------------------------

    def qualification(self, model_id: str) -> dict[str, Any] | None:
        """The gate's last verified verdict on this model's current file, or None if never
        judged (or if the record does not verify: see `qualification_problem`)."""
        record = self.registry.qualification(model_id)
        if record is None or record.record_problem is not None:
            return None
        if record.sha256 != self.spec(model_id).primary_file.sha256:
            return None  # the verdict was about a different file
        return record.as_dict()

    def qualification_problem(self, model_id: str) -> RecordProblem | None:
        """Why the recorded verdict on this model is not trusted ("tampered", "other_key",
        "locked"), or None (verified, or no verdict)."""
        record = self.registry.qualification(model_id)
        return None if record is None else record.record_problem

    def require_registry_key(self) -> None:
        """Raise (AssistError saying why) unless verdicts and imports can be recorded, before
        spending minutes on a qualification or an import."""
        self.registry.keys.for_writing()

    def record_qualification(self, model_id: str, passed: bool, report: dict[str, Any]) -> None:
        spec = self.spec(model_id)
        primary = spec.directory / spec.primary_file.name
        record = QualificationRecord(
            passed=passed,
            sha256=spec.primary_file.sha256,
            recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
            report=dict(report),
            file=_file_identity(primary),
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
