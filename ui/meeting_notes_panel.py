"""The side panel "Notes during the meeting": keywords the caseworker types while the citizen
talks, each saved encrypted through the core with the recording time at which it was typed.

    panel = MeetingNotesPanel(services); panel.set_case(case_id)
    panel.set_clock(lambda: session.timeline_s)   # None: no recording runs, the box is closed
    panel.add_pending()                           # Stop: what is still in the box is added

A note's time is when the caseworker STARTED typing it (the first keystroke into an empty
box), not when they pressed Enter: that is when the thing was said. Times are read from the
recording's own clock (`RecordingSession.timeline_s`), the one segment times use.

Enter adds the note, Shift+Enter starts a new line, Tab moves on, Esc hands the keyboard back to
the recording controls (`escaped`). Notes are written through `services.runner`, one at a time
in the order typed, so their numbers follow the order they were typed. What is still in the box
is kept sealed in the store a second after the last keystroke (`keep_note_in_progress`, in the
same queue, so it never lands after the note it became): after a crash, opening the case puts
it back in the box, with its time, to be added. The list shows what the
core holds (read again after each write and on the store's change notice), never a copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assist.errors import INTERNAL, AssistError
from assist.transcript import MeetingNote, format_time
from ui.context import AppServices

# Alt+N: Ctrl+N is "New meeting" in the main window; the "&Notes" tab (Alt+N) only exists for a
# case without consent, which has no Meeting tab and so no panel.
NOTE_BOX_KEYS = "Alt+N"

Clock = Callable[[], float | None]
KEEP_AFTER_MS = 1000  # a pause in typing this long seals what is in the box


@dataclass(frozen=True)
class _Write:
    case_id: str
    at_s: float
    text: str
    in_progress: bool  # True: what is being typed (kept, not yet a note); False: add the note


def note_line(note: MeetingNote) -> str:
    """ "01:05  Søster hjælper" (a note of several lines is shown on one)."""
    return f"{format_time(note.at_s)}  {' '.join(note.text.split())}"


class NoteBox(QPlainTextEdit):
    """The text box: Enter submits, Shift+Enter is a new line, Tab leaves, Esc hands back."""

    submitted = Signal()
    escaped = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)  # keyboard users must get out of the box

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
            else:
                self.submitted.emit()
            event.accept()
            return
        if key == Qt.Key.Key_Escape:
            self.escaped.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class MeetingNotesPanel(QWidget):
    escaped = Signal()  # Esc in the box: focus back to the recording controls
    problem = Signal(str)  # a note was not saved: the view shows it in its banner

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._case_id: str | None = None
        self._clock: Clock = lambda: None
        self._started_at: float | None = None  # recording time of the first keystroke
        self._queue: list[_Write] = []  # not yet written, in order
        self._writing = False
        self._generation = 0
        self._loading = False
        self._load_again = False
        self._keep_timer = QTimer(self)
        self._keep_timer.setSingleShot(True)
        self._keep_timer.setInterval(KEEP_AFTER_MS)
        self._keep_timer.timeout.connect(self._keep_in_progress)
        self._build()
        services.changes.changed.connect(self._store_changed)
        self._show_writable()

    def _build(self) -> None:
        self.heading = QLabel(self.tr("Notes during the meeting"), self)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.box = NoteBox(self)
        self.box.setAccessibleName(self.tr("Note"))
        self.box.setAccessibleDescription(
            self.tr(
                "Enter adds the note, Shift+Enter starts a new line, Esc goes back to the "
                "recording buttons."
            )
        )
        self.box.setPlaceholderText(self.tr("A keyword or two… (Enter adds it)"))
        self.box.setToolTip(self.tr("Type a note (Alt+N). Enter adds it, Shift+Enter: new line."))
        self.box.setFixedHeight(self.box.fontMetrics().lineSpacing() * 3 + 16)
        self.box.textChanged.connect(self._typed)
        self.box.submitted.connect(self.add_now)
        self.box.escaped.connect(self.escaped)
        box_label = QLabel(self.tr("Note (Alt+N):"), self)
        box_label.setBuddy(self.box)
        self.add_button = QPushButton(self.tr("Add note"), self)
        self.add_button.setAccessibleName(self.tr("Add note"))
        self.add_button.clicked.connect(self.add_now)
        self.notes_list = QListWidget(self)
        self.notes_list.setAccessibleName(self.tr("Notes typed during the meeting"))
        self.notes_list.setAccessibleDescription(
            self.tr("The caseworker's own notes with their recording time; not what was said.")
        )
        self.notes_list.setWordWrap(True)

        add_row = QHBoxLayout()
        add_row.addStretch(1)
        add_row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.hint)
        layout.addWidget(box_label)
        layout.addWidget(self.box)
        layout.addLayout(add_row)
        layout.addWidget(self.notes_list, 1)
        QWidget.setTabOrder(self.box, self.add_button)
        QWidget.setTabOrder(self.add_button, self.notes_list)

    def add_shortcut(self, area: QWidget) -> None:
        """Alt+N jumps to the box from anywhere in `area` (the recording view). Not window-wide:
        in the main window the "&Notes" tab of a case without consent takes Alt+N."""
        jump = QShortcut(QKeySequence(NOTE_BOX_KEYS), area)
        jump.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        jump.activated.connect(self.focus_box)

    def focus_order(self) -> list[QWidget]:
        """The panel's controls in tab order, for the view's own tab chain."""
        return [self.box, self.add_button, self.notes_list]

    # ---- the case and the clock -------------------------------------------------------------

    def set_case(self, case_id: str | None) -> None:
        if case_id == self._case_id:
            self.reload()
            return
        self.add_pending()  # typed for the case being left: saved with it
        self._case_id = case_id
        self._generation += 1
        self.notes_list.clear()
        self.reload()
        self._restore_in_progress()

    def _restore_in_progress(self) -> None:
        """What was being typed when the app last stopped (a crash): back into the box."""
        case_id, generation = self._case_id, self._generation
        if case_id is None:
            return
        store = self._services.store
        self._services.runner.call(
            "meeting-note-in-progress",
            lambda _cancel: store.note_in_progress(case_id),
            on_done=lambda note: self._restored(generation, note),
            on_error=lambda error: self._load_failed(generation, error),
        )

    def _restored(self, generation: int, note: MeetingNote | None) -> None:
        if not shiboken6.isValid(self) or generation != self._generation or note is None:
            return
        if self.box.toPlainText().strip():
            return  # typing already began anew; what was kept stays kept until replaced
        self.box.blockSignals(True)
        self.box.setPlainText(note.text)
        self.box.blockSignals(False)
        self._started_at = note.at_s
        self._show_writable()
        self.problem.emit(
            self.tr("A note you were typing was kept; it is in the box. Press Enter to add it.")
        )

    def set_clock(self, clock: Clock | None) -> None:
        """Where the recording is now on the case's timeline; None (or a clock answering None):
        no recording runs and the box is closed. What it holds stays until `add_pending()`."""
        self._clock = clock or (lambda: None)
        self._show_writable()

    def writable(self) -> bool:
        """A recording runs, or a note that the core refused waits in the box with its time
        (after Stop too: it can still be corrected and added, never lost to a closed box)."""
        if self._case_id is None:
            return False
        return self._clock() is not None or self._started_at is not None

    def focus_box(self) -> None:
        if self.box.isEnabled():
            self.box.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # ---- typing and adding ------------------------------------------------------------------

    def _typed(self) -> None:
        if not self.box.toPlainText():
            self._started_at = None
        elif self._started_at is None:
            self._started_at = self._clock()
        self._keep_timer.start()

    def _keep_in_progress(self) -> None:
        """Seal what is in the box (or forget what was kept, once the box is empty)."""
        if self._case_id is None:
            return
        at_s = self._started_at if self._started_at is not None else 0.0
        self._enqueue(_Write(self._case_id, at_s, self.box.toPlainText().strip(), True))

    def add_now(self) -> None:
        """Add what is in the box as a note (Enter, the button)."""
        if self.writable():
            self.add_pending()

    def add_pending(self) -> None:
        """Add what is in the box, at the time typing began; an empty box adds nothing."""
        text = self.box.toPlainText()
        at_s = self._started_at if self._started_at is not None else self._clock()
        if self._case_id is None or not text.strip() or at_s is None:
            return
        self._keep_timer.stop()
        self.box.blockSignals(True)  # the next keystroke starts the next note, with its own time
        self.box.clear()
        self.box.blockSignals(False)
        self._started_at = None
        self._enqueue(_Write(self._case_id, at_s, text.strip(), False))

    def _enqueue(self, write: _Write) -> None:
        # A newer keep of the box replaces one not yet written; adding the note replaces both
        # (the store forgets the kept text in the same transaction).
        self._queue = [w for w in self._queue if not (w.in_progress and w.case_id == write.case_id)]
        self._queue.append(write)
        self._write_next()

    def _write_next(self) -> None:
        if self._writing or not self._queue:
            return
        self._writing = True
        write = self._queue.pop(0)
        store = self._services.store

        def run(_cancel: object) -> tuple[MeetingNote, ...] | None:
            if write.in_progress:
                store.keep_note_in_progress(write.case_id, write.at_s, write.text)
                return None
            store.add_meeting_note(write.case_id, write.at_s, write.text)
            return store.meeting_notes(write.case_id)

        self._services.runner.call(
            "meeting-note",
            run,
            on_done=lambda notes: self._written(write.case_id, notes),
            on_error=lambda error: self._not_written(write, error),
        )

    def _written(self, case_id: str, notes: tuple[MeetingNote, ...] | None) -> None:
        self._writing = False
        if not shiboken6.isValid(self):
            return
        if case_id == self._case_id and notes is not None:
            self._show_notes(notes)
        self._write_next()

    def _not_written(self, write: _Write, error: BaseException) -> None:
        self._writing = False
        if not shiboken6.isValid(self):
            return
        if write.in_progress:
            # Still in the box (it is never cleared for a keep); the next pause tries again.
            self._write_next()
            return
        case_id, at_s, text = write.case_id, write.at_s, write.text
        if case_id == self._case_id:
            # Nothing typed is lost: the text goes back into the box (before anything typed
            # since), with its time, to be corrected and added again.
            typed = self.box.toPlainText()
            self.box.blockSignals(True)
            self.box.setPlainText(text + ("\n" + typed if typed else ""))
            self.box.blockSignals(False)
            self._started_at = at_s
            self._show_writable()
        message = (
            error.message(self._services.lang)
            if isinstance(error, AssistError)
            else AssistError(INTERNAL, kind=type(error).__name__).message(self._services.lang)
        )
        self.problem.emit(self.tr("The note was not saved: {reason}").format(reason=message))
        self._write_next()

    @property
    def busy(self) -> bool:
        """Notes are on their way to the core."""
        return self._writing or bool(self._queue)

    # ---- the list, from the core ------------------------------------------------------------

    def _store_changed(self, _kind: str, case_id: object) -> None:
        if self._case_id is not None and case_id in (None, self._case_id):
            self.reload()

    def reload(self) -> None:
        """Read the case's notes again, off the GUI thread (a change during a read: once more)."""
        case_id = self._case_id
        if case_id is None:
            self._show_writable()
            return
        if self._loading:
            self._load_again = True
            return
        self._loading = True
        generation = self._generation
        store = self._services.store
        self._services.runner.call(
            "meeting-notes-load",
            lambda _cancel: store.meeting_notes(case_id),
            on_done=lambda notes: self._loaded(generation, notes),
            on_error=lambda error: self._load_failed(generation, error),
        )

    def _loaded(self, generation: int, notes: tuple[MeetingNote, ...]) -> None:
        if not shiboken6.isValid(self):
            return
        self._loading = False
        if self._load_again:
            self._load_again = False
            self.reload()
        if generation == self._generation:
            self._show_notes(notes)

    def _load_failed(self, generation: int, error: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self._loading = False
        if generation == self._generation and isinstance(error, AssistError):
            self.problem.emit(error.message(self._services.lang))

    def _show_notes(self, notes: tuple[MeetingNote, ...]) -> None:
        # In recording order: a note typed earlier in the meeting stands earlier.
        ordered = sorted(notes, key=lambda n: (n.at_s, n.note_id))
        self.notes_list.clear()
        for note in ordered:
            self.notes_list.addItem(note_line(note))
        if ordered:
            self.notes_list.scrollToBottom()
        self._show_writable()

    def notes_shown(self) -> list[str]:
        return [self.notes_list.item(i).text() for i in range(self.notes_list.count())]

    def _show_writable(self) -> None:
        writable = self.writable()
        self.box.setEnabled(writable)
        self.add_button.setEnabled(writable)
        if writable:
            hint = self.tr(
                "Type a keyword while the citizen talks and press Enter. The note gets the "
                "recording time at which you began typing it."
            )
        elif self.notes_list.count():
            hint = self.tr("Notes can be typed while a recording runs. The notes of the case:")
        else:
            hint = self.tr("Notes can be typed while a recording runs.")
        self.hint.setText(hint)
