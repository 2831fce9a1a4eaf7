"""The Group Policy templates, example policies and README table that
`packaging/policy/generate.py` makes from the settings schema.

Microsoft's ADMX schema (PolicyDefinitionFiles.xsd) is not redistributable as far as we can tell,
so it is not in the repository: the structural checks below enforce what it says for the elements
the generator uses. With `ASSIST_ADMX_XSD_DIR` pointing at a folder holding the schema files,
`test_xsd_validation` validates against it too. The cross-file checks (strings, presentations,
refIds, the schema's types, ranges and choices) are ones no XSD makes; each has a negative test.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType

import pytest

from assist.settings.schema import BY_KEY, SETTINGS, Setting, SettingValueError, parse_value
from assist.settings.sources import POLICY_SUBKEY, registry_layer

REPO = Path(__file__).resolve().parents[1]
GENERATOR = REPO / "packaging" / "policy" / "generate.py"
TEMPLATES = REPO / "packaging" / "policy" / "templates"
README = REPO / "packaging" / "README.md"
NS = "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"
Q = "{" + NS + "}"
ID = re.compile(r"^[A-Za-z0-9_]+$")
ITEM_REF = re.compile(r"^[A-Za-z0-9_]+(:[A-Za-z0-9_]+)?$")
STRING_REF = re.compile(r"^\$\(string\.([A-Za-z0-9_]+)\)$")
PRESENTATION_REF = re.compile(r"^\$\(presentation\.([A-Za-z0-9_]+)\)$")
VERSION = re.compile(r"^[0-9]{1,4}\.[0-9]{1,5}$")
SAME_IN_BOTH = {"Assist"}  # proper nouns that need no translation


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("assist_policy_generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()

Docs = dict[str, ET.Element]  # "admx", "da", "en"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("policy")
    gen.write_templates(outdir)
    return outdir


@pytest.fixture
def docs(generated: Path) -> Docs:
    return {
        "admx": ET.parse(generated / "Assist.admx").getroot(),
        "da": ET.parse(generated / "da-DK" / "Assist.adml").getroot(),
        "en": ET.parse(generated / "en-US" / "Assist.adml").getroot(),
    }


def _tag(element: ET.Element) -> str:
    return element.tag.removeprefix(Q)


def _kids(element: ET.Element, name: str | None = None) -> list[ET.Element]:
    return [kid for kid in element if name is None or _tag(kid) == name]


def _unsigned(text: str | None) -> bool:
    return text is not None and text.isdigit() and int(text) <= 2**32 - 1


# --- structure: what PolicyDefinitionFiles.xsd demands of the elements we use ----------------

# Allowed attributes, required ones marked with "!".
ATTRS = {
    "policyDefinitions": {"!revision", "!schemaVersion"},
    "target": {"!prefix", "!namespace"},
    "using": {"!prefix", "!namespace"},
    "resources": {"!minRequiredRevision", "fallbackCulture"},
    "definition": {"!name", "!displayName"},
    "category": {"!name", "!displayName", "explainText"},
    "parentCategory": {"!ref"},
    "supportedOn": {"!ref"},
    "policy": {"!name", "!class", "!displayName", "explainText", "presentation", "!key",
               "valueName"},
    "decimal": {"!id", "clientExtension", "key", "valueName", "required", "minValue",
                "maxValue", "storeAsText", "soft"},
    "text": {"!id", "clientExtension", "key", "valueName", "required", "maxLength",
             "expandable", "soft"},
    "enum": {"!id", "clientExtension", "key", "valueName", "required"},
    "list": {"!id", "clientExtension", "key", "valuePrefix", "additive", "expandable",
             "explicitValue"},
    "item": {"!displayName"},
}
BOOLEAN_ATTRS = {"required", "storeAsText", "soft", "expandable", "additive", "explicitValue",
                 "spin", "noSort"}
UNSIGNED_ATTRS = {"minValue", "maxValue", "maxLength", "defaultValue", "spinStep", "defaultItem"}


def _attr_problems(element: ET.Element, where: str, allowed: set[str]) -> list[str]:
    problems = []
    names = {name.lstrip("!") for name in allowed}
    for name in sorted(set(element.attrib) - names):
        problems.append(f"{where}: attribute {name!r} not allowed on <{_tag(element)}>")
    for name in sorted(n[1:] for n in allowed if n.startswith("!")):
        if not element.get(name):
            problems.append(f"{where}: <{_tag(element)}> lacks required attribute {name!r}")
    for name, value in element.attrib.items():
        if name in BOOLEAN_ATTRS and value not in ("true", "false"):
            problems.append(f"{where}: {name}={value!r} is not a boolean")
        if name in UNSIGNED_ATTRS and not _unsigned(value):
            problems.append(f"{where}: {name}={value!r} is not an unsigned int")
        if name in ("displayName", "explainText") and not STRING_REF.match(value):
            problems.append(f"{where}: {name}={value!r} is not a $(string.X) reference")
        if name == "presentation" and not PRESENTATION_REF.match(value):
            problems.append(f"{where}: {name}={value!r} is not a $(presentation.X) reference")
    return problems


def _order_problems(element: ET.Element, where: str, order: list[str],
                    required: set[str], once: set[str]) -> list[str]:
    tags = [_tag(kid) for kid in element]
    problems = [f"{where}: <{t}> not allowed in <{_tag(element)}>" for t in tags if t not in order]
    known = [order.index(t) for t in tags if t in order]
    if known != sorted(known):
        problems.append(f"{where}: children of <{_tag(element)}> out of order: {tags}")
    problems += [f"{where}: <{_tag(element)}> needs <{t}>" for t in required if t not in tags]
    problems += [f"{where}: more than one <{t}>" for t in once if tags.count(t) > 1]
    return problems


def _value_problems(value: ET.Element, where: str) -> list[str]:
    kids = list(value)
    if len(kids) != 1 or _tag(kids[0]) not in ("delete", "decimal", "string"):
        return [f"{where}: <{_tag(value)}> needs exactly one of delete/decimal/string"]
    kid = kids[0]
    if _tag(kid) == "decimal" and not _unsigned(kid.get("value")):
        return [f"{where}: decimal value {kid.get('value')!r} is not an unsigned int"]
    if _tag(kid) == "string" and len(kid.text or "") > 255:
        return [f"{where}: string value longer than 255"]
    return []


def admx_structure(root: ET.Element) -> list[str]:
    if root.tag != Q + "policyDefinitions":
        return [f"ADMX root is {root.tag}, not policyDefinitions in {NS}"]
    problems = _attr_problems(root, "ADMX", ATTRS["policyDefinitions"])
    problems += [f"ADMX: {n} {root.get(n)!r} is not a version"
                 for n in ("revision", "schemaVersion") if not VERSION.match(root.get(n, ""))]
    problems += _order_problems(
        root, "ADMX", ["policyNamespaces", "supersededAdm", "annotation", "resources",
                       "supportedOn", "categories", "policies"],
        {"policyNamespaces", "resources"}, {"policyNamespaces", "resources", "supportedOn",
                                             "categories", "policies"})
    for namespaces in _kids(root, "policyNamespaces"):
        problems += _order_problems(namespaces, "policyNamespaces", ["target", "using"],
                                    {"target"}, {"target"})
        for kid in namespaces:
            problems += _attr_problems(kid, "policyNamespaces", ATTRS.get(_tag(kid), set()))
    for resources in _kids(root, "resources"):
        problems += _attr_problems(resources, "resources", ATTRS["resources"])
    for definition in root.iter(Q + "definition"):
        problems += _attr_problems(definition, "supportedOn", ATTRS["definition"])
    for category in root.iter(Q + "category"):
        where = f"category {category.get('name')}"
        problems += _attr_problems(category, where, ATTRS["category"])
        problems += _order_problems(category, where, ["parentCategory"], set(), {"parentCategory"})
    for policy in root.iter(Q + "policy"):
        problems += _policy_structure(policy)
    return problems


def _policy_structure(policy: ET.Element) -> list[str]:
    where = f"policy {policy.get('name')}"
    problems = _attr_problems(policy, where, ATTRS["policy"])
    if policy.get("class") not in ("User", "Machine", "Both"):
        problems.append(f"{where}: class {policy.get('class')!r} is not User/Machine/Both")
    if not policy.get("explainText"):
        problems.append(f"{where}: no explainText")
    order = ["parentCategory", "supportedOn", "enabledValue", "disabledValue", "elements"]
    problems += _order_problems(policy, where, order, {"parentCategory", "supportedOn"},
                                set(order))
    for kid in policy:
        if _tag(kid) in ("parentCategory", "supportedOn"):
            problems += _attr_problems(kid, where, ATTRS[_tag(kid)])
        elif _tag(kid) in ("enabledValue", "disabledValue"):
            problems += _value_problems(kid, where)
    for elements in _kids(policy, "elements"):
        if not list(elements):
            problems.append(f"{where}: empty <elements>")
        for element in elements:
            if _tag(element) not in ("decimal", "text", "enum", "list"):
                problems.append(f"{where}: element <{_tag(element)}> not used by Assist")
                continue
            problems += _attr_problems(element, where, ATTRS[_tag(element)])
            if _tag(element) != "enum" and list(element):
                problems.append(f"{where}: <{_tag(element)}> may not have children")
            for item in element:
                problems += _enum_item_structure(item, where)
    return problems


def _enum_item_structure(item: ET.Element, where: str) -> list[str]:
    if _tag(item) != "item":
        return [f"{where}: <{_tag(item)}> in <enum>"]
    problems = _attr_problems(item, where, ATTRS["item"])
    problems += _order_problems(item, where, ["value", "valueList"], {"value"},
                                {"value", "valueList"})
    for value in _kids(item, "value"):
        problems += _value_problems(value, where)
    return problems


CONTROLS = {"text", "decimalTextBox", "textBox", "checkBox", "comboBox", "dropdownList",
            "listBox", "multiTextBox"}
CONTROL_ATTRS = {
    "decimalTextBox": {"!refId", "defaultValue", "spin", "spinStep"},
    "textBox": {"!refId"},
    "dropdownList": {"!refId", "noSort", "defaultItem"},
    "listBox": {"!refId"},
}


def adml_structure(root: ET.Element) -> list[str]:
    if root.tag != Q + "policyDefinitionResources":
        return [f"ADML root is {root.tag}, not policyDefinitionResources in {NS}"]
    problems = _attr_problems(root, "ADML", {"!revision", "!schemaVersion"})
    problems += _order_problems(root, "ADML", ["displayName", "description", "annotation",
                                               "resources"],
                                {"displayName", "description", "resources"},
                                {"displayName", "description", "resources"})
    for resources in _kids(root, "resources"):
        problems += _order_problems(resources, "ADML resources",
                                    ["stringTable", "presentationTable"], {"stringTable"},
                                    {"stringTable", "presentationTable"})
        for table, child in (("stringTable", "string"), ("presentationTable", "presentation")):
            for element in _kids(resources, table):
                if not list(element):
                    problems.append(f"ADML: empty <{table}>")
                problems += [f"ADML: <{_tag(k)}> in <{table}>" for k in element
                             if _tag(k) != child]
                problems += [f"ADML: <{child}> without id" for k in element if not k.get("id")]
    for presentation in root.iter(Q + "presentation"):
        where = f"presentation {presentation.get('id')}"
        for control in presentation:
            name = _tag(control)
            if name not in CONTROLS:
                problems.append(f"{where}: <{name}> is not a presentation control")
            elif name in CONTROL_ATTRS:
                problems += _attr_problems(control, where, CONTROL_ATTRS[name])
            if name == "textBox":
                problems += _order_problems(control, where, ["label", "defaultValue"],
                                            {"label"}, {"label", "defaultValue"})
    return problems


# --- cross-file checks no XSD makes ---------------------------------------------------------


def _strings(adml: ET.Element) -> dict[str, str]:
    return {s.get("id", ""): s.text or "" for s in adml.iter(Q + "string")}


def _presentations(adml: ET.Element) -> dict[str, ET.Element]:
    return {p.get("id", ""): p for p in adml.iter(Q + "presentation")}


def _key_ok(key: str) -> bool:
    return key == POLICY_SUBKEY or key.startswith(POLICY_SUBKEY + "\\")


def cross_problems(docs: Docs) -> list[str]:
    admx = docs["admx"]
    problems: list[str] = []
    tables = {lang: (_strings(docs[lang]), _presentations(docs[lang])) for lang in ("da", "en")}
    for index, table in ((0, "string"), (1, "presentation")):
        da, en = set(tables["da"][index]), set(tables["en"][index])
        if da != en:
            problems.append(f"{table} tables differ: {sorted(da ^ en)}")
    for lang in ("da", "en"):
        ids = [s.get("id", "") for s in docs[lang].iter(Q + "string")]
        ids += [p.get("id", "") for p in docs[lang].iter(Q + "presentation")]
        ids += [c.get("refId", "") for c in docs[lang].iter() if "refId" in c.attrib]
        problems += [f"{lang}: id {i!r} is not [A-Za-z0-9_]+" for i in ids if not ID.match(i)]
        problems += [f"{lang}: duplicate string id {i!r}" for i in set(ids)
                     if [s.get("id") for s in docs[lang].iter(Q + "string")].count(i) > 1]
    for element in admx.iter():
        for name, value in element.attrib.items():
            if "$(" in value:
                problems += _reference_problems(name, value, tables)
        name_id = element.get("name")
        if name_id is not None and _tag(element) != "target" and not ID.match(name_id):
            problems.append(f"ADMX: name {name_id!r} is not [A-Za-z0-9_]+")
        element_id = element.get("id")
        is_element = _tag(element) in ("decimal", "text", "enum", "list")
        if is_element and element_id is not None and not ID.match(element_id):
            problems.append(f"ADMX: element id {element_id!r} is not [A-Za-z0-9_]+")
        if _tag(element) in ("policy", "list") and not _key_ok(element.get("key", "")):
            problems.append(f"ADMX: key {element.get('key')!r} is not under {POLICY_SUBKEY}")
    names = [p.get("name") for p in admx.iter(Q + "policy")]
    problems += [f"duplicate policy name {n!r}" for n in set(names) if names.count(n) > 1]
    categories = {c.get("name") for c in admx.iter(Q + "category")}
    definitions = {d.get("name") for d in admx.iter(Q + "definition")}
    for element in admx.iter(Q + "parentCategory"):
        if element.get("ref") not in categories or not ITEM_REF.match(element.get("ref", "")):
            problems.append(f"parentCategory {element.get('ref')!r} is no category")
    for policy in admx.iter(Q + "policy"):
        refs = [s.get("ref") for s in _kids(policy, "supportedOn")]
        if not refs or refs[0] not in definitions:
            problems.append(f"policy {policy.get('name')}: supportedOn {refs} is no definition")
        for lang, (_, presentations) in tables.items():
            problems += _refid_problems(policy, lang, presentations)
    return problems


def _reference_problems(name: str, value: str,
                        tables: Mapping[str, tuple[dict[str, str], dict[str, ET.Element]]]
                        ) -> list[str]:
    string, presentation = STRING_REF.match(value), PRESENTATION_REF.match(value)
    if not string and not presentation:
        return [f"ADMX: {name}={value!r} is not a $(string.X)/$(presentation.X) reference"]
    problems = []
    for lang, (strings, presentations) in tables.items():
        if string and string.group(1) not in strings:
            problems.append(f"{lang}: $(string.{string.group(1)}) does not resolve")
        if presentation and presentation.group(1) not in presentations:
            problems.append(f"{lang}: $(presentation.{presentation.group(1)}) does not resolve")
    return problems


def _refid_problems(policy: ET.Element, lang: str,
                    presentations: Mapping[str, ET.Element]) -> list[str]:
    element_ids = {e.get("id") for elements in _kids(policy, "elements") for e in elements}
    match = PRESENTATION_REF.match(policy.get("presentation", ""))
    if not element_ids:
        return []
    if not match:
        return [f"policy {policy.get('name')}: elements but no presentation"]
    presentation = presentations.get(match.group(1))
    if presentation is None:
        return []  # reported as an unresolved reference
    ref_ids = {c.get("refId") for c in presentation if c.get("refId") is not None}
    where = f"{lang}: policy {policy.get('name')}"
    return [f"{where}: element {i!r} has no control with that refId"
            for i in sorted(element_ids - ref_ids, key=str)] + [
            f"{where}: refId {i!r} matches no element" for i in sorted(ref_ids - element_ids,
                                                                       key=str)]


# --- the schema ------------------------------------------------------------------------------

CONTROL_FOR = {"int": "decimalTextBox", "text": "textBox", "path": "textBox",
               "enum": "dropdownList", "list": "listBox"}
ELEMENT_FOR = {"int": "decimal", "text": "text", "path": "text", "enum": "enum", "list": "list"}


def schema_problems(docs: Docs) -> list[str]:
    policies: dict[str, list[ET.Element]] = {}
    for policy in docs["admx"].iter(Q + "policy"):
        policies.setdefault(policy.get("name", ""), []).append(policy)
    problems: list[str] = []
    names = {gen.policy_name(s): s for s in SETTINGS}
    for name in policies:
        if name not in names or not names[name].lockable:
            problems.append(f"policy {name!r} belongs to no lockable setting")
    for setting in SETTINGS:
        found = policies.get(gen.policy_name(setting), [])
        if not setting.lockable:
            continue
        if len(found) != 1:
            problems.append(f"{setting.key}: {len(found)} policies, not exactly one")
            continue
        problems += _policy_schema_problems(setting, found[0], docs)
    categories = {c.get("name") for c in docs["admx"].iter(Q + "category")}
    for setting in SETTINGS:
        homes = [name for name, _da, _en, keys in gen.CATEGORIES if setting.key in keys]
        if len(homes) != 1 or homes[0] not in categories:
            problems.append(f"{setting.key}: in categories {homes}, not exactly one of the ADMX")
    da, en = _strings(docs["da"]), _strings(docs["en"])
    for string_id in sorted(set(da) & set(en)):
        is_label = not string_id.endswith("_Help") and string_id != gen.SUPPORTED
        if is_label and da[string_id] == en[string_id] and da[string_id] not in SAME_IN_BOTH:
            problems.append(f"{string_id}: Danish equals English ({da[string_id]!r})")
    return problems


def _policy_schema_problems(s: Setting, policy: ET.Element, docs: Docs) -> list[str]:
    where = s.key
    problems: list[str] = []
    want_class = "Machine" if s.scope == "machine" else "Both"
    if policy.get("class") != want_class:
        problems.append(f"{where}: class {policy.get('class')!r}, {s.scope} wants {want_class}")
    parents = [p.get("ref") for p in _kids(policy, "parentCategory")]
    if parents != [gen.category_of(s.key)]:
        problems.append(f"{where}: parentCategory {parents}, not {gen.category_of(s.key)}")
    for lang in ("da", "en"):
        strings = _strings(docs[lang])
        shown = STRING_REF.match(policy.get("displayName", ""))
        explain = STRING_REF.match(policy.get("explainText", ""))
        if not shown or strings.get(shown.group(1)) != s.label(lang):
            problems.append(f"{where}: {lang} display name is not the schema's label")
        if not explain or strings.get(explain.group(1)) != s.help(lang):
            problems.append(f"{where}: {lang} explain text is not the schema's help")
    elements = [e for group in _kids(policy, "elements") for e in group]
    if s.type == "bool":
        values = [(_tag(v), [(_tag(k), k.get("value")) for k in v])
                  for v in policy if _tag(v) in ("enabledValue", "disabledValue")]
        want = [("enabledValue", [("decimal", "1")]), ("disabledValue", [("decimal", "0")])]
        if policy.get("valueName") != s.key or values != want or elements:
            problems.append(f"{where}: bool needs valueName, enabledValue 1, disabledValue 0")
        return problems
    if policy.get("valueName") is not None or len(elements) != 1:
        return [*problems, f"{where}: needs exactly one element and no policy valueName"]
    element = elements[0]
    if _tag(element) != ELEMENT_FOR[s.type]:
        return [*problems, f"{where}: {s.type} needs <{ELEMENT_FOR[s.type]}>, not "
                f"<{_tag(element)}>"]
    problems += _element_schema_problems(s.key, element, docs)
    return problems


def _element_schema_problems(key: str, element: ET.Element, docs: Docs) -> list[str]:
    s = BY_KEY[key]
    problems: list[str] = []
    if s.type == "list":
        if element.get("key") != f"{POLICY_SUBKEY}\\{s.key}" or element.get("valuePrefix") != "":
            problems.append(f"{key}: list needs key {POLICY_SUBKEY}\\{key} and valuePrefix=''")
    elif element.get("valueName") != s.key:
        problems.append(f"{key}: valueName {element.get('valueName')!r}, not the key")
    if s.type == "int":
        bounds = (element.get("minValue"), element.get("maxValue"))
        if bounds != (str(s.minimum), str(s.maximum)):
            problems.append(f"{key}: decimal range {bounds}, schema {s.minimum}..{s.maximum}")
    if s.type in ("text", "path") and element.get("maxLength") != str(gen.TEXT_MAX):
        problems.append(f"{key}: maxLength {element.get('maxLength')!r}, not {gen.TEXT_MAX}")
    if s.type == "enum":
        values = [v.text for item in element for v in item.iter(Q + "string")]
        if tuple(values) != s.choices:
            problems.append(f"{key}: enum values {values}, schema {list(s.choices)}")
        for lang, labels in (("da", s.labels_da), ("en", s.labels_en)):
            strings = _strings(docs[lang])
            refs = [STRING_REF.match(item.get("displayName", "")) for item in element]
            shown = tuple(strings.get(m.group(1), "") if m else "" for m in refs)
            if shown != labels:
                problems.append(f"{key}: {lang} enum labels {shown}, schema {labels}")
    for lang in ("da", "en"):
        controls = [c for p in docs[lang].iter(Q + "presentation")
                    if p.get("id") == gen.policy_name(s) for c in p]
        tags = [_tag(c) for c in controls]
        if tags != [CONTROL_FOR[s.type]]:
            problems.append(f"{key}: {lang} presentation {tags}, not [{CONTROL_FOR[s.type]}]")
        elif s.type == "int" and controls[0].get("defaultValue") != str(s.default):
            problems.append(f"{key}: {lang} decimalTextBox default is not the schema's")
        elif s.type == "enum" and controls[0].get("defaultItem") != str(
            s.choices.index(str(s.default))
        ):
            problems.append(f"{key}: {lang} dropdownList defaultItem is not the schema's default")
    return problems


def all_problems(docs: Docs) -> list[str]:
    return (admx_structure(docs["admx"]) + adml_structure(docs["da"]) + adml_structure(docs["en"])
            + cross_problems(docs) + schema_problems(docs))


# --- tests -----------------------------------------------------------------------------------


def test_generated_templates_have_no_problems(docs: Docs) -> None:
    assert all_problems(docs) == []


def test_every_lockable_setting_has_a_policy_and_only_those(docs: Docs) -> None:
    names = [p.get("name") for p in docs["admx"].iter(Q + "policy")]
    assert names == [gen.policy_name(s) for s in SETTINGS if s.lockable]
    assert gen.policy_name(BY_KEY["allowed_models"]) == "Assist_allowed_models"


def test_xml_files_are_utf8_with_declaration(generated: Path) -> None:
    for name in ("Assist.admx", "da-DK/Assist.adml", "en-US/Assist.adml"):
        raw = (generated / name).read_bytes()
        assert raw.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n'), name
        assert "\n  <" in raw.decode("utf-8"), f"{name} is not pretty-printed"
    assert "Tråde" in (generated / "da-DK" / "Assist.adml").read_text(encoding="utf-8")


def test_text_limit_matches_the_schema() -> None:
    setting = BY_KEY["asr_model"]
    assert parse_value(setting, "x" * gen.TEXT_MAX) == "x" * gen.TEXT_MAX
    with pytest.raises(SettingValueError):
        parse_value(setting, "x" * (gen.TEXT_MAX + 1))


def test_xsd_validation(generated: Path) -> None:
    """Only where Microsoft's schema files are at hand (they are not redistributed here)."""
    folder = os.environ.get("ASSIST_ADMX_XSD_DIR", "")
    if not folder or not (Path(folder) / "PolicyDefinitionFiles.xsd").exists():
        pytest.skip("ASSIST_ADMX_XSD_DIR with PolicyDefinitionFiles.xsd not set")
    etree = pytest.importorskip("lxml.etree")
    schema = etree.XMLSchema(etree.parse(str(Path(folder) / "PolicyDefinitionFiles.xsd")))
    for name in ("Assist.admx", "da-DK/Assist.adml", "en-US/Assist.adml"):
        assert schema.validate(etree.parse(str(generated / name))), (name, schema.error_log)


