"""Guards against Whisper inventing text, and the confidences Assist reports.

Whisper is known to write plausible sentences over silence or noise (subtitle credits, "thanks for
watching") and to loop on a phrase. Decoding settings prevent most of it (see whisper_engine.py);
these guards catch what still comes through, on the recogniser's output alone, so they work for
any engine:
- a segment that is only a known hallucination phrase is dropped; one that contains such a phrase
  inside other speech is kept and flagged "possible_hallucination";
- a segment Whisper itself scores as probably not speech and badly decoded is dropped;
- a phrase repeated four or more times in a row is cut to one copy and flagged "repetition";
- a segment repeating the previous one word for word (a decoding loop across windows) is dropped;
- a segment with low confidence is flagged "low_confidence" for the human reader.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from assist.asr.engine import EngineSegment, EngineWord
from assist.asr.normalize import normalize_danish

# Seen in Whisper output over silence or music, in Danish and English (subtitle credits and
# video outros from its training data). Matched on normalised text.
KNOWN_HALLUCINATIONS = (
    "undertekster af",
    "undertekstet af",
    "tekster af",
    "tekstet af",
    "danske tekster",
    "oversat af",
    "tekstning af",
    "undertekster leveret af",
    "tak fordi du så med",
    "tak fordi i så med",
    "tak for at se med",
    "tak for at i så med",
    "husk at abonnere",
    "like og abonner",
    "abonner på kanalen",
    "thanks for watching",
    "thank you for watching",
    "subtitles by",
    "please subscribe",
    "amara org",
    "www",
)
_MUSIC_ONLY = re.compile(r"^[\s♪♫\[\]()*.…-]*(musik|music)?[\s♪♫\[\]()*.…-]*$", re.IGNORECASE)

NO_SPEECH_DROP = 0.6  # Whisper's own thresholds: both bad at once means "not speech"
LOGPROB_DROP = -1.0
LOW_CONFIDENCE = 0.5
MIN_LOOP_REPEATS = 4
MAX_LOOP_WORDS = 8
MIN_DUPLICATE_WORDS = 4


@dataclass(frozen=True)
class Guarded:
    """A segment that passed the guards, with its cleaned text, words and reasons for doubt."""

    start_s: float
    end_s: float
    text: str
    confidence: float
    words: tuple[EngineWord, ...]
    flags: tuple[str, ...]


def segment_confidence(segment: EngineSegment, words: tuple[EngineWord, ...]) -> float:
    """Mean word probability when words exist; otherwise the mean token probability."""
    if words:
        return sum(w.probability for w in words) / len(words)
    return math.exp(min(0.0, segment.avg_logprob))


def _hallucination_match(normalised: str) -> str | None:
    padded = f" {normalised} "
    for phrase in KNOWN_HALLUCINATIONS:
        if f" {phrase} " in padded:
            return phrase
    return None


def _only_hallucination(normalised: str, phrase: str) -> bool:
    """True when the phrase is all there is, give or take a few words (e.g. a credited name)."""
    remaining = f" {normalised} ".replace(f" {phrase} ", " ", 1).split()
    return len(remaining) <= 3 and normalised.startswith(phrase.split()[0])


def _find_loop(tokens: list[str]) -> tuple[int, int, int] | None:
    """(start, length, repeats) of the first n-gram repeated MIN_LOOP_REPEATS+ times in a row."""
    for start in range(len(tokens)):
        for length in range(1, MAX_LOOP_WORDS + 1):
            gram = tokens[start : start + length]
            if len(gram) < length:
                break
            repeats = 1
            while tokens[start + repeats * length : start + (repeats + 1) * length] == gram:
                repeats += 1
            if repeats >= MIN_LOOP_REPEATS:
                return start, length, repeats
    return None


def _remove_loops(texts: list[str]) -> tuple[list[int], bool]:
    """Indexes of the tokens to keep after cutting every loop to one copy."""
    keys = [normalize_danish(t) for t in texts]
    keep = list(range(len(texts)))
    changed = False
    while True:
        loop = _find_loop([keys[i] for i in keep])
        if loop is None:
            return keep, changed
        start, length, repeats = loop
        del keep[start + length : start + repeats * length]
        changed = True


def guard_segment(segment: EngineSegment, previous_text: str | None) -> Guarded | None:
    """The cleaned segment, or None when it should not reach the transcript at all.

    `previous_text` is the normalised text of the segment kept just before, for loop detection
    across segments.
    """
    if segment.no_speech_prob > NO_SPEECH_DROP and segment.avg_logprob < LOGPROB_DROP:
        return None
    if _MUSIC_ONLY.match(segment.text):
        return None
    flags: list[str] = []
    words = segment.words
    if words:
        keep, looped = _remove_loops([w.text for w in words])
        words = tuple(words[i] for i in keep)
        text = "".join(w.text for w in words).strip()
    else:
        tokens = segment.text.split()
        keep, looped = _remove_loops(tokens)
        text = " ".join(tokens[i] for i in keep)
    if looped:
        flags.append("repetition")
    normalised = normalize_danish(text)
    if not normalised:
        return None
    phrase = _hallucination_match(normalised)
    if phrase is not None:
        if _only_hallucination(normalised, phrase):
            return None
        flags.append("possible_hallucination")
    if (
        previous_text is not None
        and normalised == previous_text
        and len(normalised.split()) >= MIN_DUPLICATE_WORDS
    ):
        return None
    confidence = segment_confidence(segment, words)
    if confidence < LOW_CONFIDENCE:
        flags.append("low_confidence")
    return Guarded(
        start_s=segment.start_s,
        end_s=segment.end_s,
        text=text,
        confidence=confidence,
        words=words,
        flags=tuple(flags),
    )
