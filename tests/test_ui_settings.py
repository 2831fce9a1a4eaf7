"""The settings page (made from the schema, locks named, saving through the core, the model
list through the runner, import rules) and the "About AI in Assist" page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QApplication, QGroupBox, QLabel, QWidget
from ui_accessibility import tab_order, unnamed_controls
from ui_support import make_services

from assist.models.store import DEFAULT_ASR_MODEL, DEFAULT_LLM_MODEL
from assist.settings import SETTINGS
from ui.about_view import AboutView
from ui.context import AppServices
from ui.settings_view import ImportModelDialog, ImportRequest, SettingsView


@dataclass(frozen=True)
class StubMicrophone:
    device_id: str
    name: str
    is_default: bool


class StubMicrophones:
    """Only what the settings page uses of the microphone backend: `devices()`."""

    def __init__(self) -> None:
        self.list = [
            StubMicrophone("usb-1", "USB headset", False),
            StubMicrophone("built-in", "Built-in microphone", True),
        ]

    def devices(self) -> list[StubMicrophone]:
        return list(self.list)


@pytest.fixture
def model_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "models"
    directory.mkdir()
    monkeypatch.setenv("ASSIST_MODEL_DIR", str(directory))
    return directory


OPENED: list[QWidget] = []  # the views a test opened, deleted before its services close


def dispose_views() -> None:
    """Delete the test's views now, not at some later event loop (pytest-qt only calls
    deleteLater, and widgets left pending deletion crashed a later test's setStyle)."""
    while OPENED:
        view = OPENED.pop()
        view.close()
        view.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def services(tmp_path: Path, model_dir: Path) -> Iterator[AppServices]:
    built = make_services(tmp_path, microphones=StubMicrophones(), lang="en")
    try:
        yield built
    finally:
        dispose_views()
        built.close()


def set_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, services: AppServices, values: dict
) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(values), encoding="utf-8")
    monkeypatch.setenv("ASSIST_POLICY_FILE", str(path))
    services.reload_settings()
    return path


def open_view(qtbot, services: AppServices) -> SettingsView:
    view = SettingsView(services)
    OPENED.append(view)  # deleted by dispose_views (not qtbot.addWidget: see there)
    view.show()
    qtbot.waitUntil(lambda: view.models.table.rowCount() > 0)
    return view


def user_values(path: Path) -> dict:
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))["values"]


def test_every_setting_of_the_schema_appears_with_its_source(qtbot, services) -> None:
    view = open_view(qtbot, services)
    assert set(view.rows) == {setting.key for setting in SETTINGS}
    for setting in SETTINGS:
        row = view.rows[setting.key]
        assert row.label.text() == setting.label_en
        assert row.source.text(), setting.key
    assert view.rows["unsigned_case_days"].source.text().startswith("Built-in default")
    assert "ASSIST_MODEL_DIR" in view.rows["model_dir"].source.text()
    assert view.rows["unsigned_case_days"].readonly.text() == "30"
    sections = [box.title() for box in view.findChildren(QGroupBox)]
    assert sections[:4] == ["Language", "Microphone", "Data and deletion", "Models"]
    assert "Settings" in {label.text() for label in view.findChildren(QLabel)}
    assert not view.problems.isVisible()


def test_a_locked_setting_is_read_only_and_names_the_policy(
    qtbot, services, tmp_path, monkeypatch
) -> None:
    policy = set_policy(tmp_path, monkeypatch, services, {"engine_threads": 2})
    view = open_view(qtbot, services)
    row = view.rows["engine_threads"]
    assert not row.editor.isVisible()
    assert row.readonly.isVisible() and row.readonly.isReadOnly()
    assert row.readonly.text() == "2"
    assert not row.reset_button.isVisible()
    source = row.source.text()
    assert source.startswith("Locked by IT policy") and str(policy) in source
    assert str(policy) in row.readonly.accessibleDescription()
    # Not locked, yet not the user's to change: read-only too, and said why.
    retention = view.rows["audio_review_days"]
    assert retention.readonly.isVisible() and not retention.editor.isVisible()
    assert "set by IT" in retention.source.text()


def test_changing_a_setting_writes_the_user_file_and_shows_the_new_source(
    qtbot, services, own_settings
) -> None:
    view = open_view(qtbot, services)
    row = view.rows["engine_threads"]
    assert row.editor.isVisible() and row.source.text() == "Built-in default"
    row.editor.lineEdit().selectAll()
    qtbot.keyClicks(row.editor, "3")
    qtbot.keyClick(row.editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: user_values(own_settings).get("engine_threads") == 3)
    assert services.settings["engine_threads"].source == "user"
    assert row.source.text() == "Your own setting"
    assert "Saved" in row.message.text()
    assert row.reset_button.isEnabled()

    qtbot.mouseClick(row.reset_button, Qt.MouseButton.LeftButton)
    assert "engine_threads" not in user_values(own_settings)
    assert row.source.text() == "Built-in default"
    assert row.editor.value() == 0


