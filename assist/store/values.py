"""Plain values the case store hands out. Decrypted content lives only in these, in memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

CaseState = Literal["draft", "signed", "exported"]
ConsentStatus = Literal["given", "refused", "not-asked", "withdrawn"]
CONSENT_STATUSES: tuple[ConsentStatus, ...] = ("given", "refused", "not-asked", "withdrawn")


@dataclass(frozen=True)
class Consent:
    status: ConsentStatus
    by: str | None  # the name recorded with the latest consent change (sealed at rest)
    at: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "by": self.by, "at": self.at}


@dataclass(frozen=True)
class RecordingInfo:
    recording_id: str
    case_id: str
    state: str  # "recording", "stopped", "recovered" or "deleted"
    duration_s: float
    complete: bool
    started_at: str
    stopped_at: str | None = None
    deleted_at: str | None = None
    deleted_reason: str | None = None

    @property
    def has_audio(self) -> bool:
        return self.state != "deleted"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.recording_id,
            "duration_s": round(self.duration_s, 3),
            "complete": self.complete,
            "state": self.state,
            "started_at": self.started_at,
            "stopped_at": self.stopped_at,
            "deleted_at": self.deleted_at,
            "deleted_reason": self.deleted_reason,
        }


@dataclass(frozen=True)
class CaseInfo:
    case_id: str
    title: str
    note_type: str
    participants: tuple[str, ...]
    consent: Consent
    state: CaseState
    created_at: str
    updated_at: str
    signed_at: str | None = None
    exported_at: str | None = None
    recordings: tuple[RecordingInfo, ...] = field(default_factory=tuple)
    has_transcript: bool = False
    has_draft: bool = False
    has_signed_note: bool = False
    # Why the case's rows do not match its sealed manifest ("consent", "draft+segments", ...):
    # the case is listed, but every command on it refuses. None for an intact case.
    damaged: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.case_id,
            "title": self.title,
            "note_type": self.note_type or None,
            "participants": list(self.participants),
            "state": self.state,
            "consent": self.consent.to_dict(),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "signed_at": self.signed_at,
            "exported_at": self.exported_at,
            "recordings": [r.to_dict() for r in self.recordings],
            "has_transcript": self.has_transcript,
            "has_draft": self.has_draft,
            "has_signed_note": self.has_signed_note,
            "damaged": self.damaged,
        }


@dataclass(frozen=True)
class StoredDraft:
    draft: dict[str, Any]  # the JSON of assist.drafting.types.Draft.to_dict()
    text: str  # the caseworker's edited text version
    revision: int  # goes up by one with every save
    saved_at: str


@dataclass(frozen=True)
class StoredSignedNote:
    note: dict[str, Any]  # whatever the sign-off produced (SIGN's dict), stored as JSON
    text: str  # the final text that was signed
    signer: str
    signed_at: str
    version: int = 1  # a correction is signed as a new version; earlier ones stay


@dataclass(frozen=True)
class RecoveredRecording:
    recording_id: str
    case_id: str | None
    duration_s: float
    problem: str | None  # from the container reader: "truncated", "tampered", ...; None if whole
    action: str  # "kept_prefix", "deleted_orphan", "deleted_empty"

    def to_dict(self) -> dict[str, Any]:
        return {
            "recording_id": self.recording_id,
            "case_id": self.case_id,
            "duration_s": round(self.duration_s, 3),
            "problem": self.problem,
            "action": self.action,
        }
