"""Dictation for care staff (push-to-talk): one utterance in, clean Danish text out.

    result = run(dictate_utterance(pcm, engines.asr(None), keep=save_segment))
    result.text        # "2 panodiler kl. 11.00."  (from "øh to panodiler klokken elleve")
    result.sentences   # each with the ids of its segments, its audio span, uncertain numbers
    note = save_dictation_draft(store, case_id, edited_text)   # the case's draft, verified

While the key is held, the audio is transcribed as it arrives (`DictationStream`, on
`assist.asr.live.LiveTranscriber`): a stretch of speech followed by a short pause is final and
transcribed once, during the hold; so after release only the last few seconds are left, and
release-to-text does not grow with the length of the utterance:

    feed = BlockQueue()            # a sink of the recording; never makes it wait
    result = run(dictate_stream(feed.blocks(cancel), engine, keep=save_segment, cancel=cancel))

`dictate_utterance` transcribes a whole utterance at once after the fact (the same
`DictatedText`). Each recognised segment goes to `keep` first (the app saves it into the
case, which renumbers it and puts it on the case's timeline), so every sentence cites segments
as the case stores them and the drafted, signed note can point at their audio.

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

import queue
import re
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from assist.asr.engine import AsrEngine
from assist.asr.live import LiveSettings, LiveTranscriber, SpeechDetector
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
from assist.errors import AssistError
from assist.jobs.events import Event, Stage
from assist.store.recording import CONSENT_WITHDRAWN_STOP
from assist.transcript import Segment, Transcript

if TYPE_CHECKING:
    from assist.casework import CaseNote
    from assist.store.cases import CaseStore
    from assist.store.values import RecordingInfo

__all__ = [
    "DICTATION_LIVE",
    "DICTATION_TEMPLATE",
    "BlockQueue",
    "DictatedSentence",
    "DictatedText",
    "DictationStream",
    "SegmentStore",
    "UncertainNumber",
    "case_keeper",
    "clean_dictation",
    "dictate_stream",
    "dictate_utterance",
    "dictation_draft",
    "digits_for_numbers",
    "save_dictation_draft",
]

DICTATION_TEMPLATE = "plejenotat"
STAGE_LISTEN = "dictation.listen"  # the key is held: speech is transcribed as it ends
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


# Dictation's live chunking (measured with bench/dictation_latency.py, whisper base, 2 cores): a
# pause of 0.6 s ends a stretch of speech, which is then transcribed while the key is still held;
# speech without such a pause is cut at its quietest moment after at most 8 s, so little is
# left at release. Shorter cuts land inside words (max 5 s: WER 0.38-0.41 against 0.35), and
# Whisper's fallback re-decoding makes such guesses slow too. Each chunk is heard with 3 s of
# the audio before it as context: WER 0.33 (tight speech 0.28) against 0.35 (0.37) without,
# while 8 s (the meeting default) made the last chunk up to 2.5 s slow.
DICTATION_LIVE = LiveSettings(
    check_every_s=0.5, min_pause_s=0.6, max_utterance_s=8.0, lead_in_s=0.2, context_s=3.0
)
_END_OF_AUDIO = object()
_POLL_S = 0.1


class BlockQueue:
    """The recorded blocks, from the recording's thread to the transcription's thread.

    An AudioSink for `RecordingSession(sinks=[...])`: `write` only queues (the recording never
    waits for recognition), `close` (the recording ended, or it failed: safe twice) ends
    `blocks()`. Thread-safe."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._closed = False
        self.received_bytes = 0  # written by the recording's thread

    def write(self, pcm: bytes) -> None:
        self.received_bytes += len(pcm)
        self._queue.put(pcm)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put(_END_OF_AUDIO)

    def blocks(self, cancel: CancelToken | None = None) -> Iterator[bytes]:
        """Each block as it comes, until `close()`; raises Cancelled when `cancel` is set."""
        cancel = cancel or CancelToken()
        while True:
            cancel.raise_if_cancelled()
            try:
                item = self._queue.get(timeout=_POLL_S)
            except queue.Empty:
                continue
            if item is _END_OF_AUDIO:
                return
            assert isinstance(item, bytes)
            yield item


