"""The app's look: Fusion with palettes whose every text/background pair reaches WCAG AA
(4.5:1; 7:1 in high contrast), the platform's own font size, and a clearly visible focus frame.

    theme = apply_theme(app)                      # follows the OS: light, dark, high contrast
    apply_theme(app, high_contrast=True)          # forced (tests; `--high-contrast`;
                                                  # ASSIST_HIGH_CONTRAST=1)

Fusion's own palette fails AA in places (its selected-text highlight is 3.69:1), so every colour
is set here. The font is the platform's general font, scaled relatively: a user who chose larger
text in the OS keeps it. High contrast follows Windows' high-contrast setting and Qt's contrast
preference; light or dark follows the OS colour scheme.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFontDatabase, QGuiApplication, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QProxyStyle,
    QStyle,
    QStyleFactory,
    QStyleOption,
    QWidget,
)

ThemeName = Literal["light", "dark", "high_contrast"]
HIGH_CONTRAST_ENV = "ASSIST_HIGH_CONTRAST"
HIGH_CONTRAST_ARG = "--high-contrast"
FOCUS_WIDTH = 2  # px: WCAG 2.4.7/2.4.11 wants a focus indicator that stands out

Group = QPalette.ColorGroup
R = QPalette.ColorRole

# The text/background pairs the widgets draw; each must reach the theme's minimum contrast.
TEXT_PAIRS: tuple[tuple[QPalette.ColorRole, QPalette.ColorRole], ...] = (
    (R.WindowText, R.Window),
    (R.Text, R.Base),
    (R.Text, R.AlternateBase),
    (R.ButtonText, R.Button),
    (R.HighlightedText, R.Highlight),
    (R.ToolTipText, R.ToolTipBase),
    (R.PlaceholderText, R.Base),
    (R.Link, R.Base),
    (R.LinkVisited, R.Base),
)
DISABLED_PAIRS: tuple[tuple[QPalette.ColorRole, QPalette.ColorRole], ...] = (
    (R.WindowText, R.Window),
    (R.Text, R.Base),
    (R.ButtonText, R.Button),
)


@dataclass(frozen=True)
class Colours:
    """One theme's colours (hex), for the active and inactive groups alike."""

    window: str
    window_text: str
    base: str
    alternate_base: str
    text: str
    button: str
    button_text: str
    highlight: str
    highlighted_text: str
    tooltip_base: str
    tooltip_text: str
    placeholder: str
    link: str
    link_visited: str
    disabled_text: str
    focus: str  # the focus frame: >= 3:1 against window and base
    light: str
    midlight: str
    mid: str
    dark: str
    shadow: str


LIGHT = Colours(
    window="#f3f3f3",
    window_text="#1a1a1a",
    base="#ffffff",
    alternate_base="#f2f5f8",
    text="#1a1a1a",
    button="#e6e6e6",
    button_text="#1a1a1a",
    highlight="#0b57a4",
    highlighted_text="#ffffff",
    tooltip_base="#fffff0",
    tooltip_text="#1a1a1a",
    placeholder="#595959",
    link="#0645ad",
    link_visited="#5a2a91",
    disabled_text="#707070",
    focus="#0b57a4",
    light="#ffffff",
    midlight="#eaeaea",
    mid="#b4b4b4",
    dark="#8c8c8c",
    shadow="#4d4d4d",
)
DARK = Colours(
    window="#1f1f1f",
    window_text="#f0f0f0",
    base="#141414",
    alternate_base="#1c2026",
    text="#f0f0f0",
    button="#2e2e2e",
    button_text="#f0f0f0",
    highlight="#7cb7ff",
    highlighted_text="#000000",
    tooltip_base="#2e2e2e",
    tooltip_text="#f0f0f0",
    placeholder="#a6a6a6",
    link="#8ab4f8",
    link_visited="#c58af9",
    disabled_text="#8f8f8f",
    focus="#7cb7ff",
    light="#3c3c3c",
    midlight="#333333",
    mid="#4a4a4a",
    dark="#101010",
    shadow="#000000",
)
# Black, white and yellow, as Windows' own high-contrast themes: every pair >= 7:1.
HIGH_CONTRAST = Colours(
    window="#000000",
    window_text="#ffffff",
    base="#000000",
    alternate_base="#1a1a1a",
    text="#ffffff",
    button="#000000",
    button_text="#ffffff",
    highlight="#ffff00",
    highlighted_text="#000000",
    tooltip_base="#000000",
    tooltip_text="#ffff00",
    placeholder="#c8c8c8",
    link="#ffff00",
    link_visited="#ffd966",
    disabled_text="#a6a6a6",
    focus="#ffff00",
    light="#ffffff",
    midlight="#c8c8c8",
    mid="#ffffff",
    dark="#ffffff",
    shadow="#ffffff",
)
COLOURS: dict[ThemeName, Colours] = {
    "light": LIGHT,
    "dark": DARK,
    "high_contrast": HIGH_CONTRAST,
}
MINIMUM_CONTRAST: dict[ThemeName, float] = {"light": 4.5, "dark": 4.5, "high_contrast": 7.0}


