"""Decoding audio files: every promised format, and every way a file can be wrong."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assist.audio.decode import SUPPORTED_FORMATS, decode_audio, iter_pcm_chunks
from assist.audio.source import file_source
from assist.errors import AssistError

SAMPLE_WAV = Path(__file__).parent / "fixtures" / "sample-da.wav"

# extension -> (codec, encoder sample rate); every format in SUPPORTED_FORMATS must be here.
ENCODERS = {
    "wav": ("pcm_s16le", 16_000),
    "mp3": ("mp3", 16_000),
    "m4a": ("aac", 16_000),
    "ogg": ("libopus", 48_000),
    "opus": ("libopus", 48_000),
    "webm": ("libopus", 48_000),
    "flac": ("flac", 16_000),
}


def tone(seconds: float, freq: float = 440.0, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * 16_000)) / 16_000
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def encode(path: Path, samples: np.ndarray, codec: str, rate: int) -> Path:
    """Write 16 kHz mono float samples with a PyAV encoder (the formats are made at test time)."""
    import av

    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16).reshape(1, -1)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = 16_000
        fmt = stream.codec_context.format.name if stream.codec_context.format else "s16"
        resampler = av.AudioResampler(format=fmt, layout="mono", rate=rate)
        for out in resampler.resample(frame):
            for packet in stream.encode(out):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def test_the_encoder_table_covers_every_supported_format() -> None:
    assert set(ENCODERS) == set(SUPPORTED_FORMATS)


@pytest.mark.parametrize("extension", SUPPORTED_FORMATS)
def test_each_supported_format_decodes_to_16khz_mono_with_the_same_sound(
    tmp_path: Path, extension: str
) -> None:
    original = tone(2.0)
    codec, rate = ENCODERS[extension]
    path = encode(tmp_path / f"tone.{extension}", original, codec, rate)
    decoded = decode_audio(path)
    assert decoded.dtype == np.float32 and decoded.ndim == 1
    assert abs(decoded.size - original.size) < 0.15 * 16_000  # codec priming, not lost audio
    # Same loudness (lossy codecs change waveforms, not energy) and the same pitch.
    assert np.sqrt(np.mean(decoded**2)) == pytest.approx(np.sqrt(np.mean(original**2)), rel=0.15)
    spectrum = np.abs(np.fft.rfft(decoded[:16_000]))
    assert np.argmax(spectrum) == pytest.approx(440, abs=3)  # 1 s window: bin index = Hz


def test_stereo_wav_fixture_is_mixed_to_mono(tmp_path: Path) -> None:
    stereo = np.stack([tone(1.0, 440), tone(1.0, 440)], axis=1)
    import wave

    path = tmp_path / "stereo.wav"
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(2)
        handle.setsampwidth(2)
        handle.setframerate(16_000)
        handle.writeframes((stereo * 32767).astype("<i2").tobytes())
    decoded = decode_audio(path)
    assert decoded.size == 16_000
    assert np.max(np.abs(decoded)) == pytest.approx(0.3, abs=0.02)


def expect_error(path: Path, code: str) -> AssistError:
    with pytest.raises(AssistError) as caught:
        decode_audio(path)
    assert caught.value.code == code
    assert str(path) in caught.value.message("da") and str(path) in caught.value.message("en")
    return caught.value


def test_missing_file(tmp_path: Path) -> None:
    expect_error(tmp_path / "findes-ikke.wav", "audio.not_found")


def test_directory_is_not_audio(tmp_path: Path) -> None:
    expect_error(tmp_path, "audio.not_a_file")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "tom.wav"
    path.write_bytes(b"")
    expect_error(path, "audio.empty_file")


def test_text_file_is_not_audio(tmp_path: Path) -> None:
    path = tmp_path / "notat.mp3"
    path.write_text("Dette er ikke lyd, men et notat.\n" * 20, encoding="utf-8")
    expect_error(path, "audio.not_audio")


def test_wav_with_zero_samples(tmp_path: Path) -> None:
    import wave

    path = tmp_path / "nul.wav"
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(16_000)
    expect_error(path, "audio.no_samples")


def test_truncated_wav_is_reported_not_silently_shortened(tmp_path: Path) -> None:
    data = SAMPLE_WAV.read_bytes()
    path = tmp_path / "afkortet.wav"
    path.write_bytes(data[: len(data) // 3])
    error = expect_error(path, "audio.truncated")
    assert "38.7" in error.message("en")  # the declared length, so the user sees what is missing


@pytest.mark.parametrize("extension", ["flac", "mp3"])
def test_truncated_compressed_file_is_reported(tmp_path: Path, extension: str) -> None:
    codec, rate = ENCODERS[extension]
    whole = encode(tmp_path / f"whole.{extension}", tone(6.0), codec, rate)
    cut = tmp_path / f"cut.{extension}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    expect_error(cut, "audio.truncated")


def test_chunks_stream_before_the_truncation_error(tmp_path: Path) -> None:
    # A compressed file shows its truncation only at the end (a WAV's header tells it at once:
    # see test_hardening_inputs.py).
    codec, rate = ENCODERS["flac"]
    whole = encode(tmp_path / "whole.flac", tone(30.0), codec, rate)
    path = tmp_path / "afkortet.flac"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    received = 0
    with pytest.raises(AssistError):
        for chunk in iter_pcm_chunks(path):
            received += chunk.size
    assert received > 16_000 * 10  # the audio that exists was delivered first


def test_file_source_yields_exact_blocks_covering_the_whole_file() -> None:
    blocks = list(file_source(SAMPLE_WAV, block_s=0.1))
    assert all(len(b) == 3200 for b in blocks[:-1])
    assert 0 < len(blocks[-1]) <= 3200
    joined = np.frombuffer(b"".join(blocks), dtype="<i2")
    assert np.array_equal(joined, (decode_audio(SAMPLE_WAV) * 32768).astype(np.int16))


def test_realtime_file_source_paces_blocks_by_their_audio_time() -> None:
    now = [100.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    blocks = list(
        file_source(SAMPLE_WAV, block_s=0.5, realtime=True, clock=lambda: now[0], sleep=sleep)
    )
    # Each block is released when it would have finished being spoken.
    assert now[0] - 100.0 == pytest.approx(38.72, abs=0.01)
    assert len(sleeps) == len(blocks)
