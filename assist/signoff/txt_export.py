"""The signed note as plain Danish text for pasting into the case system (UTF-8, LF only)."""

from __future__ import annotations

from assist.signoff.sign import ensure_signed
from assist.signoff.statement import (
    EMPTY_PROFESSIONAL_DA,
    EMPTY_SECTION_DA,
    HASH_EXPLANATION_DA,
    ai_statement,
    meta_lines,
    signature_lines,
)


def render_txt(signed: object) -> str:
    """Refuses (AssistError "signoff.not_signed") anything but an intact signed note."""
    note = ensure_signed(signed)
    out: list[str] = [note.meta.note_title, "=" * max(len(note.meta.note_title), 3), ""]
    out += [f"{label}: {value}" for label, value in meta_lines(note)[1:]]
    for section in note.sections:
        out += ["", section.title, "-" * max(len(section.title), 3)]
        if section.text:
            out.append(section.text)
        else:
            out.append(EMPTY_PROFESSIONAL_DA if section.professional_only else EMPTY_SECTION_DA)
    out += ["", "Om udarbejdelsen", "----------------", ai_statement(note)]
    out += ["", "Underskrift", "-----------"]
    out += [f"{label}: {value}" for label, value in signature_lines(note)]
    out += [HASH_EXPLANATION_DA, ""]
    return "\n".join(out)
