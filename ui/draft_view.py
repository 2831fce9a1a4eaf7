"""The draft editor: make a draft, review and edit it section by section, sign and export.

Everything shown comes from the core on each reload (`load_case_note`, `load_note_sources`,
`load_review`); what the person types is saved through `DraftAutosaver` a moment after typing
stops and on `flush()`. Which stretch of text is which machine sentence, with which sources and
flags, is worked out from those values each time the text changes (`ui.draft_model`), never
stored in the editor's document. A sentence's sources are the segments it rests on (what was
said) and, listed apart, the notes the caseworker typed during the meeting ("✎ Caseworker's
note 3 (01:05): ..."); choosing one shows it in the transcript (`source_requested`,
`note_requested`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEvent, QStandardPaths, Qt, QTime, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QDesktopServices,
    QGuiApplication,
    QHelpEvent,
    QHideEvent,
    QMouseEvent,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTextEdit,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from assist.casework import (
    CaseNote,
    SignOutcome,
    edit_note_text,
    export_case,
    latest_signed,
    load_case_note,
    load_note_sources,
    sign_case,
)
from assist.draft_review import (
    Review,
    accept_section,
    acknowledge_flag,
    load_review,
    reviewed_flags,
)
from assist.drafting.render import flag_label
from assist.drafting.templates import DEFAULT_TEMPLATE, TemplateInfo, load_template_infos
from assist.drafting.types import DraftSection, Flag
from assist.errors import AssistError, Cancelled, Language
from assist.jobs.draft import DraftResult, draft_case
from assist.jobs.events import Progress, SectionDrafted, Stage
from assist.signoff import from_editable_text, to_editable_text
from assist.signoff.canonical import normalize_text
from assist.signoff.note import NoteSection, draft_section_text
from assist.signoff.sources import FlagView, SectionSources
from assist.signoff.txt_export import render_txt
from assist.store.autosave import DraftAutosaver
from ui.context import AppServices
from ui.draft_model import (
    SentenceSpan,
    export_file_name,
    live_note,
    note_source_line,
    section_spans,
    source_line,
)
from ui.draft_model import span_at as find_span
from ui.jobs import RunningJob
from ui.sign_dialog import SignDialog

AUTOSAVE_TICK_MS = 200  # DraftAutosaver wants a tick at least every quiet_s / 2
MACHINE_BACKGROUND = QColor("#e8f0fb")  # subtle: the "AI draft" label says it in words
FLAG_BACKGROUND = QColor("#fff0c2")
FLAG_UNDERLINE = QColor("#8a4b00")
# Store changes that do not touch the note (a live recording adds segments all the time).
IGNORED_CHANGES = frozenset({"segments_added"})
SOURCE_KIND_ROLE = Qt.ItemDataRole.UserRole + 1  # "segment" or "note" in the sources list


class SourceEditor(QPlainTextEdit):
    """A section's text; hovering a machine sentence shows its sources, clicking asks for one."""

    clicked_at = Signal(int)  # the character position clicked (no drag selection)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)  # Tab moves on: keyboard users must get out of the text
        self.tooltip_for: Callable[[int], str] = lambda _position: ""

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            position = self.cursorForPosition(event.pos()).position()
            text = self.tooltip_for(position)
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and not self.textCursor().hasSelection():
            self.clicked_at.emit(self.cursorForPosition(event.position().toPoint()).position())


