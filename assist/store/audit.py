"""Append-only, hash-chained audit trail of what happened to cases: never of what was said.

Each event is MAC'd (HMAC-SHA256 with `KeyMaterial.audit_key`) over its sequence number, time,
kind, case id, payload and the previous event's MAC, so editing, deleting or reordering rows breaks
the chain. A MAC'd *head* (last sequence number + last MAC) is written in the same transaction,
so cutting events off the tail is caught too; a copy of the head in `audit-head.json` beside the
database catches a database file swapped for an older copy. Limits are in `verify`'s docstring.

Payloads are an allow-list: each event kind names the keys it may carry, and values must be
numbers, booleans or short tokens (ids, enums, model ids, hex hashes). Names and free text have
no way in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from assist.errors import AssistError, Msg
from assist.fsutil import atomic_write_text

HEAD_FILE = "audit-head.json"
_EVENT_DOMAIN = b"assist-audit-event-v1\x00"
_HEAD_DOMAIN = b"assist-audit-head-v1\x00"
_SIGNER_DOMAIN = b"assist-audit-signer-v1\x00"
_GENESIS = "0" * 64

# Which payload keys each event may carry. Anything else is refused before it reaches the log.
EVENT_FIELDS: dict[str, frozenset[str]] = {
    "store_created": frozenset({"schema"}),
    "store_migrated": frozenset({"schema", "cases"}),
    "case_created": frozenset({"note_type", "consent"}),
    "case_updated": frozenset({"fields"}),
    "consent_given": frozenset(),
    "consent_refused": frozenset(),
    "consent_not_asked": frozenset(),
    "consent_withdrawn": frozenset({"recordings_stopped", "segments_deleted", "sentences_removed"}),
    "recording_started": frozenset({"recording_id"}),
    "recording_stopped": frozenset({"recording_id", "duration_s", "complete", "segments"}),
    "recording_recovered": frozenset({"recording_id", "duration_s", "problem"}),
    "audio_deleted": frozenset({"recording_id", "reason"}),
    "transcribed": frozenset({"model", "model_sha256", "segments", "duration_s"}),
    "transcript_edited": frozenset({"segments"}),
    # A note typed during a meeting: its number and time, never its text.
    "meeting_note_added": frozenset({"note_id", "at_s"}),
    "meeting_note_changed": frozenset({"note_id", "removed"}),
    "drafted": frozenset({"engine", "model", "model_sha256", "sections", "flags"}),
    "edited": frozenset({"revision"}),
    "signed": frozenset({"signer_hash", "version"}),
    "exported": frozenset({"format", "sha256"}),
    "case_deleted": frozenset({"recordings"}),
    "case_purged": frozenset({"reason", "recordings"}),
    "model_imported": frozenset({"model", "kind", "sha256"}),
    "policy_in_force": frozenset(
        {"source", "audio_review_days", "unsigned_case_days", "exported_case_days"}
    ),
    "retention_run": frozenset({"audio_deleted", "cases_purged"}),
    # The settings policy in force changed: its hash and size, never its values.
    "settings_policy": frozenset({"sha256", "settings", "problems"}),
}
# Short tokens only: ids, enums, model ids, hex hashes, comma-separated field names. No spaces,
# so a sentence or a "First Last" name cannot pass.
_TOKEN = re.compile(r"^[A-Za-z0-9._:+,/@-]{0,128}$")

AUDIT_FIELD_REFUSED = Msg(
    "store.audit_field_refused",
    da="Intern fejl: hændelsen '{event}' må ikke indeholde feltet '{field}' i revisionssporet.",
    en="Internal error: the event '{event}' may not carry the field '{field}' in the audit trail.",
)
AUDIT_WRONG_KEY = Msg(
    "store.audit_wrong_key",
    da="Revisionssporet hører til en anden nøgle end den, der er indlæst.",
    en="The audit trail belongs to a different key than the one loaded.",
)


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    at: str
    event: str
    case_id: str | None
    payload: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "event": self.event,
            "case_id": self.case_id,
            "payload": dict(self.payload),
        }


@dataclass(frozen=True)
class AuditReport:
    ok: bool
    events: int
    problems: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "events": self.events, "problems": list(self.problems)}


def check_payload(event: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Return a clean copy of `payload`, or raise if a key or value is not on the allow-list."""
    allowed = EVENT_FIELDS.get(event)
    if allowed is None:
        raise AssistError(AUDIT_FIELD_REFUSED, event=event, field="<event>")
    clean: dict[str, Any] = {}
    for key, value in payload.items():
        if key not in allowed:
            raise AssistError(AUDIT_FIELD_REFUSED, event=event, field=key)
        if isinstance(value, bool | int):
            clean[key] = value
        elif isinstance(value, float):
            clean[key] = round(value, 3)
        elif isinstance(value, str) and _TOKEN.match(value):
            clean[key] = value
        else:
            raise AssistError(AUDIT_FIELD_REFUSED, event=event, field=key)
    return clean


