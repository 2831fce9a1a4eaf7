"""Dictation for care staff: hold F8 (or the large button), speak, let go, and clean text appears
where the cursor is.

Each utterance is one recording on the case, through the core exactly as the recording view
records (`RecordingSession`: consent checked by the store, encrypted audio, the case locked while
it records), with live transcription as a meeting has it, tuned for dictation
(`assist.dictation.DICTATION_LIVE`, with the speech engine already loaded when the window
opened): a stretch of speech followed by a short pause is transcribed on the session's own
recognition thread during the hold, so at release only the last seconds are left. The
segments are saved as the case's transcript segments on the case's timeline, so each inserted
sentence keeps its link to its audio; at the end of the recording its segments are cleaned
(`clean_dictation`) into text with numbers, times and doses as digits. The GUI thread does none
of this. A recognition failure stops the utterance (a dictation without text is of no use)
and says so.

The hold key is F8: it types nothing (Space, Ctrl or a letter would collide with typing and
shortcuts, and Ctrl is held for Ctrl+C/Ctrl+V all the time), it sits alone on laptop and
municipal keyboards, and foot pedals and dictation microphones can be mapped to it. Key presses
and releases are handled on the window, wherever the focus is in it; auto-repeat events (a held
key repeats press/release pairs) are ignored, so holding never stops and restarts the recording.

F8 works only while this window is active. Qt has no global hotkey; a global one would need a
platform keyboard hook, which municipal security policies and screen readers rightly distrust,
and it would record when the caseworker did not mean to.

A stuck key or button is guarded against twice: an utterance stops after `MAX_UTTERANCE_S`, and
after `SILENCE_STOP_S` of silence that follows speech (the level comes from the core's `Level`
events, which are measured on the recorded samples).

Without consent nothing is recorded: the text box still takes typed text. "Save as note" makes
the text the case's draft through the core (`save_dictation_draft`, verified like any draft);
signing and export happen in the main window's draft view under the ordinary rules.
"""

from __future__ import annotations

import time
from enum import Enum
from itertools import pairwise
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assist.asr.live import LiveTranscriber
from assist.dictation import (
    DICTATION_LIVE,
    DICTATION_TEMPLATE,
    DictatedText,
    clean_dictation,
    save_dictation_draft,
)
from assist.errors import INTERNAL, AssistError
from assist.jobs.events import Level
from assist.jobs.recording import CaseTarget, RecordingResult, RecordingSession
from ui.audio import Microphone
from ui.context import AppServices
from ui.jobs import RunningJob
from ui.level_meter import LevelMeter
from ui.recording_view import transcript_model_of

HOLD_KEY = Qt.Key.Key_F8
MAX_UTTERANCE_S = 60.0
SILENCE_STOP_S = 3.0
# The level (RMS, 0..1) above which a block counts as speech: the core's energy detector's.
SPEECH_RMS = 0.02
_LANGUAGE = "da"


class Phase(Enum):
    IDLE = "idle"
    STARTING = "starting"  # looking up the model, opening the microphone
    LISTENING = "listening"
    TRANSCRIBING = "transcribing"


