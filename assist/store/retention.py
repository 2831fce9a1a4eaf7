"""How long citizen data lives. IT policy may override the defaults later (pass a policy in).

Defaults: audio goes when the note is signed (after a review window, default 0 days); an unsigned
case goes 30 days after its last change; a signed case goes 30 days after export. A signed case
that was never exported stays: the note has not reached the case system yet. A case that is
being recorded (in any process) is left alone and counted as skipped; the next run takes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from assist.errors import AssistError
from assist.store.cases import CaseStore
from assist.store.recordings import CASE_BEING_RECORDED
from assist.store.recover import remove_stale_locks, shred_orphan_audio
from assist.store.values import CaseInfo


@dataclass(frozen=True)
class RetentionPolicy:
    audio_review_days: float = 0
    unsigned_case_days: float = 30
    exported_case_days: float = 30
    source: str = "default"  # where the numbers came from: "default", "policy", ...

    def to_payload(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "audio_review_days": self.audio_review_days,
            "unsigned_case_days": self.unsigned_case_days,
            "exported_case_days": self.exported_case_days,
        }


@dataclass(frozen=True)
class RetentionReport:
    audio_deleted: int  # recordings whose audio was shredded
    cases_purged_unsigned: int
    cases_purged_exported: int
    cases_skipped_recording: int = 0  # due, but being recorded right now: left for next time
    cases_skipped_damaged: int = 0  # failed their integrity check: nothing deleted on their word

    @property
    def cases_purged(self) -> int:
        return self.cases_purged_unsigned + self.cases_purged_exported

    def to_dict(self) -> dict[str, Any]:
        return {
            "audio_deleted": self.audio_deleted,
            "cases_purged_unsigned": self.cases_purged_unsigned,
            "cases_purged_exported": self.cases_purged_exported,
            "cases_skipped_recording": self.cases_skipped_recording,
            "cases_skipped_damaged": self.cases_skipped_damaged,
        }


def _parse(stamp: str) -> datetime:
    parsed = datetime.fromisoformat(stamp)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def apply_retention(
    store: CaseStore, policy: RetentionPolicy, now: datetime | None = None
) -> RetentionReport:
    """Delete what the policy says is due at `now` (default: the store's clock). Run it at
    start-up and after signing; audits the policy whenever it changes, and every deletion."""
    when = (now or datetime.fromisoformat(store.now())).astimezone(UTC)
    last = store.last_policy_event()
    if last is None or dict(last.payload) != _audited(policy):
        store.record_event("policy_in_force", None, **policy.to_payload())
    # Audio files a crash left behind a deleted case or recording (their keys are gone).
    shred_orphan_audio(store)
    remove_stale_locks(store)
    audio_deleted = purged_unsigned = purged_exported = skipped = damaged = 0
    for case in store.list_cases():
        if case.damaged:
            # Its state and dates cannot be trusted: no case is purged on their say-so. Audio
            # of a withdrawn consent still goes (deleting it can only protect the citizen).
            damaged += 1
            if case.consent.status == "withdrawn" and any(r.has_audio for r in case.recordings):
                audio_deleted += store.delete_audio(case.case_id, "consent_withdrawn")
            continue
        due = case_deletion_due(case, policy)
        if due is not None and when >= due:
            unsigned = case.state == "draft"
            if not _purge(
                store, case.case_id, "retention_unsigned" if unsigned else "retention_exported"
            ):
                skipped += 1
            elif unsigned:
                purged_unsigned += 1
            else:
                purged_exported += 1
            continue
        if not any(r.has_audio for r in case.recordings):
            continue
        if case.consent.status == "withdrawn":
            # Normally gone at once; this catches a crash between withdrawal and deletion.
            audio_deleted += store.delete_audio(case.case_id, "consent_withdrawn")
        elif (
            case.signed_at
            and when - _parse(case.signed_at) >= timedelta(days=policy.audio_review_days)
            and not store.case_is_being_recorded(case.case_id)
        ):
            audio_deleted += store.delete_audio(case.case_id, "retention")
    purged = purged_unsigned + purged_exported
    if purged or audio_deleted:
        store.record_event("retention_run", None, audio_deleted=audio_deleted, cases_purged=purged)
    if purged:
        store.compact()
    return RetentionReport(audio_deleted, purged_unsigned, purged_exported, skipped, damaged)


def case_deletion_due(case: CaseInfo, policy: RetentionPolicy) -> datetime | None:
    """When the policy deletes the whole case (None: not while it is signed and unexported)."""
    if case.state == "draft":
        return _parse(case.updated_at) + timedelta(days=policy.unsigned_case_days)
    if case.state == "exported" and case.exported_at:
        return _parse(case.exported_at) + timedelta(days=policy.exported_case_days)
    return None


def _purge(store: CaseStore, case_id: str, reason: str) -> bool:
    """Purge a due case; False if it is being recorded (it stays until the next run)."""
    try:
        store.purge_case(case_id, reason, checkpoint=False)
    except AssistError as error:
        if error.code != CASE_BEING_RECORDED.code:
            raise
        return False
    return True


def _audited(policy: RetentionPolicy) -> dict[str, Any]:
    # What the audit log stores for this policy (floats are rounded there).
    return {
        key: round(value, 3) if isinstance(value, float) else value
        for key, value in policy.to_payload().items()
    }
