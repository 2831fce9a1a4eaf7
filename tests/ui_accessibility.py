"""Accessibility checks shared by the UI tests: unnamed controls, tab order, colour contrast.

    assert unnamed_controls(view) == []
    assert view.language_combo in tab_order(view)
    assert contrast_ratio(QColor("#000"), QColor("#fff")) == 21.0

`unnamed_controls` walks the accessibility tree, as a screen reader sees the widget, so it
catches what `setAccessibleName`, a `QLabel` buddy or a button's text do (and do not) provide.
Show the widget first: a hidden widget has no visible controls and the check would pass
without looking at anything.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleInterface, QColor
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

Role = QAccessible.Role

# What a user operates (and so must hear named): buttons, fields, lists, tabs, menus, links.
INTERACTIVE_ROLES = frozenset(
    {
        Role.PushButton,
        Role.CheckBox,
        Role.RadioButton,
        Role.ComboBox,
        Role.EditableText,
        Role.SpinBox,
        Role.Slider,
        Role.Dial,
        Role.List,
        Role.Table,
        Role.Tree,
        Role.PageTab,
        Role.PageTabList,
        Role.MenuItem,
        Role.Link,
        Role.ButtonMenu,
        Role.ButtonDropDown,
        Role.ButtonDropGrid,
    }
)


def unnamed_controls(widget: QWidget) -> list[str]:
    """A description of every visible interactive control under `widget` without an
    accessible name; empty when every control is named."""
    if not widget.isVisible():
        raise AssertionError("show the widget before checking it (hidden controls are skipped)")
    root = QAccessible.queryAccessibleInterface(widget)
    if root is None:
        raise AssertionError(f"no accessibility interface for {_describe_widget(widget)}")
    labelled = {id(label.buddy()) for label in widget.findChildren(QLabel) if label.buddy()}
    found: list[str] = []
    _walk(root, labelled, found, path=_describe(root))
    return found


def _walk(node: QAccessibleInterface, labelled: set[int], found: list[str], path: str) -> None:
    for index in range(node.childCount()):
        child = node.child(index)
        if child is None or not child.isValid() or child.state().invisible:
            continue  # hidden subtrees (a closed combo's popup list) are not reachable
        where = f"{path} > {_describe(child)}"
        if child.role() in INTERACTIVE_ROLES and not _has_name(child, labelled):
            found.append(where)
        _walk(child, labelled, found, where)


def _has_name(node: QAccessibleInterface, labelled: set[int]) -> bool:
    name = node.text(QAccessible.Text.Name).strip()
    widget = node.object()
    if isinstance(widget, QComboBox):
        # Qt names a combo box after its current item: that says what is chosen, not what for.
        return bool(widget.accessibleName().strip()) or id(widget) in labelled
    return bool(name)


def _describe(node: QAccessibleInterface) -> str:
    role = node.role().name
    widget = node.object()
    if isinstance(widget, QWidget):
        return f"{role}({_describe_widget(widget)})"
    return role


def _describe_widget(widget: QWidget) -> str:
    name = widget.objectName()
    kind = widget.metaObject().className()
    return f"{kind} '{name}'" if name else kind


def tab_order(widget: QWidget) -> list[QWidget]:
    """The widgets under `widget` that Tab visits, in order (as `focusNextPrevChild` does:
    tab-focusable, visible, enabled, not a focus proxy's inner part)."""
    order: list[QWidget] = []
    seen: set[int] = set()
    current = widget.nextInFocusChain()
    while current is not None and id(current) not in seen and current is not widget:
        seen.add(id(current))
        if widget.isAncestorOf(current) and _takes_tab_focus(current, widget):
            order.append(current)
        current = current.nextInFocusChain()
    return order


def _takes_tab_focus(candidate: QWidget, root: QWidget) -> bool:
    return (
        bool(candidate.focusPolicy().value & Qt.FocusPolicy.TabFocus.value)
        and candidate.focusProxy() is None
        and candidate.isVisibleTo(root)
        and candidate.isEnabled()
    )


def relative_luminance(colour: QColor) -> float:
    """WCAG 2.1 relative luminance of an opaque sRGB colour."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * linear(colour.redF())
        + 0.7152 * linear(colour.greenF())
        + 0.0722 * linear(colour.blueF())
    )


def contrast_ratio(fg: QColor, bg: QColor) -> float:
    """WCAG contrast ratio, 1.0 (none) to 21.0 (black on white)."""
    lighter, darker = sorted((relative_luminance(fg), relative_luminance(bg)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
