"""What a caseworker signs: the final text per section, the AI draft it came from, case metadata.

A `NoteToSign` is built from a `Draft` (`note_from_draft`) or blank from a template
(`blank_note`), edited with `with_section_text`, and handed to `sign_note`. Nothing here touches a
database: the case store keeps these values, sign-off only checks and seals them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from assist.drafting.types import Draft, DraftSection, Template
from assist.errors import AssistError, Msg

UNKNOWN_SECTION = Msg(
    "signoff.unknown_section",
    da="Notatet har ikke et afsnit med id '{section_id}'.",
    en="The note has no section with id '{section_id}'.",
)


@dataclass(frozen=True)
class CaseMeta:
    """Facts about the meeting that appear in the exported note and are covered by the hash."""

    template_id: str
    note_title: str  # e.g. "Samtalenotat": the note type as the reader sees it
    meeting_date: date
    case_reference: str
    participants: tuple[str, ...] = ()
    # Model that transcribed the meeting ("typed" for typed notes, "" if unknown): the AI
    # statement names it, because speech recognition is AI too.
    transcript_model: str = ""


@dataclass(frozen=True)
class NoteSection:
    section_id: str
    title: str
    text: str
    # The caseworker's own judgement ("Faglig vurdering"): never drafted by a machine.
    professional_only: bool = False


@dataclass(frozen=True)
class NoteToSign:
    meta: CaseMeta
    sections: tuple[NoteSection, ...]
    # The original machine draft (None when the caseworker typed everything): the reference for
    # flags and for measuring how much the human changed.
    draft: Draft | None = None
    version: int = 1
    supersedes: str = ""  # text_sha256 of the signed version this one replaces
    # Flags a caseworker acknowledged when signing an earlier version stay acknowledged.
    acknowledged_before: frozenset[str] = field(default_factory=frozenset)

    def section(self, section_id: str) -> NoteSection:
        for section in self.sections:
            if section.section_id == section_id:
                return section
        raise AssistError(UNKNOWN_SECTION, section_id=section_id)

    def with_section_text(self, section_id: str, text: str) -> NoteToSign:
        """A copy with one section's final text replaced (the caseworker's edit)."""
        self.section(section_id)
        sections = tuple(
            replace(s, text=text) if s.section_id == section_id else s for s in self.sections
        )
        return replace(self, sections=sections)


def draft_section_text(section: DraftSection) -> str:
    """The text a drafter proposed for a section: its sentences in order, one space apart."""
    return " ".join(s.text.strip() for s in section.sentences if s.text.strip())


def note_from_draft(draft: Draft, meta: CaseMeta, template: Template | None = None) -> NoteToSign:
    """Start a note whose final text is the draft as proposed (the caseworker then edits it).

    Professional-only sections come from the template when given; without one, a section the
    drafter did not generate and left empty counts as the caseworker's own.
    """
    professional = (
        {s.section_id for s in template.sections if s.professional_only}
        if template is not None
        else {s.section_id for s in draft.sections if not s.generated and not s.sentences}
    )
    sections = tuple(
        NoteSection(
            section_id=s.section_id,
            title=s.title,
            text="" if s.section_id in professional else draft_section_text(s),
            professional_only=s.section_id in professional,
        )
        for s in draft.sections
    )
    return NoteToSign(meta=meta, sections=sections, draft=draft)


def blank_note(template: Template, meta: CaseMeta) -> NoteToSign:
    """A note the caseworker writes without any machine draft."""
    sections = tuple(
        NoteSection(s.section_id, s.title_da, "", professional_only=s.professional_only)
        for s in template.sections
    )
    return NoteToSign(meta=meta, sections=sections, draft=None)
