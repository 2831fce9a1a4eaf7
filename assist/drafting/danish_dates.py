"""Spoken Danish dates, clock times and amounts in the written form of a journal note.

    "den tolvte december klokken ti"  -> "12. december kl. 10.00"
    "halv tre"                        -> "kl. 2.30"
    "halv tre om eftermiddagen"       -> "kl. 14.30 om eftermiddagen"
    "fire tusind kroner"              -> "4.000 kr."
    "12/12-2026"                      -> "12. december 2026"

Decision on clock times: Danish speech gives a 12-hour reading ("halv tre", "klokken ti") and the
afternoon is rarely said. The note keeps what was said and does not guess: "halv tre" becomes
"kl. 2.30"; only a spoken day part ("om eftermiddagen", "i aften", ...) or a 24-hour reading
("klokken fjorten") gives "kl. 14.30". The verifier treats 2.30 and 14.30 as the same time.
Relative expressions ("på tirsdag", "i næste uge", "om to uger") are kept as said.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assist.drafting.danish_numbers import (
    format_thousands,
    join_spoken_digits,
    numeral_value,
    ordinal_value,
    parse_decimal_number,
    parse_number_words,
    word_value,
)

MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip
MONTH_NUMBER = {name: index + 1 for index, name in enumerate(MONTHS)}
WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
# Day parts that move a 12-hour reading to the afternoon or evening.
LATE_DAY_PARTS = (
    ("om", "eftermiddagen"), ("i", "eftermiddag"), ("om", "aftenen"), ("i", "aften"),
    ("i", "aftes"),
)  # fmt: skip

_TOKEN = re.compile(r"\d+(?:[.,:/-]\d+)*|[^\W\d_]+(?:'[^\W\d_]*)?")


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _followed_by_period(text: str, token: _Token) -> bool:
    return text[token.end : token.end + 1] == "."


def _only_space_between(text: str, left: _Token, right: _Token) -> bool:
    return text[left.end : right.start].strip() in ("", ".")


def _at(tokens: list[_Token], index: int) -> _Token | None:
    return tokens[index] if index < len(tokens) else None


def _format_time(hour: int, minute: int) -> str:
    return f"kl. {hour}.{minute:02d}"


def _hour_word(token: _Token, allow_24: bool, following: _Token | None = None) -> int | None:
    if following is not None and following.lower in MONTH_NUMBER:
        return None  # "12. december" is a date, also after "klokken" or "halv"
    value = word_value(token.lower)
    if value is None:
        numeral = numeral_value(token.text)
        value = int(numeral) if numeral is not None and numeral == int(numeral) else None
    if value is None:
        return None
    limit = 24 if allow_24 else 12
    return value if 0 < value <= limit else None


# The longest number phrase said in words ("to millioner tre hundrede og femogtyve tusind fire
# hundrede og tolv" is 11 words). Matchers look at most this far ahead, so normalising a text
# costs time in proportion to its length, not to its length squared.
_NUMBER_WINDOW = 24


def _number_at(tokens: list[_Token], index: int) -> tuple[int, float] | None:
    """parse_number_words at tokens[index], looking only `_NUMBER_WINDOW` tokens ahead."""
    parsed = parse_number_words([t.text for t in tokens[index : index + _NUMBER_WINDOW]], 0)
    if parsed is None:
        return None
    end, value = parsed
    return index + end, value


def _minute_words(tokens: list[_Token], index: int) -> tuple[int, int] | None:
    """Minutes said as words/numerals after an hour ("ti tredive"): (end, minutes)."""
    if index >= len(tokens):
        return None
    parsed = _number_at(tokens, index)
    if parsed is None:
        return None
    end, value = parsed
    if value != int(value) or not 0 <= value < 60:
        return None
    return end, int(value)


def _match_time(text: str, tokens: list[_Token], i: int) -> tuple[int, str] | None:
    """A clock time starting at tokens[i]: (index after it, replacement)."""
    has_prefix = tokens[i].lower in ("klokken", "kl")
    j = i + 1 if has_prefix else i
    if j >= len(tokens):
        return None
    word = tokens[j].lower
    hour: int | None = None
    minute = 0
    end = j
    clock = re.fullmatch(r"(\d{1,2})[:.](\d{2})", tokens[j].text)
    if clock and (has_prefix or ":" in tokens[j].text):
        hour, minute = int(clock.group(1)), int(clock.group(2))
        if hour > 24 or minute > 59:
            return None
        end = j + 1
    elif word == "halv" and j + 1 < len(tokens):
        target = _hour_word(tokens[j + 1], allow_24=False, following=_at(tokens, j + 2))
        if target is None:
            return None
        hour, minute, end = (target - 1) or 12, 30, j + 2
    elif word == "kvart" and j + 2 < len(tokens) and tokens[j + 1].lower in ("over", "i"):
        target = _hour_word(tokens[j + 2], allow_24=True, following=_at(tokens, j + 3))
        if target is None:
            return None
        if tokens[j + 1].lower == "over":
            hour, minute = target, 15
        else:
            hour, minute = (target - 1) or 12, 45
        end = j + 3
    elif has_prefix:
        relative = _relative_time(tokens, j)
        if relative is not None:
            end, hour, minute = relative
        else:
            hour = _hour_word(tokens[j], allow_24=True, following=_at(tokens, j + 1))
            if hour is None:
                return None
            end = j + 1
            minutes = _minute_words(tokens, end)
            if minutes is not None and _only_space_between(text, tokens[j], tokens[end]):
                end, minute = minutes
    else:
        return None
    if hour is None:
        return None
    following = tuple(t.lower for t in tokens[end : end + 2])
    if hour < 12 and following in LATE_DAY_PARTS:
        hour += 12
    return end, _format_time(hour, minute)


def _relative_time(tokens: list[_Token], j: int) -> tuple[int, int, int] | None:
    """ "fem over ti", "ti i halv tre" after "klokken": (end, hour, minute)."""
    offset = _hour_word(tokens[j], allow_24=False)
    if offset is None or j + 2 >= len(tokens) or tokens[j + 1].lower not in ("over", "i"):
        return None
    half = tokens[j + 2].lower == "halv"
    if half and j + 3 >= len(tokens):
        return None
    index = j + 3 if half else j + 2
    target = _hour_word(tokens[index], allow_24=not half, following=_at(tokens, index + 1))
    if target is None:
        return None
    base_hour, base_minute = ((target - 1) or 12, 30) if half else (target, 0)
    sign = 1 if tokens[j + 1].lower == "over" else -1
    hour, minute = divmod((base_hour * 60 + base_minute + sign * offset) % (24 * 60), 60)
    return j + (4 if half else 3), hour, minute


def _day_at(text: str, tokens: list[_Token], j: int) -> int | None:
    token = tokens[j]
    day = ordinal_value(token.lower)
    if day is None and token.text.isdigit():
        day = int(token.text)
    return day if day is not None and 1 <= day <= 31 else None


def _match_date(text: str, tokens: list[_Token], i: int) -> tuple[int, str] | None:
    has_den = tokens[i].lower == "den"
    j = i + 1 if has_den else i
    if j >= len(tokens):
        return None
    numeric = re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:-(\d{4}))?|(\d{1,2})-(\d{1,2})-(\d{4})"
                           r"|(\d{1,2})\.(\d{1,2})\.(\d{4})", tokens[j].text)  # fmt: skip
    if numeric:
        groups = [g for g in numeric.groups() if g is not None]
        numeric_day, numeric_month = int(groups[0]), int(groups[1])
        year = groups[2] if len(groups) > 2 else None
        if 1 <= numeric_day <= 31 and 1 <= numeric_month <= 12:
            written = f"{numeric_day}. {MONTHS[numeric_month - 1]}"
            return j + 1, written + (f" {year}" if year else "")
        return None
    if j + 1 >= len(tokens):
        return None
    day = _day_at(text, tokens, j)
    if day is None:
        return None
    month_token = tokens[j + 1]
    month = MONTH_NUMBER.get(month_token.lower)
    end = j + 2
    if month is None and has_den and month_token.lower == "i" and j + 2 < len(tokens):
        month = ordinal_value(tokens[j + 2].lower)
        if month is None or not 1 <= month <= 12:
            return None
        end = j + 3
    if month is None:
        return None
    if tokens[j].text.isdigit() and text[tokens[j].end : month_token.start].strip() not in (
        "",
        ".",
    ):
        return None
    result = f"{day}. {MONTHS[month - 1]}"
    if end < len(tokens) and re.fullmatch(r"(19|20)\d\d", tokens[end].text):
        result += f" {tokens[end].text}"
        end += 1
    return end, result


def _match_amount(text: str, tokens: list[_Token], i: int) -> tuple[int, str] | None:
    parsed = _number_at(tokens, i)
    if parsed is None:
        return None
    end, value = parsed
    if end >= len(tokens) or tokens[end].lower not in ("kroner", "kr", "krone"):
        return None
    return end + 1, f"{format_thousands(value)} kr."


def normalise_danish(text: str) -> str:
    """Rewrite spoken dates, times and amounts in `text`; everything else is kept as said."""
    tokens = _tokens(text)
    pieces: list[str] = []
    cursor = 0
    i = 0
    while i < len(tokens):
        match = (
            _match_time(text, tokens, i)
            or _match_date(text, tokens, i)
            or _match_amount(text, tokens, i)
        )
        if match is None:
            i += 1
            continue
        end, replacement = match
        start_char = tokens[i].start
        end_char = tokens[end - 1].end
        # A spoken "kl." / "kr." / "12." keeps its period inside the replacement.
        if text[end_char : end_char + 1] == "." and (
            replacement.endswith(".") or tokens[end - 1].lower in ("kl",)
        ):
            end_char += 1
        pieces.append(text[cursor:start_char])
        pieces.append(replacement)
        cursor = end_char
        i = end
    pieces.append(text[cursor:])
    return "".join(pieces)


@dataclass(frozen=True)
class Fact:
    """One checkable fact in normalised text. `kind`: date, month, weekday, time, amount, number."""

    kind: str
    value: str
    text: str  # as written, for the flag detail


_DATE_RE = re.compile(rf"\b(\d{{1,2}})\. ({'|'.join(MONTHS)})\b(?: ((?:19|20)\d\d)\b)?")
_MONTH_RE = re.compile(rf"\b({'|'.join(MONTHS)})\b")
_WEEKDAY_RE = re.compile(rf"\b({'|'.join(WEEKDAYS)})(?:en|e|s)?\b")
_TIME_RE = re.compile(r"\bkl\. (\d{1,2})\.(\d{2})\b")
_AMOUNT_RE = re.compile(r"(?<![\d.,])(\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?) kr\.")


def extract_facts(text: str) -> list[Fact]:
    """Dates, times, amounts and other numbers in `text` (normalised first), in order."""
    # Digits said one by one ("ring et, et, to") are the number they spell, as dictation writes it.
    normalised = join_spoken_digits(normalise_danish(text)).lower()
    facts: list[tuple[int, Fact]] = []
    taken: list[tuple[int, int]] = []

    def add(position: int, fact: Fact, span: tuple[int, int] | None = None) -> None:
        facts.append((position, fact))
        if span is not None:
            taken.append(span)

    for m in _DATE_RE.finditer(normalised):
        month = MONTH_NUMBER[m.group(2)]
        add(m.start(), Fact("date", f"{int(m.group(1))}.{month}", m.group(0)), m.span())
        if m.group(3):
            add(m.start(), Fact("number", m.group(3), m.group(3)))
    for m in _MONTH_RE.finditer(normalised):
        add(m.start(), Fact("month", str(MONTH_NUMBER[m.group(1)]), m.group(0)))
    for m in _WEEKDAY_RE.finditer(normalised):
        add(m.start(), Fact("weekday", m.group(1), m.group(0)))
    for m in _TIME_RE.finditer(normalised):
        hour, minute = int(m.group(1)), int(m.group(2))
        add(m.start(), Fact("time", f"{hour % 12}.{minute:02d}", m.group(0)), m.span())
    for m in _AMOUNT_RE.finditer(normalised):
        value = numeral_value(m.group(1))
        add(m.start(), Fact("amount", _number_key(value or 0.0), m.group(0)), m.span())
    # Other numbers, read only between the dates, times and amounts already taken: a number
    # phrase never reaches across one ("tusind 12. december 4000" is 1000 and 4000, not 5000).
    cursor = 0
    for start, end in [*sorted(taken), (len(normalised), len(normalised))]:
        if start > cursor:
            _add_numbers(normalised, cursor, start, add)
        cursor = max(cursor, end)
    return [fact for _, fact in sorted(facts, key=lambda pair: pair[0])]


def _add_numbers(text: str, lo: int, hi: int, add: Callable[[int, Fact], None]) -> None:
    piece = text[lo:hi]
    tokens = _tokens(piece)
    words = [t.text for t in tokens]
    i = 0
    while i < len(tokens):
        parsed = parse_decimal_number(words, i)  # "to komma fem" is 2.5, as "2,5" is
        if parsed is None:
            i += 1
            continue
        end, value = parsed
        shown = piece[tokens[i].start : tokens[end - 1].end]
        add(lo + tokens[i].start, Fact("number", _number_key(value), shown))
        i = end


def _number_key(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"
