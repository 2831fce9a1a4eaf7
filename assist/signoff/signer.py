"""Who may be named as the signer: a real person's full name, checked before anything is sealed.

Rules (the input is never echoed in a message: a mistyped CPR number must not reach a log):
- Unicode NFC; no-break and other Unicode spaces become plain spaces; surrounding spaces are
  removed and inner runs of spaces become one space.
- Refused: empty; any control, format or line-separator character (tabs and newlines included);
  any digit (a name has none; ten digits in CPR shape get their own message); characters other
  than letters, combining marks, space, hyphen, apostrophe and full stop; longer than
  `MAX_SIGNER_CHARS`; fewer than two name parts with a letter each (Danish names have a first
  name and a surname; initials alone do not identify a signer in the record).
"""

from __future__ import annotations

import re
import unicodedata

from assist.errors import AssistError, Msg

MAX_SIGNER_CHARS = 100
_ALLOWED_PUNCTUATION = frozenset(" -'.\u2010\u2019")
_CPR_SHAPE = re.compile(r"\d{6}\s*-?\s*\d{4}")

SIGNER_EMPTY = Msg(
    "signoff.signer_empty",
    da="Skriv dit fulde navn for at underskrive notatet.",
    en="Type your full name to sign the note.",
)
SIGNER_CONTROL = Msg(
    "signoff.signer_control_chars",
    da="Navnet indeholder usynlige tegn eller linjeskift. Skriv navnet igen på én linje.",
    en="The name contains invisible characters or line breaks. Type it again on one line.",
)
SIGNER_CPR = Msg(
    "signoff.signer_looks_like_cpr",
    da="Det indtastede ligner et CPR-nummer, ikke et navn. Skriv dit eget fulde navn.",
    en="What you typed looks like a CPR number, not a name. Type your own full name.",
)
SIGNER_DIGITS = Msg(
    "signoff.signer_digits",
    da="Et navn må ikke indeholde tal. Skriv dit fulde navn.",
    en="A name cannot contain digits. Type your full name.",
)
SIGNER_CHARACTERS = Msg(
    "signoff.signer_characters",
    da="Navnet må kun indeholde bogstaver, mellemrum, bindestreg, apostrof og punktum.",
    en="The name may only contain letters, spaces, hyphens, apostrophes and full stops.",
)
SIGNER_TOO_LONG = Msg(
    "signoff.signer_too_long",
    da="Navnet er længere end {limit} tegn.",
    en="The name is longer than {limit} characters.",
)
SIGNER_ONE_PART = Msg(
    "signoff.signer_one_part",
    da="Skriv både fornavn og efternavn (ikke kun initialer eller ét navn).",
    en="Type both first name and surname (not only initials or one name).",
)


def validate_signer(name: str) -> str:
    """The normalised name, or AssistError saying what is wrong with it."""
    name = unicodedata.normalize("NFC", name)
    # A pasted no-break or thin space is still a space; tabs and line breaks are not.
    name = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in name)
    if any(_is_control(ch) for ch in name):
        raise AssistError(SIGNER_CONTROL)
    name = re.sub(r" +", " ", name).strip()
    if not name:
        raise AssistError(SIGNER_EMPTY)
    if any(unicodedata.category(ch) == "Nd" for ch in name):
        plain = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in name)
        raise AssistError(SIGNER_CPR if _CPR_SHAPE.search(plain) else SIGNER_DIGITS)
    if any(not _is_name_character(ch) for ch in name):
        raise AssistError(SIGNER_CHARACTERS)
    if len(name) > MAX_SIGNER_CHARS:
        raise AssistError(SIGNER_TOO_LONG, limit=MAX_SIGNER_CHARS)
    parts = name.split(" ")
    letters = [sum(ch.isalpha() for ch in part) for part in parts]
    # "Anne - Hansen" has a part without letters; "A. B." is initials only.
    if len(parts) < 2 or min(letters) == 0 or max(letters) < 2:
        raise AssistError(SIGNER_ONE_PART)
    return name


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def _is_name_character(ch: str) -> bool:
    return ch.isalpha() or unicodedata.category(ch).startswith("M") or ch in _ALLOWED_PUNCTUATION
