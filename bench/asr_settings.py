"""Batch transcription: Assist's settings against faster-whisper's defaults, same model, same run.

    .venv/bin/python bench/asr_settings.py [--rounds 2] [--long-s 120] [--explore]

Word error rate (Danish-normalised, over all words of a set) and real-time factor (processing
seconds per audio second; the fastest of --rounds interleaved rounds, to resist a busy machine)
on the six real Danish clips, one call per clip, and on a generated long file (the clips repeated
with 1-5 s pauses of faint noise, one call). "Assist" runs the full pipeline: engine settings and
the hallucination guards, with word timestamps. --explore adds the alternatives that were tried.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from asr_common import joined, load_clips, model_dir, table, wer

from assist.asr.transcribe import transcribe
from assist.asr.whisper_engine import WhisperEngine, WhisperSettings
from assist.transcript import Segment

Transcriber = Callable[[np.ndarray], str]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--long-s", type=float, default=120.0)
    parser.add_argument("--explore", action="store_true")
    parser.add_argument("--only", default="", help="with --explore: run configs containing this")
    args = parser.parse_args()

    clips = load_clips()
    sets = {"6 clips": clips, f"long {args.long_s:.0f} s": [joined(clips, args.long_s)]}
    ours = WhisperEngine(model_dir(), "whisper-base-ct2")
    model = ours.whisper_model

    def library_defaults(audio: np.ndarray) -> str:
        segments, _ = model.transcribe(audio, language="da")
        return " ".join(s.text for s in segments)

    def pipeline(engine: WhisperEngine) -> Transcriber:
        def run(audio: np.ndarray) -> str:
            items = transcribe(audio, engine, language="da")
            return " ".join(i.text for i in items if isinstance(i, Segment))

        return run

    def variant(**changes: object) -> Transcriber:
        return pipeline(ours.with_settings(replace(ours.settings, **changes)))  # type: ignore[arg-type]

    configs: dict[str, Transcriber] = {
        "faster-whisper defaults (beam 5, no VAD)": library_defaults,
        "Assist (beam 5, VAD, batch 4 > 30 s, guards, word times)": pipeline(ours),
    }
    if args.explore:
        configs |= {
            "explore: beam 3": variant(beam_size=3),
            "explore: beam 2": variant(beam_size=2),
            "explore: VAD pause 1000 ms, pad 300": variant(
                vad_min_silence_ms=1000, vad_speech_pad_ms=300
            ),
            "explore: no temperature fallback": variant(temperatures=(0.0,)),
            "explore: no word timestamps": variant(word_timestamps=False),
            "explore: one window after another (batch 1)": variant(batch_size=1),
            "explore: batch 4": variant(batch_size=4),
        }

    if args.only:
        configs = {
            k: v for k, v in configs.items() if not k.startswith("explore") or args.only in k
        }
    library_defaults(clips[0].audio)  # warm-up: first call pays one-off costs
    seconds: dict[tuple[str, str], float] = {}
    texts: dict[tuple[str, str], list[str]] = {}
    for _ in range(args.rounds):
        for set_name, members in sets.items():
            for name, run in configs.items():
                started = time.perf_counter()
                texts[(name, set_name)] = [run(c.audio) for c in members]
                elapsed = time.perf_counter() - started
                key = (name, set_name)
                seconds[key] = min(seconds.get(key, elapsed), elapsed)

    rows = []
    for name in configs:
        row = [name]
        for set_name, members in sets.items():
            audio_s = sum(c.seconds for c in members)
            error = wer([c.reference for c in members], texts[(name, set_name)])
            row += [f"{error:.1%}", f"{seconds[(name, set_name)] / audio_s:.3f}"]
        rows.append(row)
    header = ["settings"]
    for set_name, members in sets.items():
        audio_s = sum(c.seconds for c in members)
        header += [f"WER {set_name}", f"RTF {set_name} ({audio_s:.0f} s)"]
    print(
        f"whisper base int8, {WhisperSettings().cpu_threads or 'all'} threads, model {model_dir()}"
    )
    print(table(header, rows))


if __name__ == "__main__":
    main()
