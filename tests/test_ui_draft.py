"""The draft editor, the sign dialog and export, over a real case store with fake engines.

The drafter is "auto", which falls back to the structured drafter (no model is approved here),
so no language model is needed. The case's transcript is saved through the core."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QAccessible, QDesktopServices, QGuiApplication, QTextCursor
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from assist.cancel import Progress
from assist.casework import load_case_note
from assist.draft_review import load_review
from assist.transcript import Segment, Transcript
from ui.context import AppServices
from ui.draft_view import DraftView, SectionEditor

LINES = (
    "Borgeren fortalte at hun har tre børn og bor alene.",
    "Hun får 4.500 kr. om måneden i boligstøtte. Hendes cpr er 010203-1234.",
    "Vi aftalte et nyt møde den 3. marts kl. 10.",
    "Borgeren ønsker hjælp til at søge job.",
)
TRANSCRIPT = Transcript(
    "da",
    20.0,
    "fake-asr",
    tuple(Segment(i, i * 5.0, i * 5.0 + 4.0, line, 0.9) for i, line in enumerate(LINES)),
)
FIRST_SENTENCE = LINES[0]
ASSESSMENT = "Borgeren er motiveret og bør støttes i jobsøgningen."



@pytest.fixture
def view(services: AppServices, qtbot: QtBot) -> Iterator[DraftView]:
    shown = DraftView(services)
    qtbot.addWidget(shown)
    shown.resize(1000, 900)
    shown.show()
    qtbot.waitExposed(shown)
    try:
        yield shown
    finally:
        shown.flush()
        services.runner.shutdown()


def new_case(services: AppServices, title: str = "J.nr. 27.12.04-G01") -> str:
    case_id = services.store.create_case(
        title=title, consent="given", consent_by="Borger B", note_type="journalnotat"
    )
    services.store.save_transcript(case_id, TRANSCRIPT, model_sha256="ab" * 32)
    return case_id


def drafted(view: DraftView, qtbot: QtBot, case_id: str) -> None:
    view.set_case(case_id)
    view.make_button.click()
    qtbot.waitUntil(lambda: not view.is_busy() and "situation" in view._editors, timeout=10000)
    qtbot.waitUntil(lambda: view.editor("situation").text().strip() != "")


def buttons(widget: QWidget, text: str) -> list[QPushButton]:
    return [b for b in widget.findChildren(QPushButton) if b.text() == text and b.isVisible()]


def click_at(qtbot: QtBot, editor: SectionEditor, position: int) -> None:
    cursor = QTextCursor(editor.editor.document())
    cursor.setPosition(position)
    point: QPoint = editor.editor.cursorRect(cursor).center()
    qtbot.mouseClick(editor.editor.viewport(), Qt.MouseButton.LeftButton, pos=point)


def write_assessment(view: DraftView, qtbot: QtBot) -> None:
    assessment = view.editor("faglig_vurdering").editor
    assessment.setFocus()
    qtbot.keyClicks(assessment, ASSESSMENT)


def check_all_flags(view: DraftView, qtbot: QtBot) -> None:
    while buttons(view, "Checked"):
        before = len(buttons(view, "Checked"))
        buttons(view, "Checked")[0].click()
        qtbot.waitUntil(lambda b=before: len(buttons(view, "Checked")) < b)  # type: ignore[misc]


# ---- drafting ------------------------------------------------------------------------------


def test_the_draft_streams_in_section_by_section_with_progress(
    view: DraftView, services: AppServices, qtbot: QtBot
) -> None:
    case_id = new_case(services)
    arrived: list[str] = []
    view.section_arrived.connect(arrived.append)
    view.set_case(case_id)
    assert "no draft yet" in view.status.text()
    assert view.template.currentData() == "journalnotat"
    view.make_button.click()
    assert view.is_busy() and view.cancel_button.isEnabled() and view.progress.isVisible()
    qtbot.waitUntil(lambda: not view.is_busy(), timeout=10000)
    assert arrived[:2] == ["deltagere", "situation"] and "faglig_vurdering" in arrived
    assert view.progress.value() == 100
    assert "ready" in view.status.text()
    # "auto" fell back to structured extraction: said in plain words.
    assert view.notice.isVisible() and "structured extraction" in view.notice.text()
    stored = load_case_note(services.store, case_id)
    assert view.editor("situation").text() == stored.note.section("situation").text
    assert FIRST_SENTENCE in view.editor("situation").text()


def test_cancel_saves_nothing_and_keeps_the_previous_draft(
    view: DraftView, services: AppServices, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = new_case(services)
    drafted(view, qtbot, case_id)
    write_assessment(view, qtbot)
    assert view.flush()
    text_before = services.store.load_draft(case_id).text  # type: ignore[union-attr]

    release = threading.Event()

    def slow_check(kind: str, model: str | None = None) -> Iterator[Progress]:
        yield Progress("model.check", 0, 2)
        release.wait(10)
        yield Progress("model.check", 1, 2)

    monkeypatch.setattr(services.engines, "check_steps", slow_check)
    asked: list[str] = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda *args, **kwargs: asked.append("replace") or QMessageBox.StandardButton.Yes,
    )
    view.make_button.click()
    assert asked == ["replace"]
    qtbot.waitUntil(lambda: "Checking" in view.status.text())
    view.cancel_button.click()
    release.set()
    qtbot.waitUntil(lambda: not view.is_busy(), timeout=10000)
    assert "Cancelled" in view.status.text()
    assert services.store.load_draft(case_id).text == text_before  # type: ignore[union-attr]
    assert view.editor("faglig_vurdering").text() == ASSESSMENT


# ---- sources, flags and AI marking ---------------------------------------------------------


def test_clicking_a_sentence_asks_for_its_source_and_play_source_too(
    view: DraftView, services: AppServices, qtbot: QtBot
) -> None:
    drafted(view, qtbot, new_case(services))
    situation = view.editor("situation")
    wish = situation.text().index("Borgeren ønsker")
    with qtbot.waitSignal(view.source_requested) as shown:
        click_at(qtbot, situation, wish + 5)
    assert shown.args == [3]
    # The sources panel follows the cursor, for keyboard users too.
    assert view.sources_list.count() == 1 and "[00:15–00:19]" in view.sources_list.item(0).text()
    assert "Borgeren ønsker hjælp" in view.sources_list.item(0).text()
    with qtbot.waitSignal(view.play_requested) as played:
        view.play_source_button.click()
    assert played.args == [3]
    assert "00:15" in situation._tooltip(wish + 5) and "Sources" in situation._tooltip(wish + 5)


def test_text_typed_after_a_linked_sentence_gets_no_source(
    view: DraftView, services: AppServices, qtbot: QtBot
) -> None:
    drafted(view, qtbot, new_case(services))
    situation = view.editor("situation")
    end = situation.text().index(FIRST_SENTENCE) + len(FIRST_SENTENCE)
    cursor = situation.editor.textCursor()
    cursor.setPosition(end)
    situation.editor.setTextCursor(cursor)
    situation.editor.setFocus()
    typed = " Min egen tilføjelse her."
    qtbot.keyClicks(situation.editor, typed)
    assert situation.text()[end : end + len(typed)] == typed
    inside_typed = end + len(" Min egen ti")
    assert situation.span_at(inside_typed) is None
    first = situation.span_at(3)
    assert first is not None and first.source_ids == (0,) and first.end == end
    requested: list[int] = []
    view.source_requested.connect(requested.append)
    click_at(qtbot, situation, inside_typed)
    assert requested == []
    assert view.sources_list.count() == 0


def test_flags_show_their_reason_and_checked_closes_them_in_the_core(
    view: DraftView, services: AppServices, qtbot: QtBot
) -> None:
    case_id = new_case(services)
    drafted(view, qtbot, case_id)
    situation = view.editor("situation")
    labels = [w.text() for w in situation.findChildren(type(view.status)) if w.isVisible()]
    flag_rows = [t for t in labels if t.startswith("⚠ Flag:")]
    assert len(flag_rows) == 2 and all("contains a CPR number" in t for t in flag_rows)
    flagged = [s for s in situation.spans if s.open_flags]
    assert [f.flag_id for s in flagged for f in s.open_flags] == ["f1", "f2"]
    assert len(situation.editor.extraSelections()) >= 2

    buttons(situation, "Checked")[0].click()
    qtbot.waitUntil(lambda: len(buttons(situation, "Checked")) == 1)
    assert load_review(services.store, case_id).acknowledged == {"f1"}
    assert [f.flag_id for f in view.open_flags()] == ["f2"]
    rows = [w.text() for w in situation.findChildren(type(view.status)) if w.isVisible()]
    assert any(t.startswith("✓ Checked:") for t in rows)

    # Fixing is editing: the rewritten sentence no longer carries its flag.
    cpr_start = situation.text().index("Hendes cpr er")
    situation.select(cpr_start, cpr_start + len("Hendes cpr er 010203-1234."))
    qtbot.keyClicks(situation.editor, "CPR-nummeret er noteret i sagen.")
    assert view.open_flags() == ()
    qtbot.waitUntil(lambda: not buttons(situation, "Checked"))


def test_machine_marking_goes_away_after_an_edit_or_accept(
    view: DraftView, services: AppServices, qtbot: QtBot
) -> None:
    case_id = new_case(services)
    drafted(view, qtbot, case_id)
    situation, aftaler = view.editor("situation"), view.editor("aftaler")
    assert situation.machine_label.isVisible() and situation.machine_label.text() == "AI draft"
    assert "AI draft" in situation.editor.accessibleDescription()
    assert all(s.machine for s in situation.spans)

    # An edited sentence is the person's own text.
    first = situation.span_at(3)
    assert first is not None
    situation.select(first.start, first.end)
    qtbot.keyClicks(situation.editor, "Borgeren har tre børn og bor alene.")
    assert situation.span_at(3) is None
    assert situation.machine_label.isVisible()  # the rest is still unchecked machine text

    aftaler.accept_button.click()
    qtbot.waitUntil(lambda: not aftaler.machine_label.isVisible())
    assert not any(s.machine for s in aftaler.spans) and aftaler.spans
    assert load_review(services.store, case_id).accepted_sections == {"aftaler"}
    assert "AI draft" not in aftaler.editor.accessibleDescription()


def test_the_assessment_is_empty_with_a_prompt(
    view: DraftView, services: AppServices, qtbot: QtBot
) -> None:
    drafted(view, qtbot, new_case(services))
    assessment = view.editor("faglig_vurdering")
    assert assessment.text() == ""
    assert assessment.editor.placeholderText() == "Write your professional assessment …"
    assert not assessment.machine_label.isVisible()


# ---- autosave ------------------------------------------------------------------------------


def test_typing_is_autosaved_with_an_indicator_and_flushed_on_leaving_the_case(
    view: DraftView, services: AppServices, qtbot: QtBot
) -> None:
    case_id = new_case(services)
    other = new_case(services, "J.nr. 2")
    drafted(view, qtbot, case_id)
    write_assessment(view, qtbot)
    assert view.save_status.text() == "Saving…"
    qtbot.waitUntil(lambda: view.save_status.text().startswith("Saved"), timeout=5000)
    assert re.fullmatch(r"Saved \d\d:\d\d", view.save_status.text())
    stored = load_case_note(services.store, case_id).note.section("faglig_vurdering")
    assert stored.text == ASSESSMENT
    assert view.editor("faglig_vurdering").text() == ASSESSMENT  # not reset by the reload

    assessment = view.editor("faglig_vurdering").editor
    assessment.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(assessment, " Sidste ord.")
    view.set_case(other)  # at once: no time for the timer
    stored = load_case_note(services.store, case_id).note.section("faglig_vurdering")
    assert stored.text == ASSESSMENT + " Sidste ord."


# ---- signing -------------------------------------------------------------------------------


def test_sign_is_blocked_while_flags_are_open_or_the_assessment_is_empty(
    view: DraftView, services: AppServices, qtbot: QtBot
) -> None:
    drafted(view, qtbot, new_case(services))
    view.sign_button.click()
    dialog = view.sign_dialog
    assert dialog is not None and dialog.isVisible()
    assert "2 flag(s) are still open" in dialog.blockers.text()
    assert "assessment is empty" in dialog.blockers.text()
    qtbot.keyClicks(dialog.name, "Anne Hansen")
    assert not dialog.sign_button.isEnabled()
    dialog.reject()

    write_assessment(view, qtbot)
    check_all_flags(view, qtbot)
    view.sign_button.click()
    dialog = view.sign_dialog
    assert not dialog.blockers.isVisible()
    assert not dialog.sign_button.isEnabled()  # no name yet
    qtbot.keyClicks(dialog.name, "Anne Hansen")
    assert dialog.sign_button.isEnabled()  # the button itself is the confirmation
    dialog.reject()


def test_signing_makes_the_note_read_only_and_a_new_version_reopens_it(
    view: DraftView, services: AppServices, qtbot: QtBot
) -> None:
    case_id = new_case(services)
    drafted(view, qtbot, case_id)
    assert not view.export_button.isEnabled() and not view.copy_button.isEnabled()
    write_assessment(view, qtbot)
    check_all_flags(view, qtbot)
    view.sign_button.click()
    dialog = view.sign_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.name, "Anne Hansen")
    dialog.sign_button.click()
    qtbot.waitUntil(lambda: not view.is_busy())
    assert view.error.text() == ""
    qtbot.waitUntil(lambda: view.signed_banner.isVisible())
    assert "Signed by Anne Hansen, version 1" in view.signed_banner.text()
    assert all(e.editor.isReadOnly() for e in view._editors.values())
    assert not view.sign_button.isEnabled() and not view.make_button.isEnabled()
    assert not buttons(view, "Checked") and not buttons(view, "Accept section")
    signed = load_case_note(services.store, case_id)
    assert not signed.editing and signed.signed is not None
    assert signed.signed.signer == "Anne Hansen"

    view.new_version_button.click()
    assert not view.editor("situation").editor.isReadOnly()
    assert "Editing version 2" in view.signed_banner.text()
    assert load_case_note(services.store, case_id).editing
    assert view.sign_button.isEnabled() and not view.export_button.isEnabled()


def test_export_writes_the_signed_docx_and_copy_puts_the_text_on_the_clipboard(
    view: DraftView,
    services: AppServices,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case_id = new_case(services)
    drafted(view, qtbot, case_id)
    view.copy_text()  # not signed: the core refuses and says so
    assert view.error.isVisible() and "not signed" in view.error.text()
    write_assessment(view, qtbot)
    check_all_flags(view, qtbot)
    view.sign_button.click()
    qtbot.keyClicks(view.sign_dialog.name, "Anne Hansen")  # type: ignore[union-attr]
    view.sign_dialog.sign_button.click()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: view.export_button.isEnabled())

    target = tmp_path / "out" / "notat"
    target.parent.mkdir()
    suggested: list[str] = []

    def save_dialog(*args: object, **kwargs: object) -> tuple[str, str]:
        suggested.append(str(args[2]))
        return str(target), ""

    opened: list[QUrl] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    view.export_button.click()
    qtbot.waitUntil(lambda: view.open_button.isVisible(), timeout=10000)
    assert re.search(r"J\.nr\. 27\.12\.04-G01 \d{4}-\d\d-\d\d\.docx$", suggested[0])
    written = target.with_suffix(".docx")
    document = "\n".join(p.text for p in docx.Document(str(written)).paragraphs)
    assert ASSESSMENT in document and "Anne Hansen" in document
    assert "AI" in document  # the statement of how the note was made
    view.open_button.click()
    assert opened == [QUrl.fromLocalFile(str(written))]
    assert services.store.get_case(case_id).state == "exported"

    view.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert ASSESSMENT in copied and "Underskrift" in copied and "Anne Hansen" in copied


def test_a_fixed_signer_name_from_policy_is_shown_read_only(
    view: DraftView,
    services: AppServices,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(
        json.dumps({"signer_name_source": "fixed", "signer_name": "Karen Fast Jensen"}),
        encoding="utf-8",
    )
    monkeypatch.setenv("ASSIST_POLICY_FILE", str(policy))
    services.reload_settings()
    case_id = new_case(services)
    drafted(view, qtbot, case_id)
    write_assessment(view, qtbot)
    check_all_flags(view, qtbot)
    view.sign_button.click()
    dialog = view.sign_dialog
    assert dialog is not None
    assert dialog.name.text() == "Karen Fast Jensen" and dialog.name.isReadOnly()
    assert dialog.signer_typed() == ""
    dialog.sign_button.click()
    qtbot.waitUntil(lambda: view.signed_banner.isVisible() and not view.is_busy())
    assert "Signed by Karen Fast Jensen" in view.signed_banner.text()


def test_a_fixed_signer_policy_without_a_name_says_so(
    view: DraftView,
    services: AppServices,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"signer_name_source": "fixed"}), encoding="utf-8")
    monkeypatch.setenv("ASSIST_POLICY_FILE", str(policy))
    services.reload_settings()
    drafted(view, qtbot, new_case(services))
    view.sign_button.click()
    dialog = view.sign_dialog
    assert dialog is not None and dialog.policy_error.isVisible() and dialog.policy_error.text()
    assert not dialog.sign_button.isEnabled()
    dialog.reject()


# ---- keyboard and accessibility ------------------------------------------------------------


def _press(qtbot: QtBot, key: Qt.Key) -> QWidget:
    focused = QApplication.focusWidget()
    assert focused is not None
    qtbot.keyClick(focused, key)
    return focused


def _tab_to(qtbot: QtBot, wanted: Callable[[QWidget | None], bool], limit: int = 40) -> None:
    for _ in range(limit):
        if wanted(QApplication.focusWidget()):
            return
        _press(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached it; focus is on {QApplication.focusWidget()!r}")


def test_keyboard_only_from_draft_to_signature(
    view: DraftView, services: AppServices, qtbot: QtBot
) -> None:
    view.set_case(new_case(services))
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    view.template.setFocus()
    _press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is view.make_button
    _press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(
        lambda: not view.is_busy() and "faglig_vurdering" in view._editors, timeout=10000
    )
    # Where Qt leaves the focus when Cancel is disabled depends on timing: go on from the top.
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    view.template.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.template)

    assessment = view.editor("faglig_vurdering").editor
    _tab_to(qtbot, lambda w: w is assessment)
    qtbot.keyClicks(assessment, ASSESSMENT)
    while view.open_flags():
        _tab_to(qtbot, lambda w: isinstance(w, QPushButton) and w.text() == "Checked")
        before = len(view.open_flags())
        _press(qtbot, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda b=before: len(view.open_flags()) < b)  # type: ignore[misc]
    _tab_to(qtbot, lambda w: w is view.sign_button)
    _press(qtbot, Qt.Key.Key_Space)
    dialog = view.sign_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.name)
    qtbot.keyClicks(dialog.name, "Anne Hansen")
    _press(qtbot, Qt.Key.Key_Return)  # the Sign button is the default once allowed
    qtbot.waitUntil(lambda: view.signed_banner.isVisible() and not view.is_busy())
    assert "Signed by Anne Hansen" in view.signed_banner.text()


INTERACTIVE = (QAbstractButton, QComboBox, QLineEdit, QPlainTextEdit, QListWidget, QCheckBox)


def _unnamed(root: QWidget) -> list[str]:
    missing = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, INTERACTIVE) or not widget.isVisible():
            continue
        interface = QAccessible.queryAccessibleInterface(widget)
        if interface is None or not interface.text(QAccessible.Text.Name).strip():
            missing.append(f"{type(widget).__name__} {widget.objectName()}")
    return missing


def test_every_interactive_control_has_an_accessible_name(
    view: DraftView, services: AppServices, qtbot: QtBot
) -> None:
    drafted(view, qtbot, new_case(services))
    assert _unnamed(view) == []
    view.sign_button.click()
    assert view.sign_dialog is not None
    assert _unnamed(view.sign_dialog) == []
    checked = buttons(view, "Checked")[0]
    assert "CPR" in checked.accessibleName()
    view.sign_dialog.reject()
