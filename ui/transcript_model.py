"""The transcript as a Qt table model (time, speaker, text) and the delegate that draws it.

The model shows the transcript the core last handed out (`set_transcript`); it keeps no copy of
its own that could drift: every edit goes to the core (the view's `text_edited` /
`speaker_edited` handlers), and the view reloads the model from the core when the store says
the case changed. A reload with the same segments updates only the rows that changed, so the
selection and the scroll position stay.

Words the recogniser was unsure of (confidence below the drafting checks' own
`UNCERTAIN_WORD_BELOW`) are shown with a dotted underline AND a "[?]" after the word, so the
mark does not depend on colour; the cell's accessible description lists them.

Notes the caseworker typed during the meeting (`MeetingNote`) stand among the segments at
their recording time, marked in words and with a symbol ("✎ Note 3 · caseworker: ...") on
their own background, never with a speaker: they are the caseworker's words, not what was said.
Their text may be corrected (`note_edited`, "" removes the note); they are never a segment.

Rows are sized with cached font metrics, not with a layout per row: a 2-hour meeting has
~1,500 segments and must scroll without stutter.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QBrush,
    QColor,
    QFontMetrics,
    QPainter,
    QPalette,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QComboBox,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from assist.drafting.verify import UNCERTAIN_WORD_BELOW
from assist.transcript import MeetingNote, Segment, Transcript, format_time

TIME_COLUMN, SPEAKER_COLUMN, TEXT_COLUMN = 0, 1, 2
SEGMENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
START_ROLE = Qt.ItemDataRole.UserRole + 2
UNCERTAIN_ROLE = Qt.ItemDataRole.UserRole + 3  # tuple of (start, end) spans in the shown text
NOTE_ID_ROLE = Qt.ItemDataRole.UserRole + 4  # a caseworker's note's number; None on a segment
NOTE_MARK = "✎"
# A warm paper tone for the caseworker's notes (the symbol and the words say it too); dark text
# on it keeps well above 4.5:1.
NOTE_BACKGROUND = QColor("#fdf3d8")
UNCERTAIN_MARK = "[?]"
_PADDING = 4  # px around a cell's text
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class ShownText:
    """A segment's text as shown: with "[?]" after each uncertain word, where those words
    stand in it (spans to underline) and the words themselves."""

    text: str
    spans: tuple[tuple[int, int], ...]
    words: tuple[str, ...]


def uncertain_words(segment: Segment) -> list[tuple[int, int]]:
    """(start, end) in `segment.text` of each word recognised with a confidence below the
    threshold; a word not found in the text (it was corrected) is left out."""
    found: list[tuple[int, int]] = []
    cursor = 0
    for word in segment.words:
        needle = word.text.strip()
        if not needle:
            continue
        at = segment.text.find(needle, cursor)
        if at < 0:
            continue
        cursor = at + len(needle)
        if word.confidence < UNCERTAIN_WORD_BELOW:
            found.append((at, cursor))
    return found


Row = Segment | MeetingNote


def merged_rows(transcript: Transcript | None) -> tuple[Row, ...]:
    """Segments in transcript order, each note before the first segment that starts after it
    was typed (notes typed at the same moment by number)."""
    if transcript is None:
        return ()
    notes = sorted(transcript.notes, key=lambda n: (n.at_s, n.note_id))
    rows: list[Row] = []
    for segment in transcript.segments:
        while notes and notes[0].at_s < segment.start_s:
            rows.append(notes.pop(0))
        rows.append(segment)
    rows.extend(notes)
    return tuple(rows)


def _row_key(row: Row) -> tuple[str, int]:
    return ("segment", row.segment_id) if isinstance(row, Segment) else ("note", row.note_id)


def shown_text(segment: Segment) -> ShownText:
    text = segment.text
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    words: list[str] = []
    last = 0
    length = 0
    for start, end in uncertain_words(segment):
        pieces.append(text[last:end])
        length += end - last
        spans.append((length - (end - start), length))
        words.append(text[start:end])
        pieces.append(UNCERTAIN_MARK)
        length += len(UNCERTAIN_MARK)
        last = end
    pieces.append(text[last:])
    return ShownText("".join(pieces), tuple(spans), tuple(words))


class TranscriptModel(QAbstractTableModel):
    """Rows are segments in transcript order with the caseworker's notes among them at their
    time; columns time, speaker, text."""

    text_edited = Signal(int, str)  # segment id, new text
    speaker_edited = Signal(int, str)  # segment id, new label
    note_edited = Signal(int, str)  # note number, new text ("" removes it)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: tuple[Row, ...] = ()
        self._segments: tuple[Segment, ...] = ()
        self._shown: dict[tuple[str, int], ShownText] = {}
        self._rows: dict[int, int] = {}
        self._note_rows: dict[int, int] = {}
        self.editable = False

    # ---- filling ---------------------------------------------------------------------------------

    def set_transcript(self, transcript: Transcript | None) -> list[int]:
        """Show `transcript` (None: empty). Returns the rows whose content changed (all rows on
        a reset)."""
        items = merged_rows(transcript)
        same_rows = [_row_key(r) for r in items] == [_row_key(r) for r in self._items]
        if same_rows:
            pairs = zip(self._items, items, strict=True)
            changed = [i for i, (a, b) in enumerate(pairs) if a != b]
            self._set_items(items)
            for row in changed:
                self._shown.pop(_row_key(items[row]), None)
                self.dataChanged.emit(self.index(row, 0), self.index(row, TEXT_COLUMN))
            return changed
        self.beginResetModel()
        self._set_items(items)
        self._shown = {}
        self._rows = {r.segment_id: i for i, r in enumerate(items) if isinstance(r, Segment)}
        self._note_rows = {r.note_id: i for i, r in enumerate(items) if isinstance(r, MeetingNote)}
        self.endResetModel()
        return list(range(len(items)))

    def _set_items(self, items: tuple[Row, ...]) -> None:
        self._items = items
        self._segments = tuple(r for r in items if isinstance(r, Segment))

    def segment(self, row: int) -> Segment:
        """The segment of a segment row (check `note(row)` first: a note row has none)."""
        item = self._items[row]
        if not isinstance(item, Segment):
            raise ValueError(f"row {row} is a caseworker's note, not a segment")
        return item

    def note(self, row: int) -> MeetingNote | None:
        """The caseworker's note of a note row; None on a segment row."""
        item = self._items[row]
        return item if isinstance(item, MeetingNote) else None

    def start_s(self, row: int) -> float:
        """Where the row stands in the recording (a segment's start, a note's typing time)."""
        item = self._items[row]
        return item.start_s if isinstance(item, Segment) else item.at_s

    def row_of(self, segment_id: int) -> int | None:
        return self._rows.get(segment_id)

    def row_of_note(self, note_id: int) -> int | None:
        return self._note_rows.get(note_id)

    @property
    def segments(self) -> tuple[Segment, ...]:
        """What was said (the notes are not part of it)."""
        return self._segments

    @property
    def notes(self) -> tuple[MeetingNote, ...]:
        return tuple(r for r in self._items if isinstance(r, MeetingNote))

    def speakers(self) -> list[str]:
        """The labels in use, in order of first appearance."""
        return list(dict.fromkeys(s.speaker for s in self._segments if s.speaker))

    def note_heading(self, note: MeetingNote) -> str:
        return self.tr("{mark} Note {number} · caseworker").format(
            mark=NOTE_MARK, number=note.note_id
        )

    def shown(self, row: int) -> ShownText:
        item = self._items[row]
        key = _row_key(item)
        cached = self._shown.get(key)
        if cached is None:
            if isinstance(item, Segment):
                cached = shown_text(item)
            else:
                cached = ShownText(f"{self.note_heading(item)}: {item.text}", (), ())
            self._shown[key] = cached
        return cached

    # ---- Qt's model interface --------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (self.tr("Time"), self.tr("Speaker"), self.tr("Text"))[section]

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self.editable or not index.isValid():
            return base
        column = index.column()
        if self.note(index.row()) is not None:
            editable = column == TEXT_COLUMN  # a note's text; it never gets a speaker
        else:
            editable = column in (SPEAKER_COLUMN, TEXT_COLUMN)
        return base | Qt.ItemFlag.ItemIsEditable if editable else base

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self._items[index.row()]
        if isinstance(item, MeetingNote):
            return self._note_data(index.row(), item, index.column(), role)
        segment = item
        column = index.column()
        if role == SEGMENT_ID_ROLE:
            return segment.segment_id
        if role == START_ROLE:
            return segment.start_s
        if role == Qt.ItemDataRole.DisplayRole:
            if column == TIME_COLUMN:
                return format_time(segment.start_s)
            if column == SPEAKER_COLUMN:
                return segment.speaker
            return self.shown(index.row()).text
        if role == Qt.ItemDataRole.EditRole:
            return segment.speaker if column == SPEAKER_COLUMN else segment.text
        if column == TEXT_COLUMN and role == UNCERTAIN_ROLE:
            return self.shown(index.row()).spans
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            return self._description(index.row(), column)
        return None

    def _note_data(self, row: int, note: MeetingNote, column: int, role: int) -> Any:
        if role == NOTE_ID_ROLE:
            return note.note_id
        if role == START_ROLE:
            return note.at_s
        if role == Qt.ItemDataRole.DisplayRole:
            if column == TIME_COLUMN:
                return format_time(note.at_s)
            return self.shown(row).text if column == TEXT_COLUMN else ""
        if role == Qt.ItemDataRole.EditRole:
            return note.text if column == TEXT_COLUMN else None
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(NOTE_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor("#1a1a1a"))  # dark on the paper tone in any theme
        if column == TEXT_COLUMN and role == UNCERTAIN_ROLE:
            return ()
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            if column == TIME_COLUMN:
                return self.tr("Play from here (click, or Enter)")
            return self.tr("Typed by the caseworker during the meeting; not said by anyone in it")
        return None

    def _description(self, row: int, column: int) -> str | None:
        if column == TIME_COLUMN:
            return self.tr("Play from here (click, or Enter)")
        if column == SPEAKER_COLUMN:
            return None if self.segment(row).speaker else self.tr("No speaker set")
        words = self.shown(row).words
        if not words:
            return None
        listed = ", ".join(f"“{w}”" for w in words)
        if len(words) == 1:
            return self.tr("Uncertain word (marked [?]): {words}").format(words=listed)
        return self.tr("Uncertain words (marked [?]): {words}").format(words=listed)

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or not self.editable:
            return False
        if not self.flags(index) & Qt.ItemFlag.ItemIsEditable:
            return False
        row, column = index.row(), index.column()
        new = str(value)
        note = self.note(row)
        if note is not None:
            if new.strip() == note.text:
                return False
            self._show_until_reloaded(row, replace(note, text=new.strip()))
            self.note_edited.emit(note.note_id, new.strip())
            return True
        segment = self.segment(row)
        if column == TEXT_COLUMN and new != segment.text:
            self._show_until_reloaded(row, replace(segment, text=new, words=()))
            self.text_edited.emit(segment.segment_id, new)
            return True
        label = " ".join(new.split())
        if column == SPEAKER_COLUMN and label != segment.speaker:
            self._show_until_reloaded(row, replace(segment, speaker=label))
            self.speaker_edited.emit(segment.segment_id, label)
            return True
        return False

    def _show_until_reloaded(self, row: int, item: Row) -> None:
        """Show the edit at once; the store's change notice reloads what was saved (or what
        stayed, if the core refused it)."""
        self._set_items((*self._items[:row], item, *self._items[row + 1 :]))
        self._shown.pop(_row_key(item), None)
        self.dataChanged.emit(self.index(row, 0), self.index(row, TEXT_COLUMN))


