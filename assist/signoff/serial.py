"""JSON-ready dicts for notes and signed notes, so the case store can keep them (encrypted).

`signed_note_from_dict` checks the text hash: a stored signed note edited behind Assist's back is
refused (AssistError "signoff.text_changed"), as is a malformed one ("signoff.invalid_record").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from assist.drafting.types import Draft
from assist.errors import AssistError, Msg
from assist.signoff.edits import EditSummary, SectionEdit
from assist.signoff.flags import FlagResolution, Resolution
from assist.signoff.note import CaseMeta, NoteSection, NoteToSign
from assist.signoff.sign import SignedNote

RECORD_FORMAT = "assist-signed-note/1"

INVALID_RECORD = Msg(
    "signoff.invalid_record",
    da="Det gemte notat kan ikke læses ({reason}).",
    en="The stored note cannot be read ({reason}).",
)


def meta_to_dict(meta: CaseMeta) -> dict[str, Any]:
    return {
        "template_id": meta.template_id,
        "note_title": meta.note_title,
        "meeting_date": meta.meeting_date.isoformat(),
        "case_reference": meta.case_reference,
        "participants": list(meta.participants),
        "transcript_model": meta.transcript_model,
    }


def note_to_dict(note: NoteToSign) -> dict[str, Any]:
    return {
        "meta": meta_to_dict(note.meta),
        "sections": [_section_to_dict(s) for s in note.sections],
        "draft": note.draft.to_dict() if note.draft else None,
        "version": note.version,
        "supersedes": note.supersedes,
        "acknowledged_before": sorted(note.acknowledged_before),
    }


def signed_note_to_dict(signed: SignedNote) -> dict[str, Any]:
    return {
        "format": RECORD_FORMAT,
        "meta": meta_to_dict(signed.meta),
        "sections": [_section_to_dict(s) for s in signed.sections],
        "signer": signed.signer,
        "signed_at": signed.signed_at,
        "signed_at_local": signed.signed_at_local,
        "text_sha256": signed.text_sha256,
        "version": signed.version,
        "supersedes": signed.supersedes,
        "ai_drafted": signed.ai_drafted,
        "engine": signed.engine,
        "model": signed.model,
        "model_sha256": signed.model_sha256,
        "edit_ratio": signed.edit_ratio,
        "edits": [
            {
                "section_id": e.section_id,
                "machine_drafted": e.machine_drafted,
                "draft_tokens": e.draft_tokens,
                "final_tokens": e.final_tokens,
                "matching_tokens": e.matching_tokens,
                "ratio": e.ratio,
            }
            for e in signed.edits.sections
        ],
        "flags": [
            {
                "id": r.flag_id,
                "kind": r.kind,
                "section_id": r.section_id,
                "resolution": r.resolution,
            }
            for r in signed.flag_resolutions
        ],
        "ai_draft": signed.ai_draft.to_dict() if signed.ai_draft else None,
        "empty_professional_sections": list(signed.empty_professional_sections),
    }


def note_from_dict(data: Mapping[str, Any]) -> NoteToSign:
    try:
        return NoteToSign(
            meta=_meta_from_dict(data["meta"]),
            sections=tuple(_section_from_dict(s) for s in data["sections"]),
            draft=Draft.from_dict(data["draft"]) if data.get("draft") else None,
            version=int(data.get("version", 1)),
            supersedes=str(data.get("supersedes", "")),
            acknowledged_before=frozenset(str(i) for i in data.get("acknowledged_before", [])),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise AssistError(INVALID_RECORD, reason=type(exc).__name__) from None


def signed_note_from_dict(data: Mapping[str, Any]) -> SignedNote:
    try:
        if data.get("format") != RECORD_FORMAT:
            raise ValueError("format")
        signed = SignedNote(
            meta=_meta_from_dict(data["meta"]),
            sections=tuple(_section_from_dict(s) for s in data["sections"]),
            signer=str(data["signer"]),
            signed_at=str(data["signed_at"]),
            signed_at_local=str(data["signed_at_local"]),
            text_sha256=str(data["text_sha256"]),
            version=int(data["version"]),
            supersedes=str(data["supersedes"]),
            ai_drafted=bool(data["ai_drafted"]),
            engine=str(data["engine"]),
            model=str(data["model"]),
            model_sha256=str(data["model_sha256"]),
            edits=EditSummary(
                tuple(
                    SectionEdit(
                        str(e["section_id"]),
                        bool(e["machine_drafted"]),
                        int(e["draft_tokens"]),
                        int(e["final_tokens"]),
                        int(e["matching_tokens"]),
                    )
                    for e in data["edits"]
                )
            ),
            flag_resolutions=tuple(
                FlagResolution(
                    str(f["id"]), str(f["kind"]), str(f["section_id"]), _resolution(f["resolution"])
                )
                for f in data["flags"]
            ),
            ai_draft=Draft.from_dict(data["ai_draft"]) if data.get("ai_draft") else None,
            empty_professional_sections=tuple(
                str(s) for s in data.get("empty_professional_sections", [])
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise AssistError(INVALID_RECORD, reason=type(exc).__name__) from None
    signed.verify()
    return signed


def _section_to_dict(section: NoteSection) -> dict[str, Any]:
    return {
        "id": section.section_id,
        "title": section.title,
        "text": section.text,
        "professional_only": section.professional_only,
    }


def _section_from_dict(data: Mapping[str, Any]) -> NoteSection:
    return NoteSection(
        section_id=str(data["id"]),
        title=str(data["title"]),
        text=str(data["text"]),
        professional_only=bool(data.get("professional_only", False)),
    )


def _meta_from_dict(data: Mapping[str, Any]) -> CaseMeta:
    return CaseMeta(
        template_id=str(data["template_id"]),
        note_title=str(data["note_title"]),
        meeting_date=date.fromisoformat(str(data["meeting_date"])),
        case_reference=str(data["case_reference"]),
        participants=tuple(str(p) for p in data.get("participants", [])),
        transcript_model=str(data.get("transcript_model", "")),
    )


def _resolution(value: object) -> Resolution:
    if value == "fixed":
        return "fixed"
    if value == "acknowledged":
        return "acknowledged"
    if value == "open":
        return "open"
    raise ValueError("resolution")
