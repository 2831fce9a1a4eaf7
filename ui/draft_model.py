"""The data side of the draft editor, free of Qt: which stretch of a section's text is which
machine sentence, with its sources and flags.

Provenance is never kept in the editor's document (a QTextEdit anchor leaks onto text typed
right after it). It is derived, each time the text changes, from the core's values: a machine
sentence (`SourcedSentence`) is linked to the stretch of the current text that still reads as
that sentence (whitespace aside). Text a person typed matches no sentence and so has no source;
a sentence a person rewrote is the person's text from then on.

A sentence may rest on segments (what was said) and on notes the caseworker typed during the
meeting (`SourceNote`); the two are always listed apart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from assist.signoff.note import NoteToSign
from assist.signoff.sources import (
    FlagView,
    SectionSources,
    SourcedSentence,
    SourceNote,
    SourceSegment,
)
from assist.transcript import format_time


@dataclass(frozen=True)
class SentenceSpan:
    """One machine sentence as it stands in the editor: characters [start, end)."""

    start: int
    end: int
    sentence: SourcedSentence
    open_flags: tuple[FlagView, ...]  # flags neither fixed nor checked yet
    machine: bool  # machine text nobody has accepted yet (shown as "AI draft")

    @property
    def source_ids(self) -> tuple[int, ...]:
        return self.sentence.source_ids

    @property
    def note_ids(self) -> tuple[int, ...]:
        """The caseworker's notes from the meeting it rests on (their numbers)."""
        return tuple(n.note_id for n in self.sentence.notes)

    @property
    def cited(self) -> bool:
        """It rests on something: a segment, or a note typed during the meeting."""
        return self.sentence.cited


def _sentence_pattern(text: str) -> re.Pattern[str] | None:
    words = text.split()
    if not words:
        return None
    body = r"\s+".join(re.escape(word) for word in words)
    return re.compile(r"(?<!\w)" + body + r"(?!\w)")


def find_sentences(
    text: str, sentences: tuple[SourcedSentence, ...]
) -> tuple[tuple[int, int, SourcedSentence], ...]:
    """Where each machine sentence still stands in `text`, in order, never overlapping."""
    found: list[tuple[int, int, SourcedSentence]] = []
    position = 0
    for sentence in sentences:
        pattern = _sentence_pattern(sentence.text)
        if pattern is None:
            continue
        match = pattern.search(text, position)
        if match is None:
            # Moved above an earlier sentence: still linked, if it does not overlap one.
            match = next(
                (
                    m
                    for m in pattern.finditer(text)
                    if all(m.end() <= s or m.start() >= e for s, e, _ in found)
                ),
                None,
            )
            if match is None:
                continue
        else:
            position = match.end()
        found.append((match.start(), match.end(), sentence))
    return tuple(sorted(found, key=lambda item: item[0]))


def section_spans(
    text: str,
    sources: SectionSources | None,
    flags: Mapping[str, FlagView],
    *,
    accepted: bool,
    machine_marked: bool = True,
) -> tuple[SentenceSpan, ...]:
    """The linked sentences of one section's current text, with live flag states."""
    if sources is None:
        return ()
    spans: list[SentenceSpan] = []
    for start, end, sentence in find_sentences(text, sources.sentences):
        live = tuple(flags[f.flag_id] for f in sentence.flags if f.flag_id in flags)
        spans.append(
            SentenceSpan(
                start=start,
                end=end,
                sentence=sentence,
                open_flags=tuple(f for f in live if f.resolution == "open"),
                machine=machine_marked and not accepted,
            )
        )
    return tuple(spans)


def span_at(spans: tuple[SentenceSpan, ...], position: int) -> SentenceSpan | None:
    """The sentence under a character position (its end counts: the cursor just after it)."""
    for span in spans:
        if span.start <= position <= span.end:
            return span
    return None


def live_note(note: NoteToSign, texts: Mapping[str, str]) -> NoteToSign:
    """The note with each section's text as the editors hold it now."""
    for section_id, text in texts.items():
        note = note.with_section_text(section_id, text)
    return note


def clock(seconds: float | None) -> str:
    """A source's time as the transcript shows it ("00:12", "1:02:03"), "?" when unknown."""
    return "?" if seconds is None else format_time(seconds)


def source_line(source: SourceSegment) -> str:
    """ "[00:05-00:09] what was said", or "#7" when the segment is no longer at hand."""
    if not source.found:
        return f"#{source.segment_id}"
    return f"[{clock(source.start_s)}–{clock(source.end_s)}] {source.text}"


def note_source_line(note: SourceNote, heading: str) -> str:
    """ "<heading> (01:05): Søster hjælper", with `heading` the translated
    "✎ Caseworker's note 3"; just the heading when the note is no longer in the case."""
    if not note.found:
        return heading
    return f"{heading} ({clock(note.at_s)}): {' '.join((note.text or '').split())}"


_UNSAFE_IN_FILE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def export_file_name(case_title: str, day: date) -> str:
    """A DOCX file name from the case title and a date, safe on Windows too."""
    title = _UNSAFE_IN_FILE_NAME.sub("-", case_title).strip(" .-") or "notat"
    return f"{title} {day.isoformat()}.docx"
