"""The retention run as a job: delete what the retention policy says is due.

    report = run(retention_job(store, RetentionPolicy(), now=None))

Yields Stage("retention.run") before anything is deleted (a cancel then leaves the store as it
was) and returns the report. Once started, the run goes to its end: each deletion is audited as
it happens, and a half-done run is only finished by the next one.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from assist.cancel import CancelToken
from assist.jobs.events import Job, Stage

if TYPE_CHECKING:
    from assist.store.cases import CaseStore
    from assist.store.retention import RetentionPolicy, RetentionReport


def retention_job(
    store: CaseStore,
    policy: RetentionPolicy,
    now: datetime | None = None,
    cancel: CancelToken | None = None,
) -> Job[RetentionReport]:
    """Apply `policy` at `now` (default: the store's clock)."""
    from assist.store import retention

    cancel = cancel or CancelToken()
    yield Stage("retention.run")
    cancel.raise_if_cancelled()
    return retention.apply_retention(store, policy, now)
