"""The main window: the case list on the left, the open case on the right (meeting or typed
notes, transcript, draft), "New meeting", settings and "About AI in Assist" in the toolbar."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from assist.errors import AssistError
from ui.about_view import AboutView
from ui.case_list import CaseListPanel
from ui.context import AppServices
from ui.draft_view import DraftView
from ui.new_meeting import NewMeetingDialog
from ui.recording_view import RecordingView
from ui.settings_view import SettingsView
from ui.transcript_view import TranscriptView
from ui.typed_notes_view import TypedNotesView

# Asks the caseworker a yes/no question (title, text) -> yes; tests answer without a dialog.
Confirm = Callable[[str, str], bool]


def ask_with_dialog(parent: QWidget) -> Confirm:
    def confirm(title: str, text: str) -> bool:
        answer = QMessageBox.question(parent, title, text)
        return answer == QMessageBox.StandardButton.Yes

    return confirm


class CaseWorkspace(QWidget):
    """One open case: its header and the tabs for what the caseworker does with it."""

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.case_id: str | None = None
        self.header = QLabel("", self)
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        font = self.header.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.header.setFont(font)
        self.details = QLabel("", self)
        self.details.setWordWrap(True)
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName(self.tr("Case"))
        self.recording = RecordingView(services, self)
        self.typed_notes = TypedNotesView(services, self)
        self.transcript = TranscriptView(services, self)
        self.draft = DraftView(services, self)
        self.draft.export_after_signing = True
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.details)
        layout.addWidget(self.tabs, 1)
        self.draft.source_requested.connect(self._show_source)
        self.draft.play_requested.connect(self._play_source)
        self.draft.note_requested.connect(self._show_note)
        self.recording.recording_finished.connect(self._recording_finished)

    def set_case(self, case_id: str | None) -> None:
        self.flush()
        self.case_id = case_id
        if case_id is None:
            return
        case = self._services.store.get_case(case_id)
        self.header.setText(case.title or self.tr("(untitled meeting)"))
        consent = {
            "given": self.tr("consent to recording given"),
            "refused": self.tr("no consent to recording: typed notes"),
            "withdrawn": self.tr("consent withdrawn"),
            "not-asked": self.tr("consent not asked: typed notes"),
        }.get(case.consent.status, case.consent.status)
        participants = ", ".join(case.participants) or self.tr("no participants given")
        self.details.setText(f"{participants} · {consent}")
        self.tabs.clear()
        if case.consent.status == "given" or case.recordings:
            self.tabs.addTab(self.recording, self.tr("&Meeting"))
        else:
            self.tabs.addTab(self.typed_notes, self.tr("&Notes"))
        self.tabs.addTab(self.transcript, self.tr("&Transcript"))
        self.tabs.addTab(self.draft, self.tr("&Draft"))
        for view in (self.recording, self.typed_notes, self.transcript, self.draft):
            if self.tabs.indexOf(view) < 0:
                # Not this case's: hidden, or it would lie over the workspace, its mnemonics
                # (Alt+T, Alt+N) taking the tabs' keys.
                view.hide()
            view.set_case(case_id)
        if case.has_draft or case.has_signed_note:
            self.tabs.setCurrentWidget(self.draft)

    def flush(self) -> None:
        """Save what the caseworker typed and has not been saved yet."""
        self.typed_notes.flush()
        self.draft.flush()

    def _show_source(self, segment_id: int) -> None:
        self.tabs.setCurrentWidget(self.transcript)
        self.transcript.show_segment(segment_id, play=False)

    def _play_source(self, segment_id: int) -> None:
        self.tabs.setCurrentWidget(self.transcript)
        self.transcript.show_segment(segment_id, play=True)

    def _show_note(self, note_id: int, play: bool) -> None:
        self.tabs.setCurrentWidget(self.transcript)
        self.transcript.show_note(note_id, play)

    def _recording_finished(self, case_id: str) -> None:
        """The next step after a meeting is its draft: start it unless one exists."""
        if case_id != self.case_id:
            return
        case = self._services.store.get_case(case_id)
        self.tabs.setCurrentWidget(self.draft)
        if case.has_transcript and not case.has_draft and not case.has_signed_note:
            self.draft.make_draft()


class MainWindow(QMainWindow):
    def __init__(
        self, services: AppServices, *, confirm: Confirm | None = None, housekeeping: bool = True
    ) -> None:
        super().__init__()
        self.services = services
        self.confirm = confirm or ask_with_dialog(self)
        self.setWindowTitle(self.tr("Assist: notes from meetings"))
        self.cases = CaseListPanel(services, self)
        self.workspace = CaseWorkspace(services, self)
        self.welcome = QLabel(
            self.tr(
                "Choose a case on the left, or start a new meeting.\n\n"
                "Everything stays on this PC. A person always checks and signs the note."
            ),
            self,
        )
        self.welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.welcome.setWordWrap(True)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.workspace)
        splitter = QSplitter(self)
        splitter.addWidget(self.cases)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([460, 820])
        self.setCentralWidget(splitter)
        self.status = QLabel("", self)
        self.statusBar().addWidget(self.status, 1)
        self._build_toolbar()
        self.cases.case_selected.connect(self.open_case)
        self._closing = False
        self._dictation: QWidget | None = None
        if housekeeping:
            QTimer.singleShot(0, self.start_housekeeping)

    def _build_toolbar(self) -> None:
        bar = QToolBar(self.tr("Main"), self)
        bar.setObjectName("main-toolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(bar)
        self.new_meeting_action = QAction(self.tr("New meeting"), self)
        self.new_meeting_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_meeting_action.triggered.connect(self.new_meeting)
        self.dictation_action = QAction(self.tr("Dictation"), self)
        self.dictation_action.triggered.connect(self.open_dictation)
        self.settings_action = QAction(self.tr("Settings"), self)
        self.settings_action.triggered.connect(self.show_settings)
        self.about_action = QAction(self.tr("About AI in Assist"), self)
        self.about_action.setShortcut(QKeySequence.StandardKey.HelpContents)
        self.about_action.triggered.connect(self.show_about)
        actions = (
            self.new_meeting_action,
            self.dictation_action,
            self.settings_action,
            self.about_action,
        )
        for action in actions:
            bar.addAction(action)
            button = bar.widgetForAction(action)
            if button is not None:
                button.setAccessibleName(action.text())

    # ---- cases ----------------------------------------------------------------------------

    def new_meeting(self) -> str | None:
        dialog = NewMeetingDialog(self.services, self)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.created_case_id is None:
            return None
        case_id = dialog.created_case_id
        self.cases.reload()
        self.cases.select(case_id)
        self.open_case(case_id)
        if self.services.store.get_case(case_id).consent.status == "given":
            self.workspace.recording.start_recording()  # consent given: the meeting starts
        return case_id

    def open_case(self, case_id: str) -> None:
        if case_id == self.workspace.case_id:
            return
        if self.workspace.recording.is_recording():
            self.status.setText(self.tr("Stop the recording before opening another case."))
            if self.workspace.case_id is not None:
                self.cases.select(self.workspace.case_id)
            return
        try:
            self.workspace.set_case(case_id)
        except AssistError as error:
            self.status.setText(error.message(self.services.lang))
            return
        self.stack.setCurrentWidget(self.workspace)

    # ---- pages ------------------------------------------------------------------------------

    def _page_dialog(self, title: str, page: QWidget) -> QDialog:
        dialog = QDialog(self)
        dialog.setWindowTitle(title)
        layout = QVBoxLayout(dialog)
        layout.addWidget(page)
        dialog.resize(760, 640)
        return dialog

    def open_dictation(self) -> None:
        """The compact push-to-talk window for a short care note (a case of its own)."""
        from ui.dictation_window import DictationWindow

        if self._dictation is not None and self._dictation.isVisible():
            self._dictation.activateWindow()
            return
        self._dictation = DictationWindow(self.services, None, self)
        self._dictation.show()

    def show_settings(self) -> None:
        self._page_dialog(self.tr("Settings"), SettingsView(self.services)).exec()
        self.cases.reload()  # retention periods may have changed what the list says

    def show_about(self) -> None:
        self._page_dialog(self.tr("About AI in Assist"), AboutView(self.services)).exec()

    # ---- start and close ----------------------------------------------------------------------

    def start_housekeeping(self) -> None:
        """Offer to recover recordings a crash left unfinished, then apply retention."""
        from assist.secure.container import find_unfinished
        from assist.settings.rules import retention_policy
        from assist.store.housekeeping import run_startup_housekeeping
        from assist.store.retention import apply_retention

        store = self.services.store
        policy = retention_policy(self.services.settings)
        unfinished = len(find_unfinished(store.recordings_dir))
        recover = unfinished > 0 and self.confirm(
            self.tr("Recover recordings"),
            self.tr(
                "Assist found {count} recording(s) that did not finish (the app or the PC "
                "stopped during a recording). Recover everything that was recorded?"
            ).format(count=unfinished),
        )

        def work(_cancel: object) -> object:
            if recover:
                return run_startup_housekeeping(store, policy)
            return apply_retention(store, policy)

        self.services.runner.call(
            "housekeeping", work, on_done=self._housekeeping_done, on_error=self._show_error
        )

    def _housekeeping_done(self, result: object) -> None:
        from assist.store.housekeeping import Housekeeping

        if isinstance(result, Housekeeping) and result.recovered:
            kept = [r for r in result.recovered if r.case_id is not None]
            self.status.setText(
                self.tr("Recovered {count} recording(s); nothing recorded was lost.").format(
                    count=len(kept)
                )
            )
        self.cases.reload()

    def _show_error(self, error: BaseException) -> None:
        if isinstance(error, AssistError):
            self.status.setText(error.message(self.services.lang))
        else:
            self.status.setText(
                self.tr("Something went wrong ({kind}). Nothing was lost; try again.").format(
                    kind=type(error).__name__
                )
            )

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closing:
            event.accept()
            return
        recording = self.workspace.recording
        if recording.is_recording():
            if not self.confirm(
                self.tr("A recording is running"),
                self.tr("Stop the recording and close Assist? Everything recorded is kept."),
            ):
                event.ignore()
                return
            recording.stop_recording()
            recording.wait_until_saved()
        if self._dictation is not None:
            self._dictation.close()
        self.workspace.flush()
        self._closing = True
        self.status.setText(self.tr("Finishing background work…"))
        # Jobs end on their own threads (cancel through the core's token); wait for them so no
        # thread outlives the store it writes to.
        self.services.runner.shutdown()
        event.accept()
