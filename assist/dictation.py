"""Dictation for care staff (push-to-talk): one utterance in, clean Danish text out.

    session = RecordingSession(mic_blocks, case=CaseTarget(...),
                               live=lambda: LiveTranscriber(engine, settings=DICTATION_LIVE))
    result = clean_dictation(run(session.run()).segments)
    result.text        # "2 panodiler kl. 11.00."  (from "øh to panodiler klokken elleve")
    result.sentences   # each with the ids of its segments, its audio span, uncertain numbers
    note = save_dictation_draft(store, case_id, edited_text)   # the case's draft, verified

An utterance is a recording of the case with live transcription, as a meeting is, with
`DICTATION_LIVE`'s short pauses and chunks: a stretch of speech followed by a short pause is
transcribed while the key is still held, so after release only the last few seconds are left
and release-to-text does not grow with the length of the utterance. The recording saves each
segment on the case's timeline, so every sentence cites segments as the case stores them and
the drafted, signed note can point at their audio. `dictate_utterance` transcribes a whole
utterance after the fact instead (the benchmark's comparison), handing each segment to `keep`.

Cleaning reuses the drafting core, never a parser of its own: `split_sentences` /
`clean_sentence` drop fillers, stutters and false starts; `normalise_danish` writes dates,
clock times and amounts ("klokken elleve" -> "kl. 11.00"); `parse_decimal_number` reads the
remaining number words, which dictation writes as digits ("to panodiler" -> "2 panodiler",
"fem hundrede milligram" -> "500 mg"). A lone "en"/"et" stays a word (it is the article).
A number, time, date or amount that rests on a word the recogniser was unsure of (confidence
below the verifier's `UNCERTAIN_WORD_BELOW`) is reported with the sentence, found the way the
verifier finds it: the fact disappears when that word is masked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assist.asr.engine import AsrEngine
from assist.asr.live import LiveSettings
from assist.asr.transcribe import transcribe
from assist.audio.decode import pcm_bytes_to_float32
from assist.cancel import CancelToken, Progress
from assist.drafting.cleaning import split_sentences, usable_segments
from assist.drafting.danish_dates import extract_facts, normalise_danish
from assist.drafting.danish_numbers import (
    format_thousands,
    join_spoken_digits,
    parse_decimal_number,
)
from assist.drafting.structured import sections_by_cues
from assist.drafting.templates import get_template
from assist.drafting.types import Draft, DraftSection, DraftSentence
from assist.drafting.verify import UNCERTAIN_WORD_BELOW, verify_draft
from assist.jobs.events import Event, Stage
from assist.transcript import Segment, Transcript

if TYPE_CHECKING:
    from assist.casework import CaseNote
    from assist.store.cases import CaseStore

__all__ = [
    "DICTATION_LIVE",
    "DICTATION_TEMPLATE",
    "DictatedSentence",
    "DictatedText",
    "UncertainNumber",
    "clean_dictation",
    "dictate_utterance",
    "dictation_draft",
    "digits_for_numbers",
    "save_dictation_draft",
]

DICTATION_TEMPLATE = "plejenotat"
STAGE_TRANSCRIBE = "dictation.transcribe"
STAGE_CLEAN = "dictation.clean"

# Units of a dose or a measurement, written short after a number ("500 milligram" -> "500 mg").
# "mikrogram" stays written out: µg misread as mg is a known medication error.
_UNITS = {
    "milligram": "mg",
    "milliliter": "ml",
    "gram": "g",
    "kilo": "kg",
    "kilogram": "kg",
    "procent": "%",
}
# Words, and numerals with their grouping ("4.000", "11.00", "2,5"), with their places.
_TOKEN = re.compile(r"\d+(?:[.,:/-]\d+)*|[^\W\d_]+")
_NUMERAL = re.compile(r"\d")


@dataclass(frozen=True)
class UncertainNumber:
    """A number, time, date or amount in a sentence that rests on a low-confidence word."""

    kind: str  # "number", "time", "date", "amount", "month", "weekday"
    value: str  # as the verifier keys it ("2", "11.00", "12.12")
    word: str  # the word as recognised
    confidence: float


@dataclass(frozen=True)
class DictatedSentence:
    text: str
    sources: tuple[int, ...]  # segment ids (as kept: the case's ids when saved into a case)
    start_s: float  # the audio span of those segments
    end_s: float
    uncertain: tuple[UncertainNumber, ...] = ()


@dataclass(frozen=True)
class DictatedText:
    sentences: tuple[DictatedSentence, ...]
    segments: tuple[Segment, ...]  # every recognised segment, as kept (also non-speech ones)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    @property
    def uncertain(self) -> tuple[UncertainNumber, ...]:
        return tuple(u for s in self.sentences for u in s.uncertain)


# ---- numbers as digits ------------------------------------------------------------------------


def _written(value: float) -> str:
    if value == int(value):
        return format_thousands(value) if value >= 10_000 else str(int(value))
    return f"{value:g}".replace(".", ",")


def _phrase_end(text: str, tokens: list[re.Match[str]], start: int) -> int:
    """Tokens from `start` that only spaces separate: a number phrase never crosses a comma."""
    end = start + 1
    while end < len(tokens) and not text[tokens[end - 1].end() : tokens[end].start()].strip():
        end += 1
    return end


def digits_for_numbers(text: str) -> str:
    """Number words still spelled out after `normalise_danish` written as digits, with a unit
    after them written short; numerals and everything else are kept as they are."""
    text = join_spoken_digits(text)  # "ring et, et, to" -> "ring 112"
    tokens = list(_TOKEN.finditer(text))
    words = [t.group(0) for t in tokens]
    pieces: list[str] = []
    cursor = 0
    i = 0
    while i < len(tokens):
        run = _phrase_end(text, tokens, i)
        parsed = parse_decimal_number(words[i:run], 0)  # "to komma fem" -> 2,5
        if parsed is None:
            i += 1
            continue
        end, value = parsed
        end += i
        if all(_NUMERAL.match(w) for w in words[i:end]) or _is_phrase(words, i, end):
            i = end  # already digits ("12. december", "4.000 kr.")
            continue
        written = _written(value)
        if end < run and words[end].lower() in _UNITS:
            written += " " + _UNITS[words[end].lower()]
            end += 1
        pieces.append(text[cursor : tokens[i].start()])
        pieces.append(written)
        cursor = tokens[end - 1].end()
        i = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _is_phrase(words: list[str], start: int, end: int) -> bool:
    """ "tusind tak" is thanks, not a count."""
    return end == start + 1 and words[start].lower() == "tusind" and (
        end < len(words) and words[end].lower() == "tak"
    )


def _written_form(sentence: str) -> str:
    written = digits_for_numbers(normalise_danish(sentence))
    return written[0].upper() + written[1:] if written else written


# ---- uncertain words ------------------------------------------------------------------------


def _uncertain_numbers(sentence: str, sources: Sequence[Segment]) -> tuple[UncertainNumber, ...]:
    """Facts of `sentence` that vanish when one of its low-confidence words is masked."""
    facts = [(f.kind, f.value) for f in extract_facts(sentence)]
    if not facts:
        return ()
    tokens = [t.group(0).lower() for t in _TOKEN.finditer(sentence)]
    found: list[UncertainNumber] = []
    for segment in sources:
        for word in segment.words:
            shown = word.text.strip().strip(".,;:!?»«\"'()[]")
            if word.confidence >= UNCERTAIN_WORD_BELOW or shown.lower() not in tokens:
                continue
            pattern = re.compile(rf"(?<!\w){re.escape(shown)}(?!\w)", re.IGNORECASE)
            remaining = [(f.kind, f.value) for f in extract_facts(pattern.sub("xxx", sentence))]
            for kind, value in facts:
                if (kind, value) in remaining:
                    remaining.remove((kind, value))
                else:
                    found.append(UncertainNumber(kind, value, shown, word.confidence))
    return tuple(dict.fromkeys(found))


# ---- cleaning ---------------------------------------------------------------------------------


def clean_dictation(segments: Iterable[Segment]) -> DictatedText:
    """An utterance's segments as clean sentences with digits, their segment ids, audio spans
    and uncertain numbers. Segments flagged as not speech are kept out of the text."""
    every = tuple(segments)
    by_id = {s.segment_id: s for s in every}
    sentences: list[DictatedSentence] = []
    for sentence in split_sentences(usable_segments(every)):
        if not sentence.text:
            continue
        sources = [by_id[i] for i in sentence.sources if i in by_id]
        sentences.append(
            DictatedSentence(
                text=_written_form(sentence.text),
                sources=sentence.sources,
                start_s=min((s.start_s for s in sources), default=0.0),
                end_s=max((s.end_s for s in sources), default=0.0),
                uncertain=_uncertain_numbers(sentence.text, sources),
            )
        )
    return DictatedText(tuple(sentences), every)


# ---- the job ------------------------------------------------------------------------------------

Keep = Callable[[Segment], Segment | None]


def dictate_utterance(
    pcm: bytes,
    engine: AsrEngine,
    *,
    language: str = "da",
    keep: Keep | None = None,
    cancel: CancelToken | None = None,
) -> Generator[Event, None, DictatedText]:
    """Transcribe one utterance (16 kHz mono s16le PCM) with a loaded engine and clean it.

    Each recognised segment is passed to `keep` (which returns it as stored, or None when it
    is not kept, e.g. consent was withdrawn) before the text is made, so the result cites what
    was stored. Raises Cancelled when `cancel` is set (segments kept so far stay kept)."""
    yield Stage(STAGE_TRANSCRIBE)
    kept: list[Segment] = []
    for item in transcribe(pcm_bytes_to_float32(pcm), engine, language=language, cancel=cancel):
        if isinstance(item, Progress):
            yield item
            continue
        stored = item if keep is None else keep(item)
        if stored is not None:
            kept.append(stored)
    yield Stage(STAGE_CLEAN)
    return clean_dictation(kept)


# Dictation's live chunking (measured with bench/dictation_latency.py, whisper base, 2 cores): a
# pause of 0.6 s ends a stretch of speech, which is then transcribed while the key is still held;
# speech without such a pause is cut at its quietest moment after at most 8 s, so little is
# left at release. Shorter cuts land inside words (max 5 s: WER 0.38-0.41 against 0.35), and
# Whisper's fallback re-decoding makes such guesses slow too. Each chunk is heard with 3 s of
# the audio before it as context: WER 0.33 (tight speech 0.28) against 0.35 (0.37) without,
# while 8 s (the meeting default) made the last chunk up to 2.5 s slow.
# The pause and the chunk length are the meetings' own (LiveSettings' defaults); only the context
# is shorter.
DICTATION_LIVE = LiveSettings(context_s=3.0)


# ---- the note ---------------------------------------------------------------------------------


def _space(text: str) -> str:
    return " ".join(text.split())


def dictation_draft(text: str, transcript: Transcript | None) -> Draft:
    """The dictation window's text as a `plejenotat` draft, verified against the transcript.

    A sentence that is, word for word, a dictated sentence of the transcript cites its
    segments; a typed or changed sentence cites none, so the verifier flags it ("no source")
    and signing asks a human to confirm it, as for any draft. Each sentence goes into the
    section whose cues fit it, as the structured drafter places sentences ("gav 2 panodiler" in
    Handling, "skal tilses i morgen" in Opfølgning, the rest in Observation); the caseworker
    moves them in the draft view if need be."""
    segments = transcript.segments if transcript is not None else ()
    dictated = {_space(s.text): s.sources for s in clean_dictation(segments).sentences}
    sentences: list[DraftSentence] = []
    for paragraph in (p for p in text.splitlines() if p.strip()):
        for written in split_sentences([Segment(0, 0.0, 0.0, paragraph, 1.0)]):
            shown = _space(written.raw)
            sentences.append(DraftSentence(shown, dictated.get(shown, ())))
    template = get_template(DICTATION_TEMPLATE)
    placed = sections_by_cues(template, [s.text for s in sentences])
    sections = tuple(
        DraftSection(
            section.section_id,
            section.title_da,
            generated=not section.professional_only,
            sentences=tuple(
                s for s, where in zip(sentences, placed, strict=True) if where == section.section_id
            ),
        )
        for section in template.sections
    )
    draft = Draft(DICTATION_TEMPLATE, "structured", "none", sections)
    return verify_draft(draft, transcript or Transcript("da", 0.0, "none"))


def save_dictation_draft(store: CaseStore, case_id: str, text: str) -> CaseNote:
    """Make the dictated text the case's draft (audited as "drafted"); signing and export then
    follow the ordinary rules in the draft view. Refused once the note is signed."""
    from assist.casework import save_generated_draft

    draft = dictation_draft(text, store.load_transcript(case_id))
    return save_generated_draft(store, case_id, draft)
