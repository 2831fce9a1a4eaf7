"""The app's language: English source strings in code (`self.tr(...)`), Danish from
`ui/translations/assist_da.qm` (made by `ui/translations/build.py`), and Qt's own `qtbase_da.qm`
so its dialogs (file dialogs, message box buttons) speak Danish too."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from assist.errors import Language

TRANSLATIONS = Path(__file__).parent / "translations"


def install_translators(app: QCoreApplication, lang: Language) -> list[QTranslator]:
    """Load the translators for `lang` into `app`; returns them (keep them alive)."""
    if lang != "da":
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.Denmark))
        return []
    QLocale.setDefault(QLocale(QLocale.Language.Danish, QLocale.Country.Denmark))
    installed: list[QTranslator] = []
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name, directory in (("qtbase_da", qt_dir), ("assist_da", str(TRANSLATIONS))):
        translator = QTranslator(app)
        if translator.load(name, directory):
            app.installTranslator(translator)
            installed.append(translator)
    return installed


def remove_translators(app: QCoreApplication, translators: list[QTranslator]) -> None:
    for translator in translators:
        app.removeTranslator(translator)
