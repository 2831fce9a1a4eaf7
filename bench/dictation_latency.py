"""Dictation: release-to-text, from the end of an utterance to its clean text.

    .venv/bin/python bench/dictation_latency.py [--lengths 3,10,30] [--runs 10]

The engine is the real one the app uses (`EngineHub().asr(None)`: the installed whisper base
model in its worker process), loaded and warmed up once before timing, as the dictation window
loads it when it opens. Each utterance is real Danish read speech: the six NST clips of
../shared/fixtures/danish-speech/ (one speaker each, 16 kHz) joined end to end with 0.3 s of
faint noise between them, repeated and cut to 3, 10 and 30 s. Timed per run: what happens
after the key is released, `dictate_utterance(pcm, engine)` (transcription with the engine's
voice activity detection, then cleaning and digits). Saving the segments into the case (a few
sealed SQLite rows) is not included. Prints JSON: the machine, then per length the median and
worst of the runs, against the targets (10 s: median <= 2 s, worst < 3 s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np
from asr_common import RATE, load_clips

from assist.dictation import dictate_utterance
from assist.jobs.engines import EngineHub
from assist.jobs.events import run
from assist.settings import load_settings

GAP_S = 0.3


def utterance(seconds: float) -> bytes:
    """The clips end to end (0.3 s of faint noise between them) until `seconds`, as PCM."""
    clips = load_clips()
    rng = np.random.default_rng(7)
    parts: list[np.ndarray] = []
    total = 0
    while total < seconds * RATE:
        for clip in clips:
            gap = (rng.standard_normal(int(GAP_S * RATE)) * 0.002).astype(np.float32)
            parts += [clip.audio, gap]
            total += clip.audio.size + gap.size
    audio = np.concatenate(parts)[: int(seconds * RATE)]
    return (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", default="3,10,30")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    lengths = [float(x) for x in args.lengths.split(",")]
    with EngineHub() as engines:
        started = time.perf_counter()
        engine = engines.asr(None)
        load_s = time.perf_counter() - started
        run(dictate_utterance(utterance(3.0), engine))  # warm-up, as the window's first use
        results = []
        for seconds in lengths:
            pcm = utterance(seconds)
            times: list[float] = []
            text = ""
            for _ in range(args.runs):
                started = time.perf_counter()
                text = run(dictate_utterance(pcm, engine)).text
                times.append(time.perf_counter() - started)
            results.append(
                {
                    "utterance_s": seconds,
                    "runs": args.runs,
                    "median_s": round(statistics.median(times), 3),
                    "worst_s": round(max(times), 3),
                    "text": text,
                }
            )
        report = {
            "machine": {
                "cpu": cpu_model(),
                "cores": os.cpu_count(),
                "engine_threads": load_settings().number("engine_threads"),
                "python": platform.python_version(),
                "system": platform.platform(),
            },
            "model": engine.model_id,
            "model_load_s": round(load_s, 2),
            "audio": "NST Danish read speech (danspeech example_files), 6 clips joined with "
            f"{GAP_S} s gaps, cut to length",
            "target": "10 s utterance: median <= 2 s, worst < 3 s",
            "results": results,
        }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
