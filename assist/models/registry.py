"""registry.json in the model directory: models an administrator imported, and qualification
results recorded by the drafting gate. Always rewritten whole and atomically.

Every record carries `key_id` and `mac`: an HMAC with the registry key (assist/models/trust.py),
bound to the record's kind and model id. A record that does not verify is reported, never used:
"tampered" (edited, added by hand, or written before records were signed), "other_key" (signed
with another user's or data folder's key) or "locked" (no key to check it with right now).
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from assist.errors import AssistError, Msg
from assist.fsutil import atomic_write_text
from assist.models.catalog import KINDS, ModelFile, ModelKind
from assist.models.trust import KeySource, NoKey

REGISTRY_FILE_NAME = "registry.json"
REGISTRY_VERSION = 2
RecordProblem = Literal["tampered", "other_key", "locked"]

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
    # Why this record cannot be trusted (then the model is listed but never used); None: it
    # verified.
    record_problem: RecordProblem | None = None


@dataclass(frozen=True)
class QualificationRecord:
    """The drafting gate's verdict on one exact model file (by its hash)."""

    passed: bool
    sha256: str
    recorded_at: str
    report: dict[str, Any] = field(default_factory=dict)
    # The judged file's size, mtime_ns, ctime_ns and inode when the verdict was recorded: while
    # they are unchanged the hash cache may vouch for the file, otherwise it is hashed again.
    file: dict[str, int] | None = None
    record_problem: RecordProblem | None = None  # as for ImportedModel

    def as_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "sha256": self.sha256,
            "recorded_at": self.recorded_at,
            "report": self.report,
            "file": self.file,
        }


class Registry:
    def __init__(self, path: Path, keys: KeySource | None = None) -> None:
        self.path = path
        self.keys: KeySource = keys or NoKey()

    def _problem(self, kind: str, model_id: str, raw: dict[str, Any]) -> RecordProblem | None:
        """Why the record does not verify, or None if it does."""
        key = self.keys.for_reading()
        if key is None:
            return "locked"
        key_id, mac = raw.get("key_id"), raw.get("mac")
        if isinstance(key_id, str) and key_id != key.key_id:
            return "other_key"
        if not isinstance(mac, str) or not hmac.compare_digest(key.mac(kind, model_id, raw), mac):
            return "tampered"
        return None

    def _signed(self, kind: str, model_id: str, body: dict[str, Any]) -> dict[str, Any]:
        key = self.keys.for_writing()
        record = {**body, "key_id": key.key_id}
        record["mac"] = key.mac(kind, model_id, record)
        return record

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"version": REGISTRY_VERSION, "imported": {}, "qualifications": {}}
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
        data["version"] = REGISTRY_VERSION
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
                    record_problem=self._problem("imported", model_id, raw),
                )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise AssistError(REGISTRY_UNREADABLE, path=self.path) from None
        return found

    def add_imported(self, model: ImportedModel) -> None:
        data = self._read()
        data["imported"][model.model_id] = self._signed(
            "imported",
            model.model_id,
            {
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
            },
        )
        # A new file under an old id must earn its qualification again.
        data["qualifications"].pop(model.model_id, None)
        self._write(data)

    def remove_imported(self, model_id: str) -> None:
        data = self._read()
        data["imported"].pop(model_id, None)
        data["qualifications"].pop(model_id, None)
        self._write(data)

    def qualification(self, model_id: str) -> QualificationRecord | None:
        """The recorded verdict (check `record_problem` before trusting it), or None."""
        raw = self._read()["qualifications"].get(model_id)
        if not isinstance(raw, dict):
            return None
        try:
            file = raw.get("file")
            return QualificationRecord(
                passed=bool(raw["passed"]),
                sha256=str(raw["sha256"]),
                recorded_at=str(raw.get("recorded_at", "")),
                report=dict(raw.get("report") or {}),
                file={str(k): int(v) for k, v in file.items()} if isinstance(file, dict) else None,
                record_problem=self._problem("qualification", model_id, raw),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def refresh_file(self, model_id: str, file: dict[str, int]) -> None:
        """Note a new identity of the judged file (it was hashed again and still matched, e.g.
        after a backup tool changed its ctime), so the hash cache may vouch for it again."""
        data = self._read()
        raw = data["qualifications"].get(model_id)
        if not isinstance(raw, dict) or self._problem("qualification", model_id, raw) is not None:
            return
        body = {k: v for k, v in raw.items() if k not in ("key_id", "mac")}
        data["qualifications"][model_id] = self._signed(
            "qualification", model_id, {**body, "file": file}
        )
        self._write(data)

    def set_qualification(self, model_id: str, record: QualificationRecord) -> None:
        data = self._read()
        data["qualifications"][model_id] = self._signed("qualification", model_id, record.as_dict())
        self._write(data)
