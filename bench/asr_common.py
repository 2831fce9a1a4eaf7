"""Shared pieces of the speech benchmarks: fixtures, generated long audio, WER, the model path."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assist.asr.normalize import normalize_danish  # noqa: E402
from assist.audio.decode import decode_audio  # noqa: E402

RATE = 16_000
DEV_MODEL = Path("/tmp/assist-dev-models/whisper-base-ct2")


@dataclass(frozen=True)
class Clip:
    name: str
    audio: np.ndarray  # float32, 16 kHz mono
    reference: str

    @property
    def seconds(self) -> float:
        return self.audio.size / RATE


def fixtures_dir() -> Path:
    override = os.environ.get("ASSIST_FIXTURES_DIR")
    return Path(override) if override else REPO.parent / "shared" / "fixtures" / "danish-speech"


def load_clips() -> list[Clip]:
    folder = fixtures_dir()
    rows = (folder / "references.tsv").read_text(encoding="utf-8").splitlines()[1:]
    pairs = sorted(row.split("\t", 1) for row in rows if row.strip())
    return [Clip(name, decode_audio(folder / name), text) for name, text in pairs]


def joined(clips: list[Clip], target_s: float, seed: int = 1, name: str = "long") -> Clip:
    """The clips over and over, with 1-5 s pauses of faint room noise between them, as a meeting
    has; until `target_s` seconds. Deterministic for a given seed."""
    rng = np.random.default_rng(seed)
    parts: list[np.ndarray] = []
    texts: list[str] = []
    total = 0
    while total < target_s * RATE:
        for clip in clips:
            pause = (rng.standard_normal(int(rng.uniform(1.0, 5.0) * RATE)) * 0.002).astype(
                np.float32
            )
            parts += [clip.audio, pause]
            texts.append(clip.reference)
            total += clip.audio.size + pause.size
            if total >= target_s * RATE:
                break
    return Clip(name, np.concatenate(parts), " ".join(texts))


def wer(references: list[str], hypotheses: list[str]) -> float:
    import jiwer

    return float(
        jiwer.wer(
            [normalize_danish(r) for r in references], [normalize_danish(h) for h in hypotheses]
        )
    )


def model_dir() -> Path:
    """ASSIST_TEST_ASR_MODEL, else the installed default model, else the development copy."""
    override = os.environ.get("ASSIST_TEST_ASR_MODEL")
    if override:
        return Path(override)
    from assist.errors import AssistError
    from assist.models.store import DEFAULT_ASR_MODEL, open_store

    try:
        return open_store().resolve(DEFAULT_ASR_MODEL, "asr").path
    except AssistError:
        if DEV_MODEL.is_dir():
            return DEV_MODEL
        raise


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
