"""Speech recognition in a worker process, behind the same `AsrEngine` protocol.

    engine = WorkerAsrEngine.start(WhisperSpec(str(path), model_id))

Audio goes to the worker as float32 samples over its pipe (never through a file); segments come
back one by one as they are decoded. Voice activity detection (Silero, ONNX) runs in the same
worker, so live transcription has no native inference in the parent either.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from assist.asr.engine import AsrEngine, EngineSegment, Samples
from assist.asr.live import Region, SileroSpeechDetector, SpeechDetector
from assist.asr.whisper_engine import WhisperSettings
from assist.cancel import CancelToken
from assist.engines.messages import EngineKind, ServedEngine
from assist.engines.worker import EngineWorker, WorkerEngine, drain

_VAD_PAD_S = 0.2  # SileroSpeechDetector's defaults
_VAD_THRESHOLD = 0.5
# (min_pause_s, pad_s, threshold) -> a detector; built per call, it holds no state worth keeping.
DetectorFactory = Callable[[float, float, float], SpeechDetector]


def _silero(min_pause_s: float, pad_s: float, threshold: float) -> SpeechDetector:
    return SileroSpeechDetector(min_pause_s, pad_s, threshold)


class ServedAsr:
    """Inside the worker: answers the parent's calls with a loaded `AsrEngine`."""

    def __init__(self, engine: AsrEngine, detector: DetectorFactory = _silero) -> None:
        self._engine = engine
        self._detector = detector

    def info(self) -> str:
        return self._engine.model_id

    def handle(
        self, method: str, args: tuple[object, ...], cancel: CancelToken
    ) -> Generator[object, None, object]:
        if method == "transcribe":
            audio, language, speech_only = cast(tuple[Samples, str, bool], args)
            for segment in self._engine.transcribe(audio, language, speech_only=speech_only):
                cancel.raise_if_cancelled()
                yield segment
            return None
        if method == "speech_regions":
            audio, min_pause_s, pad_s, threshold = cast(tuple[Samples, float, float, float], args)
            return self._detector(min_pause_s, pad_s, threshold).speech_regions(audio)
        raise ValueError(f"unknown method {method!r}")

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class WhisperSpec:
    """A verified CTranslate2 Whisper folder for faster-whisper, and how to decode."""

    model_dir: str
    model_id: str
    settings: WhisperSettings = field(default_factory=WhisperSettings)

    @property
    def kind(self) -> EngineKind:
        return "asr"

    def build(self) -> ServedEngine:
        from assist.asr.whisper_engine import WhisperEngine

        return ServedAsr(WhisperEngine(Path(self.model_dir), self.model_id, self.settings))


class WorkerAsrEngine(WorkerEngine):
    """An `AsrEngine` whose recogniser runs in a worker process."""

    @property
    def model_id(self) -> str:
        return cast(str, self._info)

    def transcribe(
        self, audio: Samples, language: str, *, speech_only: bool = True
    ) -> Iterator[EngineSegment]:
        for segment in self._worker.run("transcribe", audio, language, speech_only):
            yield cast(EngineSegment, segment)

    def speech_detector(self, min_pause_s: float) -> SpeechDetector:
        """Voice activity detection in the same worker, for live transcription."""
        return WorkerSpeechDetector(self._worker, min_pause_s, _VAD_PAD_S, _VAD_THRESHOLD)


class WorkerSpeechDetector:
    def __init__(
        self, worker: EngineWorker, min_pause_s: float, pad_s: float, threshold: float
    ) -> None:
        self._worker = worker
        self._settings = (min_pause_s, pad_s, threshold)

    def speech_regions(self, audio: Samples) -> list[Region]:
        return cast(list[Region], drain(self._worker.run("speech_regions", audio, *self._settings)))
