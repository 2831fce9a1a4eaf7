"""Update `assist_da.ts` from the code, fill in the Danish texts, and compile `assist_da.qm`.

    .venv/bin/python ui/translations/build.py          # after changing any UI string

Danish texts live in `da/*.tsv` (one line per English source: `source<TAB>Danish`), one file
per area of the app, so several people can add strings without editing the same file. Where one
English text needs two Danish ones, prefix the source with its context (the class name):
`CaseListPanel|Draft<TAB>Kladde`. The
`.ts` file is what Qt Linguist opens; a string without a Danish text stays `unfinished`, and
`tests/test_ui_translations.py` fails on it.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
UI = HERE.parent
TS = HERE / "assist_da.ts"
QM = HERE / "assist_da.qm"


def tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def load_danish() -> dict[str, str]:
    table: dict[str, str] = {}
    for path in sorted((HERE / "da").glob("*.tsv")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            source, _, danish = line.partition("\t")
            if not danish:
                raise SystemExit(f"{path.name}:{number}: no tab-separated Danish text")
            table[unescape(source)] = unescape(danish)
    return table


def unescape(text: str) -> str:
    return text.replace("\\n", "\n").replace("\\t", "\t")


def sources() -> list[str]:
    return sorted(str(p) for p in UI.rglob("*.py") if "translations" not in p.parts)


def update_ts(ts: Path = TS) -> None:
    command = [tool("pyside6-lupdate"), *sources(), "-no-obsolete", "-locations", "none"]
    subprocess.run([*command, "-ts", str(ts)], check=True, capture_output=True)


def fill(table: dict[str, str], ts: Path = TS) -> list[str]:
    """Put the Danish texts into the .ts; returns the sources still without one."""
    tree = ET.parse(ts)
    missing: list[str] = []
    for context in tree.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            translation = message.find("translation")
            if translation is not None and not _translate(translation, table, name, source):
                missing.append(f"{name}|{source}")
    tree.getroot().set("language", "da_DK")
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    return missing


def _translate(translation: ET.Element, table: dict[str, str], context: str, source: str) -> bool:
    """Fill one translation; False if there is no Danish text for it."""
    danish = table.get(f"{context}|{source}", table.get(source))
    if danish is None:
        if (translation.text or "").strip() and translation.get("type") != "unfinished":
            return True  # translated in Qt Linguist
        translation.set("type", "unfinished")
        return False
    translation.text = danish
    translation.attrib.pop("type", None)
    return True


def release(ts: Path = TS, qm: Path = QM) -> None:
    command = [tool("pyside6-lrelease"), str(ts), "-qm", str(qm)]
    subprocess.run(command, check=True, capture_output=True)


def main() -> int:
    update_ts()
    missing = fill(load_danish())
    release()
    for source in missing:
        print(f"no Danish text: {source!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