def _policy(docs: Docs, key: str) -> ET.Element:
    return next(p for p in docs["admx"].iter(Q + "policy") if p.get("name") == f"Assist_{key}")


def _element(docs: Docs, key: str) -> ET.Element:
    return next(iter(_policy(docs, key).find(Q + "elements")))  # type: ignore[arg-type]


def _string(docs: Docs, lang: str, string_id: str) -> ET.Element:
    return next(s for s in docs[lang].iter(Q + "string") if s.get("id") == string_id)


def _presentation(docs: Docs, lang: str, key: str) -> ET.Element:
    return next(p for p in docs[lang].iter(Q + "presentation") if p.get("id") == f"Assist_{key}")


def _drop(parent: ET.Element, child: ET.Element | None) -> None:
    assert child is not None
    parent.remove(child)


def _to_end(parent: ET.Element) -> None:
    first = parent[0]
    parent.remove(first)
    parent.append(first)


def _policies(docs: Docs) -> ET.Element:
    return docs["admx"].find(Q + "policies")  # type: ignore[return-value]


def _string_table(docs: Docs, lang: str) -> ET.Element:
    return docs[lang].find(f"{Q}resources/{Q}stringTable")  # type: ignore[return-value]


def _duplicate_policy(docs: Docs, key: str, name: str | None) -> None:
    twin = copy.deepcopy(_policy(docs, key))
    if name is not None:
        twin.set("name", name)
    _policies(docs).append(twin)


