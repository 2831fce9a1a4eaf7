"""The encrypted case store: one documentation job (a meeting or a dictation) per case.

`CaseStore` = cases (this file) + consent and recordings (`recordings.py`) + transcript, draft,
signed notes and export (`content.py`), on the shared database, keys and sealing of `base.py`.
Deleting a case is crypto-shredding: its wrapped key is overwritten and deleted, its rows are
deleted under SQLite's secure_delete, its audio files are overwritten and removed, and the WAL is
checkpointed and truncated so no old page image survives.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from assist.errors import EXIT_USAGE, AssistError, Msg
from assist.secure.aead import new_key, wrap_key
from assist.secure.keys import KeyMaterial
from assist.store import schema
from assist.store.audit import AuditEvent, AuditReport
from assist.store.base import CASE_NOT_FOUND, utc_now
from assist.store.content import ContentPart
from assist.store.recordings import RecordingsPart, check_consent_args
from assist.store.shred import shred_file
from assist.store.values import CaseInfo, Consent, ConsentStatus

_NOTE_TYPE = re.compile(r"^[a-z0-9_-]{0,64}$")

CASE_ID_AMBIGUOUS = Msg(
    "store.case_id_ambiguous",
    da="'{case_id}' passer på flere sager; skriv flere tegn af id'et.",
    en="'{case_id}' matches several cases; type more of the id.",
    exit_code=EXIT_USAGE,
)
BAD_NOTE_TYPE = Msg(
    "store.bad_note_type",
    da="Notattypen '{value}' er ikke et gyldigt skabelon-id (små bogstaver, tal, - og _).",
    en="The note type '{value}' is not a valid template id (lower-case letters, digits, - and _).",
    exit_code=EXIT_USAGE,
)


def open_case_store(
    data_dir: Path, keys: KeyMaterial, *, clock: Callable[[], datetime] | None = None
) -> CaseStore:
    """Open or create the case store in `data_dir`; AssistError "store.wrong_key" if `keys` do
    not fit it. `clock` (tests) replaces the wall clock for every timestamp."""
    return CaseStore(Path(data_dir), keys, clock or utc_now)


class CaseStore(RecordingsPart, ContentPart):
    def __enter__(self) -> CaseStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- cases ----------------------------------------------------------------------------

    def create_case(
        self,
        *,
        title: str = "",
        note_type: str = "",
        participants: Sequence[str] = (),
        consent: ConsentStatus = "not-asked",
        consent_by: str | None = None,
    ) -> str:
        """Create a case and return its id (12 hex digits)."""
        check_consent_args(consent, consent_by)
        if not _NOTE_TYPE.match(note_type):
            raise AssistError(BAD_NOTE_TYPE, value=note_type)
        with self._write() as conn:
            case_id = secrets.token_hex(6)
            while conn.execute("SELECT 1 FROM case_keys WHERE case_id = ?", (case_id,)).fetchone():
                case_id = secrets.token_hex(6)
            data_key = new_key()
            conn.execute(
                "INSERT INTO case_keys (case_id, wrapped) VALUES (?, ?)",
                (case_id, wrap_key(self._master, data_key, case_id)),
            )
            self._case_keys[case_id] = data_key
            now = self.now()
            conn.execute(
                "INSERT INTO cases (case_id, state, note_type, consent, consent_at, created_at, "
                "updated_at, title, participants, consent_by) "
                "VALUES (?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    case_id,
                    note_type,
                    consent,
                    now if consent != "not-asked" else None,
                    now,
                    now,
                    self._seal_text(case_id, "title", title),
                    self._seal_json(case_id, "participants", list(participants)),
                    self._seal_text(case_id, "consent_by", consent_by),
                ),
            )
            self._audit.append(
                "case_created", case_id, {"note_type": note_type, "consent": consent}
            )
            return case_id

    def resolve_case_id(self, prefix: str) -> str:
        """The full id of the one case whose id starts with `prefix` (what a user types)."""
        prefix = prefix.strip().lower()
        with self._lock:
            rows = self._conn.execute(
                "SELECT case_id FROM cases WHERE substr(case_id, 1, ?) = ?", (len(prefix), prefix)
            ).fetchall()
        if len(rows) == 1 and prefix:
            return str(rows[0][0])
        if len(rows) > 1 and prefix:
            raise AssistError(CASE_ID_AMBIGUOUS, case_id=prefix)
        raise AssistError(CASE_NOT_FOUND, case_id=prefix)

    def list_cases(self) -> list[CaseInfo]:
        """All cases, newest first."""
        with self._lock:
            ids = [
                r[0]
                for r in self._conn.execute(
                    "SELECT case_id FROM cases ORDER BY created_at DESC, case_id"
                )
            ]
            return [self.get_case(case_id) for case_id in ids]

    def get_case(self, case_id: str) -> CaseInfo:
        with self._lock:
            row = self._conn.execute(
                "SELECT state, note_type, consent, consent_at, created_at, updated_at, signed_at, "
                "exported_at, title, participants, consent_by FROM cases WHERE case_id = ?",
                (case_id,),
            ).fetchone()
            if row is None:
                raise AssistError(CASE_NOT_FOUND, case_id=case_id)
            (
                state,
                note_type,
                consent,
                consent_at,
                created_at,
                updated_at,
                signed_at,
                exported_at,
                title,
                participants,
                consent_by,
            ) = row
            exists = {
                table: self._conn.execute(
                    f"SELECT 1 FROM {table} WHERE case_id = ? LIMIT 1", (case_id,)
                ).fetchone()
                is not None
                for table in ("transcript_segments", "transcript_meta", "drafts", "signed_notes")
            }
            return CaseInfo(
                case_id=case_id,
                title=self._open(case_id, "title", title).decode("utf-8"),
                note_type=str(note_type),
                participants=tuple(self._open_json(case_id, "participants", participants)),
                consent=Consent(
                    consent, self._open_text(case_id, "consent_by", consent_by), consent_at
                ),
                state=state,
                created_at=created_at,
                updated_at=updated_at,
                signed_at=signed_at,
                exported_at=exported_at,
                recordings=tuple(self.recordings(case_id)),
                has_transcript=exists["transcript_segments"] or exists["transcript_meta"],
                has_draft=exists["drafts"],
                has_signed_note=exists["signed_notes"],
            )

    def update_case(
        self,
        case_id: str,
        *,
        title: str | None = None,
        participants: Sequence[str] | None = None,
        note_type: str | None = None,
    ) -> None:
        """Change title, participants or note type (only while the case is a draft)."""
        if note_type is not None and not _NOTE_TYPE.match(note_type):
            raise AssistError(BAD_NOTE_TYPE, value=note_type)
        with self._write() as conn:
            self._require_state(case_id, ("draft",), "update")
            changed: list[str] = []
            if title is not None:
                conn.execute(
                    "UPDATE cases SET title = ? WHERE case_id = ?",
                    (self._seal(case_id, "title", title.encode()), case_id),
                )
                changed.append("title")
            if participants is not None:
                conn.execute(
                    "UPDATE cases SET participants = ? WHERE case_id = ?",
                    (self._seal_json(case_id, "participants", list(participants)), case_id),
                )
                changed.append("participants")
            if note_type is not None:
                conn.execute(
                    "UPDATE cases SET note_type = ? WHERE case_id = ?", (note_type, case_id)
                )
                changed.append("note_type")
            self._touch(conn, case_id)
            self._audit.append("case_updated", case_id, {"fields": ",".join(changed)})

    def delete_case(self, case_id: str) -> bool:
        """Delete a case for good: shred its key, audio and rows; the audit trail keeps the
        fact. False if another connection's open read kept the WAL from being emptied (the old
        pages are unreadable without the key, and the next open or delete empties it)."""
        return self._purge(case_id, "case_deleted", {})

    def purge_case(self, case_id: str, reason: str, *, checkpoint: bool = True) -> bool:
        """Like `delete_case`, audited as a retention purge with `reason`. With
        `checkpoint=False` the caller empties the WAL itself afterwards (`compact`), once for
        many purges."""
        return self._purge(case_id, "case_purged", {"reason": reason}, checkpoint)

    def _purge(
        self, case_id: str, event: str, payload: dict[str, Any], checkpoint: bool = True
    ) -> bool:
        with self._lock:
            self._state(case_id)
            self._stop_active(case_id)
            files = self._recording_files(case_id)
            with self._write() as conn:
                # Overwrite the wrapped key before deleting the row, so not even a stale page
                # image of it carries the key.
                conn.execute(
                    "UPDATE case_keys SET wrapped = ? WHERE case_id = ?",
                    (secrets.token_bytes(61), case_id),
                )
                for table in (
                    "case_keys",
                    "cases",
                    "recordings",
                    "transcript_meta",
                    "transcript_segments",
                    "drafts",
                    "signed_notes",
                ):
                    conn.execute(f"DELETE FROM {table} WHERE case_id = ?", (case_id,))
                self._audit.append(event, case_id, {**payload, "recordings": len(files)})
            self._case_keys.pop(case_id, None)
            for path in files:
                shred_file(path)
            return schema.checkpoint_truncate(self._conn) if checkpoint else False

    def compact(self) -> bool:
        """Rebuild the database file (VACUUM) and empty the WAL: no free page keeps old data.
        False if another connection's open read kept the WAL from being emptied."""
        with self._lock:
            self._conn.execute("VACUUM")
            return schema.checkpoint_truncate(self._conn)

    # ---- audit ----------------------------------------------------------------------------

    def audit_events(self, case_id: str | None = None) -> list[AuditEvent]:
        with self._lock:
            return self._audit.events(case_id)

    def verify_audit(self) -> AuditReport:
        with self._lock:
            return self._audit.verify()

    def last_policy_event(self) -> AuditEvent | None:
        events = [e for e in self.audit_events() if e.event == "policy_in_force"]
        return events[-1] if events else None
