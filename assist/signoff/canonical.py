"""The canonical form of a note's text, and its SHA-256.

Normalisation (applied to every text field before hashing, and stored, so what is exported is
exactly what was hashed):
- Unicode NFC; CRLF, CR and other line separators (U+2028, NEL, VT, FF) become LF; the
  byte-order mark, zero-width characters (U+200B..U+200D, U+2060, U+FEFF), other control
  characters and lone surrogates are removed (they cannot be stored in a DOCX or typed anyway).
- Within a line, any run of horizontal whitespace (spaces, tabs, no-break spaces) becomes one
  space; lines are stripped.
- Runs of blank lines become one blank line (a paragraph break); leading and trailing blank lines
  are removed. Single line breaks are kept.
Case and punctuation are never changed: "3 børn" and "3 Børn" hash differently.

The canonical form is compact JSON (sorted keys, no ASCII escaping, UTF-8) of:
{"format": "assist-note/1", "template_id", "title", "date" (YYYY-MM-DD), "case_reference",
 "participants": [...], "sections": [{"id", "title", "text"}, ...]} with sections in note order.
JSON makes the form unambiguous: no section text can imitate a heading or a field separator.
Version, signer and time are deliberately outside the hash, so "same text, same hash" holds
across versions and the hash identifies the content that was approved.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable

from assist.signoff.note import CaseMeta, NoteSection

CANONICAL_FORMAT = "assist-note/1"
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_DROPPED = frozenset({"Cc", "Cs"})
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalize_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(text.splitlines())
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in _DROPPED)
    lines = [_HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


def normalize_line(text: str) -> str:
    """A one-line field (title, case reference, participant): all whitespace becomes one space."""
    return " ".join(normalize_text(text).split())


def normalize_meta(meta: CaseMeta) -> CaseMeta:
    return CaseMeta(
        template_id=normalize_line(meta.template_id),
        note_title=normalize_line(meta.note_title),
        meeting_date=meta.meeting_date,
        case_reference=normalize_line(meta.case_reference),
        participants=tuple(p for p in (normalize_line(p) for p in meta.participants) if p),
        transcript_model=normalize_line(meta.transcript_model),
    )


def normalize_sections(sections: Iterable[NoteSection]) -> tuple[NoteSection, ...]:
    return tuple(
        NoteSection(
            section_id=s.section_id,
            title=normalize_line(s.title),
            text=normalize_text(s.text),
            professional_only=s.professional_only,
        )
        for s in sections
    )


def canonical_bytes(meta: CaseMeta, sections: Iterable[NoteSection]) -> bytes:
    meta = normalize_meta(meta)
    document = {
        "format": CANONICAL_FORMAT,
        "template_id": meta.template_id,
        "title": meta.note_title,
        "date": meta.meeting_date.isoformat(),
        "case_reference": meta.case_reference,
        "participants": list(meta.participants),
        "sections": [
            {"id": s.section_id, "title": s.title, "text": s.text}
            for s in normalize_sections(sections)
        ],
    }
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8")


def text_sha256(meta: CaseMeta, sections: Iterable[NoteSection]) -> str:
    return hashlib.sha256(canonical_bytes(meta, sections)).hexdigest()