MUTATIONS: dict[str, tuple[Callable[[Docs], object], str]] = {
    "drop a Danish string": (
        lambda d: _drop(_string_table(d, "da"), _string(d, "da", "Assist_model_dir")),
        "da: $(string.Assist_model_dir) does not resolve"),
    "drop an English help string": (
        lambda d: _drop(_string_table(d, "en"), _string(d, "en", "Assist_signer_name_Help")),
        "en: $(string.Assist_signer_name_Help) does not resolve"),
    "drop a presentation": (
        lambda d: _drop(d["en"].find(f"{Q}resources/{Q}presentationTable"),  # type: ignore
                        _presentation(d, "en", "engine_threads")),
        "en: $(presentation.Assist_engine_threads) does not resolve"),
    "break a refId": (
        lambda d: next(iter(_presentation(d, "da", "data_dir"))).set("refId", "datadir"),
        "refId 'datadir' matches no element"),
    "element without control": (
        lambda d: _element(d, "letterhead").set("id", "brevpapir"),
        "element 'brevpapir' has no control"),
    "dot in a policy name": (
        lambda d: _policy(d, "asr_model").set("name", "Assist.asr_model"),
        "name 'Assist.asr_model' is not [A-Za-z0-9_]+"),
    "dot in a string id": (
        lambda d: _string(d, "en", "Assist_Models").set("id", "Assist.Models"),
        "en: id 'Assist.Models' is not"),
    "dot in a presentation id": (
        lambda d: _presentation(d, "da", "ui_language").set("id", "Assist.ui_language"),
        "da: id 'Assist.ui_language' is not"),
    "extra English string": (
        lambda d: ET.SubElement(_string_table(d, "en"), Q + "string", id="Assist_Extra"),
        "string tables differ"),
    "key outside the policy key": (
        lambda d: _policy(d, "data_dir").set("key", "SOFTWARE\\Assist\\Assist"),
        "is not under SOFTWARE\\Policies\\Assist\\Assist"),
    "list key outside": (
        lambda d: _element(d, "allowed_models").set("key", "SOFTWARE\\Assist\\allowed_models"),
        "key 'SOFTWARE\\\\Assist\\\\allowed_models' is not under"),
    "wrong class": (
        lambda d: _policy(d, "engine_threads").set("class", "Both"),
        "engine_threads: class 'Both', machine wants Machine"),
    "class not in the XSD": (
        lambda d: _policy(d, "ui_language").set("class", "Computer"),
        "class 'Computer' is not User/Machine/Both"),
    "decimal max drifts": (
        lambda d: _element(d, "engine_threads").set("maxValue", "65"),
        "engine_threads: decimal range ('0', '65')"),
    "decimal min negative": (
        lambda d: _element(d, "audio_review_days").set("minValue", "-1"),
        "minValue='-1' is not an unsigned int"),
    "enum value drifts": (
        lambda d: next(_element(d, "ui_language").iter(Q + "string")).__setattr__("text", "dk"),
        "ui_language: enum values ['dk', 'en']"),
    "enum item without value": (
        lambda d: _drop(next(iter(_element(d, "signer_name_source"))),
                        next(_element(d, "signer_name_source").iter(Q + "value"))),
        "<item> needs <value>"),
    "text maxLength drifts": (
        lambda d: _element(d, "signer_name").set("maxLength", "1023"),
        "signer_name: maxLength '1023'"),
    "element type drifts": (
        lambda d: _element(d, "model_dir").__setattr__("tag", Q + "decimal"),
        "model_dir: path needs <text>, not <decimal>"),
    "list without valuePrefix": (
        lambda d: _element(d, "allowed_models").attrib.pop("valuePrefix"),
        "allowed_models: list needs key"),
    "bool enabled value drifts": (
        lambda d: _policy(d, "allow_model_import").find(  # type: ignore[union-attr]
            f"{Q}enabledValue/{Q}decimal").set("value", "2"),
        "allow_model_import: bool needs valueName"),
    "missing policy": (
        lambda d: _drop(_policies(d), _policy(d, "letterhead")),
        "letterhead: 0 policies, not exactly one"),
    "policy twice": (lambda d: _duplicate_policy(d, "letterhead", None),
                     "letterhead: 2 policies, not exactly one"),
    "policy without setting": (lambda d: _duplicate_policy(d, "letterhead", "Assist_extra"),
                               "policy 'Assist_extra' belongs to no lockable setting"),
    "policy for an unlockable setting": (
        lambda d: _duplicate_policy(d, "asr_model", "Assist_microphone"),
        "policy 'Assist_microphone' belongs to no lockable setting"),
    "Danish label copied from English": (
        lambda d: _string(d, "da", "Assist_data_dir").__setattr__("text", "Data folder"),
        "Assist_data_dir: Danish equals English"),
    "Danish enum label copied": (
        lambda d: _string(d, "da", "Assist_ui_language_en").__setattr__("text", "English"),
        "Assist_ui_language_en: Danish equals English"),
    "help text drifts": (
        lambda d: _string(d, "en", "Assist_allowed_models_Help").__setattr__("text", "x"),
        "allowed_models: en explain text is not the schema's help"),
    "no supportedOn": (
        lambda d: _drop(_policy(d, "llm_model"), _policy(d, "llm_model").find(
            Q + "supportedOn")),
        "policy Assist_llm_model: <policy> needs <supportedOn>"),
    "supportedOn to nowhere": (
        lambda d: _policy(d, "llm_model").find(Q + "supportedOn").set(  # type: ignore
            "ref", "SUPPORTED_Windows11"),
        "supportedOn ['SUPPORTED_Windows11'] is no definition"),
    "no parentCategory": (
        lambda d: _drop(_policy(d, "signer_name"), _policy(d, "signer_name").find(
            Q + "parentCategory")),
        "<policy> needs <parentCategory>"),
    "parentCategory to nowhere": (
        lambda d: _policy(d, "signer_name").find(Q + "parentCategory").set(  # type: ignore
            "ref", "Assist_Nowhere"),
        "parentCategory 'Assist_Nowhere' is no category"),
    "children out of order": (
        lambda d: _to_end(_policy(d, "signer_name")),
        "children of <policy> out of order"),
    "unknown attribute": (
        lambda d: _policy(d, "ui_language").set("defaultValue", "da"),
        "attribute 'defaultValue' not allowed on <policy>"),
    "no explainText": (
        lambda d: _policy(d, "ui_language").attrib.pop("explainText"),
        "policy Assist_ui_language: no explainText"),
    "not a reference": (
        lambda d: _policy(d, "ui_language").set("displayName", "Language"),
        "displayName='Language' is not a $(string.X)"),
    "wrong ADMX root": (lambda d: d.__setitem__("admx", ET.Element("policyDefinitions")),
                        "ADMX root is policyDefinitions, not policyDefinitions in"),
    "wrong ADML root": (lambda d: d["da"].__setattr__("tag", Q + "policyDefinitions"),
                        "ADML root is"),
    "textBox without label": (
        lambda d: _drop(next(iter(_presentation(d, "en", "model_dir"))),
                        next(iter(_presentation(d, "en", "model_dir"))).find(Q + "label")),
        "<textBox> needs <label>"),
    "wrong control": (
        lambda d: next(iter(_presentation(d, "da", "engine_threads"))).__setattr__(
            "tag", Q + "textBox"),
        "engine_threads: da presentation ['textBox'], not [decimalTextBox]"),
    "dropdown default drifts": (
        lambda d: next(iter(_presentation(d, "en", "signer_name_source"))).set(
            "defaultItem", "2"),
        "signer_name_source: en dropdownList defaultItem"),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_checks_catch_a_broken_template(docs: Docs, name: str) -> None:
    mutate, expected = MUTATIONS[name]
    assert all_problems(docs) == []
    mutate(docs)
    problems = all_problems(docs)
    assert any(expected in problem for problem in problems), problems


def test_every_setting_has_one_category() -> None:
    for setting in SETTINGS:
        assert gen.category_of(setting.key).startswith("Assist_")
    keys = [key for _name, _da, _en, group in gen.CATEGORIES for key in group]
    assert sorted(keys) == sorted(BY_KEY)


# --- examples --------------------------------------------------------------------------------

REG_VALUE = re.compile(r'^"([^"]+)"=(?:dword:([0-9a-fA-F]{8})|"((?:[^"\\]|\\.)*)")$')
HIVES = {"HKEY_LOCAL_MACHINE": "HKLM", "HKEY_CURRENT_USER": "HKCU"}


def parse_reg(raw: bytes) -> dict[tuple[str, str], dict[str, object]]:
    """{(hive, subkey): {name: int | str}} after applying the file to an empty registry."""
    text = raw.decode("ascii")
    assert "\n" not in text.replace("\r\n", ""), "a .reg file has CRLF line ends"
    lines = text.split("\r\n")
    assert lines[0] in ("Windows Registry Editor Version 5.00", "REGEDIT4")
    keys: dict[tuple[str, str], dict[str, object]] = {}
    current: dict[str, object] | None = None
    for line in lines[1:]:
        if not line.strip() or line.startswith(";"):
            continue
        if line.startswith("[") and line.endswith("]"):
            delete, path = line[1:2] == "-", line[1:-1].lstrip("-")
            hive, _, subkey = path.partition("\\")
            where = (HIVES[hive], subkey)
            if delete:
                for key in [k for k in keys if k[0] == where[0] and
                            (k[1] == subkey or k[1].startswith(subkey + "\\"))]:
                    del keys[key]
                current = None
            else:
                current = keys.setdefault(where, {})
            continue
        match = REG_VALUE.match(line)
        assert match and current is not None, f"not a .reg value line: {line!r}"
        name, dword, string = match.groups()
        current[name] = int(dword, 16) if dword else re.sub(r"\\(.)", r"\1", string)
    return keys


class FakeRegistry:
    def __init__(self, keys: Mapping[tuple[str, str], Mapping[str, object]]) -> None:
        self.keys = keys

    def values(self, hive: str, subkey: str) -> Mapping[str, object] | None:
        return self.keys.get((hive, subkey))


def example_problems(values: Mapping[str, object], scope: str | None = None) -> list[str]:
    problems = []
    for key, value in values.items():
        setting = BY_KEY.get(key)
        if setting is None or not setting.lockable:
            problems.append(f"{key}: no lockable setting of that name")
            continue
        if scope is not None and setting.scope != scope:
            problems.append(f"{key}: {setting.scope} setting in the {scope} example")
        try:
            parse_value(setting, value)
        except SettingValueError as error:
            problems.append(f"{key}: {error.message('en')}")
    return problems


def _reg_values(path: Path, hive: str) -> dict[str, object]:
    keys = parse_reg(path.read_bytes())
    assert all(k[0] == hive and (k[1] == POLICY_SUBKEY or k[1].startswith(POLICY_SUBKEY + "\\"))
               for k in keys), keys
    layer = registry_layer(FakeRegistry(keys), hive, POLICY_SUBKEY, "machine")  # type: ignore
    assert layer.unreadable is None
    return dict(layer.values)


def test_reg_examples_are_valid_policy(generated: Path) -> None:
    machine = _reg_values(generated / "examples" / "Assist-machine.reg", "HKLM")
    user = _reg_values(generated / "examples" / "Assist-user.reg", "HKCU")
    assert example_problems(machine, "machine") == []
    assert example_problems(user, "user") == []
    assert machine["allowed_models"] == gen.EXAMPLE["allowed_models"]  # read from the subkey
    assert machine["allow_model_import"] == 0 and machine["engine_threads"] == 4
    assert machine["model_dir"] == "C:\\ProgramData\\Assist\\models"


def test_policy_json_example_matches_the_reg_examples(generated: Path) -> None:
    values = json.loads((generated / "examples" / "policy.json").read_text(encoding="utf-8"))
    assert isinstance(values, dict) and values
    assert set(values) <= set(BY_KEY)
    assert example_problems(values) == []
    machine = _reg_values(generated / "examples" / "Assist-machine.reg", "HKLM")
    user = _reg_values(generated / "examples" / "Assist-user.reg", "HKCU")
    registry = {**machine, **user}
    assert set(values) == set(registry)
    for key, value in values.items():
        setting = BY_KEY[key]
        if setting.type == "path":  # the same folder, in each system's spelling
            assert value.startswith("/") and ":\\" in str(registry[key])
        else:
            assert parse_value(setting, value) == parse_value(setting, registry[key]), key


def test_allow_list_example_holds_catalog_models() -> None:
    catalog = tomllib.loads((REPO / "assist" / "models" / "catalog.toml").read_text("utf-8"))
    primaries = {f["sha256"] for m in catalog["model"] for f in m["files"] if f.get("primary")}
    assert set(gen.EXAMPLE["allowed_models"]) <= primaries


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"engine_threads": 65}, "engine_threads: 'engine_threads' must be a whole number"),
        ({"allowed_models": ["abc"]}, "allowed_models: 'allowed_models' may only hold SHA-256"),
        ({"ui_language": "de"}, "ui_language: 'ui_language' must be one of"),
        ({"no_such_setting": 1}, "no_such_setting: no lockable setting"),
        ({"microphone": "USB"}, "microphone: no lockable setting"),
    ],
)
def test_example_check_catches_bad_values(values: dict[str, object], expected: str) -> None:
    assert any(expected in problem for problem in example_problems(values))


