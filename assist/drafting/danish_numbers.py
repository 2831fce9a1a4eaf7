"""Danish number words as values: "fire" -> 4, "enogtyve" -> 21, "to tusind fem hundrede" -> 2500.

Used by the date/time/amount normaliser and by the verifier, which compares values rather than
spellings ("to" and "2" are the same fact).
"""

from __future__ import annotations

import re

UNITS: dict[str, int] = {
    "nul": 0, "en": 1, "et": 1, "én": 1, "ét": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5,
    "seks": 6, "syv": 7, "otte": 8, "ni": 9,
}  # fmt: skip
TEENS: dict[str, int] = {
    "ti": 10, "elleve": 11, "tolv": 12, "tretten": 13, "fjorten": 14, "femten": 15,
    "seksten": 16, "sytten": 17, "atten": 18, "nitten": 19,
}  # fmt: skip
TENS: dict[str, int] = {
    "tyve": 20, "tredive": 30, "tredve": 30, "fyrre": 40, "fyrretyve": 40, "halvtreds": 50,
    "halvtredsindstyve": 50, "tres": 60, "tresindstyve": 60, "halvfjerds": 70,
    "halvfjerdsindstyve": 70, "firs": 80, "firsindstyve": 80, "halvfems": 90,
    "halvfemsindstyve": 90,
}  # fmt: skip
ORDINALS: dict[str, int] = {
    "første": 1, "anden": 2, "andet": 2, "tredje": 3, "fjerde": 4, "femte": 5, "sjette": 6,
    "syvende": 7, "ottende": 8, "niende": 9, "tiende": 10, "ellevte": 11, "tolvte": 12,
    "trettende": 13, "fjortende": 14, "femtende": 15, "sekstende": 16, "syttende": 17,
    "attende": 18, "elvte": 11, "nittende": 19, "tyvende": 20, "tredivte": 30, "tredevte": 30,
}  # fmt: skip
MULTIPLIERS: dict[str, int] = {
    "hundrede": 100, "hundred": 100, "tusind": 1000, "tusinde": 1000,
    "million": 1_000_000, "millioner": 1_000_000,
}  # fmt: skip
# "en" and "et" are also the indefinite article: alone they are not counted as the number one.
ARTICLES = frozenset({"en", "et"})

_UNIT_ALTERNATION = "|".join(sorted((u for u in UNITS if u != "nul"), key=len, reverse=True))
_COMPOUND = re.compile(rf"^({_UNIT_ALTERNATION})og(\w+)$")
_NUMERAL = re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$|^\d+(?:,\d+)?$")
# "7.4", "38.5": a decimal point as English writes it (a language model may). Not Danish, but a
# number all the same, so the verifier compares it; a dot before three digits groups thousands.
_POINT_DECIMAL = re.compile(r"^\d+\.\d{1,2}$")


def word_value(word: str) -> int | None:
    """The value of one Danish cardinal word ("syv", "femogtyve"), or None."""
    word = word.lower()
    for table in (UNITS, TEENS, TENS):
        if word in table:
            return table[word]
    match = _COMPOUND.match(word)
    if match and match.group(2) in TENS:
        return UNITS[match.group(1)] + TENS[match.group(2)]
    return None


def ordinal_value(word: str) -> int | None:
    """The value of a Danish ordinal word ("tolvte" -> 12, "enogtyvende" -> 21), or None."""
    word = word.lower()
    if word in ORDINALS:
        return ORDINALS[word]
    match = re.match(rf"^({_UNIT_ALTERNATION})og(\w+?)(?:nde|ende|de|te)$", word)
    if match:
        tens_ordinal = {"tyv": 20, "trediv": 30, "tredev": 30, "tredivt": 30, "tredevt": 30}
        tens = tens_ordinal.get(match.group(2))
        if tens is not None:
            return UNITS[match.group(1)] + tens
    return None


def numeral_value(token: str) -> float | None:
    """ "4.000" -> 4000, "12,5" -> 12.5 (Danish: a dot groups thousands, a comma is decimal);
    "7.4" -> 7.4 (a decimal point before one or two digits)."""
    if _POINT_DECIMAL.match(token):
        return float(token)
    if not _NUMERAL.match(token):
        return None
    return float(token.replace(".", "").replace(",", "."))


