"""The signed note as a DOCX, optionally on the organisation's letterhead (.docx or .dotx).

The document is built in memory and written with one atomic replace, so a failed export leaves
no file behind. Styles the letterhead lacks ("Title", "Heading 1") are added, so any letterhead
works. Besides the visible text, the same facts are stored as core properties (author, dates,
identifier = text hash) and as Assist* custom properties (see `export_properties`).

The letterhead is cleaned first (`assist.signoff.letterhead`: no external relationship, no
embedded object, no fetching field; one with macros is refused) and the finished package is
checked for the same before it is written. A note signed before text was checked at entry
(`assist.textcheck`) and holding a character a DOCX cannot carry gets one clear message.
"""

from __future__ import annotations

import contextlib
import errno
import io
import zipfile
from datetime import datetime
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph
from lxml import etree

from assist.errors import AssistError, Msg
from assist.fsutil import atomic_write_bytes
from assist.signoff.custom_props import (
    PropertyValue,
    add_package_part,
    drop_package_part,
    set_custom_properties,
)
from assist.signoff.letterhead import check_export_package, clean_letterhead
from assist.signoff.sign import SignedNote, ensure_signed
from assist.signoff.statement import (
    EMPTY_PROFESSIONAL_DA,
    EMPTY_SECTION_DA,
    HASH_EXPLANATION_DA,
    ai_statement,
    meta_lines,
    signature_lines,
)
from assist.textcheck import find_bad_char

EXPORT_UNWRITABLE = Msg(
    "signoff.export_unwritable",
    da="Kan ikke gemme notatet som '{path}'. Tjek at mappen findes, at du har skriveadgang, at "
    "der er plads på disken, og at filen ikke er åben i et andet program. Intet er gemt.",
    en="Cannot save the note as '{path}'. Check that the folder exists, that you may write "
    "there, that the disk has free space, and that the file is not open in another program. "
    "Nothing was saved.",
)
EXPORT_DISK_FULL = Msg(
    "signoff.export_disk_full",
    da="Kan ikke gemme notatet som '{path}': der er ikke plads nok på disken. Intet er gemt; "
    "frigør plads, og prøv igen.",
    en="Cannot save the note as '{path}': there is no space left on the disk. Nothing was "
    "saved; free some space and try again.",
)
EXPORT_BAD_CHAR = Msg(
    "signoff.export_bad_char",
    da="Notatet kan ikke gemmes som Word-fil: '{field}' indeholder tegnet {char} ({name}) i "
    "linje {line}, tegn {column}, som et Word-dokument ikke kan rumme. Ret det i en ny version "
    "('assist note edit ID --new-version ...'), eller gem notatet som TXT. Intet er gemt.",
    en="The note cannot be saved as a Word file: '{field}' contains the character {char} "
    "({name}) at line {line}, character {column}, which a Word document cannot hold. Correct it "
    "in a new version ('assist note edit ID --new-version ...'), or save the note as TXT. "
    "Nothing was saved.",
)
LETTERHEAD_UNREADABLE = Msg(
    "signoff.letterhead_unreadable",
    da="Brevpapiret '{path}' kan ikke åbnes. Tjek stien i indstillingerne.",
    en="The letterhead '{path}' cannot be opened. Check the path in the settings.",
)
LETTERHEAD_INVALID = Msg(
    "signoff.letterhead_invalid",
    da="Brevpapiret '{path}' er ikke et Word-dokument eller -skabelon (.docx eller .dotx uden "
    "makroer).",
    en="The letterhead '{path}' is not a Word document or template (.docx or .dotx without "
    "macros).",
)

_TEMPLATE_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
_DOCUMENT_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_APP_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    b"<Application>Assist</Application><DocSecurity>0</DocSecurity></Properties>"
)
_MONOSPACE = "Consolas"
_GREY = RGBColor(0x55, 0x55, 0x55)


