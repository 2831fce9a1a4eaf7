"""What of an organisation's letterhead may go into an export: its look, nothing active.

A DOCX/DOTX is a zip of XML parts joined by relationships. A letterhead can carry things that make
Word act on its own when the exported note is opened: an external relationship (an attached
template, a picture or frame on a web server: Word fetches it, which tells the server who opened
the note, and can bring in a template with macros), macros (vbaProject), embedded objects (OLE
objects, ActiveX controls, embedded packages, altChunk imports) and fields that fetch or run
something (INCLUDEPICTURE, INCLUDETEXT, LINK, DDE, DDEAUTO, IMPORT).

- A letterhead with macros (.dotm, .docm, a macro-enabled main part, or a VBA project inside) is
  refused (`LETTERHEAD_MACROS`): its macros may be what makes it work, so dropping them silently
  could hide a broken letterhead; IT saves it as .dotx instead.
- Everything else above is removed from the letterhead before it is used (`clean_letterhead`):
  every relationship with TargetMode="External" and every relationship to an embedded object
  goes, with the parts it led to, their content types, and the XML that referred to them (a
  hyperlink keeps its text, an OLE object or control goes whole, an attached template's element
  goes); a fetching field keeps its shown result but loses its instruction.
- The finished export is checked once more (`check_export_package`): nothing external, no macro
  and no embedded object, or it is not written.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path

from lxml import etree

from assist.errors import AssistError, Msg

LETTERHEAD_MACROS = Msg(
    "signoff.letterhead_macros",
    da="Brevpapiret '{path}' indeholder makroer (.dotm/.docm eller et VBA-projekt). Assist bruger "
    "ikke brevpapir med makroer; gem det som Word-skabelon uden makroer (.dotx) eller som .docx.",
    en="The letterhead '{path}' contains macros (.dotm/.docm or a VBA project). Assist does not "
    "use letterheads with macros; save it as a Word template without macros (.dotx) or as "
    ".docx.",
)
EXPORT_UNSAFE = Msg(
    "signoff.export_unsafe",
    da="Eksporten blev ikke gemt: Word-filen ville indeholde {what}. Kontakt IT med fejlkoden; "
    "brug eventuelt --txt eller et andet brevpapir imens.",
    en="The export was not saved: the Word file would contain {what}. Contact IT with the error "
    "code; meanwhile use --txt or another letterhead.",
)

_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

_MACRO_SUFFIXES = (".dotm", ".docm")
_MACRO_CONTENT = re.compile(r"macroEnabled|vbaProject|vbaData", re.IGNORECASE)
_MACRO_NAME = re.compile(r"(^|/)(vbaProject[^/]*\.bin|vbaData\.xml)$", re.IGNORECASE)
_MACRO_RELTYPES = (
    "/vbaProject", "/vbaProjectSignature", "/vbaProjectSignatureAgile", "/vbaProjectSignatureV3",
    "/wordVbaData", "/keyMapCustomizations", "/attachedToolbars",
)  # fmt: skip
_EMBEDDED_RELTYPES = (
    "/oleObject", "/package", "/control", "/activeXControlBinary", "/aFChunk", "/frame",
    "/subDocument", "/attachedTemplate",
)  # fmt: skip
_EMBEDDED_NAME = re.compile(r"(^|/)(embeddings|activeX)/", re.IGNORECASE)
_EMBEDDED_CONTENT = re.compile(r"oleObject|activeX|\.package$", re.IGNORECASE)
_FETCHING_FIELD = re.compile(
    r"^\s*(INCLUDEPICTURE|INCLUDETEXT|INCLUDE|LINK|DDE|DDEAUTO|IMPORT)\b", re.IGNORECASE
)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def clean_letterhead(data: bytes, path: Path) -> bytes:
    """The letterhead without external, embedded or fetching content (see the module
    docstring); AssistError LETTERHEAD_MACROS if it has macros. BadZipFile/KeyError/XML errors
    for what is not a Word package at all."""
    if path.suffix.lower() in _MACRO_SUFFIXES:
        raise AssistError(LETTERHEAD_MACROS, path=str(path))
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    content_types = etree.fromstring(parts["[Content_Types].xml"], _PARSER)
    if _has_macros(parts, content_types):
        raise AssistError(LETTERHEAD_MACROS, path=str(path))

    removed = {name for name in parts if _EMBEDDED_NAME.search(name)}
    for element in content_types:
        part = (element.get("PartName") or "").lstrip("/")
        if part and _EMBEDDED_CONTENT.search(element.get("ContentType") or ""):
            removed.add(part)
    dropped_ids: dict[str, set[str]] = {}
    changed: dict[str, bytes] = {}
    while True:  # a dropped relationship's part may have relationships of its own
        before = len(removed)
        for rels_name in sorted(n for n in parts if n.endswith(".rels") and n not in removed):
            owner = _owner_of(rels_name)
            if owner in removed:
                removed.add(rels_name)
                continue
            tree = etree.fromstring(changed.get(rels_name, parts[rels_name]), _PARSER)
            kept_any_change = False
            for rel in list(tree):
                target = _resolve(owner, rel.get("Target") or "")
                external = (rel.get("TargetMode") or "").lower() == "external"
                reltype = rel.get("Type") or ""
                if external or reltype.endswith(_EMBEDDED_RELTYPES) or target in removed:
                    tree.remove(rel)
                    dropped_ids.setdefault(owner, set()).add(rel.get("Id") or "")
                    if not external:
                        removed.add(target)
                    kept_any_change = True
            if kept_any_change:
                changed[rels_name] = _serialise(tree)
        if len(removed) == before:
            break
    for owner, ids in dropped_ids.items():
        if owner and owner in parts and owner not in removed:
            changed[owner] = _drop_references(changed.get(owner, parts[owner]), ids)
    for name, payload in parts.items():
        if name.startswith("word/") and name.endswith(".xml") and name not in removed:
            cleaned = _neutralise_fields(changed.get(name, payload))
            if cleaned is not None:
                changed[name] = cleaned
    for element in list(content_types):
        if (element.get("PartName") or "").lstrip("/") in removed:
            content_types.remove(element)
    changed["[Content_Types].xml"] = _serialise(content_types)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info in source.infolist():
            if info.filename not in removed:
                package.writestr(info, changed.get(info.filename, parts[info.filename]))
    return out.getvalue()


def check_export_package(data: bytes) -> None:
    """The finished DOCX carries nothing external, no macro and no embedded object."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if _MACRO_NAME.search(name):
                raise AssistError(EXPORT_UNSAFE, what="macros (vbaProject)")
            if _EMBEDDED_NAME.search(name):
                raise AssistError(EXPORT_UNSAFE, what=f"an embedded object ({name})")
            if not name.endswith(".rels"):
                continue
            for rel in etree.fromstring(package.read(name), _PARSER):
                if (rel.get("TargetMode") or "").lower() == "external":
                    raise AssistError(EXPORT_UNSAFE, what="an external relationship")
                reltype = rel.get("Type") or ""
                if reltype.endswith(_EMBEDDED_RELTYPES + _MACRO_RELTYPES):
                    raise AssistError(EXPORT_UNSAFE, what=f"an embedded object ({reltype})")
        types = package.read("[Content_Types].xml").decode("utf-8", "replace")
        if _MACRO_CONTENT.search(types) or re.search(r"oleObject|activeX", types, re.I):
            raise AssistError(EXPORT_UNSAFE, what="macros or embedded objects (content types)")