class TranscriptDelegate(QStyledItemDelegate):
    """Draws the text column with its uncertain words underlined (dotted), sizes rows from
    cached font metrics, and edits text in a line editor and speakers in an editable combo."""

    def __init__(
        self, speaker_choices: Callable[[], Sequence[str]], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._speaker_choices = speaker_choices
        self._heights: OrderedDict[tuple[str, int, int], int] = OrderedDict()

    # ---- sizes -----------------------------------------------------------------------------------

    def text_height(self, metrics: QFontMetrics, text: str, width: int) -> int:
        """The height of `text` wrapped at `width` (cached: rows are measured often)."""
        key = (text, width, metrics.height())
        cached = self._heights.get(key)
        if cached is not None:
            self._heights.move_to_end(key)
            return cached
        flags = int(Qt.TextFlag.TextWordWrap)
        box = metrics.boundingRect(QRect(0, 0, max(width, 20), 1_000_000), flags, text)
        height = max(box.height(), metrics.height()) + 2 * _PADDING
        self._heights[key] = height
        if len(self._heights) > 20_000:
            self._heights.popitem(last=False)
        return height

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        if index.column() != TEXT_COLUMN:
            return super().sizeHint(option, index)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        width = option.rect.width() or 400
        return QSize(width, self.text_height(option.fontMetrics, text, width - 2 * _PADDING))

    # ---- painting --------------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        if index.column() != TEXT_COLUMN:
            super().paint(painter, option, index)
            return
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        text, item.text = item.text, ""
        widget = option.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, widget)
        spans = index.data(UNCERTAIN_ROLE) or ()
        document = self.document(text, spans, item)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        context = QAbstractTextDocumentLayout.PaintContext()
        # The item's palette: a note row's own dark text on its own background, in any theme.
        context.palette.setColor(QPalette.ColorRole.Text, item.palette.color(role))
        painter.save()
        rect = option.rect.adjusted(_PADDING, _PADDING, -_PADDING, -_PADDING)
        painter.translate(rect.topLeft())
        painter.setClipRect(QRect(0, 0, rect.width(), rect.height()))
        document.documentLayout().draw(painter, context)
        painter.restore()

    @staticmethod
    def document(
        text: str, spans: Sequence[tuple[int, int]], option: QStyleOptionViewItem
    ) -> QTextDocument:
        """The cell's text as a document: uncertain words dotted-underlined."""
        document = QTextDocument()
        document.setDocumentMargin(0)
        document.setDefaultFont(option.font)
        document.setPlainText(text)
        document.setTextWidth(max(option.rect.width() - 2 * _PADDING, 20))
        dotted = QTextCharFormat()
        dotted.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
        for start, end in spans:
            cursor = QTextCursor(document)
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(dotted)
        return document

    # ---- editing ---------------------------------------------------------------------------------

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: _Index) -> QWidget:
        if index.column() == SPEAKER_COLUMN:
            combo = QComboBox(parent)
            combo.setEditable(True)
            combo.addItems(list(self._speaker_choices()))
            combo.setAccessibleName(self.tr("Speaker"))
            line = combo.lineEdit()
            if line is not None:
                line.setAccessibleName(self.tr("Speaker"))
            return combo
        editor = QLineEdit(parent)
        if index.data(NOTE_ID_ROLE) is not None:
            editor.setAccessibleName(self.tr("Note text (empty removes the note)"))
        else:
            editor.setAccessibleName(self.tr("Segment text"))
        return editor

    def setEditorData(self, editor: QWidget, index: _Index) -> None:
        value = str(index.data(Qt.ItemDataRole.EditRole) or "")
        if isinstance(editor, QComboBox):
            editor.setCurrentText(value)
        elif isinstance(editor, QLineEdit):
            editor.setText(value)

    def setModelData(self, editor: QWidget, model: Any, index: _Index) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
        elif isinstance(editor, QLineEdit):
            model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)
