"""The transcript editor: segments with time, speaker and text; speaker labels, text
corrections, find and replace, and playback from any segment.

    view = TranscriptView(services); view.set_case(case_id)
    view.show_segment(17, play=True)     # scroll to, select, and play from its start
    view.show_note(3)                    # a note the caseworker typed during the meeting

Every edit is saved at once through the core (`assist.transcript_edits`, on the job runner's
worker thread, one at a time in the order made) and the indicator says "Saved"; the store's
change notice then reloads the transcript, so the core stays the truth. The caseworker's notes
typed during the meeting stand among the segments at their time (marked "✎ Note 3 ·
caseworker"); they take no speaker and find and replace never touch them, but their text may be
corrected (`store.change_meeting_note`; emptied, the note is removed). Once the note is signed
(or while a recording runs) the store refuses changes and the view says so.

Keyboard (also in each control's tooltip):
    Ctrl+Space      play / pause from the selected segment
    Ctrl+Left/Right back / forward 5 seconds (in the transcript table)
    Enter           on a time: play from it
    F2              edit the selected cell (text, or the speaker)
    Ctrl+1 / Ctrl+2 label the selected segments Citizen / Adviser
    Ctrl+F          find and replace; F3 / Shift+F3 next / previous; Esc closes
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from assist import transcript_edits
from assist.errors import AssistError
from assist.store import CaseStore
from assist.store.values import CaseInfo
from assist.transcript import Transcript, format_time
from ui.context import AppServices
from ui.playback import JUMP_S, RATES, SegmentPlayer
from ui.transcript_model import (
    SPEAKER_COLUMN,
    TEXT_COLUMN,
    TIME_COLUMN,
    TranscriptDelegate,
    TranscriptModel,
)

PLAY_KEYS = "Ctrl+Space"
BACK_KEYS = "Ctrl+Left"
FORWARD_KEYS = "Ctrl+Right"
FIND_KEYS = "Ctrl+F"
CITIZEN_KEYS = "Ctrl+1"
ADVISER_KEYS = "Ctrl+2"
_RELAYOUT_MS = 60  # rows are re-measured this long after the text column's width settles
_ROWS_PER_CHUNK = 200  # rows measured per turn of the event loop (~10 ms)


@dataclass(frozen=True)
class CaseTranscript:
    """What the view shows of a case, read together on a worker thread."""

    case: CaseInfo
    transcript: Transcript | None
    recording_now: bool
    audio_signature: tuple[tuple[str, str, float], ...]


def load_case_transcript(store: CaseStore, case_id: str) -> CaseTranscript:
    case = store.get_case(case_id)
    signature = tuple((r.recording_id, r.state, r.duration_s) for r in case.recordings)
    return CaseTranscript(
        case, store.load_transcript(case_id), store.case_is_being_recorded(case_id), signature
    )


class RenameSpeakerDialog(QDialog):
    """Rename a speaker label everywhere in the transcript."""

    def __init__(self, labels: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Rename speaker"))
        self.old = QComboBox(self)
        self.old.addItems(labels)
        self.old.setAccessibleName(self.tr("Speaker to rename"))
        self.new = QLineEdit(self)
        self.new.setAccessibleName(self.tr("New name"))
        form = QFormLayout(self)
        form.addRow(self.tr("Speaker"), self.old)
        form.addRow(self.tr("New name"), self.new)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.new.setFocus()


class TranscriptView(QWidget):
    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._case_id: str | None = None
        self._case: CaseInfo | None = None
        self._generation = 0
        self._loading = False
        self._load_again = False
        self._audio_signature: tuple[tuple[str, str, float], ...] | None = None
        self._pending_show: tuple[str, int, bool] | None = None  # ("segment"/"note", id, play)
        self._replaced = ""  # "Replaced 3", shown until the search text changes
        self._edits: list[tuple[str, Callable[[], Any], Callable[[Any], None] | None]] = []
        self._saving = False
        self.rename_dialog: RenameSpeakerDialog | None = None

        self.player = SegmentPlayer(services, self)
        self.model = TranscriptModel(self)
        self.model.text_edited.connect(self._save_text)
        self.model.speaker_edited.connect(lambda sid, label: self.set_speaker([sid], label))
        self.model.note_edited.connect(self._save_note)
        self.delegate = TranscriptDelegate(self._speaker_choices, self)

        self._build()
        self._connect()
        self._update_controls()
        services.changes.changed.connect(self._store_changed)

    # ---- layout ----------------------------------------------------------------------------------

    def _build(self) -> None:
        self.heading = QLabel(self.tr("Transcript"), self)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.heading.setFont(font)
        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName(self.tr("Message"))
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.banner.hide()

        self.speaker_label = QLabel(self.tr("Speaker"), self)
        self.speaker_combo = QComboBox(self)
        self.speaker_combo.setEditable(True)
        self.speaker_combo.setAccessibleName(self.tr("Speaker for the selected segments"))
        line = self.speaker_combo.lineEdit()
        if line is not None:  # the typing field is a control of its own for a screen reader
            line.setAccessibleName(self.tr("Speaker for the selected segments"))
        self.speaker_combo.setToolTip(
            self.tr("Choose Citizen or Adviser, or type a name, then Set speaker")
        )
        self.speaker_combo.setMinimumContentsLength(14)
        self.speaker_label.setBuddy(self.speaker_combo)
        self.set_speaker_button = QPushButton(self.tr("Set speaker"), self)
        self.set_speaker_button.setToolTip(
            self.tr("Label the selected segments (Ctrl+1: Citizen, Ctrl+2: Adviser)")
        )
        self.rename_button = QPushButton(self.tr("Rename speaker…"), self)
        self.rename_button.setToolTip(self.tr("Rename a speaker everywhere in the transcript"))
        self.save_status = QLabel(self)
        self.save_status.setAccessibleName(self.tr("Save status"))
        speakers = QHBoxLayout()
        for widget in (self.speaker_label, self.speaker_combo, self.set_speaker_button):
            speakers.addWidget(widget)
        speakers.addWidget(self.rename_button)
        speakers.addStretch(1)
        speakers.addWidget(self.save_status)

        self.play_button = QPushButton(self.tr("Play"), self)
        self.play_button.setToolTip(self.tr("Play or pause from the selected segment (Ctrl+Space)"))
        self.back_button = QPushButton(self.tr("−5 s"), self)
        self.back_button.setAccessibleName(self.tr("Back 5 seconds"))
        self.back_button.setToolTip(self.tr("Back 5 seconds (Ctrl+Left)"))
        self.forward_button = QPushButton(self.tr("+5 s"), self)
        self.forward_button.setAccessibleName(self.tr("Forward 5 seconds"))
        self.forward_button.setToolTip(self.tr("Forward 5 seconds (Ctrl+Right)"))
        self.speed_label = QLabel(self.tr("Speed"), self)
        self.speed_combo = QComboBox(self)
        for rate in RATES:
            self.speed_combo.addItem(f"{rate:g}×".replace(".", ","), rate)
        self.speed_combo.setCurrentIndex(RATES.index(1.0))
        self.speed_combo.setAccessibleName(self.tr("Playback speed"))
        self.speed_label.setBuddy(self.speed_combo)
        self.position_label = QLabel(self)
        self.position_label.setAccessibleName(self.tr("Playback position"))
        self.audio_status = QLabel(self)
        self.audio_status.setWordWrap(True)
        self.audio_status.setAccessibleName(self.tr("Audio"))
        playback = QHBoxLayout()
        for widget in (
            self.play_button,
            self.back_button,
            self.forward_button,
            self.speed_label,
            self.speed_combo,
            self.position_label,
        ):
            playback.addWidget(widget)
        playback.addWidget(self.audio_status, 1)

        self.find_bar = QWidget(self)
        self.find_edit = QLineEdit(self.find_bar)
        self.find_edit.setPlaceholderText(self.tr("Find"))
        self.find_edit.setAccessibleName(self.tr("Find"))
        self.find_edit.setToolTip(self.tr("Find (Ctrl+F); next F3, previous Shift+F3"))
        self.previous_button = QPushButton(self.tr("Previous"), self.find_bar)
        self.previous_button.setToolTip(self.tr("Previous match (Shift+F3)"))
        self.next_button = QPushButton(self.tr("Next"), self.find_bar)
        self.next_button.setToolTip(self.tr("Next match (F3)"))
        self.replace_edit = QLineEdit(self.find_bar)
        self.replace_edit.setPlaceholderText(self.tr("Replace with"))
        self.replace_edit.setAccessibleName(self.tr("Replace with"))
        self.replace_button = QPushButton(self.tr("Replace"), self.find_bar)
        self.replace_button.setToolTip(self.tr("Replace in the selected segment, then find next"))
        self.replace_all_button = QPushButton(self.tr("Replace all"), self.find_bar)
        self.match_case = QCheckBox(self.tr("Match case"), self.find_bar)
        self.find_status = QLabel(self.find_bar)
        self.find_status.setAccessibleName(self.tr("Find result"))
        self.close_find_button = QPushButton(self.tr("Close"), self.find_bar)
        self.close_find_button.setAccessibleName(self.tr("Close find"))
        self.close_find_button.setToolTip(self.tr("Close find (Esc)"))
        find_row = QHBoxLayout(self.find_bar)
        find_row.setContentsMargins(0, 0, 0, 0)
        for widget in (
            self.find_edit,
            self.previous_button,
            self.next_button,
            self.replace_edit,
            self.replace_button,
            self.replace_all_button,
            self.match_case,
            self.find_status,
            self.close_find_button,
        ):
            find_row.addWidget(widget)
        self.find_bar.hide()

        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setItemDelegate(self.delegate)
        self.table.setAccessibleName(self.tr("Transcript"))
        self.table.setAccessibleDescription(
            self.tr(
                "F2 edits the selected cell. Enter on a time plays from it. Ctrl+Space plays "
                "or pauses, Ctrl+Left and Ctrl+Right jump 5 seconds."
            )
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self.table.setWordWrap(True)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        # A fixed width for "0:00:00": measuring the column's contents reads every row.
        header.setSectionResizeMode(TIME_COLUMN, QHeaderView.ResizeMode.Fixed)
        time_width = self.table.fontMetrics().horizontalAdvance("0:00:00") + 24
        self.table.setColumnWidth(TIME_COLUMN, time_width)
        header.setSectionResizeMode(SPEAKER_COLUMN, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(TEXT_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(SPEAKER_COLUMN, 130)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.banner)
        layout.addLayout(speakers)
        layout.addLayout(playback)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.table, 1)

        self._relayout = QTimer(self)
        self._relayout.setSingleShot(True)
        self._relayout.setInterval(_RELAYOUT_MS)
        self._relayout.timeout.connect(lambda: self._size_rows(None))
        self._unsized: list[int] = []
        self._scroll_after_sizing: int | None = None
        self._sizing = QTimer(self)
        self._sizing.setSingleShot(True)
        self._sizing.setInterval(0)
        self._sizing.timeout.connect(self._size_chunk)

    def _connect(self) -> None:
        self.set_speaker_button.clicked.connect(self._set_speaker_from_combo)
        self.rename_button.clicked.connect(self.open_rename_dialog)
        self.play_button.clicked.connect(self.play_pause)
        self.back_button.clicked.connect(lambda: self.player.jump(-JUMP_S))
        self.forward_button.clicked.connect(lambda: self.player.jump(JUMP_S))
        self.speed_combo.currentIndexChanged.connect(
            lambda i: self.player.set_rate(float(self.speed_combo.itemData(i)))
        )
        self.player.state_changed.connect(self._update_controls)
        self.player.position_changed.connect(self._show_position)
        self.find_edit.textChanged.connect(self._search_changed)
        self.find_edit.returnPressed.connect(lambda: self.find(1))
        self.match_case.toggled.connect(self._count_matches)
        self.next_button.clicked.connect(lambda: self.find(1))
        self.previous_button.clicked.connect(lambda: self.find(-1))
        self.replace_button.clicked.connect(self.replace_current)
        self.replace_all_button.clicked.connect(self.replace_all)
        self.close_find_button.clicked.connect(self.close_find)
        self.table.clicked.connect(self._clicked)
        self.table.activated.connect(self._clicked)
        self.table.horizontalHeader().sectionResized.connect(self._column_resized)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_controls())

        def shortcut(keys: str, slot: Callable[[], None], widget: QWidget | None = None) -> None:
            found = QShortcut(QKeySequence(keys), widget or self)
            found.setContext(
                Qt.ShortcutContext.WidgetShortcut
                if widget is self.table
                else Qt.ShortcutContext.WidgetWithChildrenShortcut
            )
            found.activated.connect(slot)

        shortcut(PLAY_KEYS, self.play_pause)
        # On the table only: in a text field Ctrl+Left/Right keep moving by word.
        shortcut(BACK_KEYS, lambda: self.player.jump(-JUMP_S), self.table)
        shortcut(FORWARD_KEYS, lambda: self.player.jump(JUMP_S), self.table)
        shortcut(FIND_KEYS, self.open_find)
        shortcut("F3", lambda: self.find(1))
        shortcut("Shift+F3", lambda: self.find(-1))
        shortcut(CITIZEN_KEYS, lambda: self._label_selected(self.tr("Citizen")))
        shortcut(ADVISER_KEYS, lambda: self._label_selected(self.tr("Adviser")))
        escape = QShortcut(QKeySequence("Esc"), self.find_bar)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.close_find)

    # ---- the case --------------------------------------------------------------------------------

    def set_case(self, case_id: str | None) -> None:
        self._case_id = case_id
        self._case = None
        self._generation += 1
        self._audio_signature = None
        self._pending_show = None
        self._unsized, self._scroll_after_sizing = [], None
        self._edits.clear()
        self.banner.hide()
        self.save_status.clear()
        self.model.editable = False
        self.model.set_transcript(None)
        self.player.set_case(case_id)
        self._loading = False
        self._update_controls()
        if case_id is not None:
            self._reload()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._generation += 1  # answers still on their way are for a closed view: dropped
        self.player.close()  # stop playing and drop the decrypted audio with the window
        super().closeEvent(event)

    @property
    def case_id(self) -> str | None:
        return self._case_id

    def _store_changed(self, kind: str, case_id: object) -> None:
        if self._case_id is not None and (case_id == self._case_id or case_id is None):
            self._reload()

    def _reload(self) -> None:
        """Read the case's transcript again (off the GUI thread); a change arriving while one
        read runs is read once more after it."""
        case_id = self._case_id
        if case_id is None:
            return
        if self._loading:
            self._load_again = True
            return
        self._loading = True
        generation = self._generation
        store = self._services.store
        self._services.runner.call(
            "transcript-load",
            lambda _cancel: load_case_transcript(store, case_id),
            on_done=lambda found: self._loaded(generation, found),
            on_error=lambda error: self._load_failed(generation, error),
        )

    def _loaded(self, generation: int, found: CaseTranscript) -> None:
        if generation != self._generation or not shiboken6.isValid(self):
            return
        self._loading = False
        if self._load_again:
            self._load_again = False
            self._reload()
        if self._saving or self._edits:
            return  # an edit is on its way to the core: the read after it shows it
        self._case = found.case
        self.model.editable = (
            found.case.state == "draft" and found.transcript is not None and not found.recording_now
        )
        rows = self.model.set_transcript(found.transcript)
        self._size_rows(rows)
        if self._audio_signature is not None and found.audio_signature != self._audio_signature:
            self.player.reload()  # a recording stopped, or its audio was deleted
        self._audio_signature = found.audio_signature
        self._refresh_speakers()
        self._count_matches()
        self._update_controls()
        if self._pending_show is not None:
            kind, wanted, play = self._pending_show
            self._pending_show = None
            if kind == "note":
                self.show_note(wanted, play)
            else:
                self.show_segment(wanted, play)

    def _load_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation or not shiboken6.isValid(self):
            return
        self._loading = False
        self._show_error(error)

    # ---- rows ------------------------------------------------------------------------------------

    def _size_rows(self, rows: list[int] | None) -> None:
        """Give rows the height of their wrapped text at the text column's width (all rows
        when `rows` is None). Measured with cached font metrics, a chunk of rows per turn of
        the event loop, so a 2-hour transcript never holds up the window."""
        targets = range(self.model.rowCount()) if rows is None else rows
        self._unsized = list(targets) if rows is None else [*self._unsized, *targets]
        if self._unsized:
            self._size_chunk()

    def _size_chunk(self) -> None:
        chunk, self._unsized = self._unsized[:_ROWS_PER_CHUNK], self._unsized[_ROWS_PER_CHUNK:]
        width = self.table.columnWidth(TEXT_COLUMN) - 8
        metrics = self.table.fontMetrics()
        plain = metrics.height() + 8
        count = self.model.rowCount()
        for row in chunk:
            if row >= count:
                continue
            text = self.model.shown(row).text
            height = max(plain, self.delegate.text_height(metrics, text, width))
            if self.table.rowHeight(row) != height:
                self.table.setRowHeight(row, height)
        if self._unsized:
            self._sizing.start()
        elif self._scroll_after_sizing is not None:
            row, self._scroll_after_sizing = self._scroll_after_sizing, None
            self.table.scrollTo(
                self.model.index(row, TIME_COLUMN), QAbstractItemView.ScrollHint.PositionAtCenter
            )

    def _column_resized(self, column: int, _old: int, _new: int) -> None:
        if column == TEXT_COLUMN:
            self._relayout.start()

    def show_segment(self, segment_id: int, play: bool = False) -> None:
        """Scroll to and select the segment; with `play`, play from its start."""
        row = self.model.row_of(segment_id)
        if row is None:
            if self._loading or self._case is None:
                self._pending_show = ("segment", segment_id, play)  # once the transcript is read
            return
        self._show_row(row, play)

    def show_note(self, note_id: int, play: bool = False) -> None:
        """Scroll to and select a note typed during the meeting; with `play`, play from the
        moment it was typed."""
        row = self.model.row_of_note(note_id)
        if row is None:
            if self._loading or self._case is None:
                self._pending_show = ("note", note_id, play)
            return
        self._show_row(row, play)

    def _show_row(self, row: int, play: bool) -> None:
        index = self.model.index(row, TIME_COLUMN)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        if self._unsized:
            self._scroll_after_sizing = row  # rows above may still grow: scroll again then
        if play:
            self.player.play_from(self.model.start_s(row))

    def selected_segment_ids(self) -> list[int]:
        """The selected segments (notes among them are not segments: left out)."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        if not rows and self.table.currentIndex().isValid():
            rows = [self.table.currentIndex().row()]
        return [self.model.segment(row).segment_id for row in rows if self.model.note(row) is None]

    def _current_row(self) -> int | None:
        index = self.table.currentIndex()
        return index.row() if index.isValid() else None

    # ---- playback --------------------------------------------------------------------------------

    def play_pause(self) -> None:
        """Pause if playing; otherwise play, from the selected segment's start unless the
        position is already inside it (then resume)."""
        if self.player.playing:
            self.player.pause()
            return
        row = self._current_row()
        if row is None:
            self.player.play()
            return
        start = self.model.start_s(row)
        note = self.model.note(row)
        end = note.at_s if note is not None else self.model.segment(row).end_s
        position = self.player.position_s
        if start <= position < max(end, start + 0.5):
            self.player.play()
        else:
            self.player.play_from(start)

    def _clicked(self, index: QModelIndex) -> None:
        if index.isValid() and index.column() == TIME_COLUMN:
            self.player.play_from(self.model.start_s(index.row()))

    def _show_position(self, seconds: float) -> None:
        total = self.player.duration_s
        self.position_label.setText(f"{format_time(seconds)} / {format_time(total)}")

    # ---- speakers --------------------------------------------------------------------------------

    def _speaker_choices(self) -> list[str]:
        presets = [self.tr("Citizen"), self.tr("Adviser")]
        participants = list(self._case.participants) if self._case is not None else []
        return list(dict.fromkeys([*presets, *participants, *self.model.speakers()]))

    def _refresh_speakers(self) -> None:
        typed = self.speaker_combo.currentText()
        self.speaker_combo.blockSignals(True)
        self.speaker_combo.clear()
        self.speaker_combo.addItems(self._speaker_choices())
        self.speaker_combo.setCurrentText(typed or self.speaker_combo.itemText(0))
        self.speaker_combo.blockSignals(False)

    def _set_speaker_from_combo(self) -> None:
        self.set_speaker(self.selected_segment_ids(), self.speaker_combo.currentText())

    def _label_selected(self, label: str) -> None:
        self.set_speaker(self.selected_segment_ids(), label)

    def set_speaker(self, segment_ids: list[int], label: str) -> None:
        """Label the segments (saved at once through the core)."""
        case_id = self._case_id
        if case_id is None or not segment_ids or not self.model.editable:
            return
        store = self._services.store
        self._submit(
            "transcript-speaker",
            lambda: transcript_edits.set_speaker(store, case_id, segment_ids, label),
        )

    def rename_speaker(self, old: str, new: str) -> None:
        """Rename a label everywhere (saved at once through the core)."""
        case_id = self._case_id
        if case_id is None or not old or not self.model.editable:
            return
        store = self._services.store
        self._submit(
            "transcript-rename",
            lambda: transcript_edits.rename_speaker(store, case_id, old, new),
        )

    def open_rename_dialog(self) -> RenameSpeakerDialog | None:
        labels = self.model.speakers()
        if not labels:
            self._show_notice(self.tr("No speaker is set yet: select segments and set one."))
            return None
        dialog = RenameSpeakerDialog(labels, self)
        dialog.accepted.connect(
            lambda: self.rename_speaker(dialog.old.currentText(), dialog.new.text())
        )
        dialog.finished.connect(lambda _result: self.table.setFocus())
        self.rename_dialog = dialog
        dialog.open()
        return dialog

    # ---- text ------------------------------------------------------------------------------------

    def _save_text(self, segment_id: int, text: str) -> None:
        case_id = self._case_id
        if case_id is None:
            return
        store = self._services.store
        self._submit(
            "transcript-text",
            lambda: transcript_edits.edit_segment_text(store, case_id, segment_id, text),
        )

    def _save_note(self, note_id: int, text: str) -> None:
        """A note typed during the meeting corrected in its cell; "" removes it."""
        case_id = self._case_id
        if case_id is None:
            return
        store = self._services.store
        self._submit(
            "transcript-note",
            lambda: store.change_meeting_note(case_id, note_id, text),
        )

    def edit_text(self, segment_id: int, text: str) -> None:
        """Correct a segment's text as if typed in its cell."""
        row = self.model.row_of(segment_id)
        if row is not None:
            self.model.setData(self.model.index(row, TEXT_COLUMN), text)

    # ---- find and replace ------------------------------------------------------------------------

    def open_find(self) -> None:
        self.find_bar.show()
        self.find_edit.setFocus()
        self.find_edit.selectAll()
        self._update_controls()

    def close_find(self) -> None:
        self.find_bar.hide()
        self.table.setFocus()

    def _matches(self, text: str) -> int:
        return transcript_edits.count_matches(
            text, self.find_edit.text(), self.match_case.isChecked()
        )

    def _search_changed(self) -> None:
        self._replaced = ""
        self._count_matches()

    def _count_matches(self) -> None:
        if self._replaced:
            self.find_status.setText(self._replaced)
        elif not self.find_edit.text():
            self.find_status.clear()
        else:
            total = sum(self._matches(s.text) for s in self.model.segments)
            self.find_status.setText(self.tr("{count} found").format(count=total))
        self._update_controls()

    def find(self, step: int) -> bool:
        """Select the next (step 1) or previous (-1) segment holding the search text,
        wrapping around; False if none does."""
        count = self.model.rowCount()
        if not self.find_edit.text() or not count:
            return False
        current = self._current_row()
        start = (current if current is not None else (-1 if step > 0 else 0)) + step
        for offset in range(count):
            row = (start + offset * step) % count
            if self.model.note(row) is not None:
                continue  # find looks in what was said, not in the caseworker's notes
            if self._matches(self.model.segment(row).text):
                self.show_segment(self.model.segment(row).segment_id)
                return True
        self.find_status.setText(self.tr("Not found"))
        return False

    def replace_current(self) -> None:
        """Replace the first match in the selected segment (or go to the next match first)."""
        row = self._current_row()
        case_id = self._case_id
        if (
            row is None
            or self.model.note(row) is not None
            or not self._matches(self.model.segment(row).text)
        ):
            self.find(1)
            return
        if case_id is None or not self.model.editable:
            return
        segment = self.model.segment(row)
        find, replacement = self.find_edit.text(), self.replace_edit.text()
        text = _replace_first(segment.text, find, replacement, self.match_case.isChecked())
        self.edit_text(segment.segment_id, text)
        self.find(1)

    def replace_all(self) -> None:
        case_id = self._case_id
        find = self.find_edit.text()
        if case_id is None or not find or not self.model.editable:
            return
        store = self._services.store
        replacement, sensitive = self.replace_edit.text(), self.match_case.isChecked()
        self._submit(
            "transcript-replace",
            lambda: transcript_edits.replace_text(
                store, case_id, find, replacement, case_sensitive=sensitive
            ),
            self._show_replaced,
        )

    def _show_replaced(self, count: int) -> None:
        self._replaced = self.tr("Replaced {count}").format(count=count)
        self.find_status.setText(self._replaced)

    # ---- saving ----------------------------------------------------------------------------------

    def _submit(
        self, name: str, work: Callable[[], Any], on_done: Callable[[Any], None] | None = None
    ) -> None:
        """Queue an edit for the core; edits run one at a time, in the order made (each reads
        the transcript its predecessor saved)."""
        self._edits.append((name, work, on_done))
        self.save_status.setText(self.tr("Saving…"))
        if not self._saving:
            self._next_edit()

    def _next_edit(self) -> None:
        if not self._edits:
            self._saving = False
            return
        self._saving = True
        name, work, on_done = self._edits.pop(0)
        generation = self._generation
        self._services.runner.call(
            name,
            lambda _cancel: work(),
            on_done=lambda result: self._edit_done(generation, result, on_done),
            on_error=lambda error: self._edit_failed(generation, error),
        )

    def _edit_done(
        self, generation: int, result: Any, on_done: Callable[[Any], None] | None
    ) -> None:
        if generation != self._generation or not shiboken6.isValid(self):
            return
        if on_done is not None:
            on_done(result)
        self._next_edit()
        if not self._saving:
            self.save_status.setText("✓ " + self.tr("Saved"))
            self._reload()

    def _edit_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation or not shiboken6.isValid(self):
            return
        self._edits.clear()
        self._saving = False
        self.save_status.setText("⚠ " + self.tr("Not saved"))
        self._show_error(error)
        self._reload()  # shows what the core kept

    @property
    def saving(self) -> bool:
        return self._saving

    # ---- messages and controls -------------------------------------------------------------------

    def _show_error(self, error: BaseException) -> None:
        if isinstance(error, AssistError):
            text = error.message(self._services.lang)
        else:
            text = self.tr("Something went wrong; nothing more was changed. Try again.")
        self._show_notice(text)

    def _show_notice(self, text: str) -> None:
        self.banner.setText("⚠ " + text)
        self.banner.setAccessibleDescription(text)
        self.banner.show()

    def _update_controls(self) -> None:
        editable = self.model.editable
        selected = self.table.selectionModel().hasSelection()
        for button in (self.set_speaker_button, self.speaker_combo):
            button.setEnabled(editable)
        self.set_speaker_button.setEnabled(editable and selected)
        self.rename_button.setEnabled(editable and bool(self.model.speakers()))
        has_find = bool(self.find_edit.text())
        for button in (self.next_button, self.previous_button):
            button.setEnabled(has_find)
        self.replace_button.setEnabled(editable and has_find)
        self.replace_all_button.setEnabled(editable and has_find)
        self.replace_edit.setEnabled(editable)

        player = self.player
        usable = player.availability in ("ready", "loading", "unloaded")
        for widget in (self.play_button, self.back_button, self.forward_button, self.speed_combo):
            widget.setEnabled(usable)
        self.play_button.setText(self.tr("Pause") if player.playing else self.tr("Play"))
        self.audio_status.setText(player.message)
        self.audio_status.setVisible(bool(player.message))
        self._show_position(player.position_s)
        if self._case is not None and not editable:
            if self._case.state != "draft":
                self.save_status.setText(self.tr("Signed: the transcript can no longer change"))
            elif self.model.rowCount() and self._case is not None:
                self.save_status.setText(self.tr("Recording: correct it when it stops"))


def _replace_first(text: str, find: str, replacement: str, case_sensitive: bool) -> str:
    haystack, needle = (text, find) if case_sensitive else (text.casefold(), find.casefold())
    at = haystack.find(needle) if len(haystack) == len(text) else text.find(find)
    if at < 0:
        return text
    return text[:at] + replacement + text[at + len(find) :]
