"""The encrypted case store: cases, consent, recordings, transcript, draft, sign-off, audit trail,
retention and autosave. See `cases.CaseStore` for the API; `session.open_default_store` opens the
user's store with the standard key source."""

from assist.store.audit import AuditEvent, AuditReport
from assist.store.autosave import DraftAutosaver
from assist.store.cases import CaseStore, open_case_store
from assist.store.changes import Change
from assist.store.housekeeping import Housekeeping, run_startup_housekeeping
from assist.store.recording import CaseRecording
from assist.store.retention import RetentionPolicy, RetentionReport, apply_retention
from assist.store.values import (
    CaseInfo,
    Consent,
    RecordingInfo,
    RecoveredRecording,
    StoredDraft,
    StoredSignedNote,
)

__all__ = [
    "AuditEvent",
    "AuditReport",
    "CaseInfo",
    "CaseRecording",
    "CaseStore",
    "Change",
    "Consent",
    "DraftAutosaver",
    "Housekeeping",
    "RecordingInfo",
    "RecoveredRecording",
    "RetentionPolicy",
    "RetentionReport",
    "StoredDraft",
    "StoredSignedNote",
    "apply_retention",
    "open_case_store",
    "run_startup_housekeeping",
]
