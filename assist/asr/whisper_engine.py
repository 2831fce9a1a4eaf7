"""faster-whisper (CTranslate2) as an AsrEngine: loaded from a local directory, CPU, int8.

The settings are chosen for accuracy and speed together on a 2-core laptop; bench/asr_settings.py
shows how they compare with faster-whisper's defaults on the same model.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from assist.asr.engine import EngineSegment, EngineWord, Samples
from assist.audio.sink import SAMPLE_RATE
from assist.errors import AssistError, Msg

if TYPE_CHECKING:
    from assist.asr.live import SpeechDetector

_WINDOW_S = 30  # Whisper hears 30 s at a time
_PIECE_S = 120  # long audio goes to the batched pipeline in pieces of at most this
_SENTENCE_ENDS = (".", "?", "!")

MODEL_LOAD_FAILED = Msg(
    "asr.model_load_failed",
    da="Talegenkendelsesmodellen i '{path}' kunne ikke indlæses ({reason}). "
    "Geninstallér modellen med 'assist models install'.",
    en="The speech recognition model in '{path}' could not be loaded ({reason}). "
    "Reinstall it with 'assist models install'.",
)


class _Word(Protocol):
    """What is read of a faster-whisper word."""

    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def word(self) -> str: ...
    @property
    def probability(self) -> float: ...


class _Segment(Protocol):
    """What is read of a faster-whisper segment."""

    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def text(self) -> str: ...
    @property
    def avg_logprob(self) -> float: ...
    @property
    def no_speech_prob(self) -> float: ...
    @property
    def compression_ratio(self) -> float: ...
    @property
    def words(self) -> Sequence[_Word] | None: ...


class WhisperModelLike(Protocol):
    """faster-whisper's WhisperModel or BatchedInferencePipeline, as far as Assist calls them:
    `transcribe` gives the (lazy) segments and an info object that is not used."""

    def transcribe(
        self, audio: Samples, **options: object
    ) -> tuple[Iterable[_Segment], object]: ...


@dataclass(frozen=True)
class WhisperSettings:
    """How Assist decodes. Each choice guards accuracy, speed or against invented text."""

    beam_size: int = 5
    # Temperature fallback re-decodes a window whose text looks like a loop or scores badly.
    temperatures: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    # Conditioning on earlier text is the main source of runaway repetition in Whisper.
    condition_on_previous_text: bool = False
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    # Voice activity detection: Whisper never sees long silences, where it invents the most.
    vad_min_silence_ms: int = 2000
    vad_speech_pad_ms: int = 400
    vad_threshold: float = 0.5
    word_timestamps: bool = True
    # Audio longer than one 30 s window is cut at pauses (VAD) into pieces of up to 30 s that are
    # decoded `batch_size` at a time (faster-whisper's BatchedInferencePipeline): about 40% faster
    # than one window after another on 2 cores, at the same accuracy. 1 turns it off.
    batch_size: int = 4
    cpu_threads: int = 0  # 0: one per core
    compute_type: str = "int8"


def default_threads() -> int:
    return max(1, os.cpu_count() or 1)


class WhisperEngine:
    """An AsrEngine over faster-whisper's WhisperModel."""

    def __init__(
        self, model_dir: Path, model_id: str, settings: WhisperSettings | None = None
    ) -> None:
        from faster_whisper import WhisperModel  # heavy: only when a model is really loaded

        self._settings = settings or WhisperSettings()
        self._batched: WhisperModelLike | None = None
        self._model_id = model_id
        threads = self._settings.cpu_threads or default_threads()
        try:
            self._model: WhisperModelLike = WhisperModel(
                str(model_dir),
                device="cpu",
                compute_type=self._settings.compute_type,
                cpu_threads=threads,
                local_files_only=True,  # never a download, whatever the path looks like
            )
        except (RuntimeError, OSError, ValueError) as exc:
            raise AssistError(
                MODEL_LOAD_FAILED, path=model_dir, reason=type(exc).__name__
            ) from None

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def settings(self) -> WhisperSettings:
        return self._settings

    def speech_detector(self, min_pause_s: float) -> SpeechDetector:
        from assist.asr.live import SileroSpeechDetector

        return SileroSpeechDetector(min_pause_s)

    def close(self) -> None:
        pass  # CTranslate2 frees the model with the object

    def with_settings(self, settings: WhisperSettings) -> WhisperEngine:
        """The same loaded model decoding with other settings (no second copy in memory)."""
        twin = copy.copy(self)
        twin._settings = settings
        return twin

    @property
    def whisper_model(self) -> WhisperModelLike:
        """The loaded faster-whisper model (benchmarks compare its defaults on the same model)."""
        return self._model

    def transcribe(
        self, audio: Samples, language: str, *, speech_only: bool = True
    ) -> Iterator[EngineSegment]:
        s = self._settings
        vad_parameters: dict[str, float] = {
            "min_silence_duration_ms": s.vad_min_silence_ms,
            "speech_pad_ms": s.vad_speech_pad_ms,
            "threshold": s.vad_threshold,
        }
        if speech_only and s.batch_size > 1 and audio.size > _WINDOW_S * SAMPLE_RATE:
            for start, end in _pieces(audio):
                for segment in self._transcribe_batched(audio[start:end], language):
                    yield from _converted(segment, start / SAMPLE_RATE)
            return
        segments, _info = self._model.transcribe(
            audio,
            language=language,
            beam_size=s.beam_size,
            temperature=list(s.temperatures),
            condition_on_previous_text=s.condition_on_previous_text,
            no_speech_threshold=s.no_speech_threshold,
            log_prob_threshold=s.log_prob_threshold,
            compression_ratio_threshold=s.compression_ratio_threshold,
            vad_filter=speech_only,
            vad_parameters=vad_parameters if speech_only else None,
            word_timestamps=s.word_timestamps,
        )
        for segment in segments:  # lazy: decoding happens as the caller iterates
            yield from _converted(segment, 0.0)

    def _transcribe_batched(self, audio: Samples, language: str) -> Iterable[_Segment]:
        from faster_whisper import BatchedInferencePipeline

        if self._batched is None:
            self._batched = BatchedInferencePipeline(self._model)
        s = self._settings
        # The pipeline's own VAD defaults (160 ms pauses, pieces up to 30 s) suit batching.
        segments, _info = self._batched.transcribe(
            audio,
            language=language,
            batch_size=s.batch_size,
            beam_size=s.beam_size,
            temperature=list(s.temperatures),
            no_speech_threshold=s.no_speech_threshold,
            log_prob_threshold=s.log_prob_threshold,
            compression_ratio_threshold=s.compression_ratio_threshold,
            vad_filter=True,
            word_timestamps=s.word_timestamps,
        )
        return segments