def test_example_scope_check_catches_machine_settings_in_the_user_file() -> None:
    assert example_problems({"engine_threads": 4}, "user") == [
        "engine_threads: machine setting in the user example"
    ]


def test_reg_parser_applies_deletes() -> None:
    raw = (
        "Windows Registry Editor Version 5.00\r\n\r\n"
        f"[HKEY_LOCAL_MACHINE\\{POLICY_SUBKEY}\\allowed_models]\r\n\"1\"=\"a\"\r\n"
        f"[-HKEY_LOCAL_MACHINE\\{POLICY_SUBKEY}\\allowed_models]\r\n"
        f"[HKEY_LOCAL_MACHINE\\{POLICY_SUBKEY}]\r\n\"letterhead\"=\"C:\\\\x\\\\\\\"y\\\"\"\r\n"
    ).encode("ascii")
    assert parse_reg(raw) == {("HKLM", POLICY_SUBKEY): {"letterhead": 'C:\\x\\"y"'}}


# --- committed copies ------------------------------------------------------------------------


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes().replace(b"\r\n", b"\n")
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_committed_templates_equal_a_fresh_generation(generated: Path) -> None:
    committed, fresh = _files(TEMPLATES), _files(generated)
    assert sorted(committed) == sorted(fresh)
    stale = [name for name in fresh if committed[name] != fresh[name]]
    assert not stale, (
        f"{stale} differ; run: .venv/bin/python packaging/policy/generate.py "
        "packaging/policy/templates"
    )


def test_readme_block_equals_a_fresh_generation() -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split(gen.README_BEGIN, 1)[1].split(gen.README_END, 1)[0]
    assert block.strip("\n") == gen.readme_block(), (
        "run: .venv/bin/python packaging/policy/generate.py --readme packaging/README.md"
    )
    assert "## Policies" in text.split(gen.README_BEGIN, 1)[0]
    for setting in SETTINGS:
        assert f"| `{setting.key}` |" in block


def test_readme_rewrite_keeps_the_rest(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{gen.README_BEGIN}\nold\n{gen.README_END}\nafter\n", "utf-8")
    gen.rewrite_readme(readme)
    once = readme.read_text(encoding="utf-8")
    assert once == f"before\n{gen.README_BEGIN}\n{gen.readme_block()}\n{gen.README_END}\nafter\n"
    gen.rewrite_readme(readme)
    assert readme.read_text(encoding="utf-8") == once
    readme.write_text("no markers\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        gen.rewrite_readme(readme)


def test_generator_runs_as_a_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(GENERATOR), str(tmp_path / "out")],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "en-US" / "Assist.adml").exists()
