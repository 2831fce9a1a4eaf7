"""Text that may enter the case store: only what every export can carry and what reads as it is.

A DOCX is XML 1.0, which cannot hold C0 control characters other than tab, line feed and carriage
return, lone surrogates, U+FFFE or U+FFFF; python-docx fails on them at export time, long after
the text was typed. Refused here as well, where the text enters:
- C1 control characters and DEL (invisible, and some terminals act on them),
- every Unicode noncharacter (U+FDD0..U+FDEF and U+xFFFE/U+xFFFF in every plane),
- the bidirectional embedding, override and isolate controls (U+202A..U+202E, U+2066..U+2069):
  they make text display in another order than it is stored, so a case reference or a sentence
  could read differently in Word than what was signed. The marks LRM, RLM and ALM (U+200E,
  U+200F, U+061C) stay allowed: they only settle the direction of neutral characters in Arabic
  or Hebrew names and reorder nothing else.
Refused rather than silently removed: the caseworker's text is signed and hashed as it stands, so
Assist does not change it behind their back; the message says which character and where.

The store calls these checks at the top of its public write methods; the CLI calls them earlier
where it can say more precisely where the character is (a file's line, a section's line).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assist.errors import AssistError, Msg

if TYPE_CHECKING:
    from assist.transcript import Segment, Transcript

_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff" + _NONCHARACTERS + _BIDI_CONTROLS + "]"
)
# The editable note format's section marker (assist/signoff/editable.py).
_MARKER = re.compile(r"^## (?P<title>.*?) ?\[#(?P<section_id>[^\]\s]+)\]\s*$")

_WHY_DA = (
    "Styretegn, ikke-tegn og tegn der vender skriveretningen kan ikke komme med i et "
    "Word-dokument eller får teksten til at se anderledes ud, end den er. Fjern tegnet, og prøv "
    "igen; intet er gemt."
)
_WHY_EN = (
    "Control characters, noncharacters and characters that reverse the writing direction cannot "
    "go into a Word document, or make the text look different from what it is. Remove it and "
    "try again; nothing was saved."
)
_CHAR_DA = "tegnet {char} ({name})"
_CHAR_EN = "the character {char} ({name})"

BAD_CHAR_IN_SECTION = Msg(
    "text.bad_char_section",
    da=f"Afsnittet '{{section}}' indeholder {_CHAR_DA} i linje {{line}}, tegn {{column}}. "
    + _WHY_DA,
    en=f"The section '{{section}}' contains {_CHAR_EN} at line {{line}}, character {{column}}. "
    + _WHY_EN,
)
BAD_CHAR_IN_NOTE = Msg(
    "text.bad_char_note",
    da=f"Notatets tekst indeholder {_CHAR_DA} i linje {{line}}, tegn {{column}}. " + _WHY_DA,
    en=f"The note's text contains {_CHAR_EN} at line {{line}}, character {{column}}. " + _WHY_EN,
)
BAD_CHAR_IN_TITLE = Msg(
    "text.bad_char_title",
    da=f"Sagens titel indeholder {_CHAR_DA} som tegn nr. {{column}}. " + _WHY_DA,
    en=f"The case title contains {_CHAR_EN} as character {{column}}. " + _WHY_EN,
)
BAD_CHAR_IN_PARTICIPANT = Msg(
    "text.bad_char_participant",
    da=f"Deltager nr. {{number}} indeholder {_CHAR_DA} som tegn nr. {{column}}. " + _WHY_DA,
    en=f"Participant {{number}} contains {_CHAR_EN} as character {{column}}. " + _WHY_EN,
)
BAD_CHAR_IN_CONSENT_BY = Msg(
    "text.bad_char_consent_by",
    da=f"Navnet på den, der gav samtykke, indeholder {_CHAR_DA} som tegn nr. {{column}}. "
    + _WHY_DA,
    en=f"The name of the person who gave consent contains {_CHAR_EN} as character {{column}}. "
    + _WHY_EN,
)
BAD_CHAR_IN_SIGNER = Msg(
    "text.bad_char_signer",
    da=f"Underskriverens navn indeholder {_CHAR_DA} som tegn nr. {{column}}. " + _WHY_DA,
    en=f"The signer's name contains {_CHAR_EN} as character {{column}}. " + _WHY_EN,
)
BAD_CHAR_IN_SEGMENT = Msg(
    "text.bad_char_segment",
    da=f"Transskriptionens segment {{segment}} indeholder {_CHAR_DA} som tegn nr. {{column}}. "
    + _WHY_DA,
    en=f"Segment {{segment}} of the transcript contains {_CHAR_EN} as character {{column}}. "
    + _WHY_EN,
)
BAD_CHAR_IN_FILE = Msg(
    "text.bad_char_file",
    da=f"Filen '{{path}}' indeholder {_CHAR_DA} i linje {{line}}, tegn {{column}}. " + _WHY_DA,
    en=f"The file '{{path}}' contains {_CHAR_EN} at line {{line}}, character {{column}}. "
    + _WHY_EN,
)
BAD_CHAR_IN_FILE_SEGMENT = Msg(
    "text.bad_char_file_segment",
    da=f"Filen '{{path}}': segment {{segment}} indeholder {_CHAR_DA} som tegn nr. {{column}}. "
    + _WHY_DA,
    en=f"The file '{{path}}': segment {{segment}} contains {_CHAR_EN} as character {{column}}. "
    + _WHY_EN,
)
BAD_CHAR_IN_MEETING_NOTE = Msg(
    "text.bad_char_meeting_note",
    da=f"Notatet indeholder {_CHAR_DA} i linje {{line}}, tegn {{column}}. " + _WHY_DA,
    en=f"The note contains {_CHAR_EN} at line {{line}}, character {{column}}. " + _WHY_EN,
)
BAD_CHAR_IN_FIELD = Msg(
    "text.bad_char_field",
    da=f"Feltet '{{field}}' indeholder {_CHAR_DA} i linje {{line}}, tegn {{column}}. " + _WHY_DA,
    en=f"The field '{{field}}' contains {_CHAR_EN} at line {{line}}, character {{column}}. "
    + _WHY_EN,
)


@dataclass(frozen=True)
class BadChar:
    """The first character of a text that may not enter the store, and where it stands."""

    char: str
    line: int  # 1-based, counting "\n" only
    column: int  # 1-based, within the line

    @property
    def code(self) -> str:
        return f"U+{ord(self.char):04X}"

    @property
    def name(self) -> str:
        name = unicodedata.name(self.char, "")
        if name:
            return name
        point = ord(self.char)
        if 0xDC80 <= point <= 0xDCFF:  # how Python keeps a byte that is not UTF-8 (argv, names)
            return f"lone surrogate: the byte 0x{point - 0xDC00:02X} is not UTF-8"
        if 0xD800 <= point <= 0xDFFF:
            return "lone surrogate"
        if unicodedata.category(self.char) == "Cc":
            return "control character"
        return "noncharacter"


def find_bad_char(text: str) -> BadChar | None:
    found = _FORBIDDEN.search(text)
    if found is None:
        return None
    index = found.start()
    line_start = text.rfind("\n", 0, index) + 1
    return BadChar(found.group(), text.count("\n", 0, index) + 1, index - line_start + 1)


def is_clean(text: str) -> bool:
    return _FORBIDDEN.search(text) is None


def remove_forbidden(text: str) -> str:
    """For machine-made text (a recogniser's output), where refusing would help no one."""
    return _FORBIDDEN.sub("", text)


def check_text(text: str, msg: Msg, **params: object) -> None:
    """AssistError(msg, char, name, line, column, **params) if `text` holds a forbidden char."""
    bad = find_bad_char(text)
    if bad is not None:
        raise AssistError(
            msg, char=bad.code, name=bad.name, line=bad.line, column=bad.column, **params
        )


def check_case_fields(
    title: str | None = None,
    participants: Sequence[str] | None = None,
    consent_by: str | None = None,
) -> None:
    """What `create_case` / `update_case` are given."""
    if title is not None:
        check_text(title, BAD_CHAR_IN_TITLE)
    for number, participant in enumerate(participants or (), start=1):
        check_text(participant, BAD_CHAR_IN_PARTICIPANT, number=number)
    if consent_by is not None:
        check_text(consent_by, BAD_CHAR_IN_CONSENT_BY)


def check_section_text(section: str, text: str) -> None:
    check_text(text, BAD_CHAR_IN_SECTION, section=section)


def check_note_text(text: str) -> None:
    """A note in its editable form ("## Title [#id]" per section): the section and the line
    within it are named; text before the first section by its line in the whole text."""
    section: str | None = None
    section_line = 0
    for number, line in enumerate(text.split("\n"), start=1):
        bad = find_bad_char(line)
        if bad is None:
            marker = _MARKER.match(line)
            if marker:
                section, section_line = marker.group("section_id"), number
            continue
        if section is None or _MARKER.match(line):
            raise AssistError(
                BAD_CHAR_IN_NOTE, char=bad.code, name=bad.name, line=number, column=bad.column
            )
        raise AssistError(
            BAD_CHAR_IN_SECTION,
            section=section,
            char=bad.code,
            name=bad.name,
            line=number - section_line,
            column=bad.column,
        )


def check_values(value: object, field: str) -> None:
    """Every string in a JSON-like value (keys too); the field is named as a path, with a
    section's id where the value has sections (`sections[faglig_vurdering].sentences[0].text`)."""
    for path, text in _strings(value, field):
        check_text(text, BAD_CHAR_IN_FIELD, field=path)


def _strings(value: object, path: str) -> Iterable[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield f"{path}.{key}", str(key)
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            label = str(index)
            if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                label = item["id"]
            yield from _strings(item, f"{path}[{label}]")


def check_draft(draft: Mapping[str, Any], text: str) -> None:
    """`save_draft`: the caseworker's text first (what they just typed), then the draft JSON."""
    check_note_text(text)
    check_values(draft, "draft")


def check_signed_note(note: Mapping[str, Any], text: str, signer: str) -> None:
    """`save_signed_note`: the signed record, its final text and the signer's name."""
    check_text(signer, BAD_CHAR_IN_SIGNER)
    check_values(note, "note")
    check_text(text, BAD_CHAR_IN_NOTE)


def check_segment(segment: Segment, msg: Msg = BAD_CHAR_IN_SEGMENT, **params: object) -> None:
    """A transcript segment (`assist.transcript.Segment`): its text, words, flags and speaker."""
    texts = [segment.text, *(w.text for w in segment.words), *segment.flags, segment.speaker]
    for text in texts:
        check_text(text, msg, segment=segment.segment_id, **params)


def check_transcript(transcript: Transcript) -> None:
    """A whole transcript (`assist.transcript.Transcript`): for `save_transcript`."""
    check_values({"language": transcript.language, "model": transcript.model}, "transcript")
    for segment in transcript.segments:
        check_segment(segment)
