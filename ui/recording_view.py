"""Recording a meeting into a case from the microphone (with a live transcript), and importing
an audio file instead.

The core does the work: `assist.jobs.recording.RecordingSession` checks consent, writes the
encrypted audio, transcribes live and saves each segment; this view opens the microphone, runs
the session through `services.runner`, and shows its events. Times come from the recorded
samples (`Level.elapsed_s`), never from the wall clock, so a pause or a stalled microphone
cannot make the clock lie.

Stop ends the capture at once; what the microphone already delivered is still recorded, and the
core transcribes everything queued before it says `Saved(case_id, "recording")`: no spoken word
is lost to a Stop. A lost microphone pauses the recording (never a silent switch to another
one); what was recorded is kept.

Beside the live transcript, the caseworker types notes ("Noter under mødet",
`ui.meeting_notes_panel`): open while a recording runs or is paused, each note at the recording
time at which typing began; what is still in the box when the recording stops is added.

Import is transcribe-only (`transcribe_file_job` + `store.save_transcript`): drafting stays a
separate, visible step.
"""

from __future__ import annotations

from enum import Enum
from itertools import pairwise
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assist.asr.live import LiveTranscriber
from assist.cancel import Progress
from assist.errors import INTERNAL, AssistError
from assist.jobs.events import Level, Saved, SegmentCommitted, Stage
from assist.jobs.recording import CaseTarget, RecordingResult, RecordingSession
from assist.settings import set_user_value
from assist.store.recordings import NO_CONSENT
from assist.transcript import Segment, Transcript, format_time
from ui.audio import Microphone
from ui.context import AppServices
from ui.jobs import RunningJob
from ui.level_meter import LevelMeter
from ui.meeting_notes_panel import MeetingNotesPanel

AUDIO_SUFFIXES = (".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus", ".wma", ".mp4")
_LANGUAGE = "da"  # the meetings' spoken language


class Phase(Enum):
    IDLE = "idle"
    STARTING = "starting"  # looking up the model, opening the microphone, no audio yet
    RECORDING = "recording"
    PAUSED = "paused"
    FINISHING = "finishing"  # capture stopped; the core finishes the transcript


def _segment_line(segment: Segment) -> str:
    return f"{format_time(segment.start_s)}  {segment.text.strip()}"


def transcript_model_of(services: AppServices) -> tuple[str, str]:
    """(id, sha256) of the speech model `engines.asr(None)` loads, kept with each live segment.
    Reads the model store: call off the GUI thread."""
    from assist.models.store import configured_model_id

    model_id = configured_model_id("asr")
    return model_id, services.engines.asr_model_sha256(model_id)


