"""The boundary between Assist and a speech recogniser, so tests can use a fake one.

An engine turns 16 kHz mono float32 samples into raw segments with the recogniser's own scores.
Everything Assist adds on top (hallucination guards, confidences, ids, offsets) lives in
`assist.asr.transcribe` and works the same for every engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from assist.asr.live import SpeechDetector

Samples = npt.NDArray[np.float32]


@dataclass(frozen=True)
class EngineWord:
    start_s: float
    end_s: float
    text: str  # as the recogniser wrote it, usually with a leading space
    probability: float


@dataclass(frozen=True)
class EngineSegment:
    start_s: float
    end_s: float
    text: str
    # Whisper's scores: mean token log-probability, probability that the window held no speech,
    # and how well the text compresses (loops compress very well).
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0
    words: tuple[EngineWord, ...] = ()


class AsrEngine(Protocol):
    @property
    def model_id(self) -> str:
        """What goes into the transcript's "model" field."""
        ...

    def transcribe(
        self, audio: Samples, language: str, *, speech_only: bool = True
    ) -> Iterator[EngineSegment]:
        """Lazily recognise `audio`; timestamps are seconds from the start of `audio`.

        `speech_only=False` tells the engine the caller already cut the audio to speech (the live
        path does), so it need not run its own voice activity detection.
        """
        ...

    def speech_detector(self, min_pause_s: float) -> SpeechDetector:
        """Voice activity detection where this engine runs (in its worker, for a worker)."""
        ...

    def close(self) -> None:
        """Unload the model (ends its worker process)."""
        ...


class FakeAsrEngine:
    """Replays scripted segments, for tests; records every call it gets."""

    def __init__(
        self,
        script: list[list[EngineSegment]] | None = None,
        *,
        model_id: str = "fake-asr",
        segments_per_second: float | None = None,
    ) -> None:
        # One list of segments per call, in order; when the script runs out, each call yields a
        # single segment "tale N" spanning the audio (or nothing for silent audio).
        self._script = list(script or [])
        self._model_id = model_id
        self.calls: list[tuple[int, str, bool]] = []  # (samples, language, speech_only)
        self._segments_per_second = segments_per_second

    @property
    def model_id(self) -> str:
        return self._model_id

    def speech_detector(self, min_pause_s: float) -> SpeechDetector:
        from assist.asr.live import SileroSpeechDetector

        return SileroSpeechDetector(min_pause_s)

    def close(self) -> None:
        pass

    def transcribe(
        self, audio: Samples, language: str, *, speech_only: bool = True
    ) -> Iterator[EngineSegment]:
        self.calls.append((int(audio.size), language, speech_only))
        if self._script:
            yield from self._script.pop(0)
            return
        duration_s = audio.size / 16_000
        if audio.size == 0 or float(np.max(np.abs(audio))) < 0.01:
            return
        number = len(self.calls)
        words = (
            EngineWord(0.0, duration_s / 2, " tale", 0.9),
            EngineWord(duration_s / 2, duration_s, f" {number}", 0.9),
        )
        yield EngineSegment(0.0, duration_s, f" tale {number}", -0.2, 0.01, 1.2, words)
