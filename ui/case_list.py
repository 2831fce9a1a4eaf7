"""The case list: search, state, note type and when each case will be deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from assist.settings.rules import retention_policy
from assist.store.retention import case_deletion_due
from assist.store.values import CaseInfo
from ui.context import AppServices

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class CaseRow:
    case_id: str
    title: str
    state: str
    note_type: str
    deleted_on: str
    damaged: bool


class CaseTableModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[CaseRow] = []

    def headers(self) -> list[str]:
        return [self.tr("Case"), self.tr("State"), self.tr("Note type"), self.tr("Deleted on")]

    def set_rows(self, rows: list[CaseRow]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def row_at(self, row: int) -> CaseRow:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 4

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers()[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return (row.title, row.state, row.note_type, row.deleted_on)[index.column()]
        if role == Qt.ItemDataRole.UserRole:
            return row.case_id
        return None


class CaseListPanel(QWidget):
    """Lists the store's cases; `case_selected(case_id)` when the caseworker opens one."""

    case_selected = Signal(str)

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._model = CaseTableModel(self)
        self._proxy = QSortFilterProxyModel(self)
        self._proxy.setSourceModel(self._model)
        self._proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._proxy.setFilterKeyColumn(-1)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search cases"))
        self.search.setAccessibleName(self.tr("Search cases"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._proxy.setFilterFixedString)
        self.table = QTableView(self)
        self.table.setModel(self._proxy)
        self.table.setAccessibleName(self.tr("Cases"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.activated.connect(self._activated)
        self.empty = QLabel(self.tr("No cases yet. Start with “New meeting”."), self)
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        services.changes.changed.connect(self._store_changed)
        self.reload()

    def reload(self) -> None:
        current = self.current_case_id()
        self._model.set_rows([self._row(case) for case in self._services.store.list_cases()])
        self.empty.setVisible(self._model.rowCount() == 0)
        if current is not None:
            self.select(current)

    def _row(self, case: CaseInfo) -> CaseRow:
        states = {
            "draft": self.tr("Draft"),
            "signed": self.tr("Signed"),
            "exported": self.tr("Exported"),
        }
        state = states.get(case.state, case.state)
        if case.damaged:
            state = self.tr("Damaged ⚠")
        due = case_deletion_due(case, retention_policy(self._services.settings))
        deleted_on = due.astimezone().strftime("%d.%m.%Y") if due else self.tr("not before export")
        title = case.title or self.tr("(untitled) {created}").format(
            created=datetime.fromisoformat(case.created_at).astimezone().strftime("%d.%m.%Y %H:%M")
        )
        return CaseRow(case.case_id, title, state, case.note_type, deleted_on, bool(case.damaged))

    def current_case_id(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return str(self._proxy.data(index, Qt.ItemDataRole.UserRole))

    def select(self, case_id: str) -> bool:
        for row in range(self._proxy.rowCount()):
            index = self._proxy.index(row, 0)
            if self._proxy.data(index, Qt.ItemDataRole.UserRole) == case_id:
                self.table.setCurrentIndex(index)
                return True
        return False

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.case_selected.emit(str(self._proxy.data(current, Qt.ItemDataRole.UserRole)))

    def _activated(self, index: QModelIndex) -> None:
        self.case_selected.emit(str(self._proxy.data(index, Qt.ItemDataRole.UserRole)))

    def _store_changed(self, kind: str, _case_id: object) -> None:
        # Live segments come many a minute, notes often too; the list shows neither.
        if kind not in ("segments_added", "notes_changed"):
            self.reload()
