"""Batch transcription: audio in, guarded transcript segments out, as a cancellable generator.

A whole file into a Transcript is the job `assist.jobs.transcribe.transcribe_file_job`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from assist.asr.engine import AsrEngine, EngineSegment, Samples
from assist.asr.guards import guard_segment
from assist.asr.languages import check_language
from assist.asr.normalize import normalize_danish
from assist.audio.sink import SAMPLE_RATE
from assist.cancel import CancelToken, Progress
from assist.textcheck import remove_forbidden
from assist.transcript import Segment, Word

TRANSCRIBE_STAGE = "transcribe"


class SegmentNumbering:
    """Turns guarded engine output into transcript Segments with running ids and offsets.

    Shared by batch and live transcription so both apply the same guards the same way.
    """

    def __init__(self, first_segment_id: int = 0) -> None:
        self.next_id = first_segment_id
        self._previous_text: str | None = None

    def convert(self, raw: EngineSegment, offset_s: float = 0.0) -> Segment | None:
        guarded = guard_segment(raw, self._previous_text)
        if guarded is None:
            return None
        # A recogniser may emit characters no export can carry (XML 1.0, bidi controls);
        # refusing its text would help no one, so they are dropped here.
        guarded = replace(
            guarded,
            text=remove_forbidden(guarded.text),
            words=tuple(replace(w, text=remove_forbidden(w.text)) for w in guarded.words),
        )
        self._previous_text = normalize_danish(guarded.text)
        words = tuple(
            Word(
                start_s=offset_s + w.start_s,
                end_s=offset_s + w.end_s,
                text=w.text.strip(),
                confidence=w.probability,
            )
            for w in guarded.words
            if w.text.strip()
        )
        segment = Segment(
            segment_id=self.next_id,
            start_s=offset_s + guarded.start_s,
            end_s=offset_s + guarded.end_s,
            text=guarded.text,
            confidence=guarded.confidence,
            words=words,
            flags=guarded.flags,
        )
        self.next_id += 1
        return segment


def transcribe(
    audio: Samples,
    engine: AsrEngine,
    *,
    language: str = "da",
    cancel: CancelToken | None = None,
) -> Iterator[Progress | Segment]:
    """Yield Progress (seconds of audio done / total) and each Segment as soon as it is decoded.

    Cancelling stops between segments (raising Cancelled); segments already yielded stay valid.
    """
    language = check_language(language)
    cancel = cancel or CancelToken()
    total_s = audio.size / SAMPLE_RATE
    numbering = SegmentNumbering()
    yield Progress(TRANSCRIBE_STAGE, 0.0, total_s)
    cancel.raise_if_cancelled()
    for raw in engine.transcribe(audio, language, speech_only=True):
        cancel.raise_if_cancelled()
        segment = numbering.convert(raw)
        if segment is not None:
            yield segment
        yield Progress(TRANSCRIBE_STAGE, min(raw.end_s, total_s), total_s)
    yield Progress(TRANSCRIBE_STAGE, total_s, total_s)