class SectionEditor(QFrame):
    """One note section: its title, AI marking, the text and the flags that still stand."""

    edited = Signal(str)  # section_id
    acknowledge_requested = Signal(str)  # flag_id
    accept_requested = Signal(str)  # section_id
    source_clicked = Signal(int)  # segment_id
    note_clicked = Signal(int)  # note number: a sentence resting only on the caseworker's notes
    sentence_changed = Signal(object)  # the SentenceSpan at the cursor, or None

    def __init__(self, section: NoteSection, lang: Language, parent: QWidget | None = None):
        super().__init__(parent)
        self.section_id = section.section_id
        self.professional_only = section.professional_only
        self._lang = lang
        self._spans: tuple[SentenceSpan, ...] = ()
        self._flag_key: tuple[tuple[str, str], ...] = ()
        self._flag_buttons: list[QPushButton] = []
        self.setFrameShape(QFrame.Shape.StyledPanel)

        self.title = QLabel(f"<b>{_escape(section.title)}</b>", self)
        self.machine_label = QLabel(self.tr("AI draft"), self)
        self.machine_label.setStyleSheet(
            "QLabel { border: 1px solid #1f4e8c; border-radius: 3px; padding: 1px 4px; "
            "color: #1f4e8c; }"
        )
        self.machine_label.setToolTip(
            self.tr("Written by the machine. Read it, then edit it or accept the section.")
        )
        self.accept_button = QPushButton(self.tr("Accept section"), self)
        self.accept_button.setAccessibleName(
            self.tr("Accept section {title}").format(title=section.title)
        )
        self.accept_button.clicked.connect(lambda: self.accept_requested.emit(self.section_id))

        self.editor = SourceEditor(self)
        self.editor.setAccessibleName(section.title)
        self.title.setBuddy(self.editor)
        self.editor.tooltip_for = self._tooltip
        if section.professional_only:
            self.editor.setPlaceholderText(self.tr("Write your professional assessment …"))
            self.editor.setAccessibleDescription(
                self.tr("Your own professional assessment. Assist never fills this in.")
            )
        self.editor.setPlainText(section.text)
        self.editor.setMinimumHeight(90)
        self.editor.textChanged.connect(lambda: self.edited.emit(self.section_id))
        self.editor.cursorPositionChanged.connect(self._cursor_moved)
        self.editor.clicked_at.connect(self._clicked)

        self.flags_box = QVBoxLayout()
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addWidget(self.machine_label)
        header.addStretch(1)
        header.addWidget(self.accept_button)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.editor)
        layout.addLayout(self.flags_box)

    # ---- text ----------------------------------------------------------------------------

    def text(self) -> str:
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        """Replace the text without it counting as the person's edit."""
        self.editor.blockSignals(True)
        self.editor.setPlainText(text)
        self.editor.blockSignals(False)

    def select(self, start: int, end: int) -> None:
        cursor = self.editor.textCursor()
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        self.editor.setTextCursor(cursor)
        self.editor.setFocus()

    def span_at(self, position: int) -> SentenceSpan | None:
        return find_span(self._spans, position)

    @property
    def spans(self) -> tuple[SentenceSpan, ...]:
        return self._spans

    def focusables(self) -> list[QWidget]:
        return [self.accept_button, self.editor, *self._flag_buttons]

    # ---- state from the core --------------------------------------------------------------

    def set_state(
        self,
        spans: tuple[SentenceSpan, ...],
        flags: tuple[FlagView, ...],
        *,
        machine_label: bool,
        read_only: bool,
    ) -> None:
        self._spans = spans
        machine = machine_label and not read_only
        self.machine_label.setVisible(machine)
        self.accept_button.setVisible(machine)
        self.editor.setReadOnly(read_only)
        self.accept_button.setEnabled(not read_only)
        description = ""
        if machine:
            description = self.tr(
                "AI draft: contains machine-written text that no person has checked yet."
            )
        elif self.professional_only:
            description = self.tr("Your own professional assessment. Assist never fills this in.")
        self.editor.setAccessibleDescription(description)
        self._highlight()
        self._show_flags(flags, read_only)

    def _highlight(self) -> None:
        selections: list[QTextEdit.ExtraSelection] = []
        for span in self._spans:
            if not span.machine and not span.open_flags:
                continue
            selection = QTextEdit.ExtraSelection()
            char_format = QTextCharFormat()
            if span.open_flags:
                char_format.setBackground(FLAG_BACKGROUND)
                # Underlined as well as coloured: colour alone must not carry the meaning.
                char_format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
                char_format.setUnderlineColor(FLAG_UNDERLINE)
            else:
                char_format.setBackground(MACHINE_BACKGROUND)
            selection.format = char_format
            cursor = QTextCursor(self.editor.document())
            cursor.setPosition(span.start)
            cursor.setPosition(span.end, QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            selections.append(selection)
        self.editor.setExtraSelections(selections)

    def _show_flags(self, flags: tuple[FlagView, ...], read_only: bool) -> None:
        key = (*((f.flag_id, f.resolution) for f in flags), ("", str(read_only)))
        if key == self._flag_key:
            return
        had_focus = any(b.hasFocus() for b in self._flag_buttons)
        self._flag_key = key
        while self.flags_box.count():
            item = self.flags_box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self._flag_buttons = []
        for flag in flags:
            row = self._flag_row(flag, read_only)
            self.flags_box.addWidget(row)
            row.show()  # a layout shows new children only on the next event loop pass
        if had_focus:
            # The button just pressed is gone: keep keyboard users in the same place.
            (self._flag_buttons[0] if self._flag_buttons else self.editor).setFocus()

    def _flag_row(self, flag: FlagView, read_only: bool) -> QWidget:
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        reason = self.reason(flag)
        if flag.resolution == "open":
            text = self.tr("⚠ Flag: {reason} — “{sentence}”").format(
                reason=reason, sentence=flag.sentence
            )
        else:
            text = self.tr("✓ Checked: {reason} — “{sentence}”").format(
                reason=reason, sentence=flag.sentence
            )
        label = QLabel(row)
        label.setTextFormat(Qt.TextFormat.PlainText)  # the sentence is citizen text, not markup
        label.setWordWrap(True)
        label.setText(text)
        layout.addWidget(label, 1)
        if flag.resolution == "open" and not read_only:
            show = QPushButton(self.tr("Show in text"), row)
            show.setAccessibleName(self.tr("Show in text: {reason}").format(reason=reason))
            show.clicked.connect(lambda: self._select_flagged(flag))
            checked = QPushButton(self.tr("Checked"), row)
            checked.setAccessibleName(self.tr("Checked: {reason}").format(reason=reason))
            checked.setAccessibleDescription(
                self.tr("I have checked this sentence against the recording; it stands.")
            )
            checked.clicked.connect(lambda: self.acknowledge_requested.emit(flag.flag_id))
            layout.addWidget(show)
            layout.addWidget(checked)
            self._flag_buttons += [show, checked]
        return row

    def reason(self, flag: FlagView) -> str:
        return flag_label(Flag(flag.flag_id, flag.kind, flag.detail), self._lang)

    def _select_flagged(self, flag: FlagView) -> None:
        for span in self._spans:
            if any(f.flag_id == flag.flag_id for f in span.open_flags):
                self.select(span.start, span.end)
                return
        self.editor.setFocus()

    # ---- sources ---------------------------------------------------------------------------

    def _tooltip(self, position: int) -> str:
        span = self.span_at(position)
        if span is None:
            return ""
        lines = [self.tr("Sources:")] if span.cited else [self.tr("No source")]
        lines += [source_line(s) for s in span.sentence.sources]
        lines += [note_source_line(n, self.note_heading(n.note_id)) for n in span.sentence.notes]
        lines += ["⚠ " + self.reason(f) for f in span.open_flags]
        if span.cited:
            lines.append(self.tr("Click to show the source in the transcript."))
        return "\n".join(lines)

    def note_heading(self, note_id: int) -> str:
        return self.tr("✎ Caseworker's note {number}").format(number=note_id)

    def _clicked(self, position: int) -> None:
        span = self.span_at(position)
        if span is not None and span.source_ids:
            self.source_clicked.emit(span.source_ids[0])
        elif span is not None and span.note_ids:
            self.note_clicked.emit(span.note_ids[0])

    def _cursor_moved(self) -> None:
        self.sentence_changed.emit(self.span_at(self.editor.textCursor().position()))


class DraftView(QWidget):
    """The case's note: draft, edit, review flags and sources, sign, export."""

    source_requested = Signal(int)  # segment_id: show it in the transcript
    play_requested = Signal(int)  # segment_id: show it and play it
    # A note the caseworker typed during the meeting: show it in the transcript (and play from
    # when it was typed, if True). `TranscriptView.show_note(note_id, play)` does that.
    note_requested = Signal(int, bool)
    section_arrived = Signal(str)  # section_id, while a draft streams in

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        # The main window opens the export dialog right after signing (the next step anyway);
        # a view on its own (tests) does not.
        self.export_after_signing = False
        self._case_id: str | None = None
        self._current: CaseNote | None = None
        self._sources: dict[str, SectionSources] = {}
        self._review: Review | None = None
        self._editors: dict[str, SectionEditor] = {}
        self._autosaver: DraftAutosaver | None = None
        self._job: RunningJob | None = None
        self._draft_case_id: str | None = None
        self._signing = False
        self._saving = False
        self._reload_wanted = False
        self._exported: Path | None = None
        self.sign_dialog: SignDialog | None = None

        # ---- making a draft ----
        self.template_label = QLabel(self.tr("Template"), self)
        self.template = QComboBox(self)
        self.template.setAccessibleName(self.tr("Template"))
        self.template_label.setBuddy(self.template)
        self.make_button = QPushButton(self.tr("Make draft"), self)
        self.make_button.clicked.connect(self.make_draft)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setAccessibleName(self.tr("Cancel drafting"))
        self.cancel_button.clicked.connect(self.cancel_draft)
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName(self.tr("Drafting progress"))
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setVisible(False)
        self.status = QLabel("", self)
        self.status.setAccessibleName(self.tr("Draft status"))
        self.status.setWordWrap(True)
        self.notice = QLabel("", self)
        self.notice.setAccessibleName(self.tr("How the draft was made"))
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        self.error = QLabel("", self)
        self.error.setAccessibleName(self.tr("Problem"))
        self.error.setWordWrap(True)
        self.error.setStyleSheet("QLabel { border: 1px solid #a00000; padding: 4px; }")
        self.error.setVisible(False)
        self.signed_banner = QLabel("", self)
        self.signed_banner.setAccessibleName(self.tr("Signature"))
        self.signed_banner.setWordWrap(True)
        self.signed_banner.setStyleSheet("QLabel { border: 1px solid #2e6b30; padding: 4px; }")
        self.signed_banner.setVisible(False)

        # ---- the sections ----
        self._sections_host = QWidget(self)
        self._sections_layout = QVBoxLayout(self._sections_host)
        self._sections_layout.addStretch(1)
        self.sections_scroll = QScrollArea(self)
        self.sections_scroll.setWidgetResizable(True)
        self.sections_scroll.setWidget(self._sections_host)
        self.sections_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.sections_scroll.setAccessibleName(self.tr("Draft"))

        # ---- sources of the sentence at the cursor ----
        self.sources_box = QGroupBox(self.tr("Sources"), self)
        self.sources_hint = QLabel(
            self.tr("Put the cursor in a sentence to see what it rests on."), self.sources_box
        )
        self.sources_hint.setWordWrap(True)
        self.sources_list = QListWidget(self.sources_box)
        self.sources_list.setAccessibleName(self.tr("Sources of the sentence"))
        self.show_source_button = QPushButton(self.tr("Show source"), self.sources_box)
        self.show_source_button.clicked.connect(lambda: self._request_source(play=False))
        self.play_source_button = QPushButton(self.tr("Play source"), self.sources_box)
        self.play_source_button.clicked.connect(lambda: self._request_source(play=True))
        sources_layout = QVBoxLayout(self.sources_box)
        sources_layout.addWidget(self.sources_hint)
        sources_layout.addWidget(self.sources_list, 1)
        sources_layout.addWidget(self.show_source_button)
        sources_layout.addWidget(self.play_source_button)
        self.sources_list.currentRowChanged.connect(lambda _row: self._update_source_buttons())

        # ---- sign and export ----
        self.save_status = QLabel("", self)
        self.save_status.setAccessibleName(self.tr("Save status"))
        self.sign_button = QPushButton(self.tr("Sign…"), self)
        self.sign_button.clicked.connect(self.open_sign_dialog)
        self.new_version_button = QPushButton(self.tr("Start new version"), self)
        self.new_version_button.clicked.connect(self.start_new_version)
        self.export_button = QPushButton(self.tr("Export DOCX…"), self)
        self.export_button.clicked.connect(self.export_docx)
        self.copy_button = QPushButton(self.tr("Copy text"), self)
        self.copy_button.clicked.connect(self.copy_text)
        self.export_status = QLabel("", self)
        self.export_status.setAccessibleName(self.tr("Export status"))
        self.export_status.setWordWrap(True)
        self.open_button = QPushButton(self.tr("Open file"), self)
        self.open_button.clicked.connect(self.open_exported)
        self.open_button.setVisible(False)

        top = QHBoxLayout()
        top.addWidget(self.template_label)
        top.addWidget(self.template, 1)
        top.addWidget(self.make_button)
        top.addWidget(self.cancel_button)
        middle = QHBoxLayout()
        middle.addWidget(self.sections_scroll, 3)
        middle.addWidget(self.sources_box, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_status, 1)
        bottom.addWidget(self.sign_button)
        bottom.addWidget(self.new_version_button)
        bottom.addWidget(self.export_button)
        bottom.addWidget(self.copy_button)
        exported = QHBoxLayout()
        exported.addWidget(self.export_status, 1)
        exported.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.notice)
        layout.addWidget(self.error)
        layout.addWidget(self.signed_banner)
        layout.addLayout(middle, 1)
        layout.addLayout(bottom)
        layout.addLayout(exported)

        self._timer = QTimer(self)
        self._timer.setInterval(AUTOSAVE_TICK_MS)
        self._timer.timeout.connect(self._tick)
        services.changes.changed.connect(self._on_changed)
        self._load_templates()
        self._update_controls()
        self._update_source_buttons()

    # ---- the case --------------------------------------------------------------------------

    def set_case(self, case_id: str | None) -> None:
        self.flush()
        self._case_id = case_id
        self._autosaver = (
            DraftAutosaver(self._services.store, case_id) if case_id is not None else None
        )
        self._set_notice("")
        self._show_error("")
        self.status.setText("")
        self.save_status.setText("")
        self.export_status.setText("")
        self.open_button.setVisible(False)
        self._load_templates()
        self._reload(force=True)

    def flush(self) -> bool:
        """Save what is typed now (on leaving the case, on close). True if it saved."""
        self._timer.stop()
        if self._autosaver is None or not self._autosaver.dirty:
            return False
        return self._save(self._autosaver.flush)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.flush()
        super().closeEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self.flush()
        super().hideEvent(event)

    def _template_dir(self) -> Path | None:
        return self._services.settings.path("template_dir")

    def _load_templates(self) -> None:
        try:
            infos: dict[str, TemplateInfo] = load_template_infos(self._template_dir())
        except AssistError as error:
            self._show_error(error.message(self._services.lang))
            infos = load_template_infos(None)
        chosen = self.template.currentData()
        self.template.blockSignals(True)
        self.template.clear()
        for template_id, info in infos.items():
            self.template.addItem(info.template.title(self._services.lang), template_id)
        self.template.blockSignals(False)
        if chosen:
            self._choose_template(str(chosen))

    def _choose_template(self, template_id: str) -> None:
        index = self.template.findData(template_id)
        if index >= 0:
            self.template.setCurrentIndex(index)

    def _default_template(self) -> str:
        if self._current is not None:
            return self._current.note.meta.template_id
        note_type = ""
        if self._case_id is not None:
            try:
                note_type = self._services.store.get_case(self._case_id).note_type or ""
            except AssistError:
                note_type = ""
        return note_type or self._services.settings.text("default_template") or DEFAULT_TEMPLATE

    def _on_changed(self, kind: str, case_id: object) -> None:
        if case_id != self._case_id or kind in IGNORED_CHANGES or self._case_id is None:
            return
        if self._saving or self._drafting:
            self._reload_wanted = True  # after our own save, or once the draft is in
            return
        self._reload()

    def _reload(self, force: bool = False) -> None:
        self._reload_wanted = False
        self._current, self._review, self._sources = None, None, {}
        if self._case_id is None:
            self._clear_sections()
            self.status.setText(self.tr("Choose a case to see its note."))
            self._update_controls()
            return
        store = self._services.store
        try:
            current = load_case_note(store, self._case_id, self._template_dir())
            sources = load_note_sources(store, self._case_id, current)
            review = load_review(store, self._case_id, current)
        except AssistError as error:
            self._clear_sections()
            if error.code == "casework.no_draft":
                self.status.setText(
                    self.tr("This case has no draft yet. Choose a template and press Make draft.")
                )
            else:
                self._show_error(error.message(self._services.lang))
            self._choose_template(self._default_template())
            self._update_controls()
            return
        self._current, self._review = current, review
        self._sources = {s.section_id: s for s in sources}
        self._choose_template(current.note.meta.template_id)
        self._show_sections(current, force)
        self._update_controls()
        self._refresh_marks()

    # ---- sections ---------------------------------------------------------------------------

    def _clear_sections(self) -> None:
        for editor in self._editors.values():
            editor.setParent(None)
            editor.deleteLater()
        self._editors = {}
        self._show_sources(None)

    def _add_section(self, section: NoteSection) -> SectionEditor:
        editor = SectionEditor(section, self._services.lang, self._sections_host)
        editor.edited.connect(self._edited)
        editor.acknowledge_requested.connect(self.acknowledge)
        editor.accept_requested.connect(self.accept)
        editor.source_clicked.connect(self.source_requested)
        editor.note_clicked.connect(lambda note_id: self.note_requested.emit(note_id, False))
        editor.sentence_changed.connect(self._show_sources)
        self._sections_layout.insertWidget(self._sections_layout.count() - 1, editor)
        editor.show()  # a layout shows new children only on the next event loop pass
        self._editors[section.section_id] = editor
        return editor

    def _show_sections(self, current: CaseNote, force: bool) -> None:
        ids = [s.section_id for s in current.note.sections]
        if force or ids != list(self._editors):
            self._clear_sections()
            for section in current.note.sections:
                self._add_section(section)
            return
        if self._autosaver is not None and self._autosaver.dirty:
            return  # what is typed and not yet saved is newer than the store
        for section in current.note.sections:
            editor = self._editors[section.section_id]
            if normalize_text(editor.text()) != normalize_text(section.text):
                editor.set_text(section.text)  # changed elsewhere (another window, the CLI)

    def _texts(self) -> dict[str, str]:
        return {section_id: editor.text() for section_id, editor in self._editors.items()}

    def _refresh_marks(self) -> None:
        """Sources, flags and AI marking for the text as it stands in the editors now."""
        current, review = self._current, self._review
        if current is None or review is None or self._drafting:
            return
        note = live_note(current.note, self._texts())
        flags = reviewed_flags(note, review) if current.editing else current.flags
        by_id = {f.flag_id: f for f in flags}
        read_only = not current.editing or self._signing
        # Text of a signed version was read and approved by a person: no longer "AI draft".
        machine_marked = current.signed is None
        for section_id, editor in self._editors.items():
            spans = section_spans(
                editor.text(),
                self._sources.get(section_id),
                by_id,
                accepted=section_id in review.accepted_sections,
                machine_marked=machine_marked,
            )
            shown = tuple(
                f for f in flags if f.section_id == section_id and f.resolution != "fixed"
            )
            editor.set_state(
                spans,
                shown if current.editing else (),
                machine_label=any(s.machine for s in spans),
                read_only=read_only,
            )

    def open_flags(self) -> tuple[FlagView, ...]:
        """The flags neither fixed nor checked in the text as it stands now."""
        if self._current is None or self._review is None or not self._current.editing:
            return ()
        note = live_note(self._current.note, self._texts())
        return tuple(f for f in reviewed_flags(note, self._review) if f.resolution == "open")

    def editor(self, section_id: str) -> SectionEditor:
        return self._editors[section_id]

    # ---- editing and autosave ---------------------------------------------------------------

    def _edited(self, _section_id: str) -> None:
        current = self._current
        if current is None or not current.editing or self._autosaver is None or self._drafting:
            return
        try:
            text = _editable(current, self._texts())
        except AssistError as error:
            self.save_status.setText(
                self.tr("Not saved: {problem}").format(problem=error.message(self._services.lang))
            )
            self._refresh_marks()
            return
        self._autosaver.edit(text)
        self.save_status.setText(self.tr("Saving…"))
        self._timer.start()
        self._refresh_marks()

    def _tick(self) -> None:
        if self._autosaver is None or not self._autosaver.dirty:
            self._timer.stop()
            return
        self._save(self._autosaver.tick)

    def _save(self, save: Callable[[], bool]) -> bool:
        self._saving = True
        try:
            saved = save()
        except AssistError as error:
            self.save_status.setText(
                self.tr("Not saved: {problem}").format(problem=error.message(self._services.lang))
            )
            return False
        finally:
            self._saving = False
        if saved:
            self.save_status.setText(
                self.tr("Saved {time}").format(time=QTime.currentTime().toString("HH:mm"))
            )
        if self._autosaver is not None and not self._autosaver.dirty:
            self._timer.stop()
        if self._reload_wanted and not self._drafting:
            self._reload()
        return saved

    # ---- review -----------------------------------------------------------------------------

    def acknowledge(self, flag_id: str) -> None:
        self._review_step(lambda store, case_id: acknowledge_flag(store, case_id, flag_id))

    def accept(self, section_id: str) -> None:
        self._review_step(lambda store, case_id: accept_section(store, case_id, section_id))
        if section_id in self._editors:
            self._editors[section_id].editor.setFocus()

    def _review_step(self, step: Callable[..., Review]) -> None:
        if self._case_id is None:
            return
        self.flush()  # the review is saved with the text as it stands
        try:
            step(self._services.store, self._case_id)
        except AssistError as error:
            self._show_error(error.message(self._services.lang))
        self._reload()

    # ---- sources ----------------------------------------------------------------------------

    def _show_sources(self, span: object) -> None:
        self.sources_list.clear()
        if not isinstance(span, SentenceSpan):
            self.sources_hint.setText(
                self.tr("Put the cursor in a sentence to see what it rests on.")
            )
        elif not span.cited:
            self.sources_hint.setText(self.tr("This sentence has no source in the transcript."))
        else:
            if span.sentence.sources:
                self.sources_hint.setText(self.tr("The sentence rests on:"))
            else:
                self.sources_hint.setText(
                    self.tr(
                        "The sentence rests only on notes the caseworker typed during the "
                        "meeting, not on what was said:"
                    )
                )
            for source in span.sentence.sources:
                item = QListWidgetItem(source_line(source))
                item.setData(Qt.ItemDataRole.UserRole, source.segment_id)
                item.setData(SOURCE_KIND_ROLE, "segment")
                self.sources_list.addItem(item)
            for note in span.sentence.notes:
                heading = self.tr("✎ Caseworker's note {number}").format(number=note.note_id)
                item = QListWidgetItem(note_source_line(note, heading))
                item.setData(Qt.ItemDataRole.UserRole, note.note_id)
                item.setData(SOURCE_KIND_ROLE, "note")
                item.setData(
                    Qt.ItemDataRole.AccessibleDescriptionRole,
                    self.tr("Typed by the caseworker during the meeting; not said by anyone"),
                )
                self.sources_list.addItem(item)
            self.sources_list.setCurrentRow(0)
        self._update_source_buttons()

    def _update_source_buttons(self) -> None:
        chosen = self.sources_list.currentItem() is not None
        self.show_source_button.setEnabled(chosen)
        self.play_source_button.setEnabled(chosen)

    def _request_source(self, *, play: bool) -> None:
        item = self.sources_list.currentItem()
        if item is None:
            return
        source_id = int(item.data(Qt.ItemDataRole.UserRole))
        if item.data(SOURCE_KIND_ROLE) == "note":
            self.note_requested.emit(source_id, play)
            return
        (self.play_requested if play else self.source_requested).emit(source_id)

    # ---- drafting ---------------------------------------------------------------------------

    @property
    def _drafting(self) -> bool:
        return self._job is not None

    def is_busy(self) -> bool:
        """A draft or a signing is under way."""
        return self._drafting or self._signing

    def make_draft(self) -> None:
        case_id = self._case_id
        if case_id is None or self._drafting:
            return
        if self._current is not None and self._current.editing and not self._confirm_replace():
            return
        self.flush()
        store, engines = self._services.store, self._services.engines
        template_dir = self._template_dir()
        template_id = str(self.template.currentData() or "") or None
        self._show_error("")
        self._set_notice("")
        self._clear_sections()
        self.progress.setRange(0, 0)  # busy until the drafter says how far it is
        self.progress.setVisible(True)
        self.status.setText(self.tr("Drafting…"))
        self._draft_case_id = case_id
        self._job = self._services.runner.start(
            "draft",
            lambda cancel: draft_case(
                store,
                case_id,
                engines,
                "auto",
                None,
                template_dir,
                cancel=cancel,
                template_id=template_id,
            ),
            on_event=self._draft_event,
            on_done=self._draft_done,
            on_error=self._draft_failed,
        )
        self._update_controls()
        self.cancel_button.setFocus()

    def _confirm_replace(self) -> bool:
        answer = QMessageBox.question(
            self,
            self.tr("Make a new draft"),
            self.tr(
                "A new draft replaces the text of the current one, your edits included. "
                "Make a new draft?"
            ),
        )
        return answer == QMessageBox.StandardButton.Yes

    def cancel_draft(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self.status.setText(self.tr("Cancelling…"))

    def _draft_event(self, event: object) -> None:
        if self._draft_case_id != self._case_id:
            return
        if isinstance(event, Stage):
            self.status.setText(self._stage_text(event.name))
        elif isinstance(event, Progress):
            fraction = event.fraction
            if fraction is not None:
                self.progress.setRange(0, 100)
                self.progress.setValue(round(fraction * 100))
        elif isinstance(event, SectionDrafted):
            self._show_streamed(event.section)
            self.section_arrived.emit(event.section.section_id)

    def _stage_text(self, name: str) -> str:
        texts = {
            "model.check": self.tr("Checking the language model…"),
            "draft.choose": self.tr("Choosing how to draft…"),
            "model.load": self.tr("Loading the language model…"),
            "draft.fallback": self.tr("The language model stopped; drafting without it…"),
        }
        return texts.get(name, self.tr("Drafting…"))

    def _show_streamed(self, section: DraftSection) -> None:
        """A section as it arrives: read-only until the whole draft is saved."""
        text = "" if not section.generated else draft_section_text(section)
        professional = not section.generated and not section.sentences
        editor = self._editors.get(section.section_id) or self._add_section(
            NoteSection(section.section_id, section.title, text, professional)
        )
        editor.set_text(text)
        editor.set_state((), (), machine_label=bool(text), read_only=True)

    def _draft_ended(self) -> None:
        self._job = None
        self._draft_case_id = None
        self.progress.setRange(0, 100)

    def _draft_done(self, result: object) -> None:
        same_case = self._draft_case_id == self._case_id
        self._draft_ended()
        if not same_case:
            return
        self.progress.setValue(100)
        self.status.setText(self.tr("The draft is ready. Read it, fix or check the flags."))
        if isinstance(result, DraftResult):
            self._set_notice("\n".join(result.notices(self._services.lang)))
        self._reload(force=True)
        if self._editors:  # Cancel had the focus and is now disabled: go to the text
            next(iter(self._editors.values())).editor.setFocus()

    def _draft_failed(self, error: BaseException) -> None:
        same_case = self._draft_case_id == self._case_id
        self._draft_ended()
        if not same_case:
            return
        self.progress.setVisible(False)
        if isinstance(error, Cancelled):
            self.status.setText(self.tr("Cancelled. Nothing was saved; the previous draft stays."))
        elif isinstance(error, AssistError):
            self.status.setText("")
            self._show_error(error.message(self._services.lang))
        else:
            self.status.setText("")
            self._show_error(
                self.tr("Drafting stopped with an unexpected error. Nothing was saved; try again.")
            )
        self._reload(force=True)
        self.make_button.setFocus()

    # ---- signing ----------------------------------------------------------------------------

    def open_sign_dialog(self) -> None:
        if self._current is None or not self._current.editing:
            return
        self.flush()
        empty_assessment = any(
            e.professional_only and not e.text().strip() for e in self._editors.values()
        )
        dialog = SignDialog(
            self._services,
            open_flags=len(self.open_flags()),
            assessment_empty=empty_assessment,
            parent=self,
        )
        self.sign_dialog = dialog
        dialog.accepted.connect(lambda: self._sign(dialog.signer_typed()))
        dialog.open()

    def _sign(self, typed_name: str) -> None:
        case_id, review = self._case_id, self._review
        if case_id is None or review is None:
            return
        if not self.flush() and self._autosaver is not None and self._autosaver.dirty:
            return  # the text could not be saved: signing would sign an older text
        store = self._services.store
        acknowledged = review.acknowledged
        self._signing = True
        self._update_controls()
        self._refresh_marks()
        self._services.runner.call(
            "sign",
            lambda _cancel: sign_case(store, case_id, typed_name, acknowledged),
            on_done=self._signed,
            on_error=self._sign_failed,
        )

    def _signed(self, outcome: object) -> None:
        self._signing = False
        self._show_error("")
        if isinstance(outcome, SignOutcome) and outcome.retention_error is not None:
            # Signed and stored; only the clean-up afterwards failed (it runs again later).
            self._set_notice(outcome.retention_error.message(self._services.lang))
        self._reload(force=True)
        self.export_button.setFocus()
        if self.export_after_signing:
            QTimer.singleShot(0, self.export_docx)

    def _sign_failed(self, error: BaseException) -> None:
        self._signing = False
        if isinstance(error, AssistError):
            self._show_error(error.message(self._services.lang))
        else:
            self._show_error(self.tr("Signing failed unexpectedly. The note is not signed."))
        self._reload()

    def start_new_version(self) -> None:
        current = self._current
        if current is None or current.editing or self._case_id is None:
            return
        try:
            edit_note_text(self._services.store, self._case_id, current.text, new_version=True)
        except AssistError as error:
            self._show_error(error.message(self._services.lang))
        self._reload(force=True)
        if self._editors:
            next(iter(self._editors.values())).editor.setFocus()

    # ---- export -----------------------------------------------------------------------------

    def export_docx(self) -> None:
        current, case_id = self._current, self._case_id
        if current is None or case_id is None:
            return
        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        ) or str(Path.home())
        suggested = Path(folder) / export_file_name(current.case.title, date.today())
        chosen, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export DOCX"), str(suggested), self.tr("Word document (*.docx)")
        )
        if not chosen:
            return
        path = Path(chosen if chosen.lower().endswith(".docx") else chosen + ".docx")
        store, letterhead = self._services.store, self._services.settings.path("letterhead")
        self.export_status.setText(self.tr("Exporting…"))
        self.export_button.setEnabled(False)
        self._services.runner.call(
            "export",
            lambda _cancel: export_case(store, case_id, docx_path=path, letterhead=letterhead),
            on_done=lambda _files: self._exported_to(path),
            on_error=self._export_failed,
        )

    def _exported_to(self, path: Path) -> None:
        self._exported = path
        self.export_status.setText(self.tr("Saved as {path}").format(path=str(path)))
        self.open_button.setVisible(True)
        self._update_controls()
        self.open_button.setFocus()

    def _export_failed(self, error: BaseException) -> None:
        self.export_status.setText("")
        if isinstance(error, AssistError):
            self._show_error(error.message(self._services.lang))
        else:
            self._show_error(self.tr("The export failed unexpectedly. Nothing was written."))
        self._update_controls()

    def open_exported(self) -> None:
        if self._exported is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._exported)))

    def copy_text(self) -> None:
        if self._case_id is None:
            return
        try:
            text = render_txt(latest_signed(self._services.store, self._case_id))
        except AssistError as error:
            self._show_error(error.message(self._services.lang))
            return
        QGuiApplication.clipboard().setText(text)
        self.export_status.setText(
            self.tr("The signed note is copied. Paste it into the case system.")
        )

    # ---- shared -----------------------------------------------------------------------------

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def _set_notice(self, message: str) -> None:
        self.notice.setText(message)
        self.notice.setVisible(bool(message))

    def _update_controls(self) -> None:
        current = self._current
        has_case = self._case_id is not None
        busy = self._drafting or self._signing
        never_signed = current is None or current.signed is None
        can_draft = has_case and not busy and never_signed
        self.template.setEnabled(can_draft)
        self.make_button.setEnabled(can_draft)
        self.cancel_button.setEnabled(self._drafting)
        self.progress.setVisible(self._drafting or self.progress.value() == 100)
        editing = current is not None and current.editing
        self.sign_button.setEnabled(editing and not busy)
        finished = current is not None and not current.editing and current.signed is not None
        self.new_version_button.setVisible(finished)
        self.new_version_button.setEnabled(finished and not busy)
        self.export_button.setEnabled(finished and not busy)
        self.copy_button.setEnabled(finished and not busy)
        self._show_signature(current)

    def _show_signature(self, current: CaseNote | None) -> None:
        signed = current.signed if current is not None else None
        if current is None or signed is None:
            self.signed_banner.setVisible(False)
            return
        if current.editing:
            text = self.tr("Editing version {version}. Version {signed} was signed by {name}.")
            text = text.format(version=current.version, signed=signed.version, name=signed.signer)
        else:
            text = self.tr("✓ Signed by {name}, version {version} ({when}). Read-only.").format(
                name=signed.signer, version=signed.version, when=signed.signed_at_local
            )
        self.signed_banner.setText(text)
        self.signed_banner.setVisible(True)

    def _tab_chain(self) -> list[QWidget]:
        """The controls in reading order: the bar, each section, the sources, the actions."""
        chain: list[QWidget] = [self.template, self.make_button, self.cancel_button]
        for editor in self._editors.values():
            chain += editor.focusables()
        return [
            *chain,
            self.sources_list,
            self.show_source_button,
            self.play_source_button,
            self.sign_button,
            self.new_version_button,
            self.export_button,
            self.copy_button,
            self.open_button,
        ]

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab follows `_tab_chain`. Sections are made after the buttons below them, so Qt's
        own chain (creation order) would visit them last; re-linking it with setTabOrder on
        every rebuild proved fragile (deleted widgets left loops)."""
        chain = [w for w in self._tab_chain() if _tab_stop(w, self)]
        focused = QApplication.focusWidget()
        while focused is not None and focused not in chain and focused is not self:
            focused = focused.parentWidget()
        if not chain or focused is None or focused not in chain:
            return super().focusNextPrevChild(next)
        index = chain.index(focused) + (1 if next else -1)
        if 0 <= index < len(chain):
            chain[index].setFocus(
                Qt.FocusReason.TabFocusReason if next else Qt.FocusReason.BacktabFocusReason
            )
            return True
        if self.isWindow():
            chain[index % len(chain)].setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return super().focusNextPrevChild(next)


def _tab_stop(widget: QWidget, root: QWidget) -> bool:
    policy = widget.focusPolicy().value
    return (
        widget.isVisibleTo(root)
        and widget.isEnabled()
        and bool(policy & Qt.FocusPolicy.TabFocus.value)
    )


def _editable(current: CaseNote, texts: dict[str, str]) -> str:
    text = to_editable_text(live_note(current.note, texts))
    from_editable_text(current.note, text)  # a typed "## ... [#id]" line would split the note
    return text


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
