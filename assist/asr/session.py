"""Live transcription beside a recording: a LiveTranscriber on its own thread behind a queue.

Recording must never wait for recognition (a slow moment in Whisper must not drop microphone
audio), so whoever records hands each block to `LiveThread.put`, which only queues it. The thread
feeds the transcriber, passes each committed segment through `keep` (saving it into a case, say)
and queues what was kept for the recorder to collect with `committed()`. After `end()`, the
thread finishes the last utterance; `wait_committed()` gives the rest as it comes. A failure in
transcription (or in `keep`) never stops the recording: the thread keeps draining the queue, and
the failure is in `failure` once the thread is done. The recording job that drives this is
`assist/jobs/recording.py`.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator

from assist.asr.live import LiveTranscriber
from assist.transcript import Segment


class _Marker:
    pass


_END = _Marker()  # into the thread: no more audio
_DONE = _Marker()  # out of the thread: nothing more will come


def _same(segment: Segment) -> Segment:
    return segment


class LiveThread:
    """Transcribe queued audio on a daemon thread; see the module docstring."""

    def __init__(
        self,
        transcriber: LiveTranscriber,
        keep: Callable[[Segment], Segment | None] = _same,
    ) -> None:
        self._transcriber = transcriber
        self._keep = keep
        self._blocks: queue.Queue[bytes | _Marker] = queue.Queue()
        self._out: queue.Queue[Segment | _Marker] = queue.Queue()
        self._discard = threading.Event()
        self._ended = False
        self._done = False
        self.failure: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="live-transcriber", daemon=True)
        self._thread.start()

    def put(self, block: bytes) -> None:
        """Queue one block of recorded audio (never waits for recognition)."""
        self._blocks.put(block)

    def end(self, *, discard: bool = False) -> None:
        """No more audio. The last utterance is transcribed, unless `discard` (e.g. consent was
        withdrawn): then nothing more is transcribed or kept. Safe to call twice."""
        if discard:
            self._discard.set()
        if not self._ended:
            self._ended = True
            self._blocks.put(_END)

    def committed(self) -> list[Segment]:
        """The segments kept since the last call, without waiting."""
        found: list[Segment] = []
        while True:
            try:
                item = self._out.get_nowait()
            except queue.Empty:
                return found
            if isinstance(item, _Marker):
                self._done = True
                return found
            found.append(item)

    def wait_committed(self) -> Iterator[Segment]:
        """After `end()`: each remaining segment as it is kept, until the transcript is final."""
        while not self._done:
            item = self._out.get()
            if isinstance(item, _Marker):
                self._done = True
            else:
                yield item
        self._thread.join()

    def _work(self) -> None:
        ended = False  # the end marker was taken from the queue
        try:
            while not isinstance(block := self._blocks.get(), _Marker):
                if not self._discard.is_set():
                    self._emit(self._transcriber.feed(block))
            ended = True
            if not self._discard.is_set():
                self._emit(self._transcriber.finish())
        except BaseException as exc:  # handed to the recorder once it has stopped
            self.failure = exc
            # Keep draining so the queue never grows, up to the end marker, unless it was
            # already taken (a failure in finish() or in its `keep`): waiting for a second one
            # would make the recorder wait for ever.
            while not ended and not isinstance(self._blocks.get(), _Marker):
                pass
        finally:
            self._out.put(_DONE)

    def _emit(self, segments: list[Segment]) -> None:
        for segment in segments:
            if self._discard.is_set():
                return
            kept = self._keep(segment)
            if kept is not None:
                self._out.put(kept)
