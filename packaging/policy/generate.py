"""Group Policy templates (ADMX/ADML), example policies and the README's policy table, all made
from `assist.settings.schema.SETTINGS`, so they cannot disagree with what Assist reads.

    python packaging/policy/generate.py OUTDIR    # Assist.admx, da-DK/, en-US/, examples/
    python packaging/policy/generate.py --readme packaging/README.md    # the block between markers

The committed copy is `packaging/policy/templates/`; `tests/test_policy_templates.py` checks that
it equals a fresh generation.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from assist.settings.schema import SETTINGS, Setting, Value, format_value
from assist.settings.sources import POLICY_SUBKEY

NS = "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"
PREFIX = "Assist"  # of every policy, presentation and string id
SUPPORTED = "SUPPORTED_Windows10"
TEXT_MAX = 500  # what `parse_value` accepts for text and path settings
LANGUAGES = {"da-DK": "da", "en-US": "en"}
README_BEGIN = "<!-- policies:begin -->"
README_END = "<!-- policies:end -->"
_ID = re.compile(r"^[A-Za-z0-9_]+$")
LOCKABLE = tuple(setting for setting in SETTINGS if setting.lockable)

# Category name, Danish and English display name, the settings in it (under the top "Assist").
TOP_CATEGORY = ("Assist", "Assist", "Assist")
CATEGORIES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("Assist_Models", "Modeller", "Models", (
        "model_dir", "allowed_models", "allow_model_import", "allow_llm_drafting",
        "asr_model", "llm_model", "engine_threads",
    )),
    ("Assist_Data", "Data og sletning", "Data and retention", (
        "data_dir", "audio_review_days", "unsigned_case_days", "exported_case_days",
    )),
    ("Assist_Notes", "Notater", "Notes", (
        "default_template", "template_dir", "letterhead", "signer_name_source", "signer_name",
        "typed_notes_without_consent",
    )),
    ("Assist_Interface", "Brugerflade", "Interface", ("ui_language", "microphone")),
)
FIXED_STRINGS = {  # id: (Danish, English)
    SUPPORTED: ("Windows 10 eller nyere", "Windows 10 or later"),
    "Assist_Description": (
        "Politikker for Assist, dokumentationshjælp til kommunale sagsbehandlere.",
        "Policies for Assist, documentation help for municipal caseworkers.",
    ),
}

# A realistic locked configuration: Windows and Linux/macOS differ only in the paths. The
# allow-list holds the SHA-256 of the catalog's Whisper base and Gemma 3 270M main files.
_WHISPER = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
_GEMMA = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
EXAMPLE: dict[str, bool | int | str | list[str]] = {
    "model_dir": "", "allowed_models": [_WHISPER, _GEMMA], "allow_model_import": False,
    "allow_llm_drafting": False, "engine_threads": 4, "audio_review_days": 7,
    "unsigned_case_days": 14, "exported_case_days": 7, "template_dir": "", "letterhead": "",
    "typed_notes_without_consent": True, "asr_model": "whisper-base-ct2",
    "default_template": "journalnotat", "ui_language": "da", "signer_name_source": "os_user",
}
EXAMPLE_PATHS = {  # key: (Windows, Linux/macOS)
    "model_dir": ("C:\\ProgramData\\Assist\\models", "/opt/assist/models"),
    "template_dir": ("C:\\ProgramData\\Assist\\Skabeloner", "/opt/assist/skabeloner"),
    "letterhead": ("C:\\ProgramData\\Assist\\Brevpapir.dotx", "/opt/assist/brevpapir.dotx"),
}


def policy_name(setting: Setting) -> str:
    return _checked_id(f"{PREFIX}_{setting.key}")


def _checked_id(name: str) -> str:
    if not _ID.match(name):
        raise ValueError(f"{name!r} is not a valid ADMX id (letters, digits, underscore)")
    return name


def category_of(key: str) -> str:
    for name, _da, _en, keys in CATEGORIES:
        if key in keys:
            return name
    raise KeyError(f"setting {key!r} has no category in packaging/policy/generate.py")


def _enum_string_id(setting: Setting, choice: str) -> str:
    return _checked_id(f"{policy_name(setting)}_{choice}")


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = text
    return element


def _value(parent: ET.Element, tag: str, number: int) -> None:
    _el(_el(parent, tag), "decimal", value=str(number))


def admx() -> ET.Element:
    root = ET.Element("policyDefinitions", {"xmlns": NS, "revision": "1.0", "schemaVersion": "1.0"})
    namespaces = _el(root, "policyNamespaces")
    _el(namespaces, "target", prefix="assist", namespace="Assist.Policies.Assist")
    _el(root, "resources", minRequiredRevision="1.0")
    definitions = _el(_el(root, "supportedOn"), "definitions")
    _el(definitions, "definition", name=SUPPORTED, displayName=f"$(string.{SUPPORTED})")
    categories = _el(root, "categories")
    _el(categories, "category", name=TOP_CATEGORY[0], displayName=f"$(string.{TOP_CATEGORY[0]})")
    for name, _da, _en, _keys in CATEGORIES:
        category = _el(categories, "category", name=name, displayName=f"$(string.{name})")
        _el(category, "parentCategory", ref=TOP_CATEGORY[0])
    policies = _el(root, "policies")
    for setting in LOCKABLE:
        _policy(policies, setting)
    return root


def _policy(parent: ET.Element, setting: Setting) -> None:
    name = policy_name(setting)
    attrs = {
        "name": name,
        "class": "Machine" if setting.scope == "machine" else "Both",
        "displayName": f"$(string.{name})",
        "explainText": f"$(string.{name}_Help)",
    }
    if setting.type != "bool":
        attrs["presentation"] = f"$(presentation.{name})"
    attrs["key"] = POLICY_SUBKEY
    if setting.type == "bool":
        attrs["valueName"] = setting.key
    policy = _el(parent, "policy", **attrs)
    _el(policy, "parentCategory", ref=category_of(setting.key))
    _el(policy, "supportedOn", ref=SUPPORTED)
    if setting.type == "bool":
        _value(policy, "enabledValue", 1)
        _value(policy, "disabledValue", 0)
        return
    elements = _el(policy, "elements")
    ids = {"id": setting.key}
    if setting.type == "int":
        low = setting.minimum if setting.minimum is not None else 0
        high = setting.maximum if setting.maximum is not None else 2**31 - 1
        _el(elements, "decimal", **ids, valueName=setting.key, required="true",
            minValue=str(low), maxValue=str(high))
    elif setting.type in ("text", "path"):
        required = {"required": "true"} if setting.default else {}
        _el(elements, "text", **ids, valueName=setting.key, **required, maxLength=str(TEXT_MAX))
    elif setting.type == "enum":
        enum = _el(elements, "enum", **ids, valueName=setting.key, required="true")
        for choice in setting.choices:
            item = _el(enum, "item", displayName=f"$(string.{_enum_string_id(setting, choice)})")
            _el(_el(item, "value"), "string", choice)
    else:  # list: a subkey named after the setting, values "1", "2", ...
        _el(elements, "list", **ids, key=f"{POLICY_SUBKEY}\\{setting.key}", valuePrefix="")


def adml(lang: str) -> ET.Element:
    """The string and presentation table for `lang` ("da" or "en")."""
    index = 0 if lang == "da" else 1
    root = ET.Element(
        "policyDefinitionResources", {"xmlns": NS, "revision": "1.0", "schemaVersion": "1.0"}
    )
    _el(root, "displayName", "Assist")
    _el(root, "description", FIXED_STRINGS["Assist_Description"][index])
    resources = _el(root, "resources")
    table = _el(resources, "stringTable")
    strings: dict[str, str] = {SUPPORTED: FIXED_STRINGS[SUPPORTED][index]}
    strings[TOP_CATEGORY[0]] = TOP_CATEGORY[1 + index]
    strings.update({name: (da, en)[index] for name, da, en, _keys in CATEGORIES})
    presentations = _el(resources, "presentationTable")
    for setting in LOCKABLE:
        name = policy_name(setting)
        strings[name] = setting.label(lang)  # type: ignore[arg-type]
        strings[f"{name}_Help"] = setting.help(lang)  # type: ignore[arg-type]
        labels = setting.labels_da if lang == "da" else setting.labels_en
        for choice, label in zip(setting.choices, labels, strict=True):
            strings[_enum_string_id(setting, choice)] = label
        if setting.type != "bool":
            _presentation(_el(presentations, "presentation", id=name), setting, lang)
    for string_id, text in strings.items():
        _el(table, "string", text, id=_checked_id(string_id))
    return root


def _presentation(parent: ET.Element, setting: Setting, lang: str) -> None:
    label = setting.label(lang)  # type: ignore[arg-type]
    if setting.type == "int":
        _el(parent, "decimalTextBox", label, refId=setting.key, defaultValue=str(setting.default))
    elif setting.type in ("text", "path"):
        box = _el(parent, "textBox", refId=setting.key)
        _el(box, "label", label)
        if setting.default:
            _el(box, "defaultValue", str(setting.default))
    elif setting.type == "enum":
        default = str(setting.choices.index(str(setting.default)))
        _el(parent, "dropdownList", label, refId=setting.key, noSort="true", defaultItem=default)
    else:
        _el(parent, "listBox", label, refId=setting.key)


def xml_text(root: ET.Element) -> str:
    ET.indent(root, "  ")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def example(windows: bool) -> dict[str, bool | int | str | list[str]]:
    values = dict(EXAMPLE)
    for key, (win, posix) in EXAMPLE_PATHS.items():
        values[key] = win if windows else posix
    return values


def reg_file(hive: str, scope: str) -> str:
    """A .reg file setting the example's `scope` settings as policy under `hive`."""
    by_key = {setting.key: setting for setting in SETTINGS}
    key = f"{hive}\\{POLICY_SUBKEY}"
    lines = ["Windows Registry Editor Version 5.00", "",
             f"; Assist: an example {scope} policy (made by packaging/policy/generate.py).", "",
             f"[{key}]"]
    lists: list[str] = []
    for name, value in example(windows=True).items():
        if by_key[name].scope != scope:
            continue
        if isinstance(value, list):
            items = [f'"{i}"="{item}"' for i, item in enumerate(value, 1)]
            lists += ["", f"[-{key}\\{name}]", "", f"[{key}\\{name}]", *items]
        elif isinstance(value, bool | int):
            lines.append(f'"{name}"=dword:{int(value):08x}')
        else:
            escaped = value.replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'"{name}"="{escaped}"')
    return "\r\n".join(lines + lists) + "\r\n"


