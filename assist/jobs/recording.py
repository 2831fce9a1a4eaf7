"""Record a meeting (into a case, with consent) as a job: audio, level, live transcript.

    session = RecordingSession(microphone, case=CaseTarget(store, case_id), live=make_live)
    worker thread:  for event in throttled(session.run()): post(event)  # Level, Segment.., Saved
    GUI thread:     session.pause() / session.resume() / session.stop()

`run()` first starts the recording on the case: the store checks consent ("store.no_consent") and
that nobody else records the case ("store.recording_active"), and holds the case's lock until
the recording stops. Only then is `live()` called to make the live transcriber, so a refused
recording loads no speech model.

Each block from the source goes at once to the sinks (the case's encrypted writer among them);
live transcription runs on its own thread behind a queue (`assist.asr.session.LiveThread`), so
the recording never waits for recognition. Committed segments are saved into the case on that
thread, and yielded as `SegmentCommitted` by the next step of `run()`.

While paused the source is still read (a microphone's buffer must not overflow, and the meter
keeps moving), but nothing of it is written or transcribed: paused time is not recorded, and
`Level.elapsed_s` (recorded audio) stands still. `stop()`, the CancelToken and Ctrl+C all end the
recording after the current block and keep everything recorded; the transcript is then finished
(seconds at most: see assist/asr/live.py) and `Saved(case_id, "recording")` comes last. Consent
withdrawn during the recording (here or in another process) stops it at once; its audio is gone,
nothing more is transcribed, and `run()` raises AssistError "store.consent_withdrawn_stop".
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from assist.asr.live import LiveTranscriber
from assist.asr.session import LiveThread
from assist.audio.sink import SAMPLE_RATE, SAMPLE_WIDTH_BYTES, AudioSink
from assist.cancel import CancelToken
from assist.engines.worker import EngineCrashed
from assist.errors import AssistError, Msg
from assist.jobs.events import Event, Level, Saved, SegmentCommitted
from assist.store.recording import CONSENT_WITHDRAWN_STOP
from assist.transcript import Segment, Transcript

__all__ = [
    "AudioSource",
    "CaseTarget",
    "RecordingResult",
    "RecordingSession",
    "RecordingSink",
    "RecordingStore",
]

# 16 kHz mono s16le PCM blocks, as a microphone delivers them (a file: assist.audio.source).
# If the iterator has `close()` (a generator does), it is closed when the recording ends.
AudioSource = Iterable[bytes]

SESSION_ALREADY_RUN = Msg(
    "recording.already_run",
    da="Denne optagelse er allerede startet; start en ny optagelse i stedet.",
    en="This recording was already started; start a new recording instead.",
)


class RecordingSink(Protocol):
    """A running recording on a case (`CaseRecording`): encrypted audio, saved segments."""

    @property
    def case_id(self) -> str: ...

    @property
    def duration_s(self) -> float: ...

    @property
    def time_offset_s(self) -> float:
        """Where the recording starts on the case's timeline (after its earlier recordings)."""
        ...

    def write(self, pcm: bytes) -> None:
        """Append audio; raises AssistError once consent is withdrawn."""
        ...

    def on_segment(self, segment: Segment) -> Segment | None:
        """Save a live segment; returns it as stored, or None if it is not kept."""
        ...

    def stop(self) -> None:
        """Finish the recording (safe twice); releases the case."""
        ...


class RecordingStore(Protocol):
    """The part of the case store a recording job uses (`CaseStore` has it)."""

    def start_recording(
        self, case_id: str, *, transcript_model: str = ..., transcript_model_sha256: str = ...
    ) -> RecordingSink: ...

    def load_transcript(self, case_id: str) -> Transcript | None: ...

    def record_event(self, event: str, case_id: str | None = None, **payload: object) -> int: ...


@dataclass(frozen=True)
class CaseTarget:
    """Record into this case; `transcript_model` (id and sha256) is kept with each segment."""

    store: RecordingStore
    case_id: str
    transcript_model: str = "none"
    transcript_model_sha256: str = ""


