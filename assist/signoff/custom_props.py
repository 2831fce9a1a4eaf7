"""Machine-readable facts in a DOCX: the OOXML custom file properties part (docProps/custom.xml).

python-docx 1.2 has no API for it, so the part is built here: root <Properties> in the
custom-properties namespace, one <property fmtid="{D5CDD505-...}" pid="2.."> per value with a
docPropsVTypes child (lpwstr, bool, i4, r8, filetime), content type
application/vnd.openxmlformats-officedocument.custom-properties+xml, reached from the package
relationships. A letterhead's own custom properties are kept; ours replace any of the same name.
"""

from __future__ import annotations

from datetime import UTC, datetime

from docx.document import Document
from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from lxml import etree

PropertyValue = str | bool | int | float | datetime

_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
# The format id Office uses for user-defined properties; pids start at 2.
_USER_DEFINED_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
_PARTNAME = "/docProps/custom.xml"


def build_custom_xml(
    properties: list[tuple[str, PropertyValue]], existing: bytes | None = None
) -> bytes:
    root = etree.Element(f"{{{_NS}}}Properties", nsmap={None: _NS, "vt": _VT})
    ours = {name for name, _ in properties}
    kept = []
    if existing:
        try:
            old_root = etree.fromstring(existing)
            kept = [p for p in old_root if p.get("name") and p.get("name") not in ours]
        except etree.XMLSyntaxError:
            kept = []  # a broken letterhead part is replaced rather than copied
    for pid, element in enumerate(kept, start=2):
        element.set("pid", str(pid))
        root.append(element)
    for pid, (name, value) in enumerate(properties, start=2 + len(kept)):
        prop = etree.SubElement(root, f"{{{_NS}}}property")
        prop.set("fmtid", _USER_DEFINED_FMTID)
        prop.set("pid", str(pid))
        prop.set("name", name)
        kind, text = _variant(value)
        etree.SubElement(prop, f"{{{_VT}}}{kind}").text = text
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def set_custom_properties(document: Document, properties: list[tuple[str, PropertyValue]]) -> None:
    existing = drop_package_part(document, RELATIONSHIP_TYPE.CUSTOM_PROPERTIES)
    blob = build_custom_xml(properties, existing)
    add_package_part(
        document,
        _PARTNAME,
        CONTENT_TYPE.OFC_CUSTOM_PROPERTIES,
        blob,
        RELATIONSHIP_TYPE.CUSTOM_PROPERTIES,
    )


def drop_package_part(document: Document, reltype: str) -> bytes | None:
    """Remove the package-level part of `reltype` (if any) and return its bytes."""
    package = document.part.package
    if package is None:
        raise ValueError("document has no package")
    blob: bytes | None = None
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == reltype and not rel.is_external:
            blob = rel.target_part.blob
            del package.rels[rel_id]
            package.rels.related_parts.pop(rel_id, None)
    return blob


def add_package_part(
    document: Document, partname: str, content_type: str, blob: bytes, reltype: str
) -> None:
    package = document.part.package
    if package is None:
        raise ValueError("document has no package")
    part = Part(PackURI(partname), content_type, blob, package)
    package.relate_to(part, reltype)


def read_custom_properties(document: Document) -> dict[str, PropertyValue]:
    """The custom properties of a document (for tests and for `assist doctor`-style checks)."""
    package = document.part.package
    if package is None:
        return {}
    try:
        part = package.part_related_by(RELATIONSHIP_TYPE.CUSTOM_PROPERTIES)
    except KeyError:
        return {}
    values: dict[str, PropertyValue] = {}
    for prop in etree.fromstring(part.blob):
        if len(prop) == 0:
            continue
        child = prop[0]
        kind = etree.QName(child).localname
        values[str(prop.get("name"))] = _parse_variant(kind, child.text or "")
    return values


def _variant(value: PropertyValue) -> tuple[str, str]:
    if isinstance(value, bool):
        return "bool", "true" if value else "false"
    if isinstance(value, int):
        return "i4", str(value)
    if isinstance(value, float):
        return "r8", repr(value)
    if isinstance(value, datetime):
        utc = value.astimezone(UTC).replace(microsecond=0, tzinfo=None)
        return "filetime", utc.isoformat() + "Z"
    return "lpwstr", value


def _parse_variant(kind: str, text: str) -> PropertyValue:
    if kind == "bool":
        return text.strip().lower() in ("true", "1")
    if kind in ("i1", "i2", "i4", "i8", "int", "ui1", "ui2", "ui4", "ui8", "uint"):
        return int(text)
    if kind in ("r4", "r8", "decimal"):
        return float(text)
    if kind in ("filetime", "date"):
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    return text
