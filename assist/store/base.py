"""What every part of the case store shares: the database, the keys, sealing, transactions.

Every case has its own random data key, kept in `case_keys` wrapped by the master key. Every
field that can hold what a person said or wrote is sealed with that key (SECURE's AEAD, bound to
the case id and the field name), so deleting the wrapped key makes the rest unreadable for good
(crypto-shredding). Only ids, states, enums and timestamps are plain.

One store object may be used from several threads (audio, transcriber, UI): a re-entrant lock
serialises database work. Several processes may open the same store; SQLite serialises writes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assist.errors import AssistError, Msg
from assist.secure.aead import field_aad, open_sealed, seal, unwrap_key
from assist.secure.keys import KeyMaterial
from assist.store import schema
from assist.store.audit import AuditLog
from assist.store.values import CaseState

if TYPE_CHECKING:
    from assist.store.recording import CaseRecording

RECORDINGS_DIR = "recordings"
_KEY_CHECK = b"assist-case-store-key-check-v1"
_KEY_CHECK_AAD = b"assist/store/key-check/v1"

CASE_NOT_FOUND = Msg(
    "store.case_not_found",
    da="Sagen '{case_id}' findes ikke (eller er slettet).",
    en="The case '{case_id}' does not exist (or was deleted).",
)
WRONG_KEY = Msg(
    "store.wrong_key",
    da="Nøglen kan ikke åbne sagsarkivet i '{path}'. Forkert adgangsfrase, eller arkivet hører "
    "til en anden bruger. Intet er ændret.",
    en="The key cannot open the case store in '{path}'. Wrong passphrase, or the store belongs "
    "to another user. Nothing was changed.",
)
STORE_DAMAGED = Msg(
    "store.damaged",
    da="Sagsarkivet i '{path}' er beskadiget ({reason}). Kontakt IT; intet er ændret.",
    en="The case store in '{path}' is damaged ({reason}). Contact IT; nothing was changed.",
)
WRONG_STATE = Msg(
    "store.wrong_state",
    da="Sagen '{case_id}' er '{state}'; det kan ikke lade sig gøre nu ({action}).",
    en="The case '{case_id}' is '{state}'; that is not possible now ({action}).",
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoreBase:
    def __init__(
        self, data_dir: Path, keys: KeyMaterial, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.data_dir = data_dir
        self.recordings_dir = data_dir / RECORDINGS_DIR
        self._master = keys.master_key
        self._audit_key = keys.audit_key
        self._clock = clock
        self._lock = threading.RLock()
        self._case_keys: dict[str, bytes] = {}
        # Recordings running in this process, so withdrawn consent can stop them at once.
        self._active: dict[str, CaseRecording] = {}
        try:
            self._conn = schema.connect(data_dir)
        except sqlite3.DatabaseError as error:
            reason = type(error).__name__
            raise AssistError(STORE_DAMAGED, path=str(data_dir), reason=reason) from None
        self._audit = AuditLog(self._conn, keys.audit_key, data_dir, self._now_dt)
        self.recordings_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._check_or_initialise_keys()
        # Finishes any purge a crash interrupted: no deleted page images linger in the WAL.
        schema.checkpoint_truncate(self._conn)

    # ---- time, transactions, lifetime ------------------------------------------------------

    def _now_dt(self) -> datetime:
        return self._clock().astimezone(UTC)

    def now(self) -> str:
        """The store's clock as ISO 8601 UTC (what every timestamp in the store uses)."""
        return self._now_dt().isoformat(timespec="seconds")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (committed durably on exit, rolled back on error)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                self._audit.rolled_back()
                raise
            self._conn.execute("COMMIT")
            self._audit.write_head_file()

    def _check_or_initialise_keys(self) -> None:
        with self._lock:
            if not self._conn.execute("SELECT 1 FROM meta WHERE key = 'key_check'").fetchone():
                self._initialise()
            rows = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        try:
            opened = open_sealed(self._master, bytes(rows["key_check"]), _KEY_CHECK_AAD)
        except AssistError:
            opened = b""
        if opened != _KEY_CHECK or not self._audit.key_matches(bytes(rows["audit_key_check"])):
            raise AssistError(WRONG_KEY, path=str(self.data_dir))

    def _initialise(self) -> None:
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM meta WHERE key = 'key_check'").fetchone():
                return  # another process initialised it first
            used = conn.execute(
                "SELECT (SELECT COUNT(*) FROM cases) + (SELECT COUNT(*) FROM audit)"
            ).fetchone()[0]
            if used:
                raise AssistError(STORE_DAMAGED, path=str(self.data_dir), reason="no key check")
            conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [
                    ("schema_version", str(schema.SCHEMA_VERSION).encode()),
                    ("key_check", seal(self._master, _KEY_CHECK, _KEY_CHECK_AAD)),
                    ("audit_key_check", self._audit.key_check()),
                ],
            )
            self._audit.append("store_created", None, {"schema": schema.SCHEMA_VERSION})

    def close(self) -> None:
        """Stop recordings this process runs, empty the WAL, close the database."""
        with self._lock:
            for recording in list(self._active.values()):
                recording.stop()
            schema.checkpoint_truncate(self._conn)
            self._conn.close()

    # ---- keys and sealing ------------------------------------------------------------------

    def _case_key(self, case_id: str) -> bytes:
        with self._lock:
            cached = self._case_keys.get(case_id)
            if cached is not None:
                return cached
            row = self._conn.execute(
                "SELECT wrapped FROM case_keys WHERE case_id = ?", (case_id,)
            ).fetchone()
            if row is None:
                raise AssistError(CASE_NOT_FOUND, case_id=case_id)
            key = unwrap_key(self._master, bytes(row[0]), case_id)
            self._case_keys[case_id] = key
            return key

    def _seal(self, case_id: str, field_name: str, data: bytes) -> bytes:
        return seal(self._case_key(case_id), data, field_aad(case_id, field_name))

    def _open(self, case_id: str, field_name: str, sealed: bytes) -> bytes:
        return open_sealed(self._case_key(case_id), bytes(sealed), field_aad(case_id, field_name))

    def _seal_text(self, case_id: str, field_name: str, text: str | None) -> bytes | None:
        return None if text is None else self._seal(case_id, field_name, text.encode("utf-8"))

    def _open_text(self, case_id: str, field_name: str, sealed: bytes | None) -> str | None:
        return None if sealed is None else self._open(case_id, field_name, sealed).decode("utf-8")

    def _seal_json(self, case_id: str, field_name: str, value: Any) -> bytes:
        return self._seal(case_id, field_name, json.dumps(value, ensure_ascii=False).encode())

    def _open_json(self, case_id: str, field_name: str, sealed: bytes) -> Any:
        return json.loads(self._open(case_id, field_name, sealed).decode("utf-8"))

    # ---- case rows -------------------------------------------------------------------------

    def _touch(self, conn: sqlite3.Connection, case_id: str) -> None:
        """Mark a change to the case (retention counts from the last change)."""
        cur = conn.execute(
            "UPDATE cases SET updated_at = ? WHERE case_id = ?", (self.now(), case_id)
        )
        if cur.rowcount == 0:
            raise AssistError(CASE_NOT_FOUND, case_id=case_id)

    def _state(self, case_id: str) -> CaseState:
        row = self._conn.execute("SELECT state FROM cases WHERE case_id = ?", (case_id,)).fetchone()
        if row is None:
            raise AssistError(CASE_NOT_FOUND, case_id=case_id)
        state: CaseState = row[0]
        return state

    def _require_state(self, case_id: str, wanted: tuple[CaseState, ...], action: str) -> CaseState:
        state = self._state(case_id)
        if state not in wanted:
            raise AssistError(WRONG_STATE, case_id=case_id, state=state, action=action)
        return state

    def record_event(self, event: str, case_id: str | None = None, **payload: Any) -> int:
        """Append an audit event; the payload must pass the allow-list in assist/store/audit.py
        (e.g. `record_event("model_imported", model=..., kind="llm", sha256=...)`)."""
        with self._write():
            return self._audit.append(event, case_id, payload)
