"""Drafting time against input size: it must grow linearly, not quadratically.

    .venv/bin/python bench/drafting_scale.py [--words 10000,20000,40000]
        [--segments 500,1000,2000,4000] [--json]

Input is made from the 14 Danish evaluation transcripts in bench/drafting_eval/ (their segment
texts, fillers and all), repeated until the size is reached: typed notes as paragraphs of about
ten sentences each (`Transcript.from_typed_notes`, as `assist draft --typed` reads them), or
as one paragraph (one segment that every sentence cites), and
transcripts as segments with running ids and times. Each run is the whole structured draft with
the verifier (`build_draft` with `StructuredDrafter`, template journalnotat). Target: 40,000 typed
words and 4,000 segments each in under 10 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from itertools import cycle
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assist.drafting.pipeline import build_draft  # noqa: E402
from assist.drafting.structured import StructuredDrafter  # noqa: E402
from assist.drafting.templates import get_template  # noqa: E402
from assist.jobs.events import run  # noqa: E402
from assist.transcript import Segment, Transcript  # noqa: E402

EVAL_DIR = REPO / "bench" / "drafting_eval"


def eval_texts() -> list[str]:
    texts: list[str] = []
    for path in sorted(EVAL_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        texts.extend(str(s["text"]).strip() for s in data["segments"] if str(s["text"]).strip())
    return texts


def typed_notes(words: int, per_paragraph: int = 10) -> Transcript:
    """Typed notes of about `words` words, `per_paragraph` texts per line (0: one line)."""
    lines: list[str] = []
    paragraph: list[str] = []
    count = 0
    for text in cycle(eval_texts()):
        paragraph.append(text)
        count += len(text.split())
        if len(paragraph) == per_paragraph:
            lines.append(" ".join(paragraph))
            paragraph = []
        if count >= words:
            break
    lines.append(" ".join(paragraph))
    return Transcript.from_typed_notes("\n".join(lines))


def segments(total: int) -> Transcript:
    made: list[Segment] = []
    start = 0.0
    for index, text in zip(range(total), cycle(eval_texts()), strict=False):
        end = start + 0.4 * len(text.split()) + 0.3
        made.append(Segment(index, start, end, text, 0.9))
        start = end + 0.5
    return Transcript(language="da", duration_s=start, model="bench", segments=tuple(made))


def timed(transcript: Transcript) -> tuple[float, int]:
    template = get_template("journalnotat")
    started = time.perf_counter()
    draft = run(build_draft(StructuredDrafter(), transcript, template))
    sentences = sum(len(section.sentences) for section in draft.sections)
    return time.perf_counter() - started, sentences


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", default="10000,20000,40000")
    parser.add_argument("--segments", default="500,1000,2000,4000")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows: list[dict[str, object]] = []
    for words in (int(w) for w in args.words.split(",") if w):
        for label, per_paragraph in (("typed words", 10), ("typed words, one paragraph", 0)):
            seconds, sentences = timed(typed_notes(words, per_paragraph))
            rows.append({"input": label, "size": words, "seconds": round(seconds, 2),
                         "sentences": sentences})  # fmt: skip
    for count in (int(c) for c in args.segments.split(",") if c):
        seconds, sentences = timed(segments(count))
        rows.append({"input": "segments", "size": count, "seconds": round(seconds, 2),
                     "sentences": sentences})  # fmt: skip
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print("| input | size | draft + verify | drafted sentences |")
    print("|---|---|---|---|")
    for row in rows:
        print(f"| {row['input']} | {row['size']} | {row['seconds']} s | {row['sentences']} |")
    print("\nTarget: 40,000 typed words and 4,000 segments each in under 10 s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
