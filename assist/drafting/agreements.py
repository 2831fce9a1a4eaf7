"""Who, what and when in an agreement sentence, taken from the words that were said.

Nothing is resolved or guessed: "jeg" stays "jeg" (the recording does not say who spoke), and a
sentence without a recognisable actor or time simply has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assist.drafting.danish_dates import MONTHS, WEEKDAYS

_LEAD_IN = re.compile(
    r"^(?:så\s+|og\s+|men\s+)?(?:vi\s+aftaler|vi\s+aftalte|vi\s+har\s+aftalt|aftalen\s+er|"
    r"vi\s+bliver\s+enige\s+om|vi\s+er\s+enige\s+om)\s*,?\s*(?:at\s+)?",
    re.IGNORECASE,
)
_ADDRESSED = re.compile(r"^(?:[Oo]g\s+)?([A-ZÆØÅ][a-zæøå]+(?:\s+[A-ZÆØÅ][a-zæøå]+)?),\s+(du)\b")
_ACTOR = re.compile(
    r"\b(jeg|du|vi|han|hun|de|sygeplejersken|lægen|nattevagten|aftenvagten|dagvagten|"
    r"næste vagt|din mor|din far|mor|far|jobcentret|kommunen)\b",
    re.IGNORECASE,
)
_MONTH_ALT = "|".join(MONTHS)
_DAY_ALT = "|".join(WEEKDAYS)
_WHEN = re.compile(
    rf"\b(?:senest\s+|inden\s+|fra\s+|på\s+|om\s+|hver\s+|i\s+)?"
    rf"(?:\d{{1,2}}\. (?:{_MONTH_ALT})(?: \d{{4}})?(?: kl\. \d{{1,2}}\.\d{{2}})?"
    rf"|kl\. \d{{1,2}}\.\d{{2}}"
    rf"|(?:{_DAY_ALT})(?:en|s)?"
    rf"|i morgen|i overmorgen|i dag|i næste uge|næste uge|i eftermiddag|i aften"
    rf"|efter sommerferien|efter mødet)\b"
    rf"|\b(?:om|hver|inden for) \w+ (?:dage|uger|måneder)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Agreement:
    who: str
    what: str
    when: str


def describe_agreement(text: str) -> Agreement:
    """Split a (cleaned, normalised) agreement sentence into who/what/when; parts may be ""."""
    body = _LEAD_IN.sub("", text.strip()).strip()
    addressed = _ADDRESSED.match(body)
    if addressed:
        who = addressed.group(1)
    else:
        actor = _ACTOR.search(body)
        who = actor.group(1).lower() if actor else ""
    when = " ".join(dict.fromkeys(m.group(0).strip() for m in _WHEN.finditer(body)))
    return Agreement(who=who, what=body.rstrip("."), when=when)


def render_agreement(text: str) -> str:
    """The sentence as said, followed by "(hvem: ...; hvornår: ...)" when those were said."""
    agreement = describe_agreement(text)
    parts = []
    if agreement.who:
        parts.append(f"hvem: {agreement.who}")
    if agreement.when:
        parts.append(f"hvornår: {agreement.when}")
    return f"{text} ({'; '.join(parts)})" if parts else text


ANNOTATION = re.compile(r"\s*\((?:hvem|hvornår): [^()]*\)\s*$")


def strip_annotation(text: str) -> str:
    return ANNOTATION.sub("", text)