class DictationStream:
    """One utterance transcribed while it is spoken: `feed` each block while the key is held
    (a finished stretch of speech is transcribed then and its segments kept), `finish()` at
    release transcribes only what is left and returns the clean text.

    Synchronous: whoever calls `feed` does the recognition, so call it on a worker that is not
    the recording's. A recogniser crash is retried once by `LiveTranscriber`; audio it still
    could not transcribe makes `finish()` raise EngineCrashed (segments kept so far stay kept)."""

    def __init__(
        self,
        engine: AsrEngine,
        *,
        language: str = "da",
        keep: Keep | None = None,
        settings: LiveSettings = DICTATION_LIVE,
        detector: SpeechDetector | None = None,
    ) -> None:
        self._live = LiveTranscriber(
            engine, language=language, detector=detector, settings=settings
        )
        self._keep = keep
        self._kept: list[Segment] = []

    @property
    def received_s(self) -> float:
        return self._live.received_s

    @property
    def pending_s(self) -> float:
        """Audio received but not yet transcribed (or dropped as silence)."""
        return self._live.pending_s

    @property
    def kept(self) -> tuple[Segment, ...]:
        return tuple(self._kept)

    def feed(self, pcm: bytes) -> list[Segment]:
        """One block of 16 kHz mono s16le PCM; returns the segments kept because of it."""
        return self._keep_all(self._live.feed(pcm))

    def finish(self) -> DictatedText:
        self._keep_all(self._live.finish())
        if self._live.missed_s > 0 and self._live.interruptions:
            raise self._live.interruptions[-1]
        return clean_dictation(self._kept)

    def _keep_all(self, segments: list[Segment]) -> list[Segment]:
        kept: list[Segment] = []
        for segment in segments:
            stored = segment if self._keep is None else self._keep(segment)
            if stored is not None:
                kept.append(stored)
        self._kept.extend(kept)
        return kept


def dictate_stream(
    blocks: Iterable[bytes],
    engine: AsrEngine,
    *,
    language: str = "da",
    keep: Keep | None = None,
    settings: LiveSettings = DICTATION_LIVE,
    detector: SpeechDetector | None = None,
    cancel: CancelToken | None = None,
) -> Generator[Event, None, DictatedText]:
    """The job of one utterance while it is recorded: `blocks` as they are recorded (e.g.
    `BlockQueue.blocks(cancel)`), each fed to a `DictationStream`; when they end (the key was
    released and the recording stopped) the rest is transcribed and the clean text returned,
    the same `DictatedText` as `dictate_utterance`. Yields Stage "dictation.listen", then
    "dictation.transcribe" at release and "dictation.clean". Raises Cancelled when `cancel`
    is set (segments kept so far stay kept)."""
    cancel = cancel or CancelToken()
    stream = DictationStream(
        engine, language=language, keep=keep, settings=settings, detector=detector
    )
    yield Stage(STAGE_LISTEN)
    for block in blocks:
        cancel.raise_if_cancelled()
        stream.feed(block)
    cancel.raise_if_cancelled()
    yield Stage(STAGE_TRANSCRIBE)
    result = stream.finish()
    yield Stage(STAGE_CLEAN)
    return result


def case_keeper(
    store: SegmentStore, case_id: str, model: str, model_sha256: str = ""
) -> Keep:
    """Keep each segment of the utterance just recorded on `case_id` in the case, where the
    recording put its audio: after the case's earlier recordings, as `CaseRecording` does.
    A segment is not kept (None) once consent is withdrawn.

    The offset is looked up at the first segment, not here: a keeper made when the key goes
    down (for `dictate_stream`) is used only once this utterance's recording has started."""
    offsets: list[float] = []

    def offset_s() -> float:
        if not offsets:
            recordings = store.recordings(case_id)
            offsets.append(sum(r.duration_s for r in recordings[:-1]))  # the last: this one
        return offsets[0]

    def keep(segment: Segment) -> Segment | None:
        if store.consent_status(case_id) != "given":
            return None
        try:
            return store.append_segment(
                case_id, segment, offset_s(), model=model, model_sha256=model_sha256
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