@dataclass(frozen=True)
class RecordingResult:
    case_id: str | None
    duration_s: float  # audio recorded (paused time excluded)
    paused_s: float  # audio read while paused: not recorded
    segments: tuple[Segment, ...]  # the live transcript (as saved into the case)
    # Seconds from the end of the recording to the complete transcript (None without live).
    stop_to_final_s: float | None
    stopped_early: bool  # stopped, cancelled or interrupted before the source ended
    interruptions: tuple[EngineCrashed, ...]  # speech recognition crashes (recording went on)
    missed_s: float  # audio not transcribed because of them (the recording has it)


def _keep_all(segment: Segment) -> Segment:
    return segment


def _seconds(pcm_bytes: int) -> float:
    return pcm_bytes / (SAMPLE_RATE * SAMPLE_WIDTH_BYTES)


def _level(block: bytes) -> tuple[float, float]:
    """(rms, peak) of a PCM block, 0..1."""
    samples = np.frombuffer(block[: len(block) - len(block) % 2], dtype="<i2")
    if samples.size == 0:
        return 0.0, 0.0
    scaled = samples.astype(np.float64) / 32768.0
    return float(np.sqrt(np.mean(scaled**2))), float(np.max(np.abs(scaled)))


class RecordingSession:
    """One recording; `run()` is its job. `pause`, `resume`, `stop`: from any thread."""

    def __init__(
        self,
        source: AudioSource,
        *,
        case: CaseTarget | None = None,
        live: Callable[[], LiveTranscriber] | None = None,
        sinks: Sequence[AudioSink] = (),
        cancel: CancelToken | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._case = case
        self._make_live = live
        self._sinks = tuple(sinks)
        self._cancel = cancel or CancelToken()
        self._clock = clock
        self._paused = threading.Event()
        self._stop = threading.Event()
        self._started = False
        self._start_lock = threading.Lock()
        self._recorded_bytes = 0  # written by the job's thread only
        self._time_offset_s = 0.0  # set once the case's recording has started
        self._live: LiveThread | None = None

    @property
    def case_id(self) -> str | None:
        return None if self._case is None else self._case.case_id

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    @property
    def elapsed_s(self) -> float:
        """Audio recorded so far (paused time excluded)."""
        return _seconds(self._recorded_bytes)

    @property
    def recognition_failed(self) -> bool:
        """Live transcription ended with an error (`run()` raises it once the recording ends;
        the recording itself goes on: a meeting never depends on recognition)."""
        return self._live is not None and self._live.failure is not None

    @property
    def timeline_s(self) -> float:
        """The recording's present moment on the case's timeline, the one segment times use:
        where a note typed now belongs (earlier recordings of the case come first)."""
        return self._time_offset_s + self.elapsed_s

    def pause(self) -> None:
        """Record nothing from the next block on, until `resume()`."""
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()

    def stop(self) -> None:
        """End the recording after the current block; what was recorded is kept and
        transcribed to the end."""
        self._stop.set()

    def run(self) -> Generator[Event, None, RecordingResult]:
        """The recording job (see the module docstring). Runs once."""
        with self._start_lock:
            if self._started:
                raise AssistError(SESSION_ALREADY_RUN)
            self._started = True
        case = self._case
        recording = None
        if case is not None:  # the consent check
            recording = case.store.start_recording(
                case.case_id,
                transcript_model=case.transcript_model,
                transcript_model_sha256=case.transcript_model_sha256,
            )
            self._time_offset_s = recording.time_offset_s
        try:
            transcriber = self._make_live() if self._make_live is not None else None
        except BaseException:
            if recording is not None:
                recording.stop()
            raise
        keep = _keep_all if recording is None else recording.on_segment
        live = None if transcriber is None else LiveThread(transcriber, keep)
        self._live = live
        return (yield from self._record(recording, transcriber, live))

    def _record(
        self,
        recording: RecordingSink | None,
        transcriber: LiveTranscriber | None,
        live: LiveThread | None,
    ) -> Generator[Event, None, RecordingResult]:
        case_id = self.case_id
        writers = [sink.write for sink in self._sinks]
        if recording is not None:
            writers.append(recording.write)
        segments: list[Segment] = []
        paused_bytes = 0
        stopped_early = False
        failure: BaseException | None = None
        withdrawn = False
        closed_by_caller = False
        blocks = iter(self._source)
        try:
            while True:
                if self._stop.is_set() or self._cancel.cancelled:
                    stopped_early = True
                    break
                block = next(blocks, None)
                if block is None:
                    break
                if not block:
                    continue
                if self._paused.is_set():
                    paused_bytes += len(block)
                else:
                    for write in writers:
                        write(block)
                    self._recorded_bytes += len(block)
                    if live is not None:
                        live.put(block)
                rms, peak = _level(block)
                yield Level(rms, peak, self.elapsed_s)
                if live is not None:
                    for segment in live.committed():
                        segments.append(segment)
                        yield SegmentCommitted(case_id, segment)
        except KeyboardInterrupt:
            stopped_early = True
        except GeneratorExit:  # the caller closed the job: still keep and transcribe it all
            stopped_early = closed_by_caller = True
        except AssistError as error:
            failure = error
            withdrawn = error.code == CONSENT_WITHDRAWN_STOP.code
        except BaseException as error:  # the audio so far is still closed and transcribed
            failure = error
        stopped_at = self._clock()
        _close_source(blocks)
        if live is not None:
            live.end(discard=withdrawn)
        close_error: BaseException | None = None
        for finish in [*(sink.close for sink in self._sinks), *_stop_of(recording)]:
            try:
                finish()
            except BaseException as error:
                close_error = close_error or error
        if live is not None:
            if closed_by_caller or withdrawn:  # withdrawn: what was saved is deleted already
                segments += live.wait_committed()
            else:
                yield from _yield_all(live.wait_committed(), case_id, segments)
        finished_at = self._clock()
        if closed_by_caller:
            raise GeneratorExit
        live_failure = None if live is None else live.failure
        if recording is not None and case_id is not None and close_error is None and not withdrawn:
            if transcriber is not None and failure is None and live_failure is None:
                self._record_transcribed(recording, case_id)
            yield Saved(case_id, "recording")
        for raised in (failure, close_error, live_failure):
            if raised is not None:
                raise raised
        return RecordingResult(
            case_id=case_id,
            duration_s=self.elapsed_s,
            paused_s=_seconds(paused_bytes),
            segments=tuple(segments),
            stop_to_final_s=None if live is None else finished_at - stopped_at,
            stopped_early=stopped_early,
            interruptions=() if transcriber is None else tuple(transcriber.interruptions),
            missed_s=0.0 if transcriber is None else transcriber.missed_s,
        )

    def _record_transcribed(self, recording: RecordingSink, case_id: str) -> None:
        """The audit trail says which model made the live transcript (a manifest event)."""
        assert self._case is not None
        store = self._case.store
        transcript = store.load_transcript(case_id)
        store.record_event(
            "transcribed",
            case_id,
            model=self._case.transcript_model,
            model_sha256=self._case.transcript_model_sha256,
            segments=len(transcript.segments) if transcript else 0,
            duration_s=round(recording.duration_s, 1),
        )


def _yield_all(
    found: Iterator[Segment], case_id: str | None, segments: list[Segment]
) -> Generator[Event, None, None]:
    """Yield each remaining segment; if the caller closes the job meanwhile, keep waiting (the
    transcript is still saved) and then let it close."""
    try:
        for segment in found:
            segments.append(segment)
            yield SegmentCommitted(case_id, segment)
    except GeneratorExit:
        for _ in found:
            pass
        raise


def _stop_of(recording: RecordingSink | None) -> list[Callable[[], None]]:
    return [] if recording is None else [recording.stop]


def _close_source(blocks: Iterator[bytes]) -> None:
    close = getattr(blocks, "close", None)
    if callable(close):
        close()
