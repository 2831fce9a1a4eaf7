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
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from assist import textcheck
from assist.errors import EXIT_USAGE, AssistError, Msg
from assist.secure.aead import new_key, wrap_key
from assist.secure.keys import KeyMaterial
from assist.store import schema
from assist.store.audit import AuditEvent, AuditReport
from assist.store.base import CASE_DAMAGED, CASE_NOT_FOUND, utc_now
from assist.store.content import ContentPart
from assist.store.recording import CaseLock
from assist.store.recordings import CASE_BEING_RECORDED, RecordingsPart, check_consent_args
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


@dataclass(frozen=True)
class DeletionImpact:
    """Everything `delete_case` would destroy (shown before a user confirms it)."""

    case: CaseInfo
    recordings_with_audio: int
    audio_s: float
    transcript_segments: int
    has_draft: bool
    signed_versions: int
    signed_not_exported: bool  # a signed note that never reached the case system
    being_recorded: bool  # deletion is refused while this is True


def _damage_of(error: AssistError) -> str:
    """The damage reason an error stands for (a sealed field that does not open: its code)."""
    if error.code == CASE_DAMAGED.code:
        return str(error.params.get("reason", "damaged"))
    return error.code


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
        textcheck.check_case_fields(title, participants, consent_by)
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
            self._seal_new_manifest(conn, case_id)
            self._changed("case_created", case_id)
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
        """All cases, newest first. A case whose rows do not match its manifest (or whose sealed
        fields do not open) is listed with `damaged` set and what can be shown of it, so one
        damaged case never hides the others."""
        with self._lock:
            ids = [
                r[0]
                for r in self._conn.execute(
                    "SELECT case_id FROM cases ORDER BY created_at DESC, case_id"
                )
            ]
            found: list[CaseInfo] = []
            for case_id in ids:
                try:
                    found.append(self.get_case(case_id))
                except AssistError as error:
                    if error.code == CASE_NOT_FOUND.code:
                        continue  # deleted meanwhile (another process)
                    found.append(self._damaged_case(case_id, _damage_of(error)))
            return found

    def _damaged_case(self, case_id: str, reason: str) -> CaseInfo:
        """What the plain columns say of a damaged case, with whatever sealed fields still open.
        For listing only: nothing on the case is used while it is damaged."""

        def opened(field_name: str, sealed: bytes | None) -> str | None:
            try:
                return self._open_text(case_id, field_name, sealed)
            except AssistError:
                return None

        with self._snapshot():
            row = self._conn.execute(
                "SELECT state, note_type, consent, consent_at, created_at, updated_at, signed_at, "
                "exported_at, title, consent_by FROM cases WHERE case_id = ?",
                (case_id,),
            ).fetchone()
            if row is None:
                raise AssistError(CASE_NOT_FOUND, case_id=case_id)
            recordings = tuple(self.recordings(case_id))
        return CaseInfo(
            case_id=case_id,
            title=opened("title", row[8]) or "",
            note_type=str(row[1]),
            participants=(),
            consent=Consent(row[2], opened("consent_by", row[9]), row[3]),
            state=row[0],
            created_at=row[4],
            updated_at=row[5],
            signed_at=row[6],
            exported_at=row[7],
            recordings=recordings,
            damaged=reason,
        )

    def get_case(self, case_id: str) -> CaseInfo:
        """The case (AssistError "store.case_damaged" if its rows do not match its manifest)."""
        with self._lock, self._snapshot():
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
            info = CaseInfo(
                case_id=case_id,
                title=self._open(case_id, "title", title).decode("utf-8"),
                note_type=str(note_type),
                participants=tuple(self._open_json_list(case_id, "participants", participants)),
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
            reason = self._case_damage(case_id, segments=True)
        if reason is not None:
            raise AssistError(CASE_DAMAGED, case_id=case_id, reason=reason)
        return info

    def update_case(
        self,
        case_id: str,
        *,
        title: str | None = None,
        participants: Sequence[str] | None = None,
        note_type: str | None = None,
    ) -> None:
        """Change title, participants or note type (only while the case is a draft)."""
        textcheck.check_case_fields(title, participants)
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
            self._update_manifest(conn, case_id, columns=changed)
            self._changed("case_changed", case_id)

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
        self._state(case_id)
        # Refused while the case is recorded, here or in another process; holding the case's
        # lock meanwhile keeps a recording from starting while it goes.
        if any(r.case_id == case_id for r in list(self._active.values())):
            raise AssistError(CASE_BEING_RECORDED, case_id=case_id)
        lock = CaseLock.acquire(self.data_dir, case_id)
        if lock is None:
            raise AssistError(CASE_BEING_RECORDED, case_id=case_id)
        gone = False
        try:
            erased = self._purge_locked(case_id, event, payload, checkpoint)
            gone = True
            return erased
        finally:
            lock.release(remove=gone)

    def _purge_locked(
        self, case_id: str, event: str, payload: dict[str, Any], checkpoint: bool
    ) -> bool:
        with self._lock:
            self._state(case_id)
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
                    "meeting_notes",
                    "drafts",
                    "signed_notes",
                ):
                    conn.execute(f"DELETE FROM {table} WHERE case_id = ?", (case_id,))
                self._audit.append(event, case_id, {**payload, "recordings": len(files)})
                self._changed("case_deleted" if event == "case_deleted" else "purged", case_id)
            self._case_keys.pop(case_id, None)
            # A crash from here on leaves files whose keys are gone: `recover` and retention
            # shred them (`assist.store.recover.shred_orphan_audio`).
            for path in files:
                shred_file(path)
            return schema.checkpoint_truncate(self._conn) if checkpoint else False

    def deletion_impact(self, case_id: str) -> DeletionImpact:
        """What deleting the case would destroy, for the question before `case delete`."""
        with self._lock:
            try:
                case = self.get_case(case_id)
            except AssistError as error:
                if error.code == CASE_NOT_FOUND.code:
                    raise
                # A damaged case can still be deleted: show what its plain columns say.
                case = self._damaged_case(case_id, _damage_of(error))
            segments, drafts, versions = (
                self._conn.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE case_id = ?", (case_id,)
                ).fetchone()[0]
                for table in ("transcript_segments", "drafts", "signed_notes")
            )
        return DeletionImpact(
            case=case,
            recordings_with_audio=sum(r.has_audio for r in case.recordings),
            audio_s=sum(r.duration_s for r in case.recordings if r.has_audio),
            transcript_segments=int(segments),
            has_draft=bool(drafts),
            signed_versions=int(versions),
            signed_not_exported=bool(versions) and case.exported_at is None,
            being_recorded=self.case_is_being_recorded(case_id),
        )

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
        """The audit trail's own checks (`AuditLog.verify`), then every case against its
        manifest ("case_damaged:ID:REASON") and against the trail: a case the trail says exists
        but that is gone without an audited deletion is "case_missing:ID"."""
        with self._lock:
            report = self._audit.verify()
            problems = list(report.problems)
            with self._snapshot():
                ids = [str(r[0]) for r in self._conn.execute("SELECT case_id FROM cases")]
                for case_id in sorted(ids):
                    try:
                        reason = self._case_damage(case_id, segments=True)
                    except AssistError as error:
                        reason = _damage_of(error)
                    if reason is not None:
                        problems.append(f"case_damaged:{case_id}:{reason}")
                missing = self._audit.live_case_ids() - set(ids)
                problems.extend(f"case_missing:{case_id}" for case_id in sorted(missing))
        return AuditReport(ok=not problems, events=report.events, problems=tuple(problems))

    def last_policy_event(self) -> AuditEvent | None:
        return self.last_audit_event("policy_in_force")

    def last_audit_event(self, event: str) -> AuditEvent | None:
        with self._lock:
            return self._audit.last_of(event)