def _pieces(audio: Samples) -> list[tuple[int, int]]:
    """[start, end) sample ranges of at most _PIECE_S, cut at the quietest 50 ms near each end.

    The batched pipeline (its voice detection above all) needs memory in proportion to what it is
    given; feeding a long meeting piece by piece keeps memory flat. Measured peak RSS of `assist
    transcribe` on 10 min: pieces of 300 s 1008 MB, 180 s 976 MB, 120 s 759 MB (30 min: 838 MB),
    60 s 600 MB but 30% slower; 120 s costs about 10% of the speed of 300 s.
    """
    piece, search, frame = _PIECE_S * SAMPLE_RATE, 10 * SAMPLE_RATE, SAMPLE_RATE // 20
    ranges: list[tuple[int, int]] = []
    start = 0
    while audio.size - start > piece:
        lo = start + piece - search
        window = audio[lo : start + piece]
        frames = window.size // frame
        energy = np.mean(window[: frames * frame].reshape(frames, frame) ** 2, axis=1)
        cut = lo + int(np.argmin(energy)) * frame + frame // 2
        ranges.append((start, cut))
        start = cut
    ranges.append((start, audio.size))
    return ranges


def _converted(segment: _Segment, offset_s: float) -> list[EngineSegment]:
    words = tuple(
        EngineWord(
            offset_s + float(w.start), offset_s + float(w.end), str(w.word), float(w.probability)
        )
        for w in (segment.words or ())
    )
    return split_sentences(
        EngineSegment(
            start_s=offset_s + float(segment.start),
            end_s=offset_s + float(segment.end),
            text=str(segment.text),
            avg_logprob=float(segment.avg_logprob),
            no_speech_prob=float(segment.no_speech_prob),
            compression_ratio=float(segment.compression_ratio),
            words=words,
        )
    )


def split_sentences(segment: EngineSegment) -> list[EngineSegment]:
    """One segment per sentence, using word timestamps, so a draft can cite exactly the sentence
    it rests on (batched decoding gives one segment per piece of up to 30 s)."""
    pieces: list[list[EngineWord]] = [[]]
    for word in segment.words:
        pieces[-1].append(word)
        if word.text.rstrip().endswith(_SENTENCE_ENDS):
            pieces.append([])
    pieces = [p for p in pieces if p]
    if len(pieces) <= 1:
        return [segment]
    return [
        replace(
            segment,
            start_s=piece[0].start_s,
            end_s=piece[-1].end_s,
            text="".join(w.text for w in piece),
            words=tuple(piece),
        )
        for piece in pieces
    ]