class RecordingView(QWidget):
    recording_started = Signal(str)
    recording_finished = Signal(str)

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._case_id: str | None = None
        self._consent_given = False
        self._phase = Phase.IDLE
        self._mic: Microphone | None = None
        self._session: RecordingSession | None = None
        self._job: RunningJob | None = None
        self._start_job: RunningJob | None = None
        self._import_job: RunningJob | None = None
        self._microphone_lost = False
        self._announced_case: str | None = None
        self._build()
        self.setAcceptDrops(True)
        services.changes.changed.connect(self._store_changed)
        services.microphones.on_devices_changed(self._fill_microphones)
        self._fill_microphones()
        self._show_phase()

    # ---- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.microphone_combo = QComboBox()
        self.microphone_combo.setAccessibleName(self.tr("Microphone"))
        self.microphone_combo.activated.connect(self._microphone_chosen)
        microphone_label = QLabel(self.tr("&Microphone:"))
        microphone_label.setBuddy(self.microphone_combo)
        self.microphone_note = QLabel()
        self.microphone_note.setWordWrap(True)
        self.microphone_note.setVisible(False)

        self.start_button = self._button(self.tr("Start recording"), self.start_recording)
        self.pause_button = self._button(self.tr("Pause"), self.pause_recording)
        self.resume_button = self._button(self.tr("Resume"), self.resume_recording)
        self.stop_button = self._button(self.tr("Stop"), self.stop_recording)
        self.level_meter = LevelMeter()
        self.elapsed_label = QLabel(format_time(0))
        self.elapsed_label.setAccessibleName(self.tr("Recorded time"))
        self.state_label = QLabel()
        self.state_label.setAccessibleName(self.tr("Recording status"))
        self.transcript_list = QListWidget()
        self.transcript_list.setAccessibleName(self.tr("Live transcript"))
        self.transcript_list.setWordWrap(True)
        transcript_label = QLabel(self.tr("&Transcript:"))
        transcript_label.setBuddy(self.transcript_list)
        self.notes_panel = MeetingNotesPanel(self._services, self)
        self.notes_panel.problem.connect(lambda text: self._show_message(text, problem=True))
        self.notes_panel.escaped.connect(self._focus_recording_controls)
        self.notes_panel.add_shortcut(self)

        self.import_button = self._button(self.tr("Import audio file…"), self.choose_audio_file)
        self.import_progress = QProgressBar()
        self.import_progress.setAccessibleName(self.tr("Import progress"))
        self.import_progress.setVisible(False)
        self.import_status = QLabel()
        self.import_status.setVisible(False)
        self.cancel_import_button = self._button(self.tr("Cancel import"), self.cancel_import)
        self.cancel_import_button.setVisible(False)

        microphone_row = QHBoxLayout()
        microphone_row.addWidget(microphone_label)
        microphone_row.addWidget(self.microphone_combo, 1)
        buttons = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.resume_button, self.stop_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        meter_row = QHBoxLayout()
        meter_row.addWidget(self.level_meter, 1)
        meter_row.addWidget(self.elapsed_label)
        import_row = QHBoxLayout()
        import_row.addWidget(self.import_button)
        import_row.addWidget(self.import_progress, 1)
        import_row.addWidget(self.cancel_import_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(microphone_row)
        layout.addWidget(self.microphone_note)
        layout.addLayout(buttons)
        layout.addWidget(self.state_label)
        layout.addLayout(meter_row)
        transcript_column = QVBoxLayout()
        transcript_column.addWidget(transcript_label)
        transcript_column.addWidget(self.transcript_list, 1)
        # The notes beside what is said: the caseworker's words apart from the citizen's.
        live_row = QHBoxLayout()
        live_row.addLayout(transcript_column, 3)
        live_row.addWidget(self.notes_panel, 2)
        layout.addLayout(live_row, 1)
        layout.addLayout(import_row)
        layout.addWidget(self.import_status)
        # Tab order follows the work: choose, record, watch, note, import.
        order = [
            self.microphone_combo,
            self.start_button,
            self.pause_button,
            self.resume_button,
            self.stop_button,
            self.transcript_list,
            *self.notes_panel.focus_order(),
            self.import_button,
            self.cancel_import_button,
        ]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    def _button(self, text: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(text.replace("&", ""))
        button.clicked.connect(slot)
        return button

    # ---- the case ---------------------------------------------------------------------------

    def set_case(self, case_id: str | None) -> None:
        if self.is_recording():
            return  # while recording the events are the news; the main window stops the
            # recording before it switches cases
        if case_id == self._case_id:
            self.notes_panel.set_case(case_id)
            self._reload()
            return
        self._case_id = case_id
        self._show_message("")
        self.notes_panel.set_case(case_id)
        self._reload()

    def _store_changed(self, kind: str, case_id: object) -> None:
        # While recording, the events are the news.
        if (case_id is None or case_id == self._case_id) and not self.is_recording():
            self._reload()

    def _reload(self) -> None:
        """Consent and transcript from the core; nothing is kept between reloads."""
        self.transcript_list.clear()
        self._consent_given = False
        if self._case_id is None:
            self._show_phase()
            return
        try:
            status = self._services.store.consent_status(self._case_id)
            transcript = self._services.store.load_transcript(self._case_id)
        except AssistError as error:
            self._show_message(error.message(self._services.lang), problem=True)
            self._show_phase()
            return
        self._consent_given = status == "given"
        if not self._consent_given and not self.is_recording():
            refused = AssistError(NO_CONSENT, case_id=self._case_id, status=status)
            self._show_message(refused.message(self._services.lang), problem=True)
        # All rows at once and one scroll: a scroll per row laid the whole list out again each
        # time (30 s for a 2-hour meeting's 1,500 segments, bench/ui_responsiveness.py).
        segments = transcript.segments if transcript is not None else ()
        self.transcript_list.addItems([_segment_line(s) for s in segments])
        self.transcript_list.scrollToBottom()
        self._show_phase()

    # ---- microphones ------------------------------------------------------------------------

    def _fill_microphones(self) -> None:
        saved = self._services.settings.text("microphone")
        devices = self._services.microphones.devices()
        combo = self.microphone_combo
        combo.clear()
        combo.addItem(self.tr("System default microphone"), None)
        for device in devices:
            combo.addItem(device.name, device.device_id)
        known = {d.device_id for d in devices}
        if saved and saved in known:
            combo.setCurrentIndex(combo.findData(saved))
        self.microphone_note.setVisible(bool(saved) and saved not in known)
        self.microphone_note.setText(
            self.tr("The chosen microphone is not connected; the system default is used.")
        )
        if not devices:
            self.microphone_note.setText(self.tr("No microphone is connected."))
            self.microphone_note.setVisible(True)

    def _microphone_chosen(self, index: int) -> None:
        device_id = self.microphone_combo.itemData(index)
        try:
            set_user_value(self._services.settings, "microphone", device_id or "")
        except AssistError as error:
            self._show_message(error.message(self._services.lang), problem=True)
            return
        self._services.reload_settings()
        self.microphone_note.setVisible(False)

    # ---- recording --------------------------------------------------------------------------

    def is_recording(self) -> bool:
        return self._phase is not Phase.IDLE

    def start_recording(self) -> None:
        if self._case_id is None or self.is_recording() or not self._consent_given:
            return
        self._show_message("")
        self._microphone_lost = False
        self._phase = Phase.STARTING
        self.transcript_list.clearSelection()
        self._show_phase()
        # The model's id and hash come from the model store: not on the GUI thread.
        self._start_job = self._services.runner.call(
            "recording-model",
            lambda cancel: transcript_model_of(self._services),
            on_done=self._open_and_record,
            on_error=self._failed,
        )

    def _open_and_record(self, model: tuple[str, str]) -> None:
        self._start_job = None
        case_id = self._case_id
        if self._phase is not Phase.STARTING or case_id is None:
            return  # stopped before the microphone opened
        device_id = self.microphone_combo.currentData()
        try:
            mic = self._services.microphones.open(device_id)
        except AssistError as error:
            self._failed(error)
            return
        self._mic = mic
        mic.on_lost(self._mic_lost)
        engines = self._services.engines
        session = RecordingSession(
            mic.blocks(),
            case=CaseTarget(self._services.store, case_id, model[0], model[1]),
            live=lambda: LiveTranscriber(engines.asr(None), language=_LANGUAGE),
        )
        self._session = session
        # Not thinned: the microphone paces the events (a block per 100 ms), and the core's
        # thinning holds the latest Level back until the next event, so a stalled microphone
        # would leave a stale clock and meter on screen.
        self._job = self._services.runner.start(
            "record",
            lambda cancel: session.run(),
            on_event=self._recording_event,
            on_done=self._recorded,
            on_error=self._failed,
            thin=False,
        )
        self._show_phase()

    def pause_recording(self) -> None:
        if self._session is not None and self._phase is Phase.RECORDING:
            self._session.pause()
            self._phase = Phase.PAUSED
            self._show_phase()

    def resume_recording(self) -> None:
        if self._session is not None and self._phase is Phase.PAUSED and not self._microphone_lost:
            self._session.resume()
            self._phase = Phase.RECORDING
            self._show_phase()

    def stop_recording(self) -> None:
        """Stop the capture now; the core records what was captured and finishes the
        transcript, then `recording_finished` comes. A note still in the box is added."""
        self.notes_panel.add_pending()
        if self._phase is Phase.STARTING and self._session is None:
            self._phase = Phase.IDLE  # the model lookup's answer is then ignored
            self._show_phase()
            return
        if self._phase not in (Phase.RECORDING, Phase.PAUSED, Phase.STARTING):
            return
        self._phase = Phase.FINISHING
        if self._mic is not None:
            self._mic.stop()  # blocks() hands out what is captured, then ends the session
        self._show_phase()

    def wait_until_saved(self, timeout_s: float = 30.0) -> bool:
        """For closing the app: after `stop_recording()`, wait for the core to finish."""
        job = self._job
        return job is None or job.wait(timeout_s)

    def _recording_event(self, event: object) -> None:
        if isinstance(event, Level):
            if self._phase is Phase.STARTING:
                self._phase = Phase.RECORDING  # the first buffer arrived: now it records
                self._announce_started()
                self._show_phase()
            self.level_meter.set_level(event.rms)
            self.elapsed_label.setText(format_time(event.elapsed_s))
            self.elapsed_label.setAccessibleDescription(
                self.tr("{seconds} seconds recorded").format(seconds=int(event.elapsed_s))
            )
        elif isinstance(event, SegmentCommitted):
            self._add_segment(event.segment)

    def _recorded(self, result: RecordingResult) -> None:
        lost = self._microphone_lost
        self._end_recording()
        message = self.tr("The recording is saved in the case ({duration}).").format(
            duration=format_time(result.duration_s)
        )
        if result.interruptions:
            message = result.interruptions[0].message(self._services.lang) + "\n" + message
        if lost:
            message = self._lost_text() + "\n" + message
        self._show_message(message, problem=bool(result.interruptions) or lost)
        self._reload()

    def _failed(self, error: BaseException) -> None:
        self._end_recording()
        self._reload()
        self._show_message(self._error_text(error), problem=True)

    def _end_recording(self) -> None:
        self.notes_panel.add_pending()  # a failed recording keeps the notes typed during it
        if self._mic is not None:
            self._mic.stop()
        self._mic = None
        self._session = None
        self._job = None
        self._start_job = None
        self._phase = Phase.IDLE
        self.level_meter.set_level(0.0)
        self._show_phase()
        if self._announced_case is not None:
            case_id, self._announced_case = self._announced_case, None
            self.recording_finished.emit(case_id)

    def _announce_started(self) -> None:
        if self._case_id is not None and self._announced_case is None:
            self._announced_case = self._case_id
            self.recording_started.emit(self._case_id)

    def _mic_lost(self) -> None:
        """Pause, keep what was recorded, say so; never switch microphones silently."""
        if self._session is None or self._phase is Phase.FINISHING:
            return
        self._microphone_lost = True
        self._session.pause()
        self._phase = Phase.PAUSED
        self._show_message(self._lost_text(), problem=True)
        self._show_phase()

    def _lost_text(self) -> str:
        return self.tr(
            "The microphone disappeared. The recording is paused and what was recorded is "
            "kept. Press Stop to save it, check the microphone, and start a new recording."
        )

    def _add_segment(self, segment: Segment) -> None:
        self.transcript_list.addItem(_segment_line(segment))
        self.transcript_list.scrollToBottom()

    # ---- import -----------------------------------------------------------------------------

    def choose_audio_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Import audio file"),
            "",
            self.tr("Audio files (*.wav *.mp3 *.m4a *.aac *.flac *.ogg *.opus *.wma *.mp4)"),
        )
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """Transcribe an audio file into the case (transcribe only: drafting is its own step)."""
        case_id = self._case_id
        if case_id is None or self.is_recording() or self._import_job is not None:
            return
        if not self._consent_given:
            return
        if self.transcript_list.count() and not self._confirm_replace():
            return
        services = self._services
        self._show_message("")

        def job(cancel: Any) -> Any:
            from assist.jobs.transcribe import check_case_takes_a_transcript, transcribe_file_job

            check_case_takes_a_transcript(services.store, case_id)
            transcript: Transcript = yield from transcribe_file_job(
                path,
                lambda: services.engines.asr(None),
                _LANGUAGE,
                cancel,
                check=lambda: services.engines.check_steps("asr", None),
            )
            cancel.raise_if_cancelled()
            sha256 = services.engines.asr_model_sha256(transcript.model)
            services.store.save_transcript(case_id, transcript, model_sha256=sha256)
            yield Saved(case_id, "transcript")
            return transcript

        self._import_job = services.runner.start(
            "import-audio",
            job,
            on_event=self._import_event,
            on_done=self._imported,
            on_error=self._import_failed,
        )
        self._set_import_running(True, self.tr("Reading the audio file…"))

    def cancel_import(self) -> None:
        if self._import_job is not None:
            self._import_job.cancel()
            self.import_status.setText(self.tr("Cancelling…"))

    def _confirm_replace(self) -> bool:
        answer = QMessageBox.question(
            self,
            self.tr("Replace the transcript?"),
            self.tr("The case already has a transcript. Importing the file replaces it."),
        )
        return answer == QMessageBox.StandardButton.Yes

    def _import_event(self, event: object) -> None:
        if isinstance(event, Stage):
            self.import_status.setText(self._stage_text(event.name))
            self.import_progress.setRange(0, 0)
        elif isinstance(event, Progress):
            fraction = event.fraction
            if fraction is None:
                self.import_progress.setRange(0, 0)
            else:
                self.import_progress.setRange(0, 100)
                self.import_progress.setValue(round(fraction * 100))
                self.import_status.setText(self.tr("Transcribing…"))
        elif isinstance(event, SegmentCommitted):
            self._add_segment(event.segment)

    def _stage_text(self, stage: str) -> str:
        if stage == "model.check":
            return self.tr("Checking the speech model…")
        if stage == "model.load":
            return self.tr("Loading speech recognition…")
        return self.tr("Reading the audio file…")

    def _imported(self, transcript: Transcript) -> None:
        self._import_job = None
        self._set_import_running(False)
        self._reload()
        self._show_message(
            self.tr("The audio file is transcribed into the case ({count} segments).").format(
                count=len(transcript.segments)
            )
        )

    def _import_failed(self, error: BaseException) -> None:
        self._import_job = None
        self._set_import_running(False)
        self._reload()
        if isinstance(error, AssistError) and error.code == "cancelled":
            self._show_message(self.tr("The import was cancelled. Nothing was saved."))
        else:
            self._show_message(self._error_text(error), problem=True)

    def _set_import_running(self, running: bool, status: str = "") -> None:
        self.import_progress.setVisible(running)
        self.import_progress.setRange(0, 0)
        self.import_status.setVisible(running)
        self.import_status.setText(status)
        self.cancel_import_button.setVisible(running)
        self._show_phase()
        if running:
            self.cancel_import_button.setFocus()
        else:
            self.import_button.setFocus()

    # ---- drag and drop ----------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_audio(event) is not None and self.import_button.isEnabled():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_audio(event)
        if path is not None and self.import_button.isEnabled():
            event.acceptProposedAction()
            self.import_file(path)

    @staticmethod
    def _dropped_audio(event: QDragEnterEvent | QDropEvent) -> Path | None:
        for url in event.mimeData().urls():
            if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in AUDIO_SUFFIXES:
                return Path(url.toLocalFile())
        return None

    # ---- showing ----------------------------------------------------------------------------

    def _show_phase(self) -> None:
        phase = self._phase
        importing = self._import_job is not None
        can_record = self._case_id is not None and self._consent_given and not importing
        self.start_button.setEnabled(phase is Phase.IDLE and can_record)
        self.pause_button.setEnabled(phase is Phase.RECORDING)
        self.resume_button.setEnabled(phase is Phase.PAUSED and not self._microphone_lost)
        self.stop_button.setEnabled(phase in (Phase.STARTING, Phase.RECORDING, Phase.PAUSED))
        self.notes_panel.set_clock(self._timeline_now)
        self.microphone_combo.setEnabled(phase is Phase.IDLE)
        self.import_button.setEnabled(phase is Phase.IDLE and can_record)
        texts = {
            Phase.IDLE: self.tr("Ready to record") if can_record else self.tr("Not recording"),
            Phase.STARTING: self.tr("Starting microphone…"),
            Phase.RECORDING: self.tr("● Recording"),
            Phase.PAUSED: self.tr("❚❚ Paused"),
            Phase.FINISHING: self.tr("Finishing transcript…"),
        }
        self.state_label.setText(texts[phase])
        self.state_label.setAccessibleDescription(texts[phase])
        if phase is Phase.IDLE:
            self.elapsed_label.setText(format_time(0))

    def _timeline_now(self) -> float | None:
        """Where a note typed now belongs on the case's timeline; None: no notes now. Only once
        audio flows (the session then knows where earlier recordings end), and while paused:
        a pause is often when there is time to write."""
        if self._session is None or self._phase not in (Phase.RECORDING, Phase.PAUSED):
            return None
        return self._session.timeline_s

    def _focus_recording_controls(self) -> None:
        for button in (self.pause_button, self.resume_button, self.stop_button):
            if button.isEnabled():
                button.setFocus(Qt.FocusReason.OtherFocusReason)
                return
        self.transcript_list.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_message(self, text: str, *, problem: bool = False) -> None:
        self.banner.setVisible(bool(text))
        self.banner.setText(("⚠ " + text) if problem and text else text)
        self.banner.setAccessibleName(self.tr("Message"))
        self.banner.setAccessibleDescription(text)

    def _error_text(self, error: BaseException) -> str:
        if isinstance(error, AssistError):
            return error.message(self._services.lang)
        return AssistError(INTERNAL, kind=type(error).__name__).message(self._services.lang)
