"""Live transcription while a meeting is recorded: utterances are transcribed as they end.

Design (VAD-chunked streaming): incoming PCM collects in a buffer; every half second a voice
activity detector looks at it. When an utterance is followed by a pause (`min_pause_s`), that
utterance is final: it is transcribed once and its segments are committed; they never change
afterwards. An utterance that runs on without a pause is cut at its quietest moment after
`max_utterance_s`. So at any time at most about `max_utterance_s` of speech waits, and `finish()`
only has that little left to do: the complete transcript is ready seconds after the recording
stops, however long the meeting was.

The transcriber is synchronous and single-threaded; whoever records decides on threads (see
assist/asr/session.py and assist/jobs/recording.py), so recording never waits for recognition.

When the recogniser's worker process crashes, the same audio is tried once more with a fresh
worker. If that crashes too, the audio is set aside and transcribed after the recording stops,
and live transcription goes on with the next utterance; after three such losses in a row it
stops trying until `finish()`. Recording itself never depends on any of this.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

import numpy as np

from assist.asr.engine import AsrEngine, EngineSegment, Samples
from assist.asr.languages import check_language
from assist.asr.transcribe import SegmentNumbering
from assist.audio.decode import pcm_bytes_to_float32
from assist.audio.sink import SAMPLE_RATE
from assist.engines.worker import EngineCrashed
from assist.transcript import Segment

Region = tuple[int, int]  # [start, end) in samples
_T = TypeVar("_T")
_MAX_FAILURES_IN_A_ROW = 3


class SpeechDetector(Protocol):
    def speech_regions(self, audio: Samples) -> list[Region]:
        """Sorted, non-overlapping sample ranges of `audio` that hold speech."""
        ...


class SileroSpeechDetector:
    """Silero VAD as bundled with faster-whisper (ONNX, a few ms per second of audio)."""

    def __init__(self, min_pause_s: float, pad_s: float = 0.2, threshold: float = 0.5) -> None:
        self._min_pause_ms = int(min_pause_s * 1000)
        self._pad_ms = int(pad_s * 1000)
        self._threshold = threshold

    def speech_regions(self, audio: Samples) -> list[Region]:
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        options = VadOptions(
            threshold=self._threshold,
            min_silence_duration_ms=self._min_pause_ms,
            speech_pad_ms=self._pad_ms,
            min_speech_duration_ms=150,
        )
        found = get_speech_timestamps(audio, options, sampling_rate=SAMPLE_RATE)
        return [(int(r["start"]), int(r["end"])) for r in found]


class EnergySpeechDetector:
    """Loudness above a floor counts as speech. Deterministic; for tests and synthetic audio."""

    def __init__(self, min_pause_s: float, threshold: float = 0.02, frame_s: float = 0.02) -> None:
        self._frame = int(frame_s * SAMPLE_RATE)
        self._min_pause = int(min_pause_s * SAMPLE_RATE)
        self._threshold = threshold

    def speech_regions(self, audio: Samples) -> list[Region]:
        frames = audio.size // self._frame
        if frames == 0:
            return []
        blocks = audio[: frames * self._frame].reshape(frames, self._frame)
        loud = np.sqrt(np.mean(blocks.astype(np.float64) ** 2, axis=1)) >= self._threshold
        regions: list[Region] = []
        for index in np.flatnonzero(loud):
            start, end = int(index) * self._frame, (int(index) + 1) * self._frame
            if regions and start - regions[-1][1] < self._min_pause:
                regions[-1] = (regions[-1][0], end)
            else:
                regions.append((start, end))
        return regions


@dataclass(frozen=True)
class LiveSettings:
    check_every_s: float = 0.5
    min_pause_s: float = 0.6  # a pause this long ends an utterance
    max_utterance_s: float = 8.0  # bounds the work left when the recording stops
    lead_in_s: float = 0.2  # audio kept before detected speech, so first sounds are not clipped
    context_s: float = 8.0  # earlier audio the recogniser hears again, for context only


class LiveTranscriber:
    """Feed 16 kHz mono s16le PCM; get committed Segments back as utterances end.

    `feed()` and `finish()` return the segments committed by that call, and only those: they are
    the one output (keep them if you need the whole transcript). Each is returned exactly once.
    """

    def __init__(
        self,
        engine: AsrEngine,
        *,
        language: str = "da",
        detector: SpeechDetector | None = None,
        settings: LiveSettings | None = None,
        first_segment_id: int = 0,
    ) -> None:
        self._engine = engine
        self._language = check_language(language)
        self._settings = settings or LiveSettings()
        self._detector = detector or engine.speech_detector(self._settings.min_pause_s)
        self._numbering = SegmentNumbering(first_segment_id)
        self._buffer = np.zeros(0, dtype=np.float32)
        self._buffer_start = 0  # absolute sample index of _buffer[0]
        self._history = np.zeros(0, dtype=np.float32)  # audio just before _buffer, for context
        self._unchecked = 0  # samples added since the detector last looked
        self._partial_byte = b""
        self._finished = False
        self._committed: list[Segment] = []  # since the last feed()/finish() returned
        # Audio the recogniser crashed on: (absolute start sample, samples), for `finish()`.
        self._missed: list[tuple[int, Samples]] = []
        self._failures_in_a_row = 0
        self.interruptions: list[EngineCrashed] = []

    @property
    def received_s(self) -> float:
        return (self._buffer_start + self._buffer.size) / SAMPLE_RATE

    @property
    def pending_s(self) -> float:
        """Audio received but not yet transcribed or discarded as silence."""
        return self._buffer.size / SAMPLE_RATE

    def feed(self, pcm: bytes) -> list[Segment]:
        if self._finished:
            raise RuntimeError("feed() after finish()")
        data = self._partial_byte + pcm
        whole = len(data) - len(data) % 2  # a block may in theory split a sample
        self._partial_byte = data[whole:]
        samples = pcm_bytes_to_float32(data[:whole])
        self._buffer = np.concatenate([self._buffer, samples])
        self._unchecked += samples.size
        if self._unchecked < self._settings.check_every_s * SAMPLE_RATE:
            return []
        self._unchecked = 0
        if self._failures_in_a_row >= _MAX_FAILURES_IN_A_ROW:
            self._set_aside()
            return []
        try:
            self._commit_ready()
        except EngineCrashed:
            self._failures_in_a_row += 1
            self._set_aside()
        else:
            self._failures_in_a_row = 0
        return self._take_committed()

    def finish(self) -> list[Segment]:
        """Transcribe whatever speech is still pending; after this the transcript is complete."""
        if self._finished:
            return []
        self._finished = True
        if self._failures_in_a_row >= _MAX_FAILURES_IN_A_ROW:
            self._set_aside()
        try:
            regions = self._regions(self._buffer)
            if regions:
                start = max(0, regions[0][0] - self._lead_in)
                self._transcribe_span(start, regions[-1][1])
        except EngineCrashed:
            self._set_aside()
        self._drop(self._buffer.size)
        # What the recogniser crashed on during the recording, with a fresh worker.
        still_missed: list[tuple[int, Samples]] = []
        for start_sample, audio in self._missed:
            try:
                self._transcribe_missed(start_sample, audio)
            except EngineCrashed:
                still_missed.append((start_sample, audio))
        self._missed = still_missed
        return self._take_committed()

    @property
    def missed_s(self) -> float:
        """Audio the recogniser crashed on and that is not transcribed (yet: `finish()` tries
        again). The recording itself has all of it."""
        return sum(audio.size for _, audio in self._missed) / SAMPLE_RATE

    def _set_aside(self) -> None:
        """Keep the whole buffer for `finish()` and carry on with fresh audio."""
        if self._buffer.size:
            self._missed.append((self._buffer_start, self._buffer.copy()))
        self._buffer_start += self._buffer.size
        self._buffer = np.zeros(0, dtype=np.float32)
        self._history = np.zeros(0, dtype=np.float32)

    def _transcribe_missed(self, start_sample: int, audio: Samples) -> None:
        regions = self._regions(audio)
        if not regions:
            return
        start = max(0, regions[0][0] - self._lead_in)
        offset_s = (start_sample + start) / SAMPLE_RATE
        raws = self._recognise(audio[start : regions[-1][1]])
        self._commit([s for raw in raws if (s := self._numbering.convert(raw, offset_s))])

    def _regions(self, audio: Samples) -> list[Region]:
        return self._retrying(lambda: self._detector.speech_regions(audio))

    def _recognise(self, chunk: Samples) -> list[EngineSegment]:
        return self._retrying(
            lambda: list(self._engine.transcribe(chunk, self._language, speech_only=True))
        )

    def _retrying(self, call: Callable[[], _T]) -> _T:
        """`call()`, and once more (with a fresh worker) if the recogniser's worker crashed."""
        try:
            return call()
        except EngineCrashed as crash:
            self.interruptions.append(crash)
        try:
            return call()
        except EngineCrashed as crash:
            self.interruptions.append(crash)
            raise

    def _commit(self, committed: list[Segment]) -> None:
        self._committed.extend(committed)

    def _take_committed(self) -> list[Segment]:
        """What was committed since the last call: also what a crash part-way through kept."""
        committed, self._committed = self._committed, []
        return committed

    @property
    def _lead_in(self) -> int:
        return int(self._settings.lead_in_s * SAMPLE_RATE)

    def _commit_ready(self) -> None:
        max_utterance = int(self._settings.max_utterance_s * SAMPLE_RATE)
        min_pause = int(self._settings.min_pause_s * SAMPLE_RATE)
        while True:
            regions = self._regions(self._buffer)
            if not regions:
                # Only silence: keep a short tail so the start of the next word survives.
                self._drop(max(0, self._buffer.size - self._lead_in))
                return
            start = max(0, regions[0][0] - self._lead_in)
            closed = [r for r in regions if r[1] + min_pause <= self._buffer.size]
            if closed:
                self._transcribe_span(start, closed[-1][1])
            elif self._buffer.size - regions[0][0] >= max_utterance:
                cut = self._quietest_point(
                    regions[0][0] + max_utterance // 2, regions[0][0] + max_utterance
                )
                self._transcribe_span(start, cut)
            else:
                return

    def _quietest_point(self, lo: int, hi: int) -> int:
        """The middle of the quietest 50 ms in buffer[lo:hi]: the least harmful place to cut."""
        frame = SAMPLE_RATE // 20
        window = self._buffer[lo:hi]
        frames = window.size // frame
        if frames == 0:
            return hi
        energy = np.mean(window[: frames * frame].reshape(frames, frame) ** 2, axis=1)
        return lo + int(np.argmin(energy)) * frame + frame // 2

    def _transcribe_span(self, start: int, end: int) -> None:
        """Transcribe buffer[start:end], commit its segments, and forget the audio up to `end`.

        The recogniser also hears up to `context_s` of the audio before the span: Whisper is
        markedly more accurate with context (live WER 43% -> 32% on sample-da.wav). Words it
        places in that context were committed before and are dropped here.
        """
        context = np.concatenate([self._history, self._buffer[:start]])
        context = context[max(0, context.size - int(self._settings.context_s * SAMPLE_RATE)) :]
        chunk = np.concatenate([context, self._buffer[start:end]])
        context_s = context.size / SAMPLE_RATE
        offset_s = (self._buffer_start + start) / SAMPLE_RATE - context_s
        committed: list[Segment] = []
        for raw in self._recognise(chunk):
            new_part = _after(raw, context_s)
            segment = None if new_part is None else self._numbering.convert(new_part, offset_s)
            if segment is not None:
                committed.append(segment)
        self._drop(end)
        self._commit(committed)

    def _drop(self, samples: int) -> None:
        """Forget buffer[:samples], keeping the last `context_s` of it as context."""
        samples = min(samples, self._buffer.size)
        keep = int(self._settings.context_s * SAMPLE_RATE)
        history = np.concatenate([self._history, self._buffer[:samples]])
        self._history = history[max(0, history.size - keep) :].copy()
        self._buffer = self._buffer[samples:].copy()
        self._buffer_start += samples


def _after(segment: EngineSegment, cut_s: float) -> EngineSegment | None:
    """The part of `segment` after `cut_s` (by word midpoints), or None if nothing is left."""
    if cut_s <= 0:
        return segment
    if not segment.words:
        return segment if (segment.start_s + segment.end_s) / 2 >= cut_s else None
    words = tuple(w for w in segment.words if (w.start_s + w.end_s) / 2 >= cut_s)
    if not words:
        return None
    if len(words) == len(segment.words):
        return segment
    return replace(
        segment,
        start_s=words[0].start_s,
        end_s=words[-1].end_s,
        text="".join(w.text for w in words),
        words=words,
    )
