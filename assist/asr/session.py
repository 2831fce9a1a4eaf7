"""The recording loop: audio blocks go to every sink at once and to live transcription beside it.

Recording must never wait for recognition (a slow moment in Whisper must not drop microphone
audio), so the transcriber runs on its own thread behind a queue. The sinks (an encrypted file
writer, later) get every block first, in the recording thread. When the source ends (or the user
stops), the sinks are closed, the transcriber finishes the last utterance, and the result says
how long that took after the end of the audio: `stop_to_final_s`.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from assist.asr.live import LiveTranscriber
from assist.audio.sink import SAMPLE_RATE, SAMPLE_WIDTH_BYTES, AudioSink
from assist.cancel import CancelToken
from assist.transcript import Segment

_END = None  # queue marker: no more audio


@dataclass(frozen=True)
class SessionResult:
    segments: tuple[Segment, ...]
    duration_s: float
    # Seconds from the last audio block to the complete transcript (None without transcription).
    stop_to_final_s: float | None
    stopped_early: bool  # cancelled / interrupted before the source ended


def run_session(
    source: Iterable[bytes],
    sinks: Sequence[AudioSink],
    transcriber: LiveTranscriber | None,
    on_segment: Callable[[Segment], None],
    *,
    cancel: CancelToken | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> SessionResult:
    """Record `source` into `sinks` and transcribe it live; blocks until the transcript is final.

    Cancelling (or Ctrl+C) stops the recording, not the transcript: what was recorded is kept and
    transcribed to the end. An error in transcription never stops the recording; it is raised
    once the recording has ended and the sinks are closed.
    """
    cancel = cancel or CancelToken()
    blocks: queue.Queue[bytes | None] = queue.Queue()
    failure: list[BaseException] = []
    segments: list[Segment] = []

    def transcribe_worker() -> None:
        assert transcriber is not None
        ended = False  # the end marker was taken from the queue
        try:
            while (block := blocks.get()) is not _END:
                for segment in transcriber.feed(block):
                    segments.append(segment)
                    on_segment(segment)
            ended = True
            for segment in transcriber.finish():
                segments.append(segment)
                on_segment(segment)
        except BaseException as exc:  # handed to the recording thread
            failure.append(exc)
            # Keep draining so the recorder never blocks, up to the end marker, unless it was
            # already taken (a failure in finish() or in its on_segment): waiting for a second
            # one would block the recorder's join() for ever.
            while not ended and blocks.get() is not _END:
                pass

    worker = None
    if transcriber is not None:
        worker = threading.Thread(target=transcribe_worker, name="live-transcriber", daemon=True)
        worker.start()
    recorded_bytes = 0
    stopped_early = False
    source_error: BaseException | None = None
    try:
        for block in source:
            if not block:
                continue
            for sink in sinks:
                sink.write(block)
            recorded_bytes += len(block)
            if worker is not None:
                blocks.put(block)
            if cancel.cancelled:
                stopped_early = True
                break
    except KeyboardInterrupt:
        stopped_early = True
    except BaseException as exc:  # the audio so far is still closed properly and transcribed
        source_error = exc
    stopped_at = clock()
    if worker is not None:
        blocks.put(_END)
    try:
        for sink in sinks:
            sink.close()
    finally:
        if worker is not None:
            worker.join()
    finished_at = clock()
    if source_error is not None:
        raise source_error
    if failure:
        raise failure[0]
    return SessionResult(
        segments=tuple(segments),
        duration_s=recorded_bytes / (SAMPLE_RATE * SAMPLE_WIDTH_BYTES),
        stop_to_final_s=finished_at - stopped_at if worker is not None else None,
        stopped_early=stopped_early,
    )
