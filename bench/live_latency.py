"""Live transcription: how soon the transcript is complete after the recording stops.

    .venv/bin/python bench/live_latency.py [--lengths 40,600]

For each length, a recording is played in real time (100 ms blocks, as a microphone delivers them)
through the same path `assist record --live` uses, and we measure:
- stop_to_final_s: from the last audio block to the complete transcript (target <= 3 s);
- the worst commit lag: how long after an utterance ended in the audio its text was committed;
- the live transcript's WER, and the batch transcription's time and WER for the same audio.
40 s is tests/fixtures/sample-da.wav; other lengths are the six clips repeated with 1-5 s pauses
of faint noise, written to a temporary file (a 10-minute WAV is 19 MB: not committed).
Takes about as long as the audio plays, plus the batch runs. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
from asr_common import REPO, Clip, joined, load_clips, model_dir, table, wer

from assist.asr.live import LiveTranscriber, SileroSpeechDetector
from assist.asr.session import run_session
from assist.asr.transcribe import transcribe
from assist.asr.whisper_engine import WhisperEngine
from assist.audio.decode import decode_audio
from assist.audio.source import file_source
from assist.transcript import Segment

SAMPLE = REPO / "tests" / "fixtures" / "sample-da.wav"


def write_wav(path: Path, audio: np.ndarray) -> None:
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(16_000)
        handle.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())


def recording(seconds: float, clips: list[Clip], folder: Path) -> tuple[Path, Clip]:
    if abs(seconds - 40) < 5:
        reference = " ".join(c.reference for c in clips if c.name[:6] == "u00420")
        return SAMPLE, Clip("sample-da", decode_audio(SAMPLE), reference)
    clip = joined(clips, seconds, seed=int(seconds))
    path = folder / f"meeting-{seconds:.0f}s.wav"
    write_wav(path, clip.audio)
    return path, clip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", default="40,600", help="recording lengths in seconds")
    parser.add_argument(
        "--stop-mid-speech",
        action="store_true",
        help="end each recording 0.1 s after its last word: the worst case for stop_to_final_s",
    )
    args = parser.parse_args()
    engine = WhisperEngine(model_dir(), "whisper-base-ct2")
    clips = load_clips()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for seconds in [float(s) for s in args.lengths.split(",")]:
            path, clip = recording(seconds, clips, Path(folder))
            if args.stop_mid_speech:
                last_word_end = SileroSpeechDetector(0.3, pad_s=0.0).speech_regions(clip.audio)[-1][
                    1
                ]
                clip = Clip(clip.name, clip.audio[: last_word_end + 1600], clip.reference)
                path = Path(folder) / f"stopped-{seconds:.0f}s.wav"
                write_wav(path, clip.audio)
            lags: list[float] = []
            started = time.monotonic()

            def on_segment(
                segment: Segment, started: float = started, lags: list[float] = lags
            ) -> None:
                lags.append(time.monotonic() - started - segment.end_s)

            live = LiveTranscriber(engine)
            result = run_session(file_source(path, realtime=True), [], live, on_segment)
            live_text = " ".join(s.text for s in result.segments)

            batch_started = time.perf_counter()
            batch_items = transcribe(clip.audio, engine)
            batch_text = " ".join(i.text for i in batch_items if isinstance(i, Segment))
            batch_s = time.perf_counter() - batch_started
            rows.append(
                [
                    f"{clip.seconds:.0f} s",
                    f"{result.stop_to_final_s:.2f}",
                    f"{max(lags, default=0.0):.2f}",
                    f"{wer([clip.reference], [live_text]):.1%}",
                    f"{batch_s:.1f}",
                    f"{wer([clip.reference], [batch_text]):.1%}",
                ]
            )
            print(f"done {clip.seconds:.0f} s", flush=True)
    print(table(
        ["recording", "stop_to_final_s (live)", "worst commit lag s", "WER live",
         "batch time s (same audio)", "WER batch"],
        rows,
    ))  # fmt: skip


if __name__ == "__main__":
    main()