def render_docx(signed: object, path: Path, letterhead: Path | None = None) -> Path:
    """Write the signed note to `path` (AssistError if unsigned, altered or unwritable)."""
    note = ensure_signed(signed)
    path = Path(path)
    _check_exportable(note)
    document = _base_document(letterhead)
    _write_body(document, note)
    _set_core_properties(document, note)
    set_custom_properties(document, export_properties(note))
    _drop_stale_package_parts(document, replace_app_properties=letterhead is None)
    buffer = io.BytesIO()
    document.save(buffer)
    check_export_package(buffer.getvalue())
    try:
        atomic_write_bytes(path, buffer.getvalue())
    except OSError as error:
        if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            raise AssistError(EXPORT_DISK_FULL, path=str(path)) from None
        raise AssistError(EXPORT_UNWRITABLE, path=str(path)) from None
    return path


def _check_exportable(note: SignedNote) -> None:
    """Every text that goes into the document can be held by XML (see assist.textcheck)."""
    fields = [
        ("note_title", note.meta.note_title),
        ("case_reference", note.meta.case_reference),
        *((f"participants[{n}]", p) for n, p in enumerate(note.meta.participants, start=1)),
        *((f"{s.section_id}.title", s.title) for s in note.sections),
        *((s.section_id, s.text) for s in note.sections),
        ("signer", note.signer),
        ("engine", note.engine),
        ("model", note.model),
    ]
    for field, text in fields:
        bad = find_bad_char(text)
        if bad is not None:
            raise AssistError(
                EXPORT_BAD_CHAR,
                field=field,
                char=bad.code,
                name=bad.name,
                line=bad.line,
                column=bad.column,
            )


def export_properties(note: SignedNote) -> list[tuple[str, PropertyValue]]:
    return [
        ("AssistSigner", note.signer),
        ("AssistSignedAt", datetime.fromisoformat(note.signed_at)),
        ("AssistTextSha256", note.text_sha256),
        ("AssistEngine", note.engine),
        ("AssistModel", note.model),
        ("AssistModelSha256", note.model_sha256),
        ("AssistAIDrafted", note.ai_drafted),
        ("AssistVersion", note.version),
        ("AssistSupersedes", note.supersedes),
        ("AssistEditRatio", float(note.edit_ratio)),
        ("AssistTemplate", note.meta.template_id),
        ("AssistTranscriptModel", note.meta.transcript_model),
    ]


def _drop_stale_package_parts(document: Document, *, replace_app_properties: bool) -> None:
    """The base's thumbnail shows the blank base, not the note; python-docx's own app.xml claims
    the file was made by "Microsoft Macintosh Word". A letterhead's app.xml (company) is kept."""
    drop_package_part(document, RELATIONSHIP_TYPE.THUMBNAIL)
    if replace_app_properties:
        drop_package_part(document, RELATIONSHIP_TYPE.EXTENDED_PROPERTIES)
        add_package_part(
            document,
            "/docProps/app.xml",
            CONTENT_TYPE.OFC_EXTENDED_PROPERTIES,
            _APP_XML,
            RELATIONSHIP_TYPE.EXTENDED_PROPERTIES,
        )


def _base_document(letterhead: Path | None) -> Document:
    if letterhead is None:
        return docx.Document()
    try:
        data = Path(letterhead).read_bytes()
    except OSError:
        raise AssistError(LETTERHEAD_UNREADABLE, path=str(letterhead)) from None
    try:
        cleaned = clean_letterhead(data, Path(letterhead))
        document = docx.Document(io.BytesIO(_as_document_package(cleaned)))
    except (zipfile.BadZipFile, KeyError, ValueError, etree.LxmlError):
        raise AssistError(LETTERHEAD_INVALID, path=str(letterhead)) from None
    _drop_empty_body(document)
    return document


def _as_document_package(data: bytes) -> bytes:
    """A .dotx is a .docx whose main part says "template": relabel it as a document."""
    source = zipfile.ZipFile(io.BytesIO(data))
    content_types = source.read("[Content_Types].xml")
    if _TEMPLATE_MAIN.encode() not in content_types:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            payload = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                payload = payload.replace(_TEMPLATE_MAIN.encode(), _DOCUMENT_MAIN.encode())
            target.writestr(info, payload)
    return out.getvalue()


