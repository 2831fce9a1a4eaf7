"""Transcript values shared by transcription, the case store and the drafters.

JSON shape (the `--json` output of `assist transcribe`, and the input of `assist draft`):
{"language", "duration_s", "model", "segments": [{"id", "start_s", "end_s", "text", "confidence",
 "flags", "words": [{"start_s", "end_s", "text", "confidence"}]}]}
Typed notes are a transcript too: one segment per paragraph, no words, model "typed".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from assist.errors import AssistError, Msg

BAD_TRANSCRIPT = Msg(
    "transcript.invalid",
    da="Filen '{path}' er ikke en gyldig Assist-transskription: {reason}.",
    en="The file '{path}' is not a valid Assist transcript: {reason}.",
)


@dataclass(frozen=True)
class Word:
    start_s: float
    end_s: float
    text: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "text": self.text,
            "confidence": round(self.confidence, 4),
        }


@dataclass(frozen=True)
class Segment:
    segment_id: int
    start_s: float
    end_s: float
    text: str
    confidence: float
    words: tuple[Word, ...] = ()
    # Why a segment is doubtful, e.g. "low_confidence", "possible_hallucination".
    flags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.segment_id,
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "flags": list(self.flags),
            "words": [w.to_dict() for w in self.words],
        }


@dataclass(frozen=True)
class Transcript:
    language: str
    duration_s: float
    model: str
    segments: tuple[Segment, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "duration_s": round(self.duration_s, 3),
            "model": self.model,
            "segments": [s.to_dict() for s in self.segments],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @staticmethod
    def from_dict(data: Mapping[str, Any], source: str = "<data>") -> Transcript:
        try:
            segments = tuple(_segment_from_dict(s) for s in data["segments"])
            return Transcript(
                language=str(data.get("language", "da")),
                duration_s=float(data.get("duration_s", segments[-1].end_s if segments else 0.0)),
                model=str(data.get("model", "unknown")),
                segments=segments,
            )
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise AssistError(BAD_TRANSCRIPT, path=source, reason=type(exc).__name__) from None

    @staticmethod
    def from_typed_notes(text: str) -> Transcript:
        """Typed notes become a transcript with one segment per non-empty paragraph or line."""
        lines = [line.strip() for line in text.splitlines()]
        segments = tuple(
            Segment(segment_id=i, start_s=0.0, end_s=0.0, text=line, confidence=1.0)
            for i, line in enumerate(line for line in lines if line)
        )
        return Transcript(language="da", duration_s=0.0, model="typed", segments=segments)


def _segment_from_dict(data: Mapping[str, Any]) -> Segment:
    words: Iterable[Mapping[str, Any]] = data.get("words", [])
    return Segment(
        segment_id=int(data["id"]),
        start_s=float(data["start_s"]),
        end_s=float(data["end_s"]),
        text=str(data["text"]),
        confidence=float(data.get("confidence", 1.0)),
        words=tuple(
            Word(float(w["start_s"]), float(w["end_s"]), str(w["text"]), float(w["confidence"]))
            for w in words
        ),
        flags=tuple(str(f) for f in data.get("flags", [])),
    )
