"""Notes the caseworker typed during the meeting, as drafting sources of their own.

A drafted sentence that rests only on such notes says so in its text: it starts with
`NOTE_LABEL` ("Sagsbehandlerens notat: "), so the note the caseworker signs, and the DOCX made from
it, never present the caseworker's keywords as something the citizen said. The verifier reads the
label as what it is, not as drafted words. A note is checked like a segment: as a pseudo-segment
(`as_segment`) with its own id space (negative ids), so it never collides with a real segment.
"""

from __future__ import annotations

from collections.abc import Iterable

from assist.transcript import MeetingNote, Segment

NOTE_LABEL = "Sagsbehandlerens notat: "


def labelled(text: str) -> str:
    """`text` marked as resting on the caseworker's notes (once)."""
    return text if text.startswith(NOTE_LABEL) else NOTE_LABEL + text


def without_note_label(text: str) -> str:
    return text[len(NOTE_LABEL) :] if text.startswith(NOTE_LABEL) else text


def as_segment(note: MeetingNote) -> Segment:
    """The note as the verifier and the drafters read text: certain, at its time, id -note_id."""
    return Segment(-note.note_id, note.at_s, note.at_s, note.text, 1.0)


def note_id_of(segment: Segment) -> int | None:
    """The note id behind a pseudo-segment from `as_segment`, None for a real segment."""
    return -segment.segment_id if segment.segment_id < 0 else None


def split_sources(ids: Iterable[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Mixed ids (segments >= 0, notes as negative pseudo ids) -> (segment ids, note ids)."""
    every = sorted(set(ids))
    return tuple(i for i in every if i >= 0), tuple(sorted(-i for i in every if i < 0))
