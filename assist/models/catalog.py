"""The catalog of models Assist knows by name (assist/models/catalog.toml, packaged with the code).

The catalog is data, not code: each entry says what a model is, where its bytes come from when
`assist models install` assembles it, the hash and size of every file, and what it is fit for.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

ModelKind = Literal["asr", "llm"]
KINDS: tuple[ModelKind, ...] = ("asr", "llm")


@dataclass(frozen=True)
class SourcePart:
    """One piece of a file, as a resource inside an installed Python package."""

    package: str
    resource: str


@dataclass(frozen=True)
class ModelFile:
    name: str
    sha256: str
    size: int
    primary: bool = False
    parts: tuple[SourcePart, ...] = ()


@dataclass(frozen=True)
class CatalogEntry:
    model_id: str
    kind: ModelKind
    name: str
    licence: str
    source: str
    fit: Mapping[str, bool]
    files: tuple[ModelFile, ...]
    notes_da: str = ""
    notes_en: str = ""
    install_extra: str = "assist[models]"

    @property
    def primary_file(self) -> ModelFile:
        return next(f for f in self.files if f.primary)

    @property
    def installable(self) -> bool:
        return all(f.parts for f in self.files)

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)


class CatalogFormatError(ValueError):
    """The packaged catalog is malformed: a defect of the build, not of the user's input."""


def load_catalog(text: str | None = None) -> dict[str, CatalogEntry]:
    """Parse catalog TOML (the packaged catalog when `text` is None), keyed by model id."""
    if text is None:
        text = resources.files("assist.models").joinpath("catalog.toml").read_text("utf-8")
    data = tomllib.loads(text)
    entries: dict[str, CatalogEntry] = {}
    for raw in data.get("model", []):
        entry = _parse_entry(raw)
        if entry.model_id in entries:
            raise CatalogFormatError(f"duplicate model id {entry.model_id!r}")
        entries[entry.model_id] = entry
    return entries


def _parse_entry(raw: Mapping[str, Any]) -> CatalogEntry:
    try:
        kind = raw["kind"]
        if kind not in KINDS:
            raise CatalogFormatError(f"{raw['id']}: unknown kind {kind!r}")
        files = tuple(
            ModelFile(
                name=str(f["name"]),
                sha256=str(f["sha256"]).lower(),
                size=int(f["size"]),
                primary=bool(f.get("primary", False)),
                parts=tuple(
                    SourcePart(package=str(p["package"]), resource=str(p["resource"]))
                    for p in f.get("parts", [])
                ),
            )
            for f in raw["files"]
        )
        entry = CatalogEntry(
            model_id=str(raw["id"]),
            kind=kind,
            name=str(raw.get("name", raw["id"])),
            licence=str(raw["licence"]),
            source=str(raw["source"]),
            fit={str(k): bool(v) for k, v in raw.get("fit", {}).items()},
            files=files,
            notes_da=str(raw.get("notes_da", "")),
            notes_en=str(raw.get("notes_en", "")),
            install_extra=str(raw.get("install_extra", "assist[models]")),
        )
    except KeyError as missing:
        raise CatalogFormatError(f"catalog entry lacks {missing}") from None
    if sum(f.primary for f in entry.files) != 1:
        raise CatalogFormatError(f"{entry.model_id}: exactly one file must be primary")
    if any(len(f.sha256) != 64 for f in entry.files):
        raise CatalogFormatError(f"{entry.model_id}: a sha256 is not 64 hex digits")
    return entry
