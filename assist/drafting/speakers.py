"""Speaker labels in drafted quotes: the caseworker names who spoke (Borger, Rådgiver, a name)
in the transcript, and a quote in the note says whose words it is: `Borger: »Jeg vil ikke
flytte.«`. The verifier reads the label as what it is (the cited segments' own label), not as
words the drafter invented."""

from __future__ import annotations

from collections.abc import Iterable

from assist.transcript import Segment


def speaker_label(segments: Iterable[Segment]) -> str:
    """The one label all `segments` share ("" if none is labelled or they differ)."""
    labels = {segment.speaker.strip() for segment in segments}
    return labels.pop() if len(labels) == 1 else ""


def label_quote(quote: str, segments: Iterable[Segment]) -> str:
    label = speaker_label(segments)
    return f"{label}: {quote}" if label else quote


def without_label(text: str, segments: Iterable[Segment]) -> str:
    """`text` without a leading `Label: ` that is the cited segments' own speaker label."""
    label = speaker_label(segments)
    prefix = f"{label}: "
    return text[len(prefix) :] if label and text.startswith(prefix) else text
