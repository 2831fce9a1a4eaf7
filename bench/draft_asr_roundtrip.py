"""Drafting from speech-recognition output instead of clean text: how many facts survive?

Each chosen evaluation transcript is spoken by espeak-ng (Danish voice, one clip per segment,
0.6 s of silence between), transcribed by the local Whisper model, then drafted by the structured
drafter; fact recall is compared with drafting from the clean text. Synthetic speech is not a
caseworker's meeting: this measures how the drafter copes with recognition errors, not real WER.

    .venv/bin/python bench/draft_asr_roundtrip.py --model /tmp/assist-dev-models/whisper-base-ct2
    .venv/bin/python bench/draft_asr_roundtrip.py --only pn03_diktat_kort   # model from the store

Needs espeak-ng and sox (Debian packages), and an ASR model (store id or model directory).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assist.asr.model import load_engine  # noqa: E402
from assist.drafting.pipeline import build_draft  # noqa: E402
from assist.drafting.structured import StructuredDrafter  # noqa: E402
from assist.drafting.templates import get_template  # noqa: E402
from assist.jobs.events import run  # noqa: E402
from assist.jobs.transcribe import transcribe_file_job  # noqa: E402
from assist.transcript import Transcript  # noqa: E402

EVAL_DIR = REPO / "bench" / "drafting_eval"
DEFAULT_SET = ("pn03_diktat_kort", "pn01_hjemmepleje", "of03_beskaeftigelse")


def _speak(transcript: Transcript, workdir: Path) -> Path:
    clips = []
    for segment in transcript.segments:
        clip = workdir / f"seg{segment.segment_id:04d}.wav"
        subprocess.run(
            ["espeak-ng", "-v", "da", "-s", "150", "-w", str(clip), segment.text],
            check=True,
            capture_output=True,
        )
        clips.append(str(clip))
    silence = workdir / "silence.wav"  # at espeak-ng's own rate (22.05 kHz); sox resamples
    subprocess.run(
        ["sox", "-n", "-r", "22050", "-c", "1", "-b", "16", str(silence), "trim", "0", "0.6"],
        check=True,
    )
    joined: list[str] = []
    for clip_path in clips:
        joined += [clip_path, str(silence)]
    out = workdir / "meeting.wav"
    subprocess.run(["sox", *joined, "-r", "16000", "-c", "1", "-b", "16", str(out)], check=True)
    return out


def _recall(transcript: Transcript, facts: dict[str, object]) -> tuple[float, list[str]]:
    template = get_template(str(facts["template"]))
    draft = run(build_draft(StructuredDrafter(), transcript, template))
    text = "\n".join(s.text for sec in draft.sections for s in sec.sentences)
    required = [str(f) for f in facts["required"]]  # type: ignore[attr-defined]
    missing = [
        f
        for f in required
        if not (
            re.search(f[3:], text, re.IGNORECASE)
            if f.startswith("re:")
            else f.lower() in text.lower()
        )
    ]
    return 100.0 * (len(required) - len(missing)) / len(required), missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="ASR model id or directory (default: the store's)")
    parser.add_argument("--only", nargs="*", default=list(DEFAULT_SET))
    parser.add_argument("--keep", type=Path, help="keep the ASR transcripts in this folder")
    args = parser.parse_args()
    engine = load_engine(args.model)
    for name in args.only:
        clean = Transcript.from_dict(json.loads((EVAL_DIR / f"{name}.json").read_text("utf-8")))
        facts = tomllib.loads((EVAL_DIR / f"{name}.facts.toml").read_text("utf-8"))
        with tempfile.TemporaryDirectory() as tmp:
            audio = _speak(clean, Path(tmp))
            started = time.perf_counter()
            heard = run(transcribe_file_job(audio, engine))
            asr_s = time.perf_counter() - started
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            (args.keep / f"{name}.asr.json").write_text(heard.to_json(), encoding="utf-8")
        clean_recall, _ = _recall(clean, facts)
        asr_recall, missing = _recall(heard, facts)
        print(
            f"{name:<24} clean {clean_recall:5.1f}%  asr {asr_recall:5.1f}%  "
            f"({len(heard.segments)} segments, {heard.duration_s:.0f} s audio, ASR {asr_s:.0f} s)"
        )
        for fact in missing:
            print(f"    lost: {fact}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
