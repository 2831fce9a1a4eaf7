"""Word confidence as a signal of misrecognition: where to put the verifier's threshold.

    .venv/bin/python bench/uncertain_words.py [--thresholds 0.4,0.5,0.6,0.7,0.8] [--words]

Transcribes the six real Danish clips (`../shared/fixtures/danish-speech/`) with Assist's full
pipeline (the installed model; ASSIST_TEST_ASR_MODEL overrides), splits each recognised word into
Danish-normalised tokens ("10" -> "ti"), aligns the tokens with the reference (jiwer), and counts
a recognised word as misrecognised when any of its tokens is substituted or inserted. Words the
recogniser left out have no confidence and are not counted. For each threshold it prints
recall (misrecognised words with confidence below the threshold / all misrecognised words) and
precision (misrecognised words below the threshold / all words below the threshold) as Markdown.
Six read-speech clips from one speaker each: a first measurement, not a tuning set.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import jiwer
from asr_common import load_clips, model_dir, normalize_danish, table

from assist.asr.transcribe import transcribe
from assist.asr.whisper_engine import WhisperEngine
from assist.transcript import Segment


@dataclass(frozen=True)
class Scored:
    clip: str
    text: str
    confidence: float
    wrong: bool


def score_words(reference: str, words: list[tuple[str, float]], clip: str = "") -> list[Scored]:
    """Each recognised word with its confidence and whether the alignment says it is wrong."""
    owners: list[int] = []  # hypothesis token -> index of the recognised word it came from
    tokens: list[str] = []
    for index, (text, _) in enumerate(words):
        for token in normalize_danish(text).split():
            tokens.append(token)
            owners.append(index)
    wrong = [False] * len(words)
    ref = normalize_danish(reference)
    if tokens and ref:
        result = jiwer.process_words(ref, " ".join(tokens))
        for chunk in result.alignments[0]:
            if chunk.type in ("substitute", "insert"):
                for position in range(chunk.hyp_start_idx, chunk.hyp_end_idx):
                    wrong[owners[position]] = True
    else:
        wrong = [True] * len(words)
    scored = []
    for index, (text, confidence) in enumerate(words):
        if not normalize_danish(text):
            continue  # punctuation only
        scored.append(Scored(clip, text.strip(), confidence, wrong[index]))
    return scored


def rates(scored: list[Scored], threshold: float) -> tuple[int, int, int]:
    """(misrecognised below threshold, misrecognised, all below threshold)."""
    below = [s for s in scored if s.confidence < threshold]
    return (
        sum(s.wrong for s in below),
        sum(s.wrong for s in scored),
        len(below),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--thresholds", default="0.4,0.45,0.5,0.55,0.6,0.65,0.7,0.75,0.8")
    parser.add_argument("--words", action="store_true", help="print every word with its score")
    args = parser.parse_args()
    thresholds = [float(t) for t in args.thresholds.split(",")]

    engine = WhisperEngine(model_dir(), "whisper-base-ct2")
    scored: list[Scored] = []
    for clip in load_clips():
        segments = [i for i in transcribe(clip.audio, engine) if isinstance(i, Segment)]
        words = [(w.text, w.confidence) for s in segments for w in s.words]
        clip_scored = score_words(clip.reference, words, clip.name)
        scored += clip_scored
        if args.words:
            print(f"{clip.name}: {clip.reference}")
            print(
                "    "
                + " ".join(
                    f"{s.text}({s.confidence:.2f}{'*' if s.wrong else ''})" for s in clip_scored
                )
            )
    wrong_total = sum(s.wrong for s in scored)
    print(f"{len(scored)} recognised words, {wrong_total} misrecognised (substituted or inserted)")
    rows = []
    for threshold in thresholds:
        caught, wrong, below = rates(scored, threshold)
        recall = 100.0 * caught / wrong if wrong else 0.0
        precision = 100.0 * caught / below if below else 0.0
        rows.append(
            [
                f"< {threshold:.2f}",
                f"{recall:.0f}% ({caught}/{wrong})",
                f"{precision:.0f}% ({caught}/{below})",
                f"{below}/{len(scored)}",
            ]
        )
    print(table(["confidence", "recall", "precision", "words flagged"], rows))


if __name__ == "__main__":
    main()
