"""The DOCX export: content, properties, package structure, letterheads, and failure safety."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from lxml import etree
from test_signoff_samples import SIGNED_AT, SIGNER, sample_note

from assist.errors import AssistError
from assist.signoff import SignedNote, sign_note
from assist.signoff.custom_props import read_custom_properties
from assist.signoff.docx_export import render_docx

DOCUMENT_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
TEMPLATE_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
CUSTOM_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
HEADER_TEXT = "Holbæk Kommune · Jobcenter · Kasernevej 8"


def _signed(note=None, **kwargs) -> SignedNote:
    return sign_note(note or sample_note(), SIGNER, "all", SIGNED_AT, **kwargs)


def _body_text(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def test_docx_holds_metadata_sections_statement_and_signature(tmp_path: Path) -> None:
    signed = _signed()
    path = render_docx(signed, tmp_path / "notat.docx")
    document = docx.Document(str(path))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert paragraphs[0] == ("Title", "Opfølgningsnotat")
    assert ("Heading 1", "Faglig vurdering") in paragraphs
    texts = [text for _, text in paragraphs]
    for expected in (
        "Dato: 27. november 2026",
        "Sagsreference: SAG-2026-04711",
        "Deltagere: Anne Marie Hansen (sagsbehandler), Borgeren, Bisidder",
        "Opfølgning på borgerens forløb i jobcentret.",
        f"Godkendt og underskrevet af: {SIGNER}",
        f"Tekstens SHA-256: {signed.text_sha256}",
        "Tidspunkt (UTC): 2026-11-28T09:15:42+00:00",
    ):
        assert expected in texts
    statement = texts[texts.index("Om udarbejdelsen") + 1]
    assert "lokal AI-sprogmodel (gemma-3-270m-q4km" in statement
    assert f"{SIGNER} har gennemgået og godkendt teksten uden at rette" in statement


def test_docx_keeps_line_and_paragraph_breaks_of_a_section(tmp_path: Path) -> None:
    note = sample_note().with_section_text("vurdering", "Linje et.\nLinje to.\n\nNyt afsnit.")
    text = _body_text(render_docx(_signed(note), tmp_path / "notat.docx"))
    assert "Linje et.\nLinje to.\nNyt afsnit." in text  # w:br reads back as "\n"


def test_docx_core_and_custom_properties_carry_the_signature(tmp_path: Path) -> None:
    signed = _signed()
    document = docx.Document(str(render_docx(signed, tmp_path / "notat.docx")))
    core = document.core_properties
    assert (core.author, core.title, core.language) == (SIGNER, "Opfølgningsnotat", "da-DK")
    assert core.identifier == f"sha256:{signed.text_sha256}"
    assert core.created == datetime(2026, 11, 28, 9, 15, 42, tzinfo=UTC)
    assert read_custom_properties(document) == {
        "AssistSigner": SIGNER,
        "AssistSignedAt": datetime(2026, 11, 28, 9, 15, 42, tzinfo=UTC),
        "AssistTextSha256": signed.text_sha256,
        "AssistEngine": "llm",
        "AssistModel": "gemma-3-270m-q4km",
        "AssistModelSha256": "ab" * 32,
        "AssistAIDrafted": True,
        "AssistVersion": 1,
        "AssistSupersedes": "",
        "AssistEditRatio": 0.0,
        "AssistTemplate": "opfoelgning",
        "AssistTranscriptModel": "whisper-base-ct2",
    }


def test_docx_package_declares_the_custom_part_properly(tmp_path: Path) -> None:
    path = render_docx(_signed(), tmp_path / "notat.docx")
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
        content_types = etree.fromstring(package.read("[Content_Types].xml"))
        overrides = {o.get("PartName"): o.get("ContentType") for o in content_types}
        assert overrides["/docProps/custom.xml"] == CUSTOM_CT
        assert overrides["/word/document.xml"] == DOCUMENT_MAIN
        rels = etree.fromstring(package.read("_rels/.rels"))
        targets = {r.get("Type"): r.get("Target") for r in rels}
        assert targets[CUSTOM_REL].lstrip("/") == "docProps/custom.xml"
        custom = etree.fromstring(package.read("docProps/custom.xml"))
        pids = [int(p.get("pid")) for p in custom]
        assert pids == list(range(2, 2 + len(pids)))
        assert {p.get("fmtid") for p in custom} == {"{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"}
        # No stale preview of the blank base, and no claim that Word made the file.
        assert "docProps/thumbnail.jpeg" not in package.namelist()
        assert b"<Application>Assist</Application>" in package.read("docProps/app.xml")


def test_empty_assessment_is_marked_in_the_docx(tmp_path: Path) -> None:
    note = sample_note().with_section_text("vurdering", "")
    signed = _signed(note, allow_empty_assessment=True)
    texts = _body_text(render_docx(signed, tmp_path / "notat.docx")).split("\n")
    assert texts[texts.index("Faglig vurdering") + 1].startswith("[Ingen faglig vurdering anført")


def test_structured_draft_statement_names_no_language_model(tmp_path: Path) -> None:
    signed = _signed(sample_note(engine="structured"))
    path = render_docx(signed, tmp_path / "notat.docx")
    text = _body_text(path)
    assert "regelbaseret lokalt værktøj i Assist (ingen AI-sprogmodel)" in text
    assert read_custom_properties(docx.Document(str(path)))["AssistEngine"] == "structured"


# --- refusals and failure safety ---------------------------------------------------------------


def test_unsigned_or_altered_notes_are_not_exported(tmp_path: Path) -> None:
    target = tmp_path / "notat.docx"
    with pytest.raises(AssistError) as unsigned:
        render_docx(sample_note(), target)
    assert unsigned.value.code == "signoff.not_signed"
    signed = _signed()
    sections = (dataclasses.replace(signed.sections[0], text="Noget andet."), *signed.sections[1:])
    with pytest.raises(AssistError) as altered:
        render_docx(dataclasses.replace(signed, sections=sections), target)
    assert altered.value.code == "signoff.text_changed"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["missing_folder", "under_a_file", "is_a_folder"])
def test_unwritable_path_gives_a_clear_error_and_leaves_nothing(tmp_path: Path, where: str) -> None:
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "folder.docx").mkdir()
    target = {
        "missing_folder": tmp_path / "nowhere" / "notat.docx",
        "under_a_file": tmp_path / "file.txt" / "notat.docx",
        "is_a_folder": tmp_path / "folder.docx",
    }[where]
    with pytest.raises(AssistError) as caught:
        render_docx(_signed(), target)
    assert caught.value.code == "signoff.export_unwritable"
    assert str(target) in caught.value.message("da")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt", "folder.docx"]
    assert list((tmp_path / "folder.docx").iterdir()) == []


def test_a_failed_export_leaves_an_existing_file_untouched(tmp_path: Path) -> None:
    target = tmp_path / "notat.docx"
    target.write_bytes(b"earlier export")
    bad_letterhead = tmp_path / "brevpapir.docx"
    bad_letterhead.write_text("not a zip")
    with pytest.raises(AssistError) as caught:
        render_docx(_signed(), target, letterhead=bad_letterhead)
    assert caught.value.code == "signoff.letterhead_invalid"
    assert target.read_bytes() == b"earlier export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brevpapir.docx", "notat.docx"]


def test_missing_letterhead_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AssistError) as caught:
        render_docx(_signed(), tmp_path / "notat.docx", letterhead=tmp_path / "none.dotx")
    assert caught.value.code == "signoff.letterhead_unreadable"
    assert not (tmp_path / "notat.docx").exists()


# --- letterheads -------------------------------------------------------------------------------


def _letterhead_docx(with_custom_property: bool = False) -> bytes:
    """A letterhead as an organisation makes one: header text, an empty body paragraph."""
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = HEADER_TEXT
    buffer = io.BytesIO()
    document.save(buffer)
    data = buffer.getvalue()
    return _add_raw_custom_property(data) if with_custom_property else data


def _rewrite(data: bytes, changes: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, changes.pop(info.filename, source.read(info.filename)))
        for name, payload in changes.items():
            target.writestr(name, payload)
    return out.getvalue()


def _add_raw_custom_property(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        types = source.read("[Content_Types].xml").decode()
        rels = source.read("_rels/.rels").decode()
    types = types.replace(
        "</Types>",
        f'<Override PartName="/docProps/custom.xml" ContentType="{CUSTOM_CT}"/></Types>',
    )
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rId99" Type="{CUSTOM_REL}" Target="docProps/custom.xml"/>'
        "</Relationships>",
    )
    custom = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
        'docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" '
        'name="Afdeling"><vt:lpwstr>Jobcenter</vt:lpwstr></property></Properties>'
    )
    return _rewrite(
        data,
        {
            "[Content_Types].xml": types.encode(),
            "_rels/.rels": rels.encode(),
            "docProps/custom.xml": custom.encode(),
        },
    )


def _as_dotx(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        types = source.read("[Content_Types].xml")
    return _rewrite(
        data, {"[Content_Types].xml": types.replace(DOCUMENT_MAIN.encode(), TEMPLATE_MAIN.encode())}
    )


@pytest.mark.parametrize("suffix", [".docx", ".dotx"])
def test_letterhead_header_is_kept_and_the_note_starts_at_the_top(
    tmp_path: Path, suffix: str
) -> None:
    data = _letterhead_docx()
    letterhead = tmp_path / f"brevpapir{suffix}"
    letterhead.write_bytes(_as_dotx(data) if suffix == ".dotx" else data)
    path = render_docx(_signed(), tmp_path / "notat.docx", letterhead=letterhead)
    document = docx.Document(str(path))  # python-docx refuses a template main part
    assert document.sections[0].header.paragraphs[0].text == HEADER_TEXT
    assert document.paragraphs[0].text == "Opfølgningsnotat"
    assert read_custom_properties(document)["AssistSigner"] == SIGNER


def test_letterhead_without_title_and_heading_styles_gets_them(tmp_path: Path) -> None:
    data = _letterhead_docx()
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        styles = source.read("word/styles.xml")
    stripped = re.sub(
        rb'<w:style [^>]*w:styleId="(Title|Heading1)".*?</w:style>', b"", styles, flags=re.S
    )
    assert stripped != styles
    letterhead = tmp_path / "brevpapir.docx"
    letterhead.write_bytes(_rewrite(data, {"word/styles.xml": stripped}))
    path = render_docx(_signed(), tmp_path / "notat.docx", letterhead=letterhead)
    paragraphs = [(p.style.name, p.text) for p in docx.Document(str(path)).paragraphs]
    assert paragraphs[0] == ("Title", "Opfølgningsnotat")
    assert ("Heading 1", "Faglig vurdering") in paragraphs


def test_letterhead_custom_properties_are_kept_beside_ours(tmp_path: Path) -> None:
    letterhead = tmp_path / "brevpapir.docx"
    letterhead.write_bytes(_letterhead_docx(with_custom_property=True))
    path = render_docx(_signed(), tmp_path / "notat.docx", letterhead=letterhead)
    properties = read_custom_properties(docx.Document(str(path)))
    assert properties["Afdeling"] == "Jobcenter"
    assert properties["AssistVersion"] == 1
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        assert names.count("docProps/custom.xml") == 1
        rels = etree.fromstring(package.read("_rels/.rels"))
        assert [r.get("Type") for r in rels].count(CUSTOM_REL) == 1


def test_letterhead_with_body_text_keeps_it_before_the_note(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Fortroligt")
    letterhead = tmp_path / "brevpapir.docx"
    document.save(str(letterhead))
    path = render_docx(_signed(), tmp_path / "notat.docx", letterhead=letterhead)
    texts = [p.text for p in docx.Document(str(path)).paragraphs]
    assert texts[:2] == ["Fortroligt", "Opfølgningsnotat"]


# --- a real office suite opens it --------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_converts_the_export_to_pdf(tmp_path: Path) -> None:
    letterhead = tmp_path / "brevpapir.dotx"
    letterhead.write_bytes(_as_dotx(_letterhead_docx(with_custom_property=True)))
    path = render_docx(_signed(), tmp_path / "notat.docx", letterhead=letterhead)
    profile = tmp_path / "lo-profile"
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    pdf = tmp_path / "notat.pdf"
    assert result.returncode == 0, result.stderr
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert SIGNER in text and HEADER_TEXT in text and "Faglig vurdering" in text
