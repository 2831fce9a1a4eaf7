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


_JSON_CONTAINERS = ("dict", "Dict", "Mapping")


def _is_any(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "Any") or (
        isinstance(node, ast.Attribute) and node.attr == "Any"
    )


def _is_json_mapping(node: ast.Subscript) -> bool:
    """`dict[str, Any]` or `Mapping[str, Any]` (also `typing.Mapping`, `collections.abc....`)."""
    base = node.value
    name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", None)
    if name not in _JSON_CONTAINERS or not isinstance(node.slice, ast.Tuple):
        return False
    elements = node.slice.elts
    return (
        len(elements) == 2
        and isinstance(elements[0], ast.Name)
        and elements[0].id == "str"
        and _is_any(elements[1])
    )


def _uses_any(annotation: ast.expr) -> bool:
    """Whether `Any` appears in the annotation other than as `dict/Mapping[str, Any]`."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:  # a quoted annotation
            return _uses_any(ast.parse(annotation.value, mode="eval").body)
        except SyntaxError:
            return False
    if _is_any(annotation):
        return True
    if isinstance(annotation, ast.Subscript) and _is_json_mapping(annotation):
        return False
    return any(
        _uses_any(child)
        for child in ast.iter_child_nodes(annotation)
        if isinstance(child, ast.expr)
    )


def _any_in_signatures(path: Path) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        args = node.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
        annotations = [p.annotation for p in params if p is not None and p.annotation is not None]
        if node.returns is not None:
            annotations.append(node.returns)
        found += [f"{node.name}: {ast.unparse(a)}" for a in annotations if _uses_any(a)]
    return found


def test_uses_any_detects_what_it_should() -> None:
    def annotation(text: str) -> ast.expr:
        return ast.parse(text, mode="eval").body

    for bad in ("Any", "list[Any]", "Callable[..., Any]", "typing.Any", "'Any | None'",
                "dict[str, list[Any]]", "dict[int, Any]", "Iterator[Any]"):  # fmt: skip
        assert _uses_any(annotation(bad)), bad
    for good in ("object", "dict[str, Any]", "Mapping[str, Any] | None",
                 "list[dict[str, Any]]", "collections.abc.Mapping[str, Any]"):  # fmt: skip
        assert not _uses_any(annotation(good)), good


def test_no_any_in_signatures() -> None:
    """The core API says what it takes and gives: no `Any` in parameters or return types, except
    `dict[str, Any]` / `Mapping[str, Any]` for JSON-like data."""
    offenders = {
        path.relative_to(ASSIST_DIR).as_posix(): found
        for path in sorted(ASSIST_DIR.rglob("*.py"))
        if (found := _any_in_signatures(path))
    }
    assert offenders == {}
