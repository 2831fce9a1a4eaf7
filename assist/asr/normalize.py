"""Danish text normalisation for word error rate: numbers as words, case and punctuation folded.

Whisper writes "1, 2, 3" where a reference transcript says "en to tre"; counting that as three
errors would measure formatting, not hearing. Both sides of a WER comparison go through
`normalize_danish` first.
"""

from __future__ import annotations

import re
import unicodedata

_ONES = (
    "nul", "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti",
    "elleve", "tolv", "tretten", "fjorten", "femten", "seksten", "sytten", "atten", "nitten",
)  # fmt: skip
_TENS = {
    2: "tyve", 3: "tredive", 4: "fyrre", 5: "halvtreds",
    6: "tres", 7: "halvfjerds", 8: "firs", 9: "halvfems",
}  # fmt: skip
_LARGE = ((1_000_000_000, "milliard", "milliarder"), (1_000_000, "million", "millioner"))

# A number: digits with optional thousands dots ("12.500") or a decimal comma ("2,5").
_NUMBER = re.compile(r"\d{1,3}(?:\.\d{3})+(?!\d)|\d+(?:,\d+)?")
_PUNCTUATION = re.compile(r"[^\w\s]|_")


def number_to_danish(value: int) -> str:
    """0 to 999,999,999,999 as spoken Danish, e.g. 1234 -> "tusind to hundrede og fireogtredive"."""
    if value < 0:
        return "minus " + number_to_danish(-value)
    if value < 20:
        return _ONES[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return _TENS[tens] if ones == 0 else f"{_ONES[ones]}og{_TENS[tens]}"
    if value < 1000:
        hundreds, rest = divmod(value, 100)
        head = "hundrede" if hundreds == 1 else f"{_ONES[hundreds]} hundrede"
        return head if rest == 0 else f"{head} og {number_to_danish(rest)}"
    if value < 1_000_000:
        thousands, rest = divmod(value, 1000)
        head = "tusind" if thousands == 1 else f"{number_to_danish(thousands)} tusind"
        if rest == 0:
            return head
        joiner = " og " if rest < 100 else " "
        return f"{head}{joiner}{number_to_danish(rest)}"
    for size, singular, plural in _LARGE:
        if value >= size:
            count, rest = divmod(value, size)
            head = f"en {singular}" if count == 1 else f"{number_to_danish(count)} {plural}"
            return head if rest == 0 else f"{head} {number_to_danish(rest)}"
    raise AssertionError("unreachable")  # pragma: no cover


def _spell_number(match: re.Match[str]) -> str:
    token = match.group(0)
    if "," in token:
        whole, fraction = token.split(",", 1)
        decimals = " ".join(_ONES[int(d)] for d in fraction)
        return f" {number_to_danish(int(whole))} komma {decimals} "
    digits = token.replace(".", "")
    if len(digits) > 12:
        return " " + " ".join(_ONES[int(d)] for d in digits) + " "
    return f" {number_to_danish(int(digits))} "


def normalize_danish(text: str) -> str:
    """Lower-case, numbers spelled out, punctuation removed, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text).lower()
    text = text.replace("%", " procent ")
    text = _NUMBER.sub(_spell_number, text)
    text = text.replace("-", " ")
    text = _PUNCTUATION.sub(" ", text)
    return " ".join(text.split())