def write_templates(outdir: Path) -> list[Path]:
    files = {
        outdir / "Assist.admx": xml_text(admx()),
        outdir / "examples" / "policy.json":
            json.dumps(example(windows=False), indent=2, ensure_ascii=False) + "\n",
        outdir / "examples" / "Assist-machine.reg": reg_file("HKEY_LOCAL_MACHINE", "machine"),
        outdir / "examples" / "Assist-user.reg": reg_file("HKEY_CURRENT_USER", "user"),
    }
    for folder, lang in LANGUAGES.items():
        files[outdir / folder / "Assist.adml"] = xml_text(adml(lang))
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return sorted(files)


def _shown(value: Value) -> str:
    if value is None:
        return "(not set)"
    text = format_value(value)
    return f"`{text}`" if text else "(empty)"


def _allowed(setting: Setting) -> str:
    if setting.type == "bool":
        text = "`true`/`false` (REG_DWORD 1/0)"
    elif setting.type == "int":
        text = f"{setting.minimum}–{setting.maximum} (REG_DWORD)"
    elif setting.type == "enum":
        pairs = zip(setting.choices, setting.labels_en, strict=True)
        text = ", ".join(f"`{choice}` ({label})" for choice, label in pairs) + " (REG_SZ)"
    elif setting.type in ("text", "path"):
        kind = "a path" if setting.type == "path" else "text"
        text = f"{kind} on one line, at most {TEXT_MAX} characters (REG_SZ)"
    else:
        text = f"SHA-256 values; registry: subkey `{setting.key}`, values `1`, `2`, …"
    if setting.security:
        closed = setting.fail_closed
        text += "; malformed: " + ("nothing allowed" if closed == () else _shown(closed))
    return text


