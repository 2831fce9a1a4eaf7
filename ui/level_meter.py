"""The microphone level as a bar, with its value in text for screen readers and a dB figure
painted beside the bar (the level is never told by colour alone)."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

SILENCE_DB = -60.0  # the bar's left end


def level_db(level: float) -> float:
    """A 0..1 amplitude as dBFS, floored at SILENCE_DB."""
    if level <= 0.0:
        return SILENCE_DB
    return max(SILENCE_DB, 20.0 * math.log10(min(level, 1.0)))


class LevelMeter(QWidget):
    """A horizontal bar from SILENCE_DB to 0 dB; `set_level(rms)` with a 0..1 amplitude."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._level = 0.0
        self.setAccessibleName(self.tr("Input level"))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._describe()

    @property
    def level(self) -> float:
        return self._level

    def set_level(self, level: float) -> None:
        level = min(max(level, 0.0), 1.0)
        if level == self._level:
            return
        self._level = level
        self._describe()
        self.update()

    def value_text(self) -> str:
        if self._level <= 0.0:
            return self.tr("Silent")
        return self.tr("{db} dB").format(db=round(level_db(self._level)))

    def sizeHint(self) -> QSize:
        return QSize(240, max(18, self.fontMetrics().height() + 6))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        text = self.value_text()
        text_width = self.fontMetrics().horizontalAdvance("-60 dB") + 8
        bar = QRectF(0.5, 0.5, max(1.0, self.width() - text_width - 1.0), self.height() - 1.0)
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRect(bar)
        fraction = (level_db(self._level) - SILENCE_DB) / -SILENCE_DB
        filled = QRectF(bar.left(), bar.top(), bar.width() * fraction, bar.height())
        painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
        painter.drawRect(filled)
        text_box = QRectF(bar.right() + 4, 0, text_width - 4, self.height())
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        painter.drawText(text_box, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        painter.end()

    def _describe(self) -> None:
        self.setAccessibleDescription(self.value_text())
