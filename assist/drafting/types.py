"""Values and the engine boundary shared by all drafters, the verifier, sign-off and export."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from assist.cancel import CancelToken, Progress
from assist.errors import Language
from assist.transcript import Transcript


@dataclass(frozen=True)
class TemplateSection:
    section_id: str
    title_da: str
    title_en: str
    # The professional's own judgement (e.g. "Faglig vurdering"): never filled by a machine.
    professional_only: bool = False
    # Shown to the caseworker in an empty professional-only section, and guides the drafters.
    prompt_da: str = ""

    def title(self, lang: Language) -> str:
        return self.title_en if lang == "en" else self.title_da


@dataclass(frozen=True)
class Template:
    template_id: str
    title_da: str
    title_en: str
    sections: tuple[TemplateSection, ...]

    def title(self, lang: Language) -> str:
        return self.title_en if lang == "en" else self.title_da


@dataclass(frozen=True)
class Flag:
    """Why a sentence needs a human look. `flag_id` is stable within a draft (for --acknowledge)."""

    flag_id: str
    kind: str  # e.g. "no_source", "unsupported_number", "unsupported_date", "negation", "cpr"
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.flag_id, "kind": self.kind, "detail": self.detail}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Flag:
        return cls(str(data["id"]), str(data["kind"]), str(data.get("detail", "")))


@dataclass(frozen=True)
class DraftSentence:
    text: str
    sources: tuple[int, ...]  # transcript segment ids this sentence rests on
    flags: tuple[Flag, ...] = ()
    # Notes the caseworker typed during the meeting that it rests on (`MeetingNote.note_id`):
    # the caseworker's words, cited apart from what was said.
    notes: tuple[int, ...] = ()

    @property
    def cited(self) -> bool:
        return bool(self.sources or self.notes)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": self.text,
            "sources": list(self.sources),
            "flags": [f.to_dict() for f in self.flags],
        }
        if self.notes:
            # Only when cited: a draft without notes keeps the JSON (and hashes) it always had.
            data["notes"] = list(self.notes)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DraftSentence:
        return cls(
            text=str(data["text"]),
            sources=tuple(int(i) for i in data["sources"]),
            flags=tuple(Flag.from_dict(f) for f in data.get("flags", [])),
            notes=tuple(int(i) for i in data.get("notes", [])),
        )


@dataclass(frozen=True)
class DraftSection:
    section_id: str
    title: str
    generated: bool  # False for professional-only sections and sections a human wrote
    sentences: tuple[DraftSentence, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.section_id,
            "title": self.title,
            "generated": self.generated,
            "sentences": [s.to_dict() for s in self.sentences],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DraftSection:
        return cls(
            section_id=str(data["id"]),
            title=str(data["title"]),
            generated=bool(data["generated"]),
            sentences=tuple(DraftSentence.from_dict(t) for t in data["sentences"]),
        )


@dataclass(frozen=True)
class Draft:
    template_id: str
    engine: str  # "structured" or "llm"
    model: str  # model id, or "none" for the structured drafter
    sections: tuple[DraftSection, ...] = field(default_factory=tuple)
    model_sha256: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Everything the draft holds, as JSON: what the case store keeps, what sign-off records
        and what `assist draft --json` prints. `from_dict` reads it back (KeyError, TypeError or
        ValueError on a malformed dict; extra keys are ignored)."""
        return {
            "template": self.template_id,
            "engine": self.engine,
            "model": self.model,
            "model_sha256": self.model_sha256,
            "sections": [s.to_dict() for s in self.sections],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Draft:
        return cls(
            template_id=str(data["template"]),
            engine=str(data["engine"]),
            model=str(data["model"]),
            # Drafts stored before the hash was part of the JSON have none.
            model_sha256=str(data.get("model_sha256", "")),
            sections=tuple(DraftSection.from_dict(s) for s in data["sections"]),
        )

    @property
    def flags(self) -> tuple[Flag, ...]:
        return tuple(f for sec in self.sections for sen in sec.sentences for f in sen.flags)


# What a drafter yields while it works: progress, then each section as soon as it is done.
DraftEvent = Progress | DraftSection


class Drafter(Protocol):
    engine: str  # "structured" or "llm"
    model: str  # the model id, "none" without one
    model_sha256: str  # the model file's hash, "" without one

    def close(self) -> None:
        """Unload what the drafter holds (an LLM drafter ends its engine's worker)."""
        ...

    def draft(
        self, transcript: Transcript, template: Template, cancel: CancelToken | None = None
    ) -> Iterator[DraftEvent]:
        """Yield progress and finished sections in template order; stop between steps on cancel."""
        ...
