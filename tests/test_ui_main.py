"""The main window with fake engines: new meeting, typed notes, the case list, recovery offered at
start, closing during work, keyboard use and accessible names."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from helpers.store_support import HELPERS, make_keys, subprocess_env
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from ui_accessibility import unnamed_controls
from ui_support import make_services

from assist.typed_notes import load_typed_notes
from ui.context import AppServices
from ui.main_window import MainWindow
from ui.new_meeting import NewMeetingDialog


def _window(qtbot, services: AppServices, answers: list[bool] | None = None) -> MainWindow:  # type: ignore[no-untyped-def]
    asked: list[str] = []

    def confirm(title: str, text: str) -> bool:
        asked.append(title)
        return answers.pop(0) if answers else True

    window = MainWindow(services, confirm=confirm, housekeeping=False)
    window.asked = asked  # type: ignore[attr-defined]
    qtbot.addWidget(window)
    window.show()
    return window


def _fill_new_meeting(dialog: NewMeetingDialog, *, consent: bool) -> None:
    dialog.title.setText("J.nr. 27.12.04-G01")
    dialog.participants.setPlainText("Anne Hansen (rådgiver)\nBorgeren")
    (dialog.consent_given if consent else dialog.consent_refused).setChecked(True)


def test_new_meeting_with_consent_creates_a_case_and_opens_the_meeting_tab(
    qtbot, services: AppServices
) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, services)
    dialog = NewMeetingDialog(services, window)
    _fill_new_meeting(dialog, consent=True)
    dialog.start.click()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.created_case_id
    case = services.store.get_case(dialog.created_case_id)
    assert (case.title, case.consent.status) == ("J.nr. 27.12.04-G01", "given")
    assert case.participants == ("Anne Hansen (rådgiver)", "Borgeren")
    window.cases.reload()
    window.open_case(case.case_id)
    tabs = window.workspace.tabs
    assert tabs.widget(0) is window.workspace.recording
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["&Meeting", "&Transcript", "&Draft"]


def test_no_consent_leads_to_typed_notes_saved_encrypted(
    qtbot, services: AppServices
) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, services)
    dialog = NewMeetingDialog(services, window)
    _fill_new_meeting(dialog, consent=False)
    dialog.start.click()
    case_id = dialog.created_case_id
    assert case_id and services.store.get_case(case_id).consent.status == "refused"
    window.cases.reload()
    window.open_case(case_id)
    notes = window.workspace.typed_notes
    assert window.workspace.tabs.widget(0) is notes
    notes.editor.setFocus()
    qtbot.keyClicks(notes.editor, "Borgeren søger boligstøtte.")
    qtbot.waitUntil(lambda: notes.status.text() == "Saved", timeout=5000)
    assert load_typed_notes(services.store, case_id) == "Borgeren søger boligstøtte."


def test_views_a_case_does_not_use_are_hidden_and_leave_the_tab_keys_alone(
    qtbot, services: AppServices
) -> None:  # type: ignore[no-untyped-def]
    typed = services.store.create_case(title="Telefon", note_type="journalnotat")
    services.store.set_consent(typed, "refused")
    window = _window(qtbot, services)
    window.open_case(typed)
    workspace = window.workspace
    assert not workspace.recording.isVisible()  # it would lie over the workspace otherwise
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    workspace.typed_notes.editor.setFocus()
    qtbot.keyClick(workspace.typed_notes.editor, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: workspace.tabs.currentWidget() is workspace.transcript, timeout=3000)


def test_typed_notes_are_flushed_when_the_window_closes(
    qtbot, services: AppServices
) -> None:  # type: ignore[no-untyped-def]
    case_id = services.store.create_case(title="Telefon", consent="refused")
    window = _window(qtbot, services)
    window.open_case(case_id)
    window.workspace.typed_notes.editor.setPlainText("Ringede om sin ansøgning.")
    window.close()  # before the autosave timer: the close saves it
    assert load_typed_notes(services.store, case_id) == "Ringede om sin ansøgning."


def test_policy_requiring_consent_for_typed_notes_stops_the_dialog(
    qtbot, services: AppServices, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    policy = tmp_path / "policy.json"
    policy.write_text('{"typed_notes_without_consent": false}')
    monkeypatch.setenv("ASSIST_POLICY_FILE", str(policy))
    services.reload_settings()
    dialog = NewMeetingDialog(services)
    qtbot.addWidget(dialog)
    _fill_new_meeting(dialog, consent=False)
    dialog.start.click()
    assert dialog.created_case_id is None and services.store.list_cases() == []
    assert "IT policy requires the citizen's consent" in dialog.problem.text()


def test_the_case_list_shows_state_note_type_and_deletion_date_and_searches(
    qtbot, services: AppServices
) -> None:  # type: ignore[no-untyped-def]
    services.store.create_case(title="Boligstøtte", note_type="journalnotat")
    services.store.create_case(title="Skole", note_type="samtalereferat")
    window = _window(qtbot, services)
    model = window.cases.table.model()
    assert model.rowCount() == 2
    row = [model.index(0, c).data() for c in range(4)]
    assert row[1] == "Draft" and row[3].count(".") == 2  # dd.mm.yyyy, 30 days out by default
    window.cases.search.setText("skol")
    assert model.rowCount() == 1 and model.index(0, 0).data() == "Skole"


def test_a_new_case_by_another_view_appears_in_the_list(
    qtbot, services: AppServices
) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, services)
    services.store.create_case(title="Fra et andet sted")
    qtbot.waitUntil(lambda: window.cases.table.model().rowCount() == 1, timeout=3000)


def test_unfinished_recordings_are_offered_for_recovery_at_start(
    qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    keys = make_keys()
    services = make_services(tmp_path, keys=keys)
    try:
        case_id = services.store.create_case(title="Afbrudt", consent="given", consent_by="B")
        child = subprocess.Popen(  # records into the case until it is killed
            [sys.executable, str(HELPERS / "store_record_child.py"), case_id],
            env=subprocess_env(tmp_path / "data", keys),
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        for _ in range(3):
            child.stdout.readline()
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        asked: list[str] = []
        window = MainWindow(
            services, confirm=lambda title, text: asked.append(text) or True, housekeeping=False
        )
        qtbot.addWidget(window)
        window.start_housekeeping()
        assert asked and "1 recording(s) that did not finish" in asked[0]
        qtbot.waitUntil(lambda: "Recovered 1 recording" in window.status.text(), timeout=10000)
        (info,) = services.store.get_case(case_id).recordings
        assert info.state == "recovered" and info.duration_s >= 1.0
    finally:
        services.close()


def test_closing_during_a_job_cancels_and_waits_for_it(
    qtbot, services: AppServices
) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, services)
    started = threading.Event()
    ended = threading.Event()

    def slow_job(cancel):  # type: ignore[no-untyped-def]
        started.set()
        try:
            while not cancel.cancelled:
                yield None
                cancel.wait(0.01)
        finally:
            ended.set()
        return None

    services.runner.start("slow", slow_job)
    assert started.wait(5)
    window.close()
    assert ended.is_set() and not services.runner.active


def test_every_control_has_a_name_and_new_meeting_has_a_shortcut(
    qtbot, services: AppServices
) -> None:  # type: ignore[no-untyped-def]
    services.store.create_case(title="Sag", consent="given", consent_by="B")
    window = _window(qtbot, services)
    window.open_case(services.store.list_cases()[0].case_id)
    assert unnamed_controls(window) == []
    dialog = NewMeetingDialog(services, window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert unnamed_controls(dialog) == []
    assert window.new_meeting_action.shortcut().toString() == "Ctrl+N"


def test_the_new_meeting_dialog_works_by_keyboard_alone(
    qtbot, services: AppServices
) -> None:  # type: ignore[no-untyped-def]
    dialog = NewMeetingDialog(services)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.title.setFocus()
    qtbot.keyClicks(dialog.title, "Tastatur")
    qtbot.keyClick(dialog.title, Qt.Key.Key_Return)  # the default button: Start meeting
    assert dialog.created_case_id is not None
    assert services.store.get_case(dialog.created_case_id).title == "Tastatur"
