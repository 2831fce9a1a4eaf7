"""Sign-off and export: the rules for approving a note, and DOCX/TXT renderings of signed notes.

Pure functions on values; the case store keeps the values (see `serial.py` for dicts).

    note = note_from_draft(draft, meta, template)          # or blank_note(template, meta)
    note = note.with_section_text("vurdering", "...")      # the caseworker's edits, or
    note = from_editable_text(note, edited_file_text)      # ... from to_editable_text(note)
    signed = sign_note(note, "Anne Hansen", {"f3"}, datetime.now().astimezone())
    render_docx(signed, Path("notat.docx"), letterhead=None)  # from assist.signoff.docx_export
    text = render_txt(signed)
    next_note = start_new_version(signed)                  # editing after signing
"""

from assist.signoff.canonical import canonical_bytes, normalize_text, text_sha256
from assist.signoff.editable import from_editable_text, to_editable_text
from assist.signoff.edits import EditSummary, SectionEdit, measure_edits
from assist.signoff.flags import FlagResolution, resolve_flags
from assist.signoff.note import CaseMeta, NoteSection, NoteToSign, blank_note, note_from_draft
from assist.signoff.serial import (
    note_from_dict,
    note_to_dict,
    signed_note_from_dict,
    signed_note_to_dict,
)
from assist.signoff.sign import SignedNote, ensure_signed, sign_note, start_new_version
from assist.signoff.signer import validate_signer
from assist.signoff.txt_export import render_txt

__all__ = [
    "CaseMeta",
    "EditSummary",
    "FlagResolution",
    "NoteSection",
    "NoteToSign",
    "SectionEdit",
    "SignedNote",
    "blank_note",
    "canonical_bytes",
    "ensure_signed",
    "from_editable_text",
    "measure_edits",
    "normalize_text",
    "note_from_dict",
    "note_from_draft",
    "note_to_dict",
    "render_txt",
    "resolve_flags",
    "sign_note",
    "signed_note_from_dict",
    "signed_note_to_dict",
    "start_new_version",
    "text_sha256",
    "to_editable_text",
    "validate_signer",
]
