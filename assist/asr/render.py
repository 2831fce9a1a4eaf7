"""Transcript segments as readable lines with timestamps, in the user's language."""

from __future__ import annotations

from assist.errors import Language
from assist.transcript import Segment

FLAG_LABELS: dict[str, tuple[str, str]] = {
    "low_confidence": ("usikker genkendelse", "low confidence"),
    "possible_hallucination": ("muligvis opdigtet tekst", "possibly invented text"),
    "repetition": ("gentagelse fjernet", "repetition removed"),
}


def clock(seconds: float) -> str:
    """12.34 -> "00:12.3"; 3725.0 -> "1:02:05.0"."""
    tenths = round(seconds * 10)
    minutes, tenths_left = divmod(tenths, 600)
    hours, minutes = divmod(minutes, 60)
    stamp = f"{minutes:02d}:{tenths_left // 10:02d}.{tenths_left % 10}"
    return f"{hours}:{stamp}" if hours else stamp


def segment_line(segment: Segment, lang: Language) -> str:
    line = f"[{clock(segment.start_s)} - {clock(segment.end_s)}] {segment.text}"
    if segment.flags:
        labels = [
            FLAG_LABELS.get(flag, (flag, flag))[1 if lang == "en" else 0] for flag in segment.flags
        ]
        line += f"  ({', '.join(labels)})"
    return line
