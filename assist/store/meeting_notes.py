"""Notes the caseworker types while a meeting is recorded, each sealed and committed at once.

A note is the caseworker's own words, never what the citizen said, so it is kept apart from the
transcript's segments: its own table, its own numbering (1, 2, ... per case: what a draft cites
as "note:3"), its own chain in the case's manifest. It carries the recording time at which it was
typed (on the case's timeline, like segment times), so the transcript shows it there.

What the caseworker is still typing is kept too, sealed, in the case's one "note in progress"
(`keep_note_in_progress`, row number 0: never cited, never shown as a note), so a crash loses at
most the last keystrokes; adding the note replaces it in the same transaction, and after a crash
the app puts it back in the box.

Notes are the caseworker's, like notes on paper: withdrawing consent to the recording deletes the
recorded audio and segments but not the notes; deleting or purging the case deletes them.
"""

from __future__ import annotations

from assist.errors import EXIT_USAGE, AssistError, Msg
from assist.store.base import StoreBase
from assist.textcheck import BAD_CHAR_IN_MEETING_NOTE, check_text
from assist.transcript import MAX_NOTE_CHARS, MAX_SECONDS, MeetingNote

EMPTY_MEETING_NOTE = Msg(
    "store.meeting_note_empty",
    da="Notatet er tomt. Skriv noget, før du tilføjer det.",
    en="The note is empty. Type something before you add it.",
    exit_code=EXIT_USAGE,
)
MEETING_NOTE_TOO_LONG = Msg(
    "store.meeting_note_too_long",
    da="Notatet er for langt ({length} tegn; højst {limit}). Del det i flere notater.",
    en="The note is too long ({length} characters; at most {limit}). Split it into several notes.",
    exit_code=EXIT_USAGE,
)
MEETING_NOTE_NOT_FOUND = Msg(
    "store.meeting_note_not_found",
    da="Sagen {case_id} har intet notat nr. {note_id}.",
    en="The case {case_id} has no note number {note_id}.",
    exit_code=EXIT_USAGE,
)
IN_PROGRESS = 0  # the row number of the note still being typed

MEETING_NOTE_BAD_TIME = Msg(
    "store.meeting_note_bad_time",
    da="Notatets tidspunkt i optagelsen ({at_s}) skal være mellem 0 og {limit} sekunder.",
    en="The note's time in the recording ({at_s}) must be between 0 and {limit} seconds.",
    exit_code=EXIT_USAGE,
)


def _checked_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise AssistError(EMPTY_MEETING_NOTE)
    if len(text) > MAX_NOTE_CHARS:
        raise AssistError(MEETING_NOTE_TOO_LONG, length=len(text), limit=MAX_NOTE_CHARS)
    check_text(text, BAD_CHAR_IN_MEETING_NOTE)
    return text


def _check_time(at_s: float) -> None:
    if not 0.0 <= at_s <= MAX_SECONDS:
        raise AssistError(MEETING_NOTE_BAD_TIME, at_s=at_s, limit=MAX_SECONDS)