class DictationWindow(QWidget):
    text_inserted = Signal(str)
    # Why: "released", "max_length", "silence", "recognition_failed".
    utterance_stopped = Signal(str)

    def __init__(
        self, services: AppServices, case_id: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window, True)
        self._services = services
        self._case_id: str | None = None
        self._consent_given = False
        self._phase = Phase.IDLE
        self._model: tuple[str, str] | None = None
        self._mic: Microphone | None = None
        self._session: RecordingSession | None = None
        self._jobs: list[RunningJob] = []
        self._heard_speech = False
        self._last_speech_s = 0.0
        self._released_at: float | None = None
        self.last_release_to_text_s: float | None = None
        # While listening: has recognition failed? (It may fail after the last audio block.)
        self._recognition_watch = QTimer(self)
        self._recognition_watch.setInterval(200)
        self._recognition_watch.timeout.connect(self._check_recognition)
        self._build()
        services.changes.changed.connect(self._store_changed)
        self.set_case(case_id)
        self._prepare_engine()

    # ---- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.setWindowTitle(self.tr("Dictation – care note"))
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.banner.setAccessibleName(self.tr("Message"))

        self.consent_note = QLabel(
            self.tr(
                "Dictation is recorded and kept with the case until the note is signed. "
                "Has the citizen agreed to that?"
            )
        )
        self.consent_note.setWordWrap(True)
        self.consent_by = QLineEdit(self.tr("The citizen"))
        self.consent_by.setAccessibleName(self.tr("Consent given by"))
        consent_by_label = QLabel(self.tr("Consent &given by:"))
        consent_by_label.setBuddy(self.consent_by)
        self.consent_given_button = self._button(self.tr("Consent given"), self.give_consent)
        self.consent_refused_button = self._button(
            self.tr("No consent: type only"), self.refuse_consent
        )
        self.consent_box = QWidget()
        consent_layout = QVBoxLayout(self.consent_box)
        consent_layout.setContentsMargins(0, 0, 0, 0)
        consent_layout.addWidget(self.consent_note)
        consent_row = QHBoxLayout()
        consent_row.addWidget(consent_by_label)
        consent_row.addWidget(self.consent_by, 1)
        consent_row.addWidget(self.consent_given_button)
        consent_row.addWidget(self.consent_refused_button)
        consent_layout.addLayout(consent_row)

        self.editor = QPlainTextEdit()
        self.editor.setAccessibleName(self.tr("Note text"))
        editor_label = QLabel(self.tr("&Note:"))
        editor_label.setBuddy(self.editor)

        self.talk_button = QPushButton(self.tr("Hold to dictate (F8)"))
        self.talk_button.setAccessibleName(self.tr("Hold to dictate"))
        self.talk_button.setAccessibleDescription(
            self.tr("Hold the button or F8 while you speak; let go to insert the text.")
        )
        self.talk_button.setMinimumHeight(72)
        # Pressing must not take the focus from the text box: the text goes to its cursor.
        self.talk_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.talk_button.pressed.connect(self.start_utterance)
        self.talk_button.released.connect(self.release_utterance)

        self.level_meter = LevelMeter()
        self.state_label = QLabel()
        self.state_label.setAccessibleName(self.tr("Dictation status"))
        self.uncertain_label = QLabel()
        self.uncertain_label.setWordWrap(True)
        self.uncertain_label.setVisible(False)
        self.uncertain_label.setAccessibleName(self.tr("Numbers to check"))

        self.copy_button = self._button(self.tr("Copy text"), self.copy_text)
        self.save_button = self._button(self.tr("Save as note"), self.save_as_note)
        self.help_label = QLabel(
            self.tr(
                "Hold F8 or the button while you speak and let go when you are done: the text "
                "is inserted where the cursor is. F8 works only while this window is active: "
                "Qt has no global hotkey; a global key would need a platform keyboard hook, "
                "which municipal security policies and screen readers rightly distrust, and it "
                "would record when you did not mean to. After saving, sign and export the note "
                "in the main window's draft view."
            )
        )
        self.help_label.setWordWrap(True)
        self.help_label.setAccessibleName(self.tr("Help"))

        meter_row = QHBoxLayout()
        meter_row.addWidget(self.level_meter, 1)
        meter_row.addWidget(self.state_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.consent_box)
        layout.addWidget(editor_label)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.talk_button)
        layout.addLayout(meter_row)
        layout.addWidget(self.uncertain_label)
        layout.addLayout(buttons)
        layout.addWidget(self.help_label)
        order = [
            self.consent_by,
            self.consent_given_button,
            self.consent_refused_button,
            self.editor,
            self.talk_button,
            self.copy_button,
            self.save_button,
        ]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)
        self.resize(640, 460)

    def _button(self, text: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(text.replace("&", ""))
        button.clicked.connect(slot)
        return button

    # ---- the case ---------------------------------------------------------------------------

    @property
    def case_id(self) -> str | None:
        return self._case_id

    def set_case(self, case_id: str | None) -> None:
        """Dictate into `case_id`; None creates a new care note case (consent asked here)."""
        if self.is_busy():
            return
        if case_id is None:
            try:
                case_id = self._services.store.create_case(
                    title=self.tr("Care note"), note_type=DICTATION_TEMPLATE
                )
            except AssistError as error:
                self._show_message(error.message(self._services.lang), problem=True)
        self._case_id = case_id
        self._reload()

    def _store_changed(self, kind: str, case_id: object) -> None:
        if (case_id is None or case_id == self._case_id) and not self.is_busy():
            self._reload()

    def _reload(self) -> None:
        self._consent_given = False
        status = "not-asked"
        if self._case_id is not None:
            try:
                status = self._services.store.consent_status(self._case_id)
            except AssistError as error:
                self._show_message(error.message(self._services.lang), problem=True)
        self._consent_given = status == "given"
        self.consent_box.setVisible(status == "not-asked")
        if status not in ("given", "not-asked"):
            self._show_message(
                self.tr("No consent to recording: type the note; nothing is recorded.")
            )
        self._show_phase()

    def give_consent(self) -> None:
        self._set_consent("given", self.consent_by.text().strip() or None)

    def refuse_consent(self) -> None:
        self._set_consent("refused", None)

    def _set_consent(self, status: str, by: str | None) -> None:
        if self._case_id is None:
            return
        try:
            self._services.store.set_consent(self._case_id, status, by)  # type: ignore[arg-type]
        except AssistError as error:
            self._show_message(error.message(self._services.lang), problem=True)
            return
        self._show_message("")
        self._reload()

    def _prepare_engine(self) -> None:
        """Load the speech model now, so the first utterance does not wait for it."""
        engines = self._services.engines
        self._track(
            self._services.runner.call(
                "dictation-engine",
                lambda cancel: (engines.asr(None), transcript_model_of(self._services))[1],
                on_done=self._engine_ready,
                on_error=self._failed,
            )
        )

    def _engine_ready(self, model: tuple[str, str]) -> None:
        self._model = model

    # ---- keys -------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == HOLD_KEY:
            if not event.isAutoRepeat():
                self.start_utterance()
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == HOLD_KEY:
            if not event.isAutoRepeat():
                self.release_utterance()
            event.accept()
            return
        super().keyReleaseEvent(event)

    # ---- an utterance -----------------------------------------------------------------------

    def is_busy(self) -> bool:
        return self._phase is not Phase.IDLE

    def can_record(self) -> bool:
        return self._case_id is not None and self._consent_given

    def start_utterance(self) -> None:
        if self.is_busy():
            return
        if not self.can_record():
            self._show_message(
                self.tr("Nothing is recorded without consent. Give consent, or type the note."),
                problem=True,
            )
            return
        self._show_message("")
        self._phase = Phase.STARTING
        self._heard_speech = False
        self._last_speech_s = 0.0
        self._show_phase()
        if self._model is not None:
            self._open_and_record(self._model)
            return
        self._track(
            self._services.runner.call(
                "dictation-model",
                lambda cancel: transcript_model_of(self._services),
                on_done=self._open_and_record,
                on_error=self._failed,
            )
        )

    def _open_and_record(self, model: tuple[str, str]) -> None:
        self._model = model
        case_id = self._case_id
        if self._phase is not Phase.STARTING or case_id is None:
            return  # released before the microphone opened
        saved = self._services.settings.text("microphone")
        try:
            mic = self._services.microphones.open(saved or None)
        except AssistError as error:
            self._failed(error)
            return
        self._mic = mic
        engines = self._services.engines
        session = RecordingSession(
            mic.blocks(),
            case=CaseTarget(self._services.store, case_id, model[0], model[1]),
            live=lambda: LiveTranscriber(
                engines.asr(None), language=_LANGUAGE, settings=DICTATION_LIVE
            ),
        )
        self._session = session
        self._phase = Phase.LISTENING
        self._recognition_watch.start()
        self._track(
            self._services.runner.start(
                "dictation-record",
                lambda cancel: session.run(),
                on_event=self._recording_event,
                on_done=self._recorded,
                on_error=self._failed,
                thin=False,
            )
        )
        self._show_phase()

    def release_utterance(self) -> None:
        self._stop_utterance("released")

    def _stop_utterance(self, why: str) -> None:
        if self._phase is Phase.STARTING and self._session is None:
            self._phase = Phase.IDLE  # the model lookup's answer is then ignored
            self._show_phase()
            return
        if self._phase is not Phase.LISTENING:
            return  # auto-stopped already, or nothing running
        self._released_at = time.monotonic()
        self._phase = Phase.TRANSCRIBING
        if self._mic is not None:
            self._mic.stop()  # the session records what was captured, then ends
        self.utterance_stopped.emit(why)
        self._show_phase()

    def _recording_event(self, event: object) -> None:
        if not isinstance(event, Level) or self._phase is not Phase.LISTENING:
            return
        self.level_meter.set_level(event.rms)
        if event.rms >= SPEECH_RMS:
            self._heard_speech = True
            self._last_speech_s = event.elapsed_s
        if event.elapsed_s >= MAX_UTTERANCE_S:
            self._stop_utterance("max_length")
        elif self._heard_speech and event.elapsed_s - self._last_speech_s >= SILENCE_STOP_S:
            self._stop_utterance("silence")

    def _check_recognition(self) -> None:
        if self._session is not None and self._session.recognition_failed:
            self._stop_utterance("recognition_failed")  # the error comes with the session's end

    def _recorded(self, result: RecordingResult) -> None:
        """The utterance is recorded and transcribed (its segments are in the case)."""
        self._end_capture()
        if result.missed_s > 0 and result.interruptions:
            # Audio the recogniser crashed on twice: a gap in the text would go unnoticed.
            self._failed(result.interruptions[-1])
            return
        self._dictated(clean_dictation(result.segments), heard=result.duration_s > 0)

    def _dictated(self, result: DictatedText, *, heard: bool) -> None:
        if self._released_at is not None:
            self.last_release_to_text_s = time.monotonic() - self._released_at
        if result.text:
            self._insert_at_cursor(result.text)
        elif heard:
            self._show_message(self.tr("No speech was heard. Hold the key while you speak."))
        self._show_uncertain(result)
        self._finish()

    def _insert_at_cursor(self, text: str) -> None:
        cursor = self.editor.textCursor()
        document = self.editor.document()
        before = document.characterAt(cursor.position() - 1) if cursor.position() else ""
        after = document.characterAt(cursor.position())
        if before and not before.isspace():
            text = " " + text
        if after and not after.isspace() and after != "\u2029":
            text += " "
        cursor.insertText(text)
        self.editor.setTextCursor(cursor)
        self.text_inserted.emit(text)

    def _show_uncertain(self, result: DictatedText) -> None:
        shown = [
            self.tr('{value} (heard "{word}", {percent} % sure)').format(
                value=u.value, word=u.word, percent=round(u.confidence * 100)
            )
            for u in result.uncertain
        ]
        self.uncertain_label.setVisible(bool(shown))
        text = self.tr("⚠ Check these numbers: {numbers}").format(numbers="; ".join(shown))
        self.uncertain_label.setText(text if shown else "")
        self.uncertain_label.setAccessibleDescription(text if shown else "")

    def _failed(self, error: BaseException) -> None:
        self._end_capture()
        self._finish()
        self._show_message(self._error_text(error), problem=True)

    def _end_capture(self) -> None:
        self._recognition_watch.stop()
        if self._mic is not None:
            self._mic.stop()
        self._mic = None
        self._session = None
        self.level_meter.set_level(0.0)

    def _finish(self) -> None:
        self._phase = Phase.IDLE
        self._released_at = None
        self._reload()

    def _track(self, job: RunningJob) -> None:
        self._jobs = [j for j in self._jobs if j.running] + [job]

    # ---- done -------------------------------------------------------------------------------

    def copy_text(self) -> None:
        QGuiApplication.clipboard().setText(self.editor.toPlainText())
        self._show_message(self.tr("The text is copied."))

    def save_as_note(self) -> None:
        case_id = self._case_id
        text = self.editor.toPlainText()
        if case_id is None or not text.strip() or self.is_busy():
            return
        store = self._services.store
        self.save_button.setEnabled(False)
        self._track(
            self._services.runner.call(
                "dictation-save",
                lambda cancel: save_dictation_draft(store, case_id, text),
                on_done=self._saved,
                on_error=self._save_failed,
            )
        )

    def _saved(self, note: object) -> None:
        self._show_message(
            self.tr(
                "Saved as the case's draft. Check the flagged sentences, then sign and export "
                "the note in the main window's draft view."
            )
        )
        self._show_phase()

    def _save_failed(self, error: BaseException) -> None:
        self._show_message(self._error_text(error), problem=True)
        self._show_phase()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop a running utterance and wait for the core, so no worker outlives the window."""
        if self._mic is not None:
            self._mic.stop()
        # The session is not cancelled: it transcribes the last seconds once the microphone
        # has stopped, so the case's transcript holds the whole utterance.
        for job in self._jobs:
            if job.running:
                job.wait(30.0)
        super().closeEvent(event)

    # ---- showing ----------------------------------------------------------------------------

    def _show_phase(self) -> None:
        phase = self._phase
        # Enabled while held (STARTING, LISTENING): a disabled button would lose its release.
        self.talk_button.setEnabled(self.can_record() and phase is not Phase.TRANSCRIBING)
        self.save_button.setEnabled(phase is Phase.IDLE and self._case_id is not None)
        if not self.can_record():
            text = self.tr("Typing only: nothing is recorded")
        else:
            text = {
                Phase.IDLE: self.tr("Ready: hold F8 to dictate"),
                Phase.STARTING: self.tr("Starting microphone…"),
                Phase.LISTENING: self.tr("● Listening"),
                Phase.TRANSCRIBING: self.tr("Writing text…"),
            }[phase]
        self.state_label.setText(text)
        self.state_label.setAccessibleDescription(text)

    def _show_message(self, text: str, *, problem: bool = False) -> None:
        self.banner.setVisible(bool(text))
        self.banner.setText(("⚠ " + text) if problem and text else text)
        self.banner.setAccessibleDescription(text)

    def _error_text(self, error: BaseException) -> str:
        if isinstance(error, AssistError):
            return error.message(self._services.lang)
        return AssistError(INTERNAL, kind=type(error).__name__).message(self._services.lang)