def test_choosing_the_language_saves_it_and_says_when_it_applies(
    qtbot, services, own_settings
) -> None:
    view = open_view(qtbot, services)
    combo = view.rows["ui_language"].editor
    with qtbot.waitSignal(view.language_changed) as changed:
        combo.setCurrentIndex(combo.findData("en"))
        combo.activated.emit(combo.currentIndex())
    assert changed.args == ["en"]
    assert user_values(own_settings)["ui_language"] == "en"
    assert "next time Assist starts" in view.rows["ui_language"].message.text()


def test_a_bad_value_shows_the_schemas_message_and_is_not_saved(
    qtbot, services, own_settings
) -> None:
    view = open_view(qtbot, services)
    row = view.rows["default_template"]
    row.editor.setText("x" * 600)
    row.editor.editingFinished.emit()
    assert row.message.isVisible()
    text = row.message.text()
    assert "Not saved" in text and "must be text on one line (at most 500 characters)" in text
    assert "default_template" not in user_values(own_settings)
    assert services.settings["default_template"].source == "default"


def test_the_microphone_list_comes_from_the_backend(qtbot, services, own_settings) -> None:
    view = open_view(qtbot, services)
    combo = view.rows["microphone"].editor
    names = [combo.itemText(i) for i in range(combo.count())]
    assert names == [
        "The system's default microphone",
        "USB headset",
        "Built-in microphone (system default)",
    ]
    combo.setCurrentIndex(1)
    combo.activated.emit(1)
    assert user_values(own_settings)["microphone"] == "usb-1"
    services.microphones.list.pop(0)  # the headset is unplugged
    view.refresh()
    assert combo.currentText() == "usb-1 (not connected)"


def test_policy_problems_are_listed_for_it(qtbot, services, tmp_path, monkeypatch) -> None:
    set_policy(tmp_path, monkeypatch, services, {"engine_threads": "lots", "colour": "red"})
    view = open_view(qtbot, services)
    assert view.problems.isVisible()
    text = view.problems.text()
    assert "pass this on to IT" in text
    assert "'engine_threads' must be a whole number" in text
    assert "'colour' is not an Assist setting" in text


def test_import_is_disabled_when_the_policy_forbids_it(
    qtbot, services, tmp_path, monkeypatch
) -> None:
    view = open_view(qtbot, services)
    assert view.models.import_button.isEnabled()
    policy = set_policy(tmp_path, monkeypatch, services, {"allow_model_import": False})
    view.refresh()
    assert not view.models.import_button.isEnabled()
    reason = view.models.import_reason.text()
    assert "turned off by IT policy" in reason and str(policy) in reason
    assert view.models.import_reason.isVisible()
    assert str(policy) in view.models.import_button.accessibleDescription()


