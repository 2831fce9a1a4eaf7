"""registry.json in the model directory: models an administrator imported, and qualification
results recorded by the drafting gate. Always rewritten whole and atomically."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assist.errors import AssistError, Msg
from assist.fsutil import atomic_write_text
from assist.models.catalog import KINDS, ModelFile, ModelKind

REGISTRY_FILE_NAME = "registry.json"

REGISTRY_UNREADABLE = Msg(
    "models.registry_unreadable",
    da="Modelregistret {path} kan ikke læses. Kontakt IT; filen kan gendannes med "
    "'assist models import' for hver importeret model.",
    en="The model registry {path} cannot be read. Contact IT; it can be rebuilt with "
    "'assist models import' for each imported model.",
)
REGISTRY_UNWRITABLE = Msg(
    "models.registry_unwritable",
    da="Kan ikke skrive modelregistret i {path}. Tjek at mappen findes og er skrivbar.",
    en="Cannot write the model registry in {path}. Check that the folder exists and is writable.",
)


@dataclass(frozen=True)
class ImportedModel:
    """A model registered by an administrator: its files live in `directory`."""

    model_id: str
    kind: ModelKind
    directory: Path
    files: tuple[ModelFile, ...]
    licence: str
    source: str
    imported_at: str
    copied: bool


@dataclass(frozen=True)
class QualificationRecord:
    """The drafting gate's verdict on one exact model file (by its hash)."""

    passed: bool
    sha256: str
    recorded_at: str
    report: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "sha256": self.sha256,
            "recorded_at": self.recorded_at,
            "report": self.report,
        }


class Registry:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"version": 1, "imported": {}, "qualifications": {}}
        except OSError:
            raise AssistError(REGISTRY_UNREADABLE, path=self.path) from None
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except ValueError:
            raise AssistError(REGISTRY_UNREADABLE, path=self.path) from None
        data.setdefault("imported", {})
        data.setdefault("qualifications", {})
        return data

    def _write(self, data: dict[str, Any]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.path, json.dumps(data, ensure_ascii=False, indent=2))
        except OSError:
            raise AssistError(REGISTRY_UNWRITABLE, path=self.path.parent) from None

    def imported(self) -> dict[str, ImportedModel]:
        found: dict[str, ImportedModel] = {}
        try:
            for model_id, raw in self._read()["imported"].items():
                kind = raw["kind"]
                if kind not in KINDS:
                    raise ValueError(kind)
                found[model_id] = ImportedModel(
                    model_id=model_id,
                    kind=kind,
                    directory=Path(raw["directory"]),
                    files=tuple(
                        ModelFile(
                            name=f["name"],
                            sha256=f["sha256"],
                            size=int(f["size"]),
                            primary=bool(f.get("primary", False)),
                        )
                        for f in raw["files"]
                    ),
                    licence=str(raw.get("licence", "")),
                    source=str(raw.get("source", "")),
                    imported_at=str(raw.get("imported_at", "")),
                    copied=bool(raw.get("copied", False)),
                )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise AssistError(REGISTRY_UNREADABLE, path=self.path) from None
        return found

    def add_imported(self, model: ImportedModel) -> None:
        data = self._read()
        data["imported"][model.model_id] = {
            "kind": model.kind,
            "directory": str(model.directory),
            "files": [
                {"name": f.name, "sha256": f.sha256, "size": f.size, "primary": f.primary}
                for f in model.files
            ],
            "licence": model.licence,
            "source": model.source,
            "imported_at": model.imported_at,
            "copied": model.copied,
        }
        # A new file under an old id must earn its qualification again.
        data["qualifications"].pop(model.model_id, None)
        self._write(data)

    def remove_imported(self, model_id: str) -> None:
        data = self._read()
        data["imported"].pop(model_id, None)
        data["qualifications"].pop(model_id, None)
        self._write(data)

    def qualification(self, model_id: str) -> QualificationRecord | None:
        raw = self._read()["qualifications"].get(model_id)
        if not isinstance(raw, dict):
            return None
        try:
            return QualificationRecord(
                passed=bool(raw["passed"]),
                sha256=str(raw["sha256"]),
                recorded_at=str(raw.get("recorded_at", "")),
                report=dict(raw.get("report") or {}),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def set_qualification(self, model_id: str, record: QualificationRecord) -> None:
        data = self._read()
        data["qualifications"][model_id] = record.as_dict()
        self._write(data)
