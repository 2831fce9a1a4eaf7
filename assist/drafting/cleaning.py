"""From transcript segments to clean sentences that remember which segments they came from.

Spoken Danish is full of fillers ("øh", "altså", "ikke også"), stutters ("jeg jeg") and abandoned
starts ("Jeg har — jeg har ikke ..."). The cleaner removes those and nothing else; what remains
is what was said, in the order it was said. The verifier cleans source text the same way, so a
removed tag question (", ikke?") never counts as a dropped negation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assist.transcript import Segment

# Segment flags that mean "this was probably not speech" (the drafter skips such segments).
# "low_confidence" segments are used, and the verifier marks the sentences built on them.
USABLE_SEGMENT_FLAGS = frozenset({"low_confidence"})

_FILLER_WORDS = r"øh+m*|øhm+|æh+m*|eh+m*|ehm+|hm+|mm+|altså|ikke også|ik'|ikk'"
_FILLER_BETWEEN_COMMAS = re.compile(rf",\s*(?:{_FILLER_WORDS})\s*,\s*(?=\w)", re.IGNORECASE)
_FILLER = re.compile(rf"(?<![\w'])(?:{_FILLER_WORDS})(?![\w'])[,.]?\s*", re.IGNORECASE)
# A tag question at the end of a sentence: "det er svært, ikke?" -> "det er svært."
_TAG_QUESTION = re.compile(
    r",\s*(?:ikke også|ikke sandt|ikke|ik'|ikk'|ik|ikk|vel)\s*[?.!]*\s*$", re.IGNORECASE
)
_REPEATED_WORDS = re.compile(r"(?<!\w)(\w+(?:\s+\w+){0,2})(?:\s+\1)+(?!\w)", re.IGNORECASE)
_BREAK = re.compile(r"\s*(?:—|–|\.\.\.|…)\s*")
_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.!?;:])")
_DOUBLE_COMMA = re.compile(r",(\s*,)+")
_COMMA_BEFORE_END = re.compile(r",\s*([.!?])")
# Abbreviations whose period does not end a sentence.
_ABBREVIATIONS = frozenset(
    {"kl", "kr", "ca", "nr", "evt", "dvs", "osv", "bl.a", "f.eks", "mht", "pga", "jf", "tlf", "st"}
)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]*)?")


@dataclass(frozen=True)
class SourceSentence:
    """A sentence as spoken (raw) and cleaned, with the segment ids it overlaps."""

    raw: str
    text: str
    sources: tuple[int, ...]

    @property
    def words(self) -> list[str]:
        return _WORD.findall(self.text)


def usable_segments(segments: Iterable[Segment]) -> list[Segment]:
    return [
        s
        for s in segments
        if s.text.strip() and set(s.flags) <= USABLE_SEGMENT_FLAGS and _WORD.search(s.text)
    ]


def _resolve_breaks(text: str) -> str:
    """Drop abandoned starts before a dash or ellipsis when the speaker restarts or stutters."""
    parts = _BREAK.split(text)
    if len(parts) == 1:
        return text
    result = parts[0]
    for following in parts[1:]:
        before = _WORD.findall(result.lower())
        after = _WORD.findall(following.lower())
        if not after:
            continue
        if not before:
            result = following
        elif before[0] == after[0] and len(before) <= 6:
            result = following  # restart: "jeg har — jeg har ikke"
        elif before[-1] == after[0]:
            result = result[: result.lower().rfind(before[-1])].rstrip() + " " + following
        elif len(before) <= 2:
            result = following  # a short abandoned start: "Men — vi tog bussen"
        else:
            result = result.rstrip(" ,") + ", " + following
    return result


def _collapse_repeats(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _REPEATED_WORDS.sub(r"\1", text)
    return text


def clean_sentence(raw: str) -> str:
    """Remove fillers, stutters and abandoned starts; capitalise; keep every other word."""
    text = _TAG_QUESTION.sub(".", raw.strip())
    text = _FILLER_BETWEEN_COMMAS.sub(" ", text)
    text = _FILLER.sub(" ", text)
    text = _collapse_repeats(_SPACES.sub(" ", text).strip())
    text = _collapse_repeats(_resolve_breaks(text))
    text = _DOUBLE_COMMA.sub(",", text)
    text = _COMMA_BEFORE_END.sub(r"\1", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = text.strip(" ,;:")
    if not text:
        return ""
    if text[-1] not in ".!?»":
        text += "."
    return text[0].upper() + text[1:]


_WORD_BEFORE = re.compile(r"[\w.]+$")
_LOOK_BACK = 100  # characters: longer than any abbreviation or number that matters here


def _next_char(joined: str, index: int) -> str:
    """The first non-space character after `index` ('' at the end). Never copies the text:
    these checks run at every full stop, so a slice of the rest would make drafting quadratic."""
    position = index + 1
    while position < len(joined) and joined[position].isspace():
        position += 1
    return joined[position] if position < len(joined) else ""


def _starts_anew(char: str) -> bool:
    return not char or char.isupper() or char in "»\"'("


def _ends_sentence(joined: str, index: int, at_segment_end: bool) -> bool:
    """Is the [.!?] at `index` a sentence end (not "kl.", "12. december", or an ellipsis)?"""
    char = joined[index]
    if char == "." and (joined[index + 1 : index + 2] == "." or joined[index - 1 : index] == "."):
        return False
    following = _next_char(joined, index)
    if char == ".":
        word = _WORD_BEFORE.search(joined, max(0, index - _LOOK_BACK), index)
        if word and (word.group(0).lower() in _ABBREVIATIONS or word.group(0).isdigit()):
            return _starts_anew(following)
    return at_segment_end or _starts_anew(following)


def _unpunctuated_end(joined: str, start: int, index: int, max_words: int) -> bool:
    """A segment that ends without punctuation ends the sentence if the next one starts anew."""
    if joined[index] in ",;:—–…" or joined[index - 2 : index + 1] == "...":
        return False
    if _next_char(joined, index).isupper():
        return True
    return len(joined[start : index + 1].split()) > max_words


def split_sentences(segments: Iterable[Segment], max_words: int = 40) -> list[SourceSentence]:
    """Join segments, split at sentence ends, and keep each sentence's segment ids.

    A sentence also ends at a segment boundary once it is longer than `max_words`, because
    speech recognition sometimes leaves out punctuation for a long stretch.
    """
    spans: list[tuple[int, int, int]] = []  # (start, end, segment id) in the joined text
    pieces: list[str] = []
    cursor = 0
    for segment in segments:
        text = segment.text.strip()
        if not text:
            continue
        spans.append((cursor, cursor + len(text), segment.segment_id))
        pieces.append(text)
        cursor += len(text) + 1
    joined = " ".join(pieces)
    boundaries: list[int] = []
    start = 0
    segment_ends = {end for _, end, _ in spans}
    for index, char in enumerate(joined):
        at_segment_end = index + 1 in segment_ends
        punctuated = char in ".!?" and _ends_sentence(joined, index, at_segment_end)
        if punctuated or (at_segment_end and _unpunctuated_end(joined, start, index, max_words)):
            boundaries.append(index + 1)
            start = index + 1
    sentences: list[SourceSentence] = []
    start = 0
    first_span = 0  # spans and sentences both run left to right: skip spans already passed
    for end in [*boundaries, len(joined)]:
        raw = joined[start:end].strip()
        if raw and _WORD.search(raw):
            while first_span < len(spans) and spans[first_span][1] <= start:
                first_span += 1
            sources: list[int] = []
            for seg_start, seg_end, segment_id in spans[first_span:]:
                if seg_start >= end:
                    break
                if _WORD.search(joined, max(seg_start, start), min(seg_end, end)):
                    sources.append(segment_id)
            sentences.append(
                SourceSentence(raw=raw, text=clean_sentence(raw), sources=tuple(sources))
            )
        start = end
    return sentences


def words_of(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]
