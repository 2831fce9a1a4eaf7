"""Audio files in: any container PyAV (FFmpeg) reads, out as 16 kHz mono samples.

`decode_audio` gives float32 samples for transcription; `iter_pcm_chunks` gives s16le PCM bytes
as they are decoded, for the live path. Every way a file can be wrong ends in one AssistError
with a clear message: missing, empty, not audio, no sound in it, or cut off (truncated).
"""

from __future__ import annotations

from collections.abc import Generator
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from assist.audio.sink import SAMPLE_RATE
from assist.errors import AssistError, Msg

# The formats Assist promises to read (tested); FFmpeg reads more, and those are not refused.
SUPPORTED_FORMATS = ("wav", "mp3", "m4a", "ogg", "opus", "webm", "flac")

NOT_FOUND = Msg(
    "audio.not_found",
    da="Lydfilen '{path}' findes ikke.",
    en="The audio file '{path}' does not exist.",
)
NOT_A_FILE = Msg(
    "audio.not_a_file",
    da="'{path}' er ikke en fil.",
    en="'{path}' is not a file.",
)
EMPTY_FILE = Msg(
    "audio.empty_file",
    da="Lydfilen '{path}' er tom (0 byte).",
    en="The audio file '{path}' is empty (0 bytes).",
)
NOT_AUDIO = Msg(
    "audio.not_audio",
    da="'{path}' kan ikke læses som lyd. Brug wav, mp3, m4a, ogg/opus, webm eller flac.",
    en="'{path}' cannot be read as audio. Use wav, mp3, m4a, ogg/opus, webm or flac.",
)
NO_SOUND = Msg(
    "audio.no_samples",
    da="Lydfilen '{path}' indeholder ingen lyd (længde 0 sekunder).",
    en="The audio file '{path}' contains no sound (length 0 seconds).",
)
TRUNCATED = Msg(
    "audio.truncated",
    da="Lydfilen '{path}' er afkortet eller beskadiget: kun {decoded_s} af {declared_s} sekunder "
    "kunne læses.",
    en="The audio file '{path}' is truncated or damaged: only {decoded_s} of {declared_s} "
    "seconds could be read.",
)
UNREADABLE = Msg(
    "audio.unreadable",
    da="Lydfilen '{path}' kunne ikke åbnes: {reason}.",
    en="The audio file '{path}' could not be opened: {reason}.",
)

# A file is "truncated" when less than this share of its declared length decodes. Encoders pad and
# estimate durations, so a small shortfall is normal; a cut-off download or copy is not.
_TRUNCATION_RATIO = 0.9
_TRUNCATION_MIN_MISSING_S = 0.5