def _drop_empty_body(document: Document) -> None:
    """A letterhead's body is usually one empty paragraph: remove it so the note starts at top.

    Bodies with any text, table or picture are kept as they are and the note follows them.
    """
    body = document.element.body
    if body.findall(qn("w:tbl")):
        return
    paragraphs = body.findall(qn("w:p"))
    for p in paragraphs:
        has_content = p.xpath("string(.)").strip() or p.xpath(
            ".//w:drawing | .//w:pict | .//w:sectPr | .//w:fldSimple"
        )
        if has_content:
            return
    for p in paragraphs:
        body.remove(p)


def _ensure_style(document: Document, name: str, size_pt: float, bold: bool) -> str:
    try:
        document.styles[name]
    except KeyError:
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        with contextlib.suppress(KeyError):  # a style sheet without "Normal" still works
            style.base_style = document.styles["Normal"]
        style.font.size = Pt(size_pt)
        style.font.bold = bold
        style.paragraph_format.space_before = Pt(12)
        style.paragraph_format.space_after = Pt(4)
        style.paragraph_format.keep_with_next = True
    return name


def _write_body(document: Document, note: SignedNote) -> None:
    title_style = _ensure_style(document, "Title", 20, True)
    heading = _ensure_style(document, "Heading 1", 14, True)
    document.add_paragraph(note.meta.note_title, style=title_style)
    for label, value in meta_lines(note)[1:]:
        _labelled(document, label, value)
    for section in note.sections:
        document.add_paragraph(section.title, style=heading)
        if not section.text:
            marker = EMPTY_PROFESSIONAL_DA if section.professional_only else EMPTY_SECTION_DA
            run = document.add_paragraph().add_run(marker)
            run.italic = True
            run.font.color.rgb = _GREY
            continue
        for block in section.text.split("\n\n"):
            paragraph = document.add_paragraph()
            for index, line in enumerate(block.split("\n")):
                if index:
                    paragraph.add_run().add_break()
                paragraph.add_run(line)
    document.add_paragraph("Om udarbejdelsen", style=heading)
    statement = document.add_paragraph(ai_statement(note))
    _box(statement)
    statement.paragraph_format.keep_together = True  # python-docx inserts it in schema order
    document.add_paragraph("Underskrift", style=heading)
    # keep_with_next on every line keeps the signature block on one page with its explanation.
    for label, value in signature_lines(note):
        labelled = _labelled(document, label, value, monospace="SHA-256" in label)
        labelled.paragraph_format.keep_with_next = True
    explanation = document.add_paragraph().add_run(HASH_EXPLANATION_DA)
    explanation.italic = True
    explanation.font.size = Pt(9)
    explanation.font.color.rgb = _GREY


def _labelled(document: Document, label: str, value: str, *, monospace: bool = False) -> Paragraph:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(2)
    paragraph.add_run(f"{label}: ").bold = True
    run = paragraph.add_run(value)
    if monospace:
        run.font.name = _MONOSPACE
        run.font.size = Pt(8.5)
    return paragraph


def _box(paragraph: Paragraph) -> None:
    """A thin border and light shading, so the AI statement cannot be mistaken for note text.

    The paragraph has no other properties yet, so appending keeps the schema order (pBdr, shd).
    """
    properties = paragraph._p.get_or_add_pPr()
    borders = etree.SubElement(properties, qn("w:pBdr"))
    for side in ("top", "left", "bottom", "right"):
        edge = etree.SubElement(borders, qn(f"w:{side}"))
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), "4")
        edge.set(qn("w:space"), "4")
        edge.set(qn("w:color"), "808080")
    shading = etree.SubElement(properties, qn("w:shd"))
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), "F2F2F2")


def _set_core_properties(document: Document, note: SignedNote) -> None:
    core = document.core_properties
    signed_at = datetime.fromisoformat(note.signed_at)
    core.title = note.meta.note_title
    core.subject = note.meta.case_reference
    core.author = note.signer
    core.last_modified_by = note.signer
    core.created = signed_at
    core.modified = signed_at
    core.revision = note.version
    core.language = "da-DK"
    core.identifier = f"sha256:{note.text_sha256}"
    core.keywords = "Assist"
    core.category = note.meta.template_id
    core.comments = ""
    core.content_status = "Godkendt"
