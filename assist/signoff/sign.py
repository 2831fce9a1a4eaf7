"""Signing: the rules a note must meet, and the immutable record of who approved what, when.

`sign_note` refuses (AssistError) while
- a draft flag is neither fixed nor acknowledged (see assist/signoff/flags.py),
- the signer's name is not a plausible full name (see assist/signoff/signer.py),
- every section is empty,
- a professional-only section ("Faglig vurdering") is empty, unless the caller passes
  `allow_empty_assessment=True` (the caseworker confirmed there is no assessment this time; the
  export then says so in that section). Templates without such a section are never affected.
A signed note is never changed: `start_new_version` gives a new `NoteToSign` (version + 1,
`supersedes` = the old text hash) that is edited and signed again.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from assist.drafting.types import Draft
from assist.errors import AssistError, Msg
from assist.signoff.canonical import normalize_meta, normalize_sections, text_sha256
from assist.signoff.edits import EditSummary, measure_edits
from assist.signoff.flags import FlagResolution, resolve_flags
from assist.signoff.note import CaseMeta, NoteSection, NoteToSign
from assist.signoff.signer import validate_signer

OPEN_FLAGS = Msg(
    "signoff.open_flags",
    da="Notatet kan ikke underskrives: {count} markering(er) er hverken rettet eller kvitteret "
    "({flag_ids}). Ret sætningerne, eller kvittér for at du har tjekket dem.",
    en="The note cannot be signed: {count} flag(s) are neither fixed nor acknowledged "
    "({flag_ids}). Fix the sentences, or acknowledge that you checked them.",
)
EMPTY_NOTE = Msg(
    "signoff.empty_note",
    da="Notatet er tomt og kan ikke underskrives.",
    en="The note is empty and cannot be signed.",
)
EMPTY_ASSESSMENT = Msg(
    "signoff.assessment_empty",
    da="Afsnittet '{title}' er tomt. Skriv din faglige vurdering, eller bekræft at notatet "
    "ikke skal have en.",
    en="The section '{title}' is empty. Write your professional assessment, or confirm that "
    "the note has none.",
)
NOT_SIGNED = Msg(
    "signoff.not_signed",
    da="Notatet er ikke underskrevet og kan ikke eksporteres. Underskriv det først.",
    en="The note is not signed and cannot be exported. Sign it first.",
)
TAMPERED = Msg(
    "signoff.text_changed",
    da="Det underskrevne notats tekst passer ikke med underskriftens kontrolsum. Notatet er "
    "ændret efter underskrift og kan ikke eksporteres; start en ny version.",
    en="The signed note's text does not match its signature checksum. It was changed after "
    "signing and cannot be exported; start a new version.",
)

Engine = str  # "llm", "structured" or "none" (a human wrote everything)


@dataclass(frozen=True)
class SignedNote:
    meta: CaseMeta
    sections: tuple[NoteSection, ...]  # normalised final text: exactly what was hashed
    signer: str
    signed_at: str  # UTC, ISO-8601 with offset: "2026-11-28T09:15:00+00:00"
    signed_at_local: str  # the same instant with the signing computer's offset, for display
    text_sha256: str
    version: int
    supersedes: str  # text_sha256 of the version this replaces, "" for version 1
    ai_drafted: bool  # a machine proposed text that the human then reviewed
    engine: Engine
    model: str  # model id, "none" without a model
    model_sha256: str
    edits: EditSummary
    flag_resolutions: tuple[FlagResolution, ...]
    ai_draft: Draft | None  # kept so a new version can still measure edits and flags
    empty_professional_sections: tuple[str, ...] = ()

    @property
    def edit_ratio(self) -> float:
        return self.edits.overall

    def verify(self) -> None:
        """Raise AssistError if the text no longer matches the hash taken at signing."""
        if text_sha256(self.meta, self.sections) != self.text_sha256:
            raise AssistError(TAMPERED)


def sign_note(
    note: NoteToSign,
    signer: str,
    acknowledged: Set[str] | Literal["all"],
    now: datetime,
    *,
    allow_empty_assessment: bool = False,
) -> SignedNote:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("sign_note needs a timezone-aware time")
    name = validate_signer(signer)
    meta = normalize_meta(note.meta)
    sections = normalize_sections(note.sections)
    if not any(s.text for s in sections):
        raise AssistError(EMPTY_NOTE)
    empty_professional = tuple(s for s in sections if s.professional_only and not s.text)
    if empty_professional and not allow_empty_assessment:
        raise AssistError(EMPTY_ASSESSMENT, title=empty_professional[0].title)
    resolutions = resolve_flags(note.draft, sections, acknowledged, note.acknowledged_before)
    still_open = [r.flag_id for r in resolutions if r.resolution == "open"]
    if still_open:
        raise AssistError(OPEN_FLAGS, count=len(still_open), flag_ids=", ".join(still_open))
    draft = note.draft
    ai_drafted = draft is not None and any(s.generated and s.sentences for s in draft.sections)
    moment = now.replace(microsecond=0)
    return SignedNote(
        meta=meta,
        sections=sections,
        signer=name,
        signed_at=moment.astimezone(UTC).isoformat(),
        signed_at_local=moment.isoformat(),
        text_sha256=text_sha256(meta, sections),
        version=note.version,
        supersedes=note.supersedes,
        ai_drafted=ai_drafted,
        engine=draft.engine if ai_drafted and draft else "none",
        model=draft.model if ai_drafted and draft else "none",
        model_sha256=draft.model_sha256 if ai_drafted and draft else "",
        edits=measure_edits(draft, sections),
        flag_resolutions=resolutions,
        ai_draft=draft,
        empty_professional_sections=tuple(s.section_id for s in empty_professional),
    )


def start_new_version(signed: SignedNote) -> NoteToSign:
    """An editable copy of a signed note; signing it gives version + 1 that supersedes this one."""
    acknowledged = frozenset(
        r.flag_id for r in signed.flag_resolutions if r.resolution == "acknowledged"
    )
    return NoteToSign(
        meta=signed.meta,
        sections=signed.sections,
        draft=signed.ai_draft,
        version=signed.version + 1,
        supersedes=signed.text_sha256,
        acknowledged_before=acknowledged,
    )


def ensure_signed(note: object) -> SignedNote:
    """The export gate: only a signed note whose text still matches its hash gets through."""
    if not isinstance(note, SignedNote):
        raise AssistError(NOT_SIGNED)
    note.verify()
    return note