def _check_file(path: Path) -> None:
    if not path.exists():
        raise AssistError(NOT_FOUND, path=path)
    if not path.is_file():
        raise AssistError(NOT_A_FILE, path=path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise AssistError(
            UNREADABLE, path=path, reason=exc.strerror or type(exc).__name__
        ) from None
    if size == 0:
        raise AssistError(EMPTY_FILE, path=path)


def _wav_data_chunk(path: Path) -> tuple[float, float] | None:
    """(declared, present) seconds of a WAV's data chunk: what its header claims and what the
    file holds. None if it is no WAV or makes no claim."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    position, byte_rate = 12, 0
    while position + 8 <= len(head):
        chunk_id = head[position : position + 4]
        chunk_size = int.from_bytes(head[position + 4 : position + 8], "little")
        if chunk_id == b"fmt " and position + 16 <= len(head):
            byte_rate = int.from_bytes(head[position + 16 : position + 20], "little")
        if chunk_id == b"data":
            # 0 and 0xFFFFFFFF mean "unknown" (written while streaming); no claim then.
            if byte_rate <= 0 or chunk_size in (0, 0xFFFFFFFF):
                return None
            present = max(0, path.stat().st_size - (position + 8))
            return chunk_size / byte_rate, min(present, chunk_size) / byte_rate
        position += 8 + chunk_size + (chunk_size & 1)
    return None


def _wav_declared_seconds(path: Path) -> float | None:
    """A WAV header states its data length; FFmpeg silently clamps it to the file size, so a
    cut-off WAV would look like a shorter, healthy one unless the header is read here."""
    chunk = _wav_data_chunk(path)
    return chunk[0] if chunk is not None else None


def _is_cut_off(decoded_s: float, declared_s: float | None) -> bool:
    return (
        declared_s is not None
        and decoded_s < declared_s * _TRUNCATION_RATIO
        and declared_s - decoded_s > _TRUNCATION_MIN_MISSING_S
    )


def _refuse_cut_off_wav(path: Path) -> None:
    """A WAV shows its truncation before decoding (header vs file size): refused before the
    first chunk, so a recording from it never starts (and is never marked complete)."""
    chunk = _wav_data_chunk(path)
    if chunk is not None and _is_cut_off(chunk[1], chunk[0]):
        declared_s, present_s = chunk
        raise AssistError(
            TRUNCATED, path=path, decoded_s=f"{present_s:.1f}", declared_s=f"{declared_s:.1f}"
        )


class _HasDuration(Protocol):
    """What is read of a PyAV container: its length in microseconds (AV_TIME_BASE)."""

    @property
    def duration(self) -> int | None: ...


class _TimedStream(Protocol):
    """What is read of a PyAV stream: its length in `time_base` units."""

    @property
    def duration(self) -> int | None: ...

    @property
    def time_base(self) -> Fraction | None: ...


def _declared_seconds(path: Path, container: _HasDuration, stream: _TimedStream) -> float | None:
    """The length the file's header claims, if it claims one."""
    wav_seconds = _wav_declared_seconds(path)
    if wav_seconds is not None:
        return wav_seconds
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / 1_000_000  # microseconds (AV_TIME_BASE)
    return None


def iter_pcm_chunks(path: Path | str) -> Generator[npt.NDArray[np.int16], None, None]:
    """Decode `path` to 16 kHz mono int16 chunks (any sizes), raising AssistError on bad input.

    A cut-off WAV (its header says how long it is) is refused before the first chunk. For other
    formats the truncation check runs after the last chunk, so a streaming consumer gets the
    audio that exists before it learns that the file was cut off.
    """
    import av  # heavy; only when audio is actually decoded

    path = Path(path)
    _check_file(path)
    try:
        _refuse_cut_off_wav(path)
    except OSError as exc:
        raise AssistError(
            UNREADABLE, path=path, reason=exc.strerror or type(exc).__name__
        ) from None
    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except av.FFmpegError:
        raise AssistError(NOT_AUDIO, path=path) from None
    except OSError as exc:
        raise AssistError(
            UNREADABLE, path=path, reason=exc.strerror or type(exc).__name__
        ) from None
    with container:
        if not container.streams.audio:
            raise AssistError(NOT_AUDIO, path=path)
        stream = container.streams.audio[0]
        declared_s = _declared_seconds(path, container, stream)
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        decoded_samples = 0
        damaged = False
        try:
            for frame in container.decode(stream):
                frame.pts = None  # gaps or jumps in timestamps must not stop the resampler
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1).astype(np.int16, copy=False)
                    decoded_samples += chunk.size
                    yield chunk
        except av.FFmpegError:
            # Frames up to the damage are kept (already yielded); the file is reported below.
            damaged = True
        for out in resampler.resample(None):
            chunk = out.to_ndarray().reshape(-1).astype(np.int16, copy=False)
            decoded_samples += chunk.size
            yield chunk
    decoded_s = decoded_samples / SAMPLE_RATE
    if decoded_samples == 0:
        if damaged:
            raise AssistError(NOT_AUDIO, path=path)
        raise AssistError(NO_SOUND, path=path)
    if damaged or _is_cut_off(decoded_s, declared_s):
        raise AssistError(
            TRUNCATED,
            path=path,
            decoded_s=f"{decoded_s:.1f}",
            declared_s=f"{declared_s:.1f}" if declared_s is not None else "?",
        )


def decode_audio(path: Path | str) -> npt.NDArray[np.float32]:
    """The whole file as float32 samples in [-1, 1), 16 kHz mono."""
    chunks = list(iter_pcm_chunks(path))
    # Filled chunk by chunk: an hour of audio is 115 MB as int16 and 230 MB as float32, and no
    # third full-length copy should exist at any moment.
    audio = np.empty(sum(c.size for c in chunks), dtype=np.float32)
    position = 0
    chunks.reverse()
    while chunks:
        chunk = chunks.pop()  # released as soon as it is copied
        audio[position : position + chunk.size] = chunk
        position += chunk.size
    audio /= 32768.0
    return audio


def pcm16_to_float32(samples: npt.NDArray[np.int16]) -> npt.NDArray[np.float32]:
    return (samples.astype(np.float32) / 32768.0).astype(np.float32, copy=False)


def pcm_bytes_to_float32(pcm: bytes) -> npt.NDArray[np.float32]:
    """s16le PCM bytes (as AudioSink receives them) to float32 samples."""
    return pcm16_to_float32(np.frombuffer(pcm, dtype="<i2").astype(np.int16, copy=False))
