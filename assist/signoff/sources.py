"""What each draft sentence rests on: its transcript segments and its flags, for review.

A sentence may also rest on notes the caseworker typed during the meeting (`SourceNote`): those
are listed apart from the segments, so no front end shows the caseworker's words as the citizen's.

Pure values for any front end (the CLI's `note show --json`, the desktop app's side panel):

    flags = flag_views(note.draft, resolutions)          # every flag, where it sits, fixed or not
    sections = note_sources(note, flags, transcript)     # per note section, its draft sentences

`note_sources` follows the note's sections in order; a section the machine did not draft (the
professional assessment, a section a human wrote) has no sentences. The transcript is optional:
without it (not loaded, or deleted under the retention policy) a source keeps only its segment id,
and so does a source whose segment is not in the transcript given.
"""

from __future__ import annotations

from dataclasses import dataclass

from assist.drafting.types import Draft
from assist.signoff.flags import FlagResolution, Resolution
from assist.signoff.note import NoteToSign
from assist.transcript import MeetingNote, Segment, Transcript, format_time


@dataclass(frozen=True)
class FlagView:
    """A draft flag as the caseworker sees it: where it sits and whether it still stands."""

    flag_id: str
    kind: str
    detail: str
    section_id: str
    sentence: str
    resolution: Resolution


@dataclass(frozen=True)
class SourceSegment:
    """One transcript segment a sentence cites. Times and text are None when the segment is not
    at hand (no transcript given, or no segment with that id in it)."""

    segment_id: int
    start_s: float | None = None
    end_s: float | None = None
    text: str | None = None
    # The caseworker's label for who speaks ("Borger", "Rådgiver", a name); "" unlabelled.
    speaker: str = ""

    @property
    def found(self) -> bool:
        return self.text is not None

    @property
    def reference(self) -> str:
        """How a front end cites the segment: "Borger (00:12)", "(00:12)" without a label,
        "#7" when the segment is not at hand."""
        if self.start_s is None:
            return f"#{self.segment_id}"
        stamp = f"({format_time(self.start_s)})"
        return f"{self.speaker} {stamp}" if self.speaker else stamp

    @property
    def quote(self) -> str:
        """The reference and the segment's text: "Borger (00:12): Jeg har ondt i ryggen."."""
        return f"{self.reference}: {self.text}" if self.text is not None else self.reference

    @staticmethod
    def of(segment_id: int, segment: Segment | None) -> SourceSegment:
        if segment is None:
            return SourceSegment(segment_id)
        return SourceSegment(
            segment_id, segment.start_s, segment.end_s, segment.text, segment.speaker
        )


@dataclass(frozen=True)
class SourceNote:
    """A note the caseworker typed during the meeting that a sentence cites: their own words,
    never the citizen's. Time and text are None when the note is not at hand."""

    note_id: int
    at_s: float | None = None
    text: str | None = None

    @property
    def found(self) -> bool:
        return self.text is not None

    @property
    def reference(self) -> str:
        """How a front end cites the note: "note:3 (01:05)", "note:3" when not at hand."""
        label = f"note:{self.note_id}"
        return f"{label} ({format_time(self.at_s)})" if self.at_s is not None else label

    @staticmethod
    def of(note_id: int, note: MeetingNote | None) -> SourceNote:
        if note is None:
            return SourceNote(note_id)
        return SourceNote(note_id, note.at_s, note.text)


@dataclass(frozen=True)
class SourcedSentence:
    """A machine-drafted sentence with the segments and meeting notes it rests on and its flags
    (with their state); the text is the draft's, which the caseworker may since have changed in
    the note."""

    section_id: str
    text: str
    sources: tuple[SourceSegment, ...]
    flags: tuple[FlagView, ...]
    notes: tuple[SourceNote, ...] = ()

    @property
    def source_ids(self) -> tuple[int, ...]:
        return tuple(s.segment_id for s in self.sources)

    @property
    def cited(self) -> bool:
        return bool(self.sources or self.notes)


@dataclass(frozen=True)
class SectionSources:
    section_id: str
    title: str
    sentences: tuple[SourcedSentence, ...]  # () for a section the machine did not draft


def flag_views(
    draft: Draft | None, resolutions: tuple[FlagResolution, ...]
) -> tuple[FlagView, ...]:
    """Every flag of the draft in draft order; one without a resolution counts as open."""
    if draft is None:
        return ()
    by_id = {r.flag_id: r for r in resolutions}
    views: list[FlagView] = []
    for section in draft.sections:
        for sentence in section.sentences:
            for flag in sentence.flags:
                found = by_id.get(flag.flag_id)
                views.append(
                    FlagView(
                        flag_id=flag.flag_id,
                        kind=flag.kind,
                        detail=flag.detail,
                        section_id=section.section_id,
                        sentence=sentence.text,
                        resolution=found.resolution if found else "open",
                    )
                )
    return tuple(views)


def note_sources(
    note: NoteToSign, flags: tuple[FlagView, ...], transcript: Transcript | None = None
) -> tuple[SectionSources, ...]:
    """Per section of the note, the draft's sentences with their source segments and flags.

    `flags` are the note's flag views (`flag_views`, or `CaseNote.flags`): a sentence lists those
    of its flags found there, so a front end shows the same state everywhere."""
    by_flag = {f.flag_id: f for f in flags}
    segments = {s.segment_id: s for s in transcript.segments} if transcript is not None else {}
    typed = {n.note_id: n for n in transcript.notes} if transcript is not None else {}
    drafted = {s.section_id: s for s in note.draft.sections} if note.draft is not None else {}
    result: list[SectionSources] = []
    for section in note.sections:
        source = drafted.get(section.section_id)
        sentences = tuple(
            SourcedSentence(
                section_id=section.section_id,
                text=sentence.text,
                sources=tuple(SourceSegment.of(i, segments.get(i)) for i in sentence.sources),
                flags=tuple(by_flag[f.flag_id] for f in sentence.flags if f.flag_id in by_flag),
                notes=tuple(SourceNote.of(i, typed.get(i)) for i in sentence.notes),
            )
            for sentence in (source.sentences if source is not None else ())
        )
        result.append(SectionSources(section.section_id, section.title, sentences))
    return tuple(result)
