"""Rules of the code base that must hold everywhere."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import assist
from assist.errors import LANGUAGES, Msg

ASSIST_DIR = Path(assist.__file__).parent
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "shiboken6")


def _imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_source_never_imports_qt() -> None:
    offenders = [
        str(path.relative_to(ASSIST_DIR))
        for path in ASSIST_DIR.rglob("*.py")
        if any(name.split(".")[0] in QT_MODULES for name in _imported_names(path))
    ]
    assert offenders == []


def test_importing_every_core_module_loads_no_qt() -> None:
    code = (
        "import importlib, pkgutil, sys, assist\n"
        "for m in pkgutil.walk_packages(assist.__path__, 'assist.'):\n"
        "    if m.name != 'assist.__main__': importlib.import_module(m.name)\n"
        f"print(sorted(n for n in sys.modules if n.split('.')[0] in {QT_MODULES!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def _all_messages() -> list[Msg]:
    found: list[Msg] = []
    for info in pkgutil.walk_packages(assist.__path__, "assist."):
        if info.name == "assist.__main__":
            continue
        module = importlib.import_module(info.name)
        found.extend(v for v in vars(module).values() if isinstance(v, Msg))
    return found


def test_every_message_has_danish_and_english_with_the_same_placeholders() -> None:
    messages = _all_messages()
    assert messages, "no messages found"
    for msg in messages:
        assert msg.da.strip() and msg.en.strip(), msg.code
        assert msg.da != msg.en or msg.code == "cancelled", f"{msg.code} is not translated"
        placeholders = [msg.placeholders(lang) for lang in LANGUAGES]
        assert placeholders[0] == placeholders[1], msg.code


def test_message_codes_are_unique() -> None:
    by_code: dict[str, Msg] = {}
    for msg in _all_messages():
        assert by_code.setdefault(msg.code, msg) == msg, f"two messages share code {msg.code}"