def signer_hash(audit_key: bytes, signer: str) -> str:
    """A keyed fingerprint of a signer's name: equal names match, but nobody without the audit
    key can test a guessed name against it (a plain hash of a name is a dictionary lookup)."""
    normalised = " ".join(signer.casefold().split()).encode("utf-8")
    return hmac.new(audit_key, _SIGNER_DOMAIN + normalised, hashlib.sha256).hexdigest()[:32]


class AuditLog:
    """Works on the store's connection; `append` runs inside the store's open transaction."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        audit_key: bytes,
        data_dir: Path,
        clock: Callable[[], datetime],
    ) -> None:
        self._conn = conn
        self._key = audit_key
        self._head_file = data_dir / HEAD_FILE
        self._clock = clock
        self._dirty = False  # events appended since the head file was last written

    def _event_mac(
        self, seq: int, at: str, event: str, case_id: str | None, payload: str, prev: str
    ) -> str:
        body = json.dumps([seq, at, event, case_id, payload, prev], separators=(",", ":"))
        return hmac.new(self._key, _EVENT_DOMAIN + body.encode("utf-8"), hashlib.sha256).hexdigest()

    def _head_mac(self, seq: int, last_mac: str) -> str:
        body = f"{seq}:{last_mac}".encode("ascii")
        return hmac.new(self._key, _HEAD_DOMAIN + body, hashlib.sha256).hexdigest()

    def append(self, event: str, case_id: str | None, payload: Mapping[str, Any]) -> int:
        clean = check_payload(event, payload)
        payload_text = json.dumps(clean, sort_keys=True, separators=(",", ":"))
        prev_seq, prev_mac = self._chain_end()
        seq = prev_seq + 1
        at = self._clock().isoformat(timespec="seconds")
        mac = self._event_mac(seq, at, event, case_id, payload_text, prev_mac)
        self._conn.execute(
            "INSERT INTO audit (seq, at, event, case_id, payload, mac) VALUES (?, ?, ?, ?, ?, ?)",
            (seq, at, event, case_id, payload_text, mac),
        )
        self._conn.execute(
            "INSERT OR REPLACE INTO audit_head (id, seq, last_mac, mac) VALUES (1, ?, ?, ?)",
            (seq, mac, self._head_mac(seq, mac)),
        )
        self._dirty = True
        return seq

    def _chain_end(self) -> tuple[int, str]:
        """Where the next event chains on: the head, so events cut off the tail leave a gap
        that stays visible. If the head is missing or behind the log (tampering), the last
        event instead: the store keeps working and the head file keeps the evidence."""
        head = self._conn.execute("SELECT seq, last_mac FROM audit_head WHERE id = 1").fetchone()
        last = self._conn.execute("SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        if head is not None and (last is None or int(head[0]) >= int(last[0])):
            return int(head[0]), str(head[1])
        if last is not None:
            return int(last[0]), str(last[1])
        return 0, _GENESIS

    def write_head_file(self) -> None:
        """Mirror the committed head beside the database (called after each commit that
        appended events).

        A head file that disagrees with the database is evidence of a rewind: it is left alone,
        so `verify` keeps failing instead of the next event papering over it. A missing one is
        only created while the trail is new (a crash right after creating the store can leave it
        unwritten); later, a missing head file stays reported.
        """
        if not self._dirty:
            return
        self._dirty = False
        row = self._conn.execute(
            "SELECT seq, last_mac, mac FROM audit_head WHERE id = 1"
        ).fetchone()
        if row is None:
            return
        problems = self._head_file_problems()
        if problems and not (problems == ["head_file_missing"] and int(row[0]) <= 2):
            return
        atomic_write_text(
            self._head_file,
            json.dumps({"seq": int(row[0]), "last_mac": str(row[1]), "mac": str(row[2])}),
        )

    def rolled_back(self) -> None:
        self._dirty = False

    def events(self, case_id: str | None = None) -> list[AuditEvent]:
        query = "SELECT seq, at, event, case_id, payload FROM audit"
        params: tuple[str, ...] = ()
        if case_id is not None:
            query += " WHERE case_id = ?"
            params = (case_id,)
        rows = self._conn.execute(query + " ORDER BY seq", params).fetchall()
        return [
            AuditEvent(int(r[0]), str(r[1]), str(r[2]), r[3], _load_payload(str(r[4])))
            for r in rows
        ]

    def last_of(self, event: str) -> AuditEvent | None:
        row = self._conn.execute(
            "SELECT seq, at, event, case_id, payload FROM audit WHERE event = ? "
            "ORDER BY seq DESC LIMIT 1",
            (event,),
        ).fetchone()
        if row is None:
            return None
        return AuditEvent(int(row[0]), str(row[1]), str(row[2]), row[3], _load_payload(str(row[4])))

    def last_event(self, case_id: str) -> str | None:
        row = self._conn.execute(
            "SELECT event FROM audit WHERE case_id = ? ORDER BY seq DESC LIMIT 1", (case_id,)
        ).fetchone()
        return None if row is None else str(row[0])

    def last_seq(self, case_id: str, events: Iterable[str]) -> int:
        """The sequence number of the case's last event of one of these kinds (0: none)."""
        kinds = sorted(events)
        row = self._conn.execute(
            "SELECT MAX(seq) FROM audit WHERE case_id = ? AND event IN "
            f"({','.join('?' * len(kinds))})",
            (case_id, *kinds),
        ).fetchone()
        return int(row[0] or 0)

    def live_case_ids(self) -> set[str]:
        """Cases the trail says exist: created and not deleted or purged since."""
        alive: set[str] = set()
        for case_id, event in self._conn.execute(
            "SELECT case_id, event FROM audit WHERE case_id IS NOT NULL AND event IN "
            "('case_created', 'case_deleted', 'case_purged') ORDER BY seq"
        ):
            if event == "case_created":
                alive.add(str(case_id))
            else:
                alive.discard(str(case_id))
        return alive

    def verify(self) -> AuditReport:
        """Check every MAC, the chain, the numbering and both copies of the head.

        Caught: an edited, inserted, deleted or reordered event; events cut off the tail (the
        MAC'd head no longer matches and cannot be forged without the audit key); a database
        file replaced by an older copy (the head file is ahead of it). Not caught: someone who
        kept an older copy of *both* the database and the head file and puts both back (a
        consistent rewind); closing that needs a monotonic counter outside this directory,
        e.g. in the OS credential store next to the key.
        """
        problems: list[str] = []
        rows = self._conn.execute(
            "SELECT seq, at, event, case_id, payload, mac FROM audit ORDER BY seq"
        ).fetchall()
        prev_mac, expected_seq = _GENESIS, 1
        for seq, at, event, case_id, payload, mac in rows:
            if seq != expected_seq:
                problems.append(f"sequence_gap:expected={expected_seq}:found={seq}")
            if not hmac.compare_digest(
                self._event_mac(seq, at, event, case_id, payload, prev_mac), str(mac)
            ):
                problems.append(f"bad_mac:seq={seq}")
            prev_mac, expected_seq = str(mac), int(seq) + 1
        last_seq = int(rows[-1][0]) if rows else 0
        head = self._conn.execute(
            "SELECT seq, last_mac, mac FROM audit_head WHERE id = 1"
        ).fetchone()
        if head is None:
            problems.append("head_missing")
        else:
            head_seq, head_last, head_mac = int(head[0]), str(head[1]), str(head[2])
            if not hmac.compare_digest(self._head_mac(head_seq, head_last), head_mac):
                problems.append("head_bad_mac")
            elif head_seq != last_seq or head_last != prev_mac:
                problems.append(f"head_mismatch:head={head_seq}:log={last_seq}")
        problems.extend(self._head_file_problems())
        return AuditReport(ok=not problems, events=len(rows), problems=tuple(problems))

    def _head_file_problems(self) -> list[str]:
        try:
            data = json.loads(self._head_file.read_text(encoding="utf-8"))
            file_seq, file_last, file_mac = (
                int(data["seq"]),
                str(data["last_mac"]),
                str(data["mac"]),
            )
        except FileNotFoundError:
            return ["head_file_missing"]
        except (ValueError, KeyError, TypeError):
            return ["head_file_damaged"]
        if not hmac.compare_digest(self._head_mac(file_seq, file_last), file_mac):
            return ["head_file_bad_mac"]
        # The file is written after the commit, so a crash may leave it behind the database; it
        # may never be ahead, and the event it names must still be there unchanged.
        last = self._conn.execute("SELECT MAX(seq) FROM audit").fetchone()
        if file_seq > int(last[0] or 0):
            return [f"rewound:head_file={file_seq}"]
        row = self._conn.execute("SELECT mac FROM audit WHERE seq = ?", (file_seq,)).fetchone()
        if row is None or not hmac.compare_digest(str(row[0]), file_last):
            return [f"head_file_mismatch:seq={file_seq}"]
        return []

    def key_matches(self, check: bytes) -> bool:
        return hmac.compare_digest(self.key_check(), check)

    def key_check(self) -> bytes:
        return hmac.new(self._key, b"assist-audit-key-check-v1", hashlib.sha256).digest()


def _load_payload(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
