"""What the app (and `assist doctor`, if the lead wants) runs at start-up, before recording:
recover interrupted recordings, then apply the retention policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assist.store.cases import CaseStore
from assist.store.recover import recover_recordings
from assist.store.retention import RetentionPolicy, RetentionReport, apply_retention
from assist.store.values import RecoveredRecording


@dataclass(frozen=True)
class Housekeeping:
    recovered: tuple[RecoveredRecording, ...]
    retention: RetentionReport

    def to_dict(self) -> dict[str, Any]:
        return {
            "recovered": [r.to_dict() for r in self.recovered],
            "retention": self.retention.to_dict(),
        }


def run_startup_housekeeping(
    store: CaseStore, policy: RetentionPolicy, now: datetime | None = None
) -> Housekeeping:
    # Recovery first: a recovered recording of a case that is due is then deleted with it.
    recovered = tuple(recover_recordings(store))
    return Housekeeping(recovered, apply_retention(store, policy, now))