@dataclass(frozen=True)
class Theme:
    name: ThemeName
    colours: Colours
    palette: QPalette
    font_point_size: float


def make_palette(colours: Colours) -> QPalette:
    palette = QPalette()
    roles = {
        R.Window: colours.window,
        R.WindowText: colours.window_text,
        R.Base: colours.base,
        R.AlternateBase: colours.alternate_base,
        R.Text: colours.text,
        R.Button: colours.button,
        R.ButtonText: colours.button_text,
        R.BrightText: colours.highlighted_text,
        R.Highlight: colours.highlight,
        R.HighlightedText: colours.highlighted_text,
        R.ToolTipBase: colours.tooltip_base,
        R.ToolTipText: colours.tooltip_text,
        R.PlaceholderText: colours.placeholder,
        R.Link: colours.link,
        R.LinkVisited: colours.link_visited,
        R.Light: colours.light,
        R.Midlight: colours.midlight,
        R.Mid: colours.mid,
        R.Dark: colours.dark,
        R.Shadow: colours.shadow,
        R.Accent: colours.highlight,
    }
    for group in (Group.Active, Group.Inactive, Group.Disabled):
        for role, value in roles.items():
            palette.setColor(group, role, QColor(value))
    # A disabled selection keeps the normal highlight colours, so it stays readable.
    for role in (R.WindowText, R.Text, R.ButtonText, R.PlaceholderText):
        palette.setColor(Group.Disabled, role, QColor(colours.disabled_text))
    return palette


class FocusFrameStyle(QProxyStyle):
    """Fusion, with a 2 px focus frame in the theme's focus colour on buttons, check boxes,
    fields and lists (Fusion's own is a faint 1 px line)."""

    def __init__(self, focus: QColor) -> None:
        super().__init__(QStyleFactory.create("Fusion"))
        self.focus = QColor(focus)

    def pixelMetric(self, metric, option=None, widget=None):
        value = super().pixelMetric(metric, option, widget)
        # Room for the whole focus frame around lists and text areas (their content covers
        # everything inside the frame width).
        if metric == QStyle.PixelMetric.PM_DefaultFrameWidth and isinstance(
            widget, QAbstractScrollArea
        ):
            return max(value, FOCUS_WIDTH)
        return value

    def drawPrimitive(self, element, option, painter, widget=None):
        if element == QStyle.PrimitiveElement.PE_FrameFocusRect:
            self._draw_focus(painter, option.rect)
            return
        super().drawPrimitive(element, option, painter, widget)
        if element in _FRAMED_PRIMITIVES and _has_focus(option):
            self._draw_focus(painter, option.rect)

    def drawComplexControl(self, control, option, painter, widget=None):
        super().drawComplexControl(control, option, painter, widget)
        if control in _FRAMED_COMPLEX and _has_focus(option):
            self._draw_focus(painter, option.rect)

    def drawControl(self, element, option, painter, widget=None):
        super().drawControl(element, option, painter, widget)
        # Lists, tables and text areas draw their frame here; Fusion gives no focus sign on it.
        if (
            element == QStyle.ControlElement.CE_ShapedFrame
            and _has_focus(option)
            and isinstance(widget, QAbstractScrollArea)
        ):
            self._draw_focus(painter, option.rect)

    def _draw_focus(self, painter: QPainter, rect: QRect) -> None:
        painter.save()
        pen = QPen(self.focus, FOCUS_WIDTH)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        inset = FOCUS_WIDTH // 2
        painter.drawRect(rect.adjusted(inset, inset, -inset, -inset))
        painter.restore()


