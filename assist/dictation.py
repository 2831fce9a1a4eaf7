"""Dictation for care staff (push-to-talk): one utterance in, clean Danish text out.

    result = run(dictate_utterance(pcm, engines.asr(None), keep=save_segment))
    result.text        # "2 panodiler kl. 11.00."  (from "øh to panodiler klokken elleve")
    result.sentences   # each with the ids of its segments, its audio span, uncertain numbers
    note = save_dictation_draft(store, case_id, edited_text)   # the case's draft, verified

An utterance (key held, then released) is transcribed at once by the engine already loaded
(speech only: the engine's own voice activity detection skips the silence around it). Each
recognised segment goes to `keep` first (the app saves it into the case, which renumbers it and
puts it on the case's timeline), so every sentence cites segments as the case stores them and
the drafted, signed note can point at their audio.

Cleaning reuses the drafting core, never a parser of its own: `split_sentences` /
`clean_sentence` drop fillers, stutters and false starts; `normalise_danish` writes dates,
clock times and amounts ("klokken elleve" -> "kl. 11.00"); `parse_number_words` reads the
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
from typing import TYPE_CHECKING, Protocol

from assist.asr.engine import AsrEngine
from assist.asr.transcribe import transcribe
from assist.audio.decode import pcm_bytes_to_float32
from assist.cancel import CancelToken, Progress
from assist.drafting.cleaning import split_sentences, usable_segments
from assist.drafting.danish_dates import extract_facts, normalise_danish
from assist.drafting.danish_numbers import format_thousands, parse_number_words
from assist.drafting.templates import get_template
from assist.drafting.types import Draft, DraftSection, DraftSentence
from assist.drafting.verify import UNCERTAIN_WORD_BELOW, verify_draft
from assist.errors import AssistError
from assist.jobs.events import Event, Stage
from assist.store.recording import CONSENT_WITHDRAWN_STOP
from assist.transcript import Segment, Transcript

if TYPE_CHECKING:
    from assist.casework import CaseNote
    from assist.store.cases import CaseStore
    from assist.store.values import RecordingInfo

__all__ = [
    "DICTATION_TEMPLATE",
    "DictatedSentence",
    "DictatedText",
    "SegmentStore",
    "UncertainNumber",
    "case_keeper",
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
    tokens = list(_TOKEN.finditer(text))
    words = [t.group(0) for t in tokens]
    pieces: list[str] = []
    cursor = 0
    i = 0
    while i < len(tokens):
        run = _phrase_end(text, tokens, i)
        parsed = parse_number_words(words[i:run], 0)
        if parsed is None:
            i += 1
            continue
        end, value = parsed
        end += i
        if end + 1 < run and words[end].lower() == "komma":  # "to komma fem" -> 2,5
            decimals = parse_number_words(words[end + 1 : run], 0)
            if decimals is not None and decimals[1] == int(decimals[1]):
                shown = str(int(decimals[1]))
                value += int(shown) / 10 ** len(shown)
                end += 1 + decimals[0]
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


class SegmentStore(Protocol):
    """The part of the case store that keeps an utterance's segments (`CaseStore` has it)."""

    def recordings(self, case_id: str) -> list[RecordingInfo]: ...

    def consent_status(self, case_id: str) -> str: ...

    def append_segment(
        self,
        case_id: str,
        segment: Segment,
        time_offset_s: float = 0.0,
        *,
        model: str | None = None,
        model_sha256: str = "",
    ) -> Segment: ...


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


def case_keeper(
    store: SegmentStore, case_id: str, model: str, model_sha256: str = ""
) -> Keep:
    """Keep each segment of the utterance just recorded on `case_id` in the case, where the
    recording put its audio: after the case's earlier recordings, as `CaseRecording` does.
    A segment is not kept (None) once consent is withdrawn."""
    recordings = store.recordings(case_id)
    offset_s = sum(r.duration_s for r in recordings[:-1])  # the last one is this utterance

    def keep(segment: Segment) -> Segment | None:
        if store.consent_status(case_id) != "given":
            return None
        try:
            return store.append_segment(
                case_id, segment, offset_s, model=model, model_sha256=model_sha256
            )
        except AssistError as error:
            if error.code != CONSENT_WITHDRAWN_STOP.code:
                raise
            return None

    return keep


# ---- the note ---------------------------------------------------------------------------------


def _space(text: str) -> str:
    return " ".join(text.split())


def dictation_draft(text: str, transcript: Transcript | None) -> Draft:
    """The dictation window's text as a `plejenotat` draft, verified against the transcript.

    A sentence that is, word for word, a dictated sentence of the transcript cites its
    segments; a typed or changed sentence cites none, so the verifier flags it ("no source")
    and signing asks a human to confirm it, as for any draft. All sentences go into the
    template's first section (the observation); the caseworker moves them in the draft view."""
    segments = transcript.segments if transcript is not None else ()
    dictated = {_space(s.text): s.sources for s in clean_dictation(segments).sentences}
    sentences: list[DraftSentence] = []
    for paragraph in (p for p in text.splitlines() if p.strip()):
        for written in split_sentences([Segment(0, 0.0, 0.0, paragraph, 1.0)]):
            shown = _space(written.raw)
            sentences.append(DraftSentence(shown, dictated.get(shown, ())))
    template = get_template(DICTATION_TEMPLATE)
    sections = tuple(
        DraftSection(
            section.section_id,
            section.title_da,
            generated=True,
            sentences=tuple(sentences) if index == 0 else (),
        )
        for index, section in enumerate(template.sections)
    )
    draft = Draft(DICTATION_TEMPLATE, "structured", "none", sections)
    return verify_draft(draft, transcript or Transcript("da", 0.0, "none"))


def save_dictation_draft(store: CaseStore, case_id: str, text: str) -> CaseNote:
    """Make the dictated text the case's draft (audited as "drafted"); signing and export then
    follow the ordinary rules in the draft view. Refused once the note is signed."""
    from assist.casework import save_generated_draft

    draft = dictation_draft(text, store.load_transcript(case_id))
    return save_generated_draft(store, case_id, draft)