class MeetingNotesPart(StoreBase):
    def add_meeting_note(self, case_id: str, at_s: float, text: str) -> MeetingNote:
        """Seal and commit one note typed at recording time `at_s` (seconds on the case's
        timeline); returns it with its number. Only while the case is a draft."""
        text = _checked_text(text)
        _check_time(at_s)
        with self._write() as conn:
            self._require_state(case_id, ("draft",), "meeting_note", segments=True)
            row = conn.execute(
                "SELECT COALESCE(MAX(note_id), 0) + 1 FROM meeting_notes WHERE case_id = ?",
                (case_id,),
            ).fetchone()
            note = MeetingNote(int(row[0]), at_s, text)
            self._delete_note_row(case_id, IN_PROGRESS)  # what was being typed is this note
            self._insert_note(case_id, note)
            self._touch(conn, case_id)
            self._audit.append(
                "meeting_note_added", case_id, {"note_id": note.note_id, "at_s": round(at_s, 1)}
            )
            self._update_manifest(conn, case_id, notes=True)
            self._changed("notes_changed", case_id)
            return note

    def change_meeting_note(self, case_id: str, note_id: int, text: str) -> MeetingNote | None:
        """Replace a note's text (its number and time stay); "" removes the note (the numbers
        of the others stay, so what a draft cites keeps meaning the same). Returns the note as
        stored, None when removed."""
        removed = not text.strip()
        with self._write() as conn:
            self._require_state(case_id, ("draft",), "meeting_note", segments=True)
            old = next((n for n in self._note_rows(case_id) if n.note_id == note_id), None)
            if old is None:
                raise AssistError(MEETING_NOTE_NOT_FOUND, case_id=case_id, note_id=note_id)
            self._delete_note_row(case_id, note_id)
            note = None if removed else MeetingNote(note_id, old.at_s, _checked_text(text))
            # A removed note leaves an empty row behind, so its number is never given again:
            # a draft that cited it must not come to cite another note.
            self._insert_note(case_id, note or MeetingNote(note_id, old.at_s, ""))
            self._touch(conn, case_id)
            self._audit.append(
                "meeting_note_changed", case_id, {"note_id": note_id, "removed": removed}
            )
            self._update_manifest(conn, case_id, notes=True)
            self._changed("notes_changed", case_id)
            return note

    def keep_note_in_progress(self, case_id: str, at_s: float, text: str) -> None:
        """Seal what the caseworker is still typing (typed from recording time `at_s`), in place
        of what was kept before; "" forgets it. Not audited: it is not a note until added."""
        text = text.strip()
        if text:
            text = _checked_text(text)
            _check_time(at_s)
        with self._write() as conn:
            self._require_state(case_id, ("draft",), "meeting_note", segments=True)
            self._delete_note_row(case_id, IN_PROGRESS)
            if text:
                self._insert_note(case_id, MeetingNote(IN_PROGRESS, at_s, text))
            self._update_manifest(conn, case_id, notes=True)

    def note_in_progress(self, case_id: str) -> MeetingNote | None:
        """What was being typed and not yet added (after a crash: to put back in the box)."""
        with self._lock, self._snapshot():
            self._check_case(case_id, segments=True)
            found = self._note_rows(case_id, in_progress=True)
        return found[0] if found else None

    def meeting_notes(self, case_id: str) -> tuple[MeetingNote, ...]:
        """The case's notes typed during its meetings, by number; checked against the manifest."""
        with self._lock, self._snapshot():
            self._check_case(case_id, segments=True)
            return self._note_rows(case_id)

    def _insert_note(self, case_id: str, note: MeetingNote) -> None:
        sealed = self._seal_json(case_id, f"meeting_note/{note.note_id}", note.to_dict())
        self._conn.execute(
            "INSERT INTO meeting_notes (case_id, note_id, sealed) VALUES (?, ?, ?)",
            (case_id, note.note_id, sealed),
        )

    def _delete_note_row(self, case_id: str, note_id: int) -> None:
        self._conn.execute(
            "DELETE FROM meeting_notes WHERE case_id = ? AND note_id = ?", (case_id, note_id)
        )

    def _note_rows(self, case_id: str, *, in_progress: bool = False) -> tuple[MeetingNote, ...]:
        """The case's notes (numbers 1, 2, ...), or with `in_progress` the one being typed."""
        wanted = "= 0" if in_progress else "> 0"
        rows = self._conn.execute(
            f"SELECT note_id, sealed FROM meeting_notes WHERE case_id = ? AND note_id {wanted} "
            "ORDER BY note_id",
            (case_id,),
        ).fetchall()
        notes = (
            MeetingNote.from_dict(self._open_json(case_id, f"meeting_note/{note_id}", sealed))
            for note_id, sealed in rows
        )
        return tuple(note for note in notes if note.text)  # a removed note's row is empty
