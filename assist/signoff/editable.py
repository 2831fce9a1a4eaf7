"""A note as one plain-text file a caseworker can edit in any editor, and back.

Format (UTF-8): comment lines starting with "#" before the first section; then per section a
marker line "## <title> [#<section_id>]" followed by its text. Only marker lines with a known
section id count as markers; every other line, "#" or not, is section text. Titles in markers
are for the reader: the note's own titles are kept. A missing, repeated or unknown marker is
refused, so an accidentally deleted heading never merges two sections silently.
"""

from __future__ import annotations

import re

from assist.errors import AssistError, Msg
from assist.signoff.canonical import normalize_text
from assist.signoff.note import NoteToSign

_MARKER = re.compile(r"^## (?P<title>.*?) ?\[#(?P<section_id>[^\]\s]+)\]\s*$")

EDITED_SECTION_MISSING = Msg(
    "signoff.edited_section_missing",
    da="Overskriften for afsnittet '{title}' mangler i den rettede tekst. Sæt linjen "
    "'## {title} [#{section_id}]' ind igen.",
    en="The heading of the section '{title}' is missing from the edited text. Put the line "
    "'## {title} [#{section_id}]' back.",
)
EDITED_SECTION_TWICE = Msg(
    "signoff.edited_section_twice",
    da="Afsnittet '{section_id}' står to gange i den rettede tekst.",
    en="The section '{section_id}' appears twice in the edited text.",
)
EDITED_UNKNOWN_SECTION = Msg(
    "signoff.edited_unknown_section",
    da="Den rettede tekst har et ukendt afsnit '{section_id}' (linje {line}).",
    en="The edited text has an unknown section '{section_id}' (line {line}).",
)
EDITED_TEXT_OUTSIDE = Msg(
    "signoff.edited_text_outside",
    da="Linje {line} står før første afsnit. Skriv teksten under en afsnitsoverskrift.",
    en="Line {line} comes before the first section. Write the text under a section heading.",
)

_HEADER_DA = (
    "# {title}: ret teksten under hver overskrift og gem filen.\n"
    "# Lad linjerne der starter med '## ' stå: de markerer afsnittene.\n"
    "# Linjer med '#' her i toppen kommer ikke med i notatet.\n"
)


def to_editable_text(note: NoteToSign) -> str:
    parts = [_HEADER_DA.format(title=note.meta.note_title)]
    for section in note.sections:
        parts.append(f"\n## {section.title} [#{section.section_id}]\n")
        if section.text.strip():
            parts.append(normalize_text(section.text) + "\n")
    return "".join(parts)


def from_editable_text(note: NoteToSign, text: str) -> NoteToSign:
    """The note with each section's text taken from the edited file."""
    known = {s.section_id for s in note.sections}
    collected: dict[str, list[str]] = {}
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        marker = _MARKER.match(line)
        if marker:
            section_id = marker.group("section_id")
            if section_id not in known:
                raise AssistError(EDITED_UNKNOWN_SECTION, section_id=section_id, line=number)
            if section_id in collected:
                raise AssistError(EDITED_SECTION_TWICE, section_id=section_id)
            collected[section_id] = []
            current = section_id
        elif current is not None:
            collected[current].append(line)
        elif line.strip() and not line.lstrip().startswith("#"):
            raise AssistError(EDITED_TEXT_OUTSIDE, line=number)
    for section in note.sections:
        if section.section_id not in collected:
            raise AssistError(
                EDITED_SECTION_MISSING, title=section.title, section_id=section.section_id
            )
    edited = note
    for section_id, lines in collected.items():
        edited = edited.with_section_text(section_id, normalize_text("\n".join(lines)))
    return edited
