"""`assist gui --screenshot PATH --view VIEW`: one view of the app as a PNG (README, docs/)."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from ui.main_window import MainWindow


def settle(window: MainWindow, timeout_s: float = 20.0) -> None:
    """Let queued events, layouts and background jobs finish."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        QApplication.processEvents()
        if not window.services.runner.active:
            break
        time.sleep(0.02)
    for _ in range(5):
        QApplication.processEvents()


def render_view(window: MainWindow, view: str, path: Path) -> int:
    from ui.app import DEMO_NOTES_TITLE, DEMO_TITLE

    wanted = DEMO_NOTES_TITLE if view == "notes" else DEMO_TITLE
    cases = sorted(window.services.store.list_cases(), key=lambda c: c.title != wanted)
    if cases:
        window.cases.select(cases[0].case_id)
        window.open_case(cases[0].case_id)
    workspace = window.workspace
    target: QWidget = window
    if view in ("record", "notes"):
        first = workspace.tabs.widget(0)
        if first is not None:
            workspace.tabs.setCurrentWidget(first)
    elif view == "transcript":
        workspace.tabs.setCurrentWidget(workspace.transcript)
    elif view in ("draft", "sign"):
        workspace.tabs.setCurrentWidget(workspace.draft)
    settle(window)
    if view == "sign":
        workspace.draft.open_sign_dialog()
        settle(window)
        target = workspace.draft.sign_dialog
    elif view == "settings":
        from ui.settings_view import SettingsView

        target = SettingsView(window.services)
        target.resize(900, 760)
        target.show()
    elif view == "dictation":
        from ui.dictation_window import DictationWindow

        target = DictationWindow(window.services, None, window)
        target.show()
    elif view == "about":
        from ui.about_view import AboutView

        target = AboutView(window.services)
        target.resize(820, 700)
        target.show()
    settle(window)
    path.parent.mkdir(parents=True, exist_ok=True)
    ok = target.grab().save(str(path))
    window.close()
    return 0 if ok else 1