def test_the_model_list_loads_through_the_runner(qtbot, services) -> None:
    started: list[str] = []
    services.runner.job_started.connect(started.append)
    view = open_view(qtbot, services)
    assert "models.statuses" in started
    table = view.models.table
    rows = {
        table.item(r, 0).text(): [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    }
    assert set(rows) >= {DEFAULT_ASR_MODEL, DEFAULT_LLM_MODEL}
    assert rows[DEFAULT_ASR_MODEL][1:4] == ["Speech recognition", "Transcribes", "Not installed"]
    assert rows[DEFAULT_LLM_MODEL][3] == "Not installed"
    assert "rule-based drafter" in rows[DEFAULT_LLM_MODEL][4]


def test_an_import_the_core_refuses_says_why(qtbot, services, tmp_path) -> None:
    view = open_view(qtbot, services)
    missing = tmp_path / "no-such-model"
    view.models.start_import(ImportRequest(missing, "danish-whisper", "asr", copy=False))
    assert view.models.cancel_button.isVisible()
    qtbot.waitUntil(lambda: "does not exist" in view.models.progress_label.text())
    assert str(missing) in view.models.progress_label.text()
    assert not view.models.cancel_button.isVisible()
    assert view.models.import_button.isEnabled()


def test_the_settings_page_has_no_unnamed_controls(qtbot, services) -> None:
    view = open_view(qtbot, services)
    assert unnamed_controls(view) == []
    dialog = ImportModelDialog(view)
    dialog.show()
    assert unnamed_controls(dialog) == []


def test_the_language_can_be_reached_with_the_keyboard_alone(qtbot, services) -> None:
    view = open_view(qtbot, services)
    combo = view.rows["ui_language"].editor
    order = tab_order(view)
    assert combo in order
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    order[0].setFocus()
    qtbot.waitUntil(order[0].hasFocus)
    for _ in range(len(order)):
        if QApplication.focusWidget() is combo:
            break
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is combo


# ---- About AI in Assist -------------------------------------------------------------------------


def open_about(qtbot, services: AppServices) -> AboutView:
    view = AboutView(services)
    OPENED.append(view)  # deleted by dispose_views (not qtbot.addWidget: see there)
    view.show()
    qtbot.waitUntil(lambda: view.statuses is not None)
    return view


def test_about_names_the_models_in_force_and_who_signs(qtbot, services) -> None:
    view = open_about(qtbot, services)
    text = view.plain_text()
    assert "About AI in Assist" in text
    assert f"faster-whisper with the model {DEFAULT_ASR_MODEL}" in text
    assert DEFAULT_LLM_MODEL in text
    assert "(Not installed.)" in text
    assert "rule-based drafter" in text  # nothing qualified for drafting is installed
    assert "signs" in text
    assert "does not use the internet" in text
    assert "encrypted" in text
    assert "deleted 30 days after its last change" in text
    assert "recording is deleted when the note is signed" in text
    assert "names, numbers" in text
    assert unnamed_controls(view) == []


def test_about_follows_the_policy_in_force(qtbot, services, tmp_path, monkeypatch) -> None:
    set_policy(
        tmp_path,
        monkeypatch,
        services,
        {"allow_llm_drafting": False, "audio_review_days": 7, "asr_model": "hviske-tiske"},
    )
    text = open_about(qtbot, services).plain_text()
    assert "IT policy does not allow drafting with a language model" in text
    assert "kept 7 days after the note is signed" in text
    assert "IT department has set these periods" in text
    assert "the model hviske-tiske" in text and "not known on this PC" in text


# ---- in Danish ----------------------------------------------------------------------------------


_KEEP = []


@pytest.fixture
def danish(qapp, tmp_path: Path) -> Iterator[None]:
    """A translator made from this area's sources and settings.tsv only (the shared .qm is
    built by ui/translations/build.py; this test must not write it)."""
    import subprocess
    import sys
    import xml.etree.ElementTree as ET

    from PySide6.QtCore import QTranslator

    repo = Path(__file__).resolve().parents[1]
    tool = Path(sys.executable).with_name
    ts, qm = tmp_path / "settings_da.ts", tmp_path / "settings_da.qm"
    sources = [str(repo / "ui" / name) for name in ("settings_view.py", "about_view.py")]
    subprocess.run(
        [tool("pyside6-lupdate"), *sources, "-locations", "none", "-ts", str(ts)],
        check=True,
        capture_output=True,
    )
    table = {}
    for line in (repo / "ui/translations/da/settings.tsv").read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            source, _, text = line.partition("\t")
            table[source] = text
    tree = ET.parse(ts)
    for message in tree.iter("message"):
        translation = message.find("translation")
        translation.text = table[message.findtext("source")]
        translation.attrib.pop("type", None)
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    subprocess.run([tool("pyside6-lrelease"), str(ts), "-qm", str(qm)], check=True)
    translator = QTranslator()
    _KEEP.append(translator)  # PROBE
    assert translator.load(str(qm))
    qapp.installTranslator(translator)
    try:
        yield
    finally:
        qapp.removeTranslator(translator)


def test_the_pages_speak_danish(qtbot, tmp_path, model_dir, monkeypatch, danish) -> None:
    services = make_services(tmp_path, microphones=StubMicrophones(), lang="da")
    try:
        set_policy(tmp_path, monkeypatch, services, {"engine_threads": 2})
        view = open_view(qtbot, services)
        sections = [box.title() for box in view.findChildren(QGroupBox)]
        assert sections[:4] == ["Sprog", "Mikrofon", "Data og sletning", "Modeller"]
        assert "Indstillinger" in {label.text() for label in view.findChildren(QLabel)}
        assert view.models.import_button.text() == "Importér model…"
        assert "Låst af IT-politik" in view.rows["engine_threads"].source.text()
        assert view.rows["engine_threads"].label.text() == "Tråde til modellerne"
        table = view.models.table
        assert "Ikke installeret" in {table.item(r, 3).text() for r in range(table.rowCount())}
        assert view.models.check_text(_verified_status()) == "\N{CHECK MARK} Kontrolleret"
        about = open_about(qtbot, services)
        text = about.plain_text()
        assert "Om AI i Assist" in text and "underskriver" in text and DEFAULT_ASR_MODEL in text
    finally:
        dispose_views()
        services.close()


def _verified_status():
    from assist.models.store import ModelStatus

    return ModelStatus(
        model_id="m",
        kind="asr",
        origin="catalog",
        installed=True,
        verified=True,
        path=Path("m"),
        sha256="0" * 64,
        licence="MIT",
        fit={},
        qualified=None,
        source="",
    )
