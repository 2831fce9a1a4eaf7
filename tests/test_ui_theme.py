"""The theme (contrast, high contrast, the OS font, a visible focus frame) and the accessibility
helpers in tests/ui_accessibility.py that the other UI tests rely on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from unicodedata import lookup

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QFontDatabase, QFontMetrics, QImage, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStyle,
    QStyleFactory,
    QStyleOption,
    QStyleOptionFocusRect,
    QStyleOptionFrame,
    QVBoxLayout,
    QWidget,
)
from ui_accessibility import contrast_ratio, tab_order, unnamed_controls

from ui.theme import (
    COLOURS,
    DISABLED_PAIRS,
    HIGH_CONTRAST_ENV,
    MINIMUM_CONTRAST,
    TEXT_PAIRS,
    apply_theme,
    focus_colour,
)

Group = QPalette.ColorGroup
THEMES = {
    "light": {"high_contrast": False, "dark": False},
    "dark": {"high_contrast": False, "dark": True},
    "high_contrast": {"high_contrast": True},
}


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    """The test application, with its style, palette and font put back afterwards."""
    style = qapp.style().name()
    palette = QPalette(qapp.palette())
    font = qapp.font()
    try:
        yield qapp
    finally:
        qapp.setStyle(QStyleFactory.create(style or "Fusion"))
        qapp.setPalette(palette)
        qapp.setFont(font)


# ---- the helpers themselves ---------------------------------------------------------------------


def test_contrast_ratio_matches_wcag_reference_values() -> None:
    assert contrast_ratio(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast_ratio(QColor("#ffffff"), QColor("#000000")) == pytest.approx(21.0)
    assert contrast_ratio(QColor("#777777"), QColor("#777777")) == pytest.approx(1.0)
    # #767676 on white is the classic "just passes AA" grey (4.54:1).
    assert contrast_ratio(QColor("#767676"), QColor("#ffffff")) == pytest.approx(4.54, abs=0.01)


def test_an_unnamed_button_is_reported_and_named_controls_are_not(qtbot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    unnamed = QPushButton()
    unnamed.setObjectName("mystery")
    layout.addWidget(unnamed)
    layout.addWidget(QPushButton("Save"))
    named_icon_button = QPushButton()
    named_icon_button.setAccessibleName("Delete")
    layout.addWidget(named_icon_button)
    window.show()

    found = unnamed_controls(window)
    assert len(found) == 1
    assert "PushButton" in found[0] and "mystery" in found[0]


def test_a_combo_box_needs_a_label_not_just_its_current_item(qtbot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    form = QFormLayout(window)
    bare = QComboBox()
    bare.setObjectName("bare")
    bare.addItems(["Dansk", "English"])  # Qt names it "Dansk": says nothing of what it is for
    labelled = QComboBox()
    labelled.addItems(["Dansk", "English"])
    form.addRow(QLabel("Language"), bare)
    form.addRow("&Language", labelled)  # addRow with text makes a buddy label
    field = QLineEdit()
    field.setObjectName("loose_field")
    form.addRow(field)
    window.show()

    found = unnamed_controls(window)
    assert len(found) == 2
    assert any("bare" in item for item in found)
    assert any("loose_field" in item for item in found)


def test_unnamed_controls_refuses_a_hidden_widget(qtbot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    with pytest.raises(AssertionError):
        unnamed_controls(window)


def test_tab_order_follows_the_focus_chain_and_skips_disabled_and_hidden(qtbot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    first, disabled, hidden, last = (QPushButton(t) for t in ("1", "2", "3", "4"))
    label = QLabel("not focusable")
    for widget in (first, label, disabled, hidden, last):
        layout.addWidget(widget)
    disabled.setEnabled(False)
    window.show()
    hidden.hide()
    assert tab_order(window) == [first, last]
    QWidget.setTabOrder(last, first)
    assert tab_order(window)[0] in (first, last)


# ---- the theme ----------------------------------------------------------------------------------


def test_fusions_own_highlight_fails_aa_so_the_check_has_teeth() -> None:
    fusion = QStyleFactory.create("Fusion").standardPalette()
    ratio = contrast_ratio(
        fusion.color(Group.Active, QPalette.ColorRole.HighlightedText),
        fusion.color(Group.Active, QPalette.ColorRole.Highlight),
    )
    assert ratio < 4.5


@pytest.mark.parametrize("name", list(THEMES))
@pytest.mark.parametrize("group", [Group.Active, Group.Inactive])
def test_every_text_pair_reaches_the_minimum_contrast(app, name, group) -> None:
    theme = apply_theme(app, **THEMES[name])
    assert theme.name == name
    palette = app.palette()
    minimum = MINIMUM_CONTRAST[name]
    assert minimum >= (7.0 if name == "high_contrast" else 4.5)
    failing = {
        f"{fg.name}/{bg.name}": round(ratio, 2)
        for fg, bg in TEXT_PAIRS
        if (ratio := contrast_ratio(palette.color(group, fg), palette.color(group, bg))) < minimum
    }
    assert failing == {}


@pytest.mark.parametrize("name", list(THEMES))
def test_the_selected_text_highlight_is_fixed(app, name) -> None:
    apply_theme(app, **THEMES[name])
    palette = app.palette()
    for group in (Group.Active, Group.Inactive):
        ratio = contrast_ratio(
            palette.color(group, QPalette.ColorRole.HighlightedText),
            palette.color(group, QPalette.ColorRole.Highlight),
        )
        assert ratio >= MINIMUM_CONTRAST[name]


@pytest.mark.parametrize("name", list(THEMES))
def test_disabled_text_stays_readable(app, name) -> None:
    apply_theme(app, **THEMES[name])
    palette = app.palette()
    for fg, bg in DISABLED_PAIRS:
        ratio = contrast_ratio(palette.color(Group.Disabled, fg), palette.color(Group.Disabled, bg))
        assert ratio >= 3.0, f"{fg.name}/{bg.name}: {ratio:.2f}"
        # ... yet it must look different from enabled text.
        assert palette.color(Group.Disabled, fg) != palette.color(Group.Active, fg)


def test_high_contrast_is_black_white_and_yellow_at_7_to_1(app) -> None:
    apply_theme(app, high_contrast=True)
    palette = app.palette()
    assert palette.color(QPalette.ColorRole.Window) == QColor("#000000")
    assert palette.color(QPalette.ColorRole.WindowText) == QColor("#ffffff")
    assert palette.color(QPalette.ColorRole.Highlight) == QColor("#ffff00")
    for fg, bg in TEXT_PAIRS:
        assert contrast_ratio(palette.color(fg), palette.color(bg)) >= 7.0


def test_the_environment_can_ask_for_high_contrast(app, monkeypatch) -> None:
    monkeypatch.setenv(HIGH_CONTRAST_ENV, "1")
    assert apply_theme(app).name == "high_contrast"
    monkeypatch.delenv(HIGH_CONTRAST_ENV)
    assert apply_theme(app, dark=False).name == "light"


@pytest.mark.parametrize("name", list(THEMES))
def test_the_focus_colour_stands_out_from_every_background(app, name) -> None:
    theme = apply_theme(app, **THEMES[name])
    focus = QColor(theme.colours.focus)
    palette = app.palette()
    backgrounds = (QPalette.ColorRole.Window, QPalette.ColorRole.Base, QPalette.ColorRole.Button)
    for background in backgrounds:
        assert contrast_ratio(focus, palette.color(background)) >= 3.0


def _focus_pixels(image: QImage, colour: QColor) -> int:
    return sum(
        1
        for y in range(image.height())
        for x in range(image.width())
        if image.pixelColor(x, y).rgb() == colour.rgb()
    )


def _paint(draw) -> QImage:
    image = QImage(60, 30, QImage.Format.Format_RGB32)
    image.fill(QColor(COLOURS["light"].window))
    painter = QPainter(image)
    draw(painter)
    painter.end()
    return image


def test_the_focus_frame_is_drawn_2px_wide_in_the_focus_colour(app) -> None:
    theme = apply_theme(app, dark=False)
    style = app.style()
    focus = QColor(theme.colours.focus)
    assert focus_colour(QPushButton()) == focus

    option = QStyleOptionFocusRect()
    option.rect = QRect(0, 0, 60, 30)
    option.state = QStyle.StateFlag.State_HasFocus | QStyle.StateFlag.State_Enabled
    element = QStyle.PrimitiveElement.PE_FrameFocusRect
    image = _paint(lambda p: style.drawPrimitive(element, option, p))
    perimeter = 2 * (60 + 30)
    assert _focus_pixels(image, focus) >= 2 * perimeter - 16  # two pixels all the way round

    field = QStyleOptionFrame()
    field.rect = QRect(0, 0, 60, 30)
    field.lineWidth = 1
    for state, expect_frame in ((QStyle.StateFlag.State_HasFocus, True), (None, False)):
        field.state = QStyle.StateFlag.State_Enabled | (state or QStyle.StateFlag.State_None)
        image = _paint(
            lambda p: style.drawPrimitive(QStyle.PrimitiveElement.PE_FrameLineEdit, field, p)
        )
        assert (_focus_pixels(image, focus) >= perimeter) is expect_frame


FOCUSABLE = {
    "button": lambda: QPushButton("Save"),
    "check box": lambda: QCheckBox("Remember"),
    "line edit": lambda: QLineEdit("text"),
    "combo box": lambda: _combo(),
    "spin box": lambda: QSpinBox(),
    "list": lambda: QListWidget(),
    "text area": lambda: QPlainTextEdit("text"),
}


def _combo() -> QComboBox:
    combo = QComboBox()
    combo.addItems(["Dansk", "English"])
    return combo


@pytest.mark.parametrize("kind", list(FOCUSABLE))
def test_a_focused_control_shows_the_focus_frame_on_screen(app, qtbot, kind) -> None:
    theme = apply_theme(app, dark=False)
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    control = FOCUSABLE[kind]()
    other = QPushButton("Other")
    layout.addWidget(control)
    layout.addWidget(other)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    other.setFocus()
    qtbot.waitUntil(other.hasFocus)
    without_focus = control.grab().toImage()
    control.setFocus()
    qtbot.waitUntil(control.hasFocus)
    focused = control.grab().toImage()
    focus = QColor(theme.colours.focus)
    perimeter = 2 * (focused.width() + focused.height())
    gained = _focus_pixels(focused, focus) - _focus_pixels(without_focus, focus)
    if kind == "check box":  # the frame goes round its label, not the whole widget
        assert gained >= 150
    else:  # two pixels wide nearly all the way round (rounded corners may cost a few)
        assert gained >= 2 * perimeter - 40


def test_the_font_is_the_platforms_own_scaled_relatively(app) -> None:
    platform = QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont)
    apply_theme(app, dark=False)
    assert app.font().family() == platform.family()
    assert app.font().pointSizeF() == pytest.approx(platform.pointSizeF())
    apply_theme(app, dark=False, font_scale=1.5)
    assert app.font().pointSizeF() == pytest.approx(platform.pointSizeF() * 1.5)


def test_the_font_has_the_danish_letters(app) -> None:
    apply_theme(app, dark=False)
    metrics = QFontMetrics(app.font())
    missing = [letter for letter in "æøåÆØÅ" if not metrics.inFontUcs4(ord(letter))]
    assert missing == []


def test_the_font_has_every_symbol_the_views_give_meaning_to(app) -> None:
    """A symbol that says something (⚠ a flag, ✎ a caseworker's note, ● recording) must not be
    drawn as an empty box; emoji such as 📝 are not in the fonts Linux desktops ship."""
    apply_theme(app, dark=False)
    metrics = QFontMetrics(app.font())
    sources = [p.read_text(encoding="utf-8") for p in Path("ui").glob("*.py")]
    sources += [p.read_text(encoding="utf-8") for p in Path("ui/translations/da").glob("*.tsv")]
    named = {lookup(name) for text in sources for name in re.findall(r"\\N\{([A-Z -]+)\}", text)}
    symbols = {char for text in sources for char in text if ord(char) > 0x2000} | named
    assert {"⚠", "✎", "●"} <= symbols
    assert sorted(s for s in symbols if not metrics.inFontUcs4(ord(s))) == []


def test_style_option_for_unfocused_widgets_draws_no_focus(app) -> None:
    theme = apply_theme(app, dark=False)
    option = QStyleOption()
    option.rect = QRect(0, 0, 60, 30)
    option.state = QStyle.StateFlag.State_Enabled
    element = QStyle.PrimitiveElement.PE_PanelButtonCommand
    image = _paint(lambda p: app.style().drawPrimitive(element, option, p))
    assert _focus_pixels(image, QColor(theme.colours.focus)) == 0
