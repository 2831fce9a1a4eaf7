"""Change notices: the case store tells its callers what changed, so views refresh without polling.

`CaseStore.subscribe(callback)` registers a callback that gets one `Change` per change; it
returns the function that unsubscribes it. Notices of a transaction are collected while it runs
(duplicates coalesced, in the order they first happened) and handed out after it commits, in the
thread that made the change; a rolled-back transaction hands out nothing. The callback may still
run while the calling method holds the store's lock (a callback that reads the store from the
same thread is fine), so it must not wait for another thread that uses the store: a UI posts
the notice to its own thread (in Qt, a signal with a queued connection) and returns. An exception
in a callback is logged and ignored: it never breaks the store's caller.

Commits by other processes (a scheduled `assist retention run`, a second window) are found by
`CaseStore.poll_external()`, which the app calls on a timer: SQLite's `PRAGMA data_version`
moves only when another connection committed, and then a cheap fingerprint of every case (plain
columns and counts, nothing decrypted) is compared with the last one.

Kinds and what emits them:

- "case_created": `create_case` (another process: a case appeared)
- "case_changed": `update_case`, a recording started, stopped or recovered, `record_event` on a case
- "case_deleted": `delete_case` (another process: a case disappeared, deleted or purged)
- "consent": `set_consent`, `withdraw_consent` (which may also emit "audio_deleted")
- "segments_added": `append_segment`, `save_transcript` (the transcript grew or was replaced)
- "notes_changed": `add_meeting_note`, `change_meeting_note` (a note typed during a meeting)
- "draft_saved": `save_draft`, `save_draft_text`
- "signed": `save_signed_note`; "exported": `mark_exported`
- "purged": `purge_case` (retention); "audio_deleted": `delete_audio`
- "external": another process changed the case (`case_id` None: it changed something else)
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

ChangeKind = Literal[
    "case_created",
    "case_changed",
    "case_deleted",
    "consent",
    "segments_added",
    "notes_changed",
    "draft_saved",
    "signed",
    "exported",
    "purged",
    "audio_deleted",
    "external",
]
CHANGE_KINDS: tuple[ChangeKind, ...] = get_args(ChangeKind)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """One change to the store: what kind, and on which case (None: not one case)."""

    kind: ChangeKind
    case_id: str | None = None


Subscriber = Callable[[Change], None]
Unsubscribe = Callable[[], None]

# What a case looks like from outside, without decrypting anything: if any of it differs, the
# case changed (updated_at alone has one-second steps and is not moved by every change).
_FINGERPRINT = """
SELECT c.case_id, c.state, c.consent, c.consent_at, c.updated_at, c.signed_at, c.exported_at,
    (SELECT COUNT(*) FROM recordings r WHERE r.case_id = c.case_id),
    (SELECT COUNT(*) FROM recordings r WHERE r.case_id = c.case_id AND r.state != 'recording'),
    (SELECT COUNT(*) FROM recordings r WHERE r.case_id = c.case_id AND r.state = 'deleted'),
    (SELECT COUNT(*) FROM transcript_segments s WHERE s.case_id = c.case_id),
    (SELECT saved_at FROM transcript_meta t WHERE t.case_id = c.case_id),
    (SELECT revision FROM drafts d WHERE d.case_id = c.case_id),
    (SELECT COUNT(*) FROM signed_notes n WHERE n.case_id = c.case_id),
    (SELECT MAX(seq) FROM audit a WHERE a.case_id = c.case_id)
FROM cases c
"""

Fingerprints = dict[str, tuple[object, ...]]


def fingerprints(conn: sqlite3.Connection, case_ids: Iterable[str] | None = None) -> Fingerprints:
    """Every case's fingerprint (or only those of `case_ids`; a missing case is left out)."""
    if case_ids is None:
        rows = conn.execute(_FINGERPRINT).fetchall()
    else:
        wanted = sorted(set(case_ids))
        if not wanted:
            return {}
        marks = ", ".join("?" for _ in wanted)
        rows = conn.execute(_FINGERPRINT + f" WHERE c.case_id IN ({marks})", wanted).fetchall()
    return {str(row[0]): tuple(row[1:]) for row in rows}


def data_version(conn: sqlite3.Connection) -> int:
    """SQLite's counter that moves when another connection commits (never for this one's)."""
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


def external_changes(
    before: Mapping[str, tuple[object, ...]], after: Mapping[str, tuple[object, ...]]
) -> tuple[Change, ...]:
    """What another process did, from two fingerprints: cases that disappeared, appeared and
    changed (each in id order); one `Change("external", None)` if no case differs."""
    gone = [Change("case_deleted", case_id) for case_id in sorted(before.keys() - after.keys())]
    new = [Change("case_created", case_id) for case_id in sorted(after.keys() - before.keys())]
    changed = [
        Change("external", case_id)
        for case_id in sorted(before.keys() & after.keys())
        if before[case_id] != after[case_id]
    ]
    return tuple(gone + new + changed) or (Change("external", None),)


class ChangeHub:
    """The subscribers, the notices of the transaction that runs, and the snapshot that
    `poll_external` compares with. Collecting is only done under the store's lock."""

    def __init__(self) -> None:
        self._subscribers: dict[object, Subscriber] = {}
        self._guard = threading.Lock()
        self._pending: dict[Change, None] = {}
        self.snapshot: Fingerprints | None = None
        self.version: int | None = None

    def subscribe(self, callback: Subscriber) -> Unsubscribe:
        token = object()
        with self._guard:
            self._subscribers[token] = callback

        def unsubscribe() -> None:
            with self._guard:
                self._subscribers.pop(token, None)

        return unsubscribe

    def begin(self) -> None:
        self._pending = {}

    def add(self, kind: ChangeKind, case_id: str | None) -> None:
        self._pending.setdefault(Change(kind, case_id), None)

    def take(self) -> tuple[Change, ...]:
        """The transaction's notices (once), emptied for the next transaction."""
        pending, self._pending = tuple(self._pending), {}
        return pending

    def emit(self, changes: Iterable[Change]) -> None:
        """Call every subscriber with each change, in this thread; a failing one is logged."""
        for change in changes:
            with self._guard:
                callbacks = list(self._subscribers.values())
            for callback in callbacks:
                try:
                    callback(change)
                except Exception:
                    # Case ids and kinds only: no citizen data reaches the log.
                    log.exception("change subscriber failed on %s %s", change.kind, change.case_id)
