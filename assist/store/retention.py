"""How long citizen data lives. IT policy may override the defaults later (pass a policy in).

Defaults: audio goes when the note is signed (after a review window, default 0 days); an unsigned
case goes 30 days after its last change; a signed case goes 30 days after export. A signed case
that was never exported stays: the note has not reached the case system yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from assist.store.cases import CaseStore


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

    @property
    def cases_purged(self) -> int:
        return self.cases_purged_unsigned + self.cases_purged_exported

    def to_dict(self) -> dict[str, Any]:
        return {
            "audio_deleted": self.audio_deleted,
            "cases_purged_unsigned": self.cases_purged_unsigned,
            "cases_purged_exported": self.cases_purged_exported,
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
    audio_deleted = purged_unsigned = purged_exported = 0
    for case in store.list_cases():
        if case.state == "draft" and when - _parse(case.updated_at) >= timedelta(
            days=policy.unsigned_case_days
        ):
            store.purge_case(case.case_id, "retention_unsigned", checkpoint=False)
            purged_unsigned += 1
            continue
        if (
            case.state == "exported"
            and case.exported_at
            and when - _parse(case.exported_at) >= timedelta(days=policy.exported_case_days)
        ):
            store.purge_case(case.case_id, "retention_exported", checkpoint=False)
            purged_exported += 1
            continue
        if not any(r.has_audio for r in case.recordings):
            continue
        if case.consent.status == "withdrawn":
            # Normally gone at once; this catches a crash between withdrawal and deletion.
            audio_deleted += store.delete_audio(case.case_id, "consent_withdrawn")
        elif case.signed_at and when - _parse(case.signed_at) >= timedelta(
            days=policy.audio_review_days
        ):
            audio_deleted += store.delete_audio(case.case_id, "retention")
    purged = purged_unsigned + purged_exported
    if purged or audio_deleted:
        store.record_event("retention_run", None, audio_deleted=audio_deleted, cases_purged=purged)
    if purged:
        store.compact()
    return RetentionReport(audio_deleted, purged_unsigned, purged_exported)


def _audited(policy: RetentionPolicy) -> dict[str, Any]:
    # What the audit log stores for this policy (floats are rounded there).
    return {
        key: round(value, 3) if isinstance(value, float) else value
        for key, value in policy.to_payload().items()
    }