# Fusion marks focus on these with a faint tint only (no PE_FrameFocusRect): frame them.
_FRAMED_PRIMITIVES = (
    QStyle.PrimitiveElement.PE_FrameLineEdit,
    QStyle.PrimitiveElement.PE_PanelButtonCommand,
    QStyle.PrimitiveElement.PE_PanelButtonTool,
)
_FRAMED_COMPLEX = (
    QStyle.ComplexControl.CC_ComboBox,
    QStyle.ComplexControl.CC_SpinBox,
    QStyle.ComplexControl.CC_Slider,
)


def _has_focus(option: QStyleOption) -> bool:
    return bool(option.state & QStyle.StateFlag.State_HasFocus)


def windows_high_contrast() -> bool:
    """Windows' own high-contrast setting (SPI_GETHIGHCONTRAST); False elsewhere."""
    if sys.platform != "win32":
        return False
    import ctypes
    from ctypes import wintypes

    class HighContrast(ctypes.Structure):
        _fields_ = [
            ("cbSize", wintypes.UINT),
            ("dwFlags", wintypes.DWORD),
            ("lpszDefaultScheme", wintypes.LPWSTR),
        ]

    spi_gethighcontrast = 0x0042
    hcf_highcontraston = 0x0001
    info = HighContrast()
    info.cbSize = ctypes.sizeof(HighContrast)
    ok = ctypes.windll.user32.SystemParametersInfoW(  # type: ignore[attr-defined]
        spi_gethighcontrast, info.cbSize, ctypes.byref(info), 0
    )
    return bool(ok) and bool(info.dwFlags & hcf_highcontraston)


def high_contrast_requested(app: QApplication) -> bool:
    """The user asked for high contrast: on the command line, in the environment, or in the OS."""
    if HIGH_CONTRAST_ARG in app.arguments():
        return True
    if os.environ.get(HIGH_CONTRAST_ENV, "").strip().lower() in ("1", "true", "yes", "ja"):
        return True
    hints = QGuiApplication.styleHints()
    if hints.accessibility().contrastPreference() == Qt.ContrastPreference.HighContrast:
        return True
    return windows_high_contrast()


def choose_theme(app: QApplication, high_contrast: bool | None, dark: bool | None) -> ThemeName:
    if high_contrast if high_contrast is not None else high_contrast_requested(app):
        return "high_contrast"
    if dark is None:
        dark = QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark
    return "dark" if dark else "light"


def apply_theme(
    app: QApplication,
    *,
    high_contrast: bool | None = None,
    dark: bool | None = None,
    font_scale: float = 1.0,
) -> Theme:
    """Style `app`. `high_contrast`/`dark` None: follow the OS. `font_scale` is relative to the
    platform's font (1.0: exactly the size the user chose in the OS)."""
    name = choose_theme(app, high_contrast, dark)
    colours = COLOURS[name]
    palette = make_palette(colours)
    app.setStyle(FocusFrameStyle(QColor(colours.focus)))
    app.setPalette(palette)
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * font_scale)
    elif font.pixelSize() > 0:  # the platform gave pixels: scale those, never invent a size
        font.setPixelSize(max(1, round(font.pixelSize() * font_scale)))
    app.setFont(font)
    return Theme(name, colours, palette, font.pointSizeF())


def focus_colour(widget: QWidget) -> QColor | None:
    """The focus frame colour the app's style draws (None if the theme is not applied)."""
    style = widget.style()
    while style is not None:
        if isinstance(style, FocusFrameStyle):
            return QColor(style.focus)
        style = style.baseStyle() if isinstance(style, QProxyStyle) else None
    return None
