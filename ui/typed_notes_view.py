"""Typed notes: first-class input when there is no consent to record (or no recording).

Saved encrypted through the core a moment after typing stops, when the view is left and when
the window closes, so a crash loses at most the last second or two of typing."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from assist.errors import AssistError
from assist.typed_notes import load_typed_notes, save_typed_notes
from ui.context import AppServices

SAVE_AFTER_MS = 1500


class TypedNotesView(QWidget):
    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._case_id: str | None = None
        self._saved_text = ""
        self.intro = QLabel(
            self.tr(
                "Type your notes from the meeting, one point per line. The draft is made from "
                "them, and every sentence in it points back to the line it rests on."
            ),
            self,
        )
        self.intro.setWordWrap(True)
        self.editor = QPlainTextEdit(self)
        self.editor.setAccessibleName(self.tr("Typed notes"))
        self.editor.setPlaceholderText(
            self.tr("e.g. The citizen wants help applying for housing benefit.")
        )
        self.editor.textChanged.connect(self._typed)
        self.status = QLabel("", self)
        self.status.setAccessibleName(self.tr("Save status"))
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_AFTER_MS)
        self._timer.timeout.connect(self.flush)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.status)

    def set_case(self, case_id: str | None) -> None:
        self.flush()
        self._case_id = case_id
        text = load_typed_notes(self._services.store, case_id) if case_id else ""
        self.editor.blockSignals(True)
        self.editor.setPlainText(text or "")
        self.editor.blockSignals(False)
        self._saved_text = text or ""
        writable = case_id is not None and text is not None
        self.editor.setReadOnly(not writable)
        self.status.setText("" if writable else self.tr("This case has a recorded transcript."))

    def _typed(self) -> None:
        self.status.setText(self.tr("Saving…"))
        self._timer.start()

    def flush(self) -> None:
        """Save what is typed now (idempotent)."""
        self._timer.stop()
        text = self.editor.toPlainText()
        if self._case_id is None or text == self._saved_text:
            return
        try:
            save_typed_notes(self._services.store, self._case_id, text, self._services.settings)
        except AssistError as error:
            self.status.setText(error.message(self._services.lang))
            return
        self._saved_text = text
        self.status.setText(self.tr("Saved"))