def readme_block() -> str:
    yes_no = {True: "yes", False: "no"}
    rows = [
        "| Key | Type | Scope | Default | Users may change | Policy can lock | Dansk | English "
        "| Allowed values |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in SETTINGS:
        cells = [f"`{s.key}`", s.type, s.scope, _shown(s.default), yes_no[s.user_may_change],
                 yes_no[s.lockable], s.label_da, s.label_en, _allowed(s)]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows)


def rewrite_readme(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    start, end = text.find(README_BEGIN), text.find(README_END)
    if start < 0 or end < start:
        raise SystemExit(f"{path}: no {README_BEGIN} ... {README_END} block")
    head, tail = text[: start + len(README_BEGIN)], text[end:]
    path.write_text(f"{head}\n{readme_block()}\n{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Make the Assist policy templates.")
    parser.add_argument("outdir", nargs="?", type=Path, help="where to write the templates")
    parser.add_argument("--readme", type=Path, help="rewrite the policy table in this README")
    args = parser.parse_args(argv)
    if args.outdir is None and args.readme is None:
        parser.error("give OUTDIR, --readme README, or both")
    if args.outdir is not None:
        for path in write_templates(args.outdir):
            print(path)
    if args.readme is not None:
        rewrite_readme(args.readme)
        print(args.readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