def _has_macros(parts: dict[str, bytes], content_types: etree._Element) -> bool:
    if any(_MACRO_NAME.search(name) for name in parts):
        return True
    if any(_MACRO_CONTENT.search(e.get("ContentType") or "") for e in content_types):
        return True
    for name, payload in parts.items():
        if name.endswith(".rels"):
            for rel in etree.fromstring(payload, _PARSER):
                if (rel.get("Type") or "").endswith(_MACRO_RELTYPES):
                    return True
    return False


def _owner_of(rels_name: str) -> str:
    """word/_rels/document.xml.rels -> word/document.xml; _rels/.rels -> "" (the package)."""
    folder, _, base = rels_name.rpartition("/")
    parent = folder.rpartition("/")[0] if folder.endswith("_rels") else folder
    if folder == "_rels":
        parent = ""
    owner = base[: -len(".rels")]
    return f"{parent}/{owner}" if parent else owner


def _resolve(owner: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    folder = posixpath.dirname(owner)
    return posixpath.normpath(posixpath.join(folder, target)).lstrip("/")


def _drop_references(payload: bytes, ids: set[str]) -> bytes:
    try:
        root = etree.fromstring(payload, _PARSER)
    except etree.XMLSyntaxError:
        return payload
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        for attribute, value in list(element.attrib.items()):
            if not attribute.startswith(f"{{{_R_NS}}}") or value not in ids:
                continue
            local = etree.QName(element).localname
            if local in ("hyperlink", "blip", "imagedata"):
                del element.attrib[attribute]  # the text or picture stays, its link goes
                continue
            victim = element
            if local in ("OLEObject", "control"):
                ancestor = next((a for a in element.iterancestors(f"{{{_W_NS}}}object")), None)
                victim = ancestor if ancestor is not None else element
            parent = victim.getparent()
            if parent is not None:
                parent.remove(victim)
            break
    return _serialise(root)


def _neutralise_fields(payload: bytes) -> bytes | None:
    """The part with fetching fields' instructions removed (their shown result stays), or None
    if it has none."""
    if b"instr" not in payload:
        return None
    try:
        root = etree.fromstring(payload, _PARSER)
    except etree.XMLSyntaxError:
        return None
    changed = False
    for simple in list(root.iter(f"{{{_W_NS}}}fldSimple")):
        if _FETCHING_FIELD.match(simple.get(f"{{{_W_NS}}}instr") or ""):
            parent = simple.getparent()
            if parent is not None:
                index = parent.index(simple)
                for offset, child in enumerate(list(simple)):
                    parent.insert(index + offset, child)
                parent.remove(simple)
                changed = True
    open_fields: list[list[etree._Element]] = []
    for element in root.iter(f"{{{_W_NS}}}fldChar", f"{{{_W_NS}}}instrText"):
        if etree.QName(element).localname == "instrText":
            if open_fields:
                open_fields[-1].append(element)
            continue
        kind = element.get(f"{{{_W_NS}}}fldCharType")
        if kind == "begin":
            open_fields.append([])
        elif kind == "end" and open_fields:
            instructions = open_fields.pop()
            if _FETCHING_FIELD.match("".join(i.text or "" for i in instructions)):
                for instruction in instructions:
                    instruction.text = ""
                changed = True
    return _serialise(root) if changed else None


def _serialise(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))