def is_number_token(word: str) -> bool:
    lowered = word.lower()
    return (
        word_value(lowered) is not None
        or lowered in MULTIPLIERS
        or lowered == "halvanden"
        or numeral_value(word) is not None
    )


def parse_number_words(words: list[str], start: int) -> tuple[int, float] | None:
    """Longest number phrase at words[start]: returns (end index exclusive, value) or None.

    Handles "to tusind fem hundrede", "et hundrede og femogtyve", "femten hundrede",
    "halvanden tusind", "4 tusind". A lone article ("en", "et") is not a number.
    """
    total = 0.0
    current = 0.0
    seen_any = False
    index = start
    end = start
    while index < len(words):
        word = words[index].lower()
        value = word_value(word)
        numeral = numeral_value(words[index]) if value is None else None
        if value is not None or numeral is not None:
            if seen_any and current and current % 100 and current >= 1:
                break  # "to tre" is two numbers, not 5
            current += value if value is not None else (numeral or 0.0)
            seen_any = True
            end = index + 1
        elif word == "halvanden":
            current += 1.5
            seen_any = True
            end = index + 1
        elif word in MULTIPLIERS and (seen_any or word in ("hundrede", "tusind")):
            factor = MULTIPLIERS[word]
            if factor == 100:
                current = (current or 1) * 100
            else:
                total += (current or 1) * factor
                current = 0.0
            seen_any = True
            end = index + 1
        elif word == "og" and seen_any and index + 1 < len(words):
            following = words[index + 1].lower()
            if word_value(following) is None:
                break
        else:
            break
        index += 1
    if not seen_any:
        return None
    if end == start + 1 and words[start].lower() in ARTICLES:
        return None
    return end, total + current


def parse_decimal_number(words: list[str], start: int) -> tuple[int, float] | None:
    """Like `parse_number_words`, with spoken decimals: "to komma fem" -> 2.5, "otteogtredive
    komma fem" -> 38.5. After "komma", "en"/"et" is the digit 1 ("tre komma en" -> 3.1)."""
    parsed = parse_number_words(words, start)
    if parsed is None:
        return None
    end, value = parsed
    if end + 1 >= len(words) or words[end].lower() != "komma":
        return parsed
    after = ["1" if w.lower() in ARTICLES else w for w in words[end + 1 :]]
    decimals = parse_number_words(after, 0)
    if decimals is None or decimals[1] != int(decimals[1]):
        return parsed
    shown = str(int(decimals[1]))
    return end + 1 + decimals[0], value + int(shown) / 10 ** len(shown)


_DIGIT_WORDS = {
    "nul": "0", "en": "1", "et": "1", "to": "2", "tre": "3", "fire": "4",
    "fem": "5", "seks": "6", "syv": "7", "otte": "8", "ni": "9",
}  # fmt: skip
_DIGIT = rf"(?:{'|'.join(_DIGIT_WORDS)}|\d)"
# A number said digit by digit after a word that calls for one: "ring et, et, to" is 112,
# "nummeret er fire fem seks" is 456. Without such a word "en, to, tre" is counting.
_SPOKEN_DIGITS = re.compile(
    rf"(?<!\w)(?P<cue>(?:ring\w*|nummer\w*|telefon\w*|tlf\.?|tast\w*)\s+(?:(?:er|på|til)\s+)?)"
    rf"(?P<run>{_DIGIT}(?:(?:\s*,\s*|\s+){_DIGIT}){{2,}})(?!\w)",
    re.IGNORECASE,
)


def join_spoken_digits(text: str) -> str:
    """Digits said one by one after "ring", "nummer", "telefon", "tast" written as one number:
    "der skal ringes et, et, to" -> "der skal ringes 112"."""

    def joined(match: re.Match[str]) -> str:
        items = re.split(r"\s*,\s*|\s+", match.group("run"))
        return match.group("cue") + "".join(_DIGIT_WORDS.get(i.lower(), i) for i in items)

    return _SPOKEN_DIGITS.sub(joined, text)


def format_thousands(value: float) -> str:
    """4000 -> "4.000", 1250.5 -> "1.250,50" (Danish grouping)."""
    whole = int(value)
    grouped = f"{whole:,}".replace(",", ".")
    fraction = round(value - whole, 2)
    if fraction:
        return f"{grouped},{round(fraction * 100):02d}"
    return grouped
