"""Danish is the app's first language: every UI string has a Danish text, the committed .qm is
current, and Qt's own dialogs are Danish too."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from ui.i18n import TRANSLATIONS, install_translators, remove_translators

BUILD = TRANSLATIONS / "build.py"


def _build_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("translations_build", BUILD)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_ui_string_has_a_danish_translation(tmp_path: Path) -> None:
    build = _build_module()
    ts = tmp_path / "assist_da.ts"
    shutil.copy(build.TS, ts)  # keeps the translator's own edits, like the real build
    build.update_ts(ts)
    missing = build.fill(build.load_danish(), ts)
    assert missing == [], f"{len(missing)} UI strings without Danish: {missing[:20]}"
    text = ts.read_text(encoding="utf-8")
    assert 'type="unfinished"' not in text and text.count("<message>") > 100


def test_the_committed_translation_is_the_one_the_sources_give(tmp_path: Path) -> None:
    build = _build_module()
    ts = tmp_path / "assist_da.ts"
    shutil.copy(build.TS, ts)
    build.update_ts(ts)
    build.fill(build.load_danish(), ts)
    assert ts.read_text(encoding="utf-8") == build.TS.read_text(encoding="utf-8"), (
        "run: .venv/bin/python ui/translations/build.py"
    )
    qm = tmp_path / "assist_da.qm"
    build.release(ts, qm)
    assert qm.read_bytes() == build.QM.read_bytes()


def test_danish_translators_translate_the_app_and_qt(qtbot) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    assert app is not None
    translators = install_translators(app, "da")
    try:
        assert len(translators) == 2  # Qt's own qtbase_da and Assist's
        assert QCoreApplication.translate("MainWindow", "New meeting") == "Nyt møde"
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Annuller"
    finally:
        remove_translators(app, translators)
    assert QCoreApplication.translate("MainWindow", "New meeting") == "New meeting"
