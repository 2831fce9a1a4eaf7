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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assist.errors import AssistError, Msg
from assist.models.trust import remember_master_key
from assist.secure.aead import TAMPERED, field_aad, open_sealed, seal, unwrap_key
from assist.secure.keys import STORE_RECORDINGS, KeyMaterial
from assist.store import schema
from assist.store.audit import HEAD_FILE, AuditLog
from assist.store.changes import (
    Change,
    ChangeHub,
    ChangeKind,
    Subscriber,
    Unsubscribe,
    data_version,
    external_changes,
    fingerprints,
)
from assist.store.manifest import (
    CASE_COLUMNS,
    MANIFEST_EVENTS,
    NOTES_START,
    SEGMENTS_START,
    Contents,
    ContentsChanges,
    Manifest,
    column_value,
    differences,
    digest,
    extend_segments,
)
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
# Like a broken audit trail (`assist audit verify`), a case whose rows do not match its manifest.
EXIT_TAMPERED = 3
CASE_DAMAGED = Msg(
    "store.case_damaged",
    da="Sagen '{case_id}' er ændret uden om Assist eller beskadiget ({reason}), så Assist bruger "
    "den ikke. De andre sager er ikke berørt. Kontakt IT; 'assist audit verify' viser, hvad der "
    "er fundet.",
    en="The case '{case_id}' was changed outside Assist or is damaged ({reason}), so Assist will "
    "not use it. Other cases are not affected. Contact IT; 'assist audit verify' shows what was "
    "found.",
    exit_code=EXIT_TAMPERED,
)
STORE_MISSING = Msg(
    "store.missing",
    da="Databasen {db} i '{path}' mangler eller er tom, men mappen har haft et sagsarkiv "
    "(revisionssporet eller optagelser ligger der stadig). Assist opretter ikke et nyt, tomt "
    "arkiv i stedet. Læg databasen tilbage fra en sikkerhedskopi, eller kontakt IT. Intet er "
    "ændret.",
    en="The database {db} in '{path}' is missing or empty, but the folder has held a case store "
    "(its audit trail or recordings are still there). Assist will not create a new, empty store "
    "instead. Put the database back from a backup, or contact IT. Nothing was changed.",
)
WRONG_STATE = Msg(
    "store.wrong_state",
    da="Sagen '{case_id}' er '{state}'; det kan ikke lade sig gøre nu ({action}).",
    en="The case '{case_id}' is '{state}'; that is not possible now ({action}).",
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _refuse_if_store_vanished(data_dir: Path) -> None:
    """A missing or empty database where a store has been (its audit head file, a non-empty
    WAL, or recordings are there) is reported, before anything is created or written: opening
    it would silently start a new, empty store. A folder that never held a store is new."""
    database = data_dir / schema.DB_NAME
    try:
        if database.stat().st_size > 0:
            return
    except FileNotFoundError:
        pass
    try:
        wal = (data_dir / f"{schema.DB_NAME}-wal").stat().st_size > 0
    except FileNotFoundError:
        wal = False
    folder, suffix = STORE_RECORDINGS
    recordings = data_dir / folder
    audio = recordings.is_dir() and any(recordings.glob(f"*{suffix}"))
    if wal or audio or (data_dir / HEAD_FILE).exists():
        raise AssistError(STORE_MISSING, db=schema.DB_NAME, path=str(data_dir))


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
        # Change notices (assist/store/changes.py): collected per transaction, sent after commit.
        self._changes = ChangeHub()
        _refuse_if_store_vanished(data_dir)
        try:
            self._conn = schema.connect(data_dir)
        except sqlite3.DatabaseError as error:
            reason = type(error).__name__
            raise AssistError(STORE_DAMAGED, path=str(data_dir), reason=reason) from None
        self._audit = AuditLog(self._conn, keys.audit_key, data_dir, self._now_dt)
        self.recordings_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._check_or_initialise_keys()
        self._migrate()
        # The model registry of this user is signed with a key derived from the same master
        # key: hand it over, so drafting needs no second key load (assist/models/trust.py).
        remember_master_key(data_dir, keys.master_key)
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
        """One write transaction (committed durably on exit, rolled back on error). The change
        notices it collected (`_changed`) go to subscribers after the commit, never before."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            self._changes.begin()
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                self._changes.begin()
                self._audit.rolled_back()
                raise
            self._conn.execute("COMMIT")
            self._audit.write_head_file()
            committed = self._changes.take()
            self._follow_own_changes(committed)
        self._changes.emit(committed)

    # ---- change notices (see assist/store/changes.py) --------------------------------------

    def _changed(self, kind: ChangeKind, case_id: str | None) -> None:
        """Note a change of the running write transaction; sent once it has committed."""
        self._changes.add(kind, case_id)

    def subscribe(self, callback: Subscriber) -> Unsubscribe:
        """Call `callback(change)` for every change to the store from now on: after the commit,
        in the thread that made it, once per change (see assist/store/changes.py). Changes by
        other processes come from `poll_external`. Returns the function that unsubscribes."""
        unsubscribe = self._changes.subscribe(callback)
        with self._lock:
            if self._changes.snapshot is None:
                self._take_external_snapshot()
        return unsubscribe

    def poll_external(self) -> tuple[Change, ...]:
        """Changes other processes committed since the last call (or since `subscribe`), also
        sent to subscribers: "case_created" for a case that appeared, "case_deleted" for one
        that disappeared (deleted or purged, e.g. by `assist retention run` in another
        process), "external" for one that changed, or one "external" without a case if only
        something else did. Cheap when nothing changed (one `PRAGMA data_version`): the app
        calls it on a timer, every second or two. The first call only takes the snapshot."""
        with self._lock:
            hub = self._changes
            before = hub.snapshot
            if before is not None and data_version(self._conn) == hub.version:
                return ()
            self._take_external_snapshot()
            after = hub.snapshot
            if before is None or after is None:
                return ()
            # Under the lock: another thread's commit moves the new snapshot along meanwhile.
            found = external_changes(before, after)
        hub.emit(found)
        return found

    def _take_external_snapshot(self) -> None:
        with self._lock, self._snapshot():
            # In one read: the version then belongs to exactly the fingerprints taken.
            found = fingerprints(self._conn)
            self._changes.version = data_version(self._conn)
            self._changes.snapshot = found

    def _follow_own_changes(self, committed: tuple[Change, ...]) -> None:
        """Move the external snapshot along with this process's own commits (which do not move
        `data_version`), so `poll_external` never reports them."""
        snapshot = self._changes.snapshot
        ids = {change.case_id for change in committed if change.case_id is not None}
        if snapshot is None or not ids:
            return
        fresh = fingerprints(self._conn, ids)
        for case_id in ids:
            if case_id in fresh:
                snapshot[case_id] = fresh[case_id]
            else:
                snapshot.pop(case_id, None)

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
            if (self.data_dir / HEAD_FILE).exists():
                # A blank database where a store's audit trail was: not a new store.
                raise AssistError(STORE_MISSING, db=schema.DB_NAME, path=str(self.data_dir))
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

    def _seal_json(self, case_id: str, field_name: str, value: object) -> bytes:
        return self._seal(case_id, field_name, json.dumps(value, ensure_ascii=False).encode())

    def _open_json(self, case_id: str, field_name: str, sealed: bytes) -> dict[str, Any]:
        """A sealed JSON object (what `_seal_json` sealed: a dict, except for `_open_json_list`)."""
        value: dict[str, Any] = json.loads(self._open(case_id, field_name, sealed).decode("utf-8"))
        return value

    def _open_json_list(self, case_id: str, field_name: str, sealed: bytes) -> list[str]:
        """A sealed JSON list of strings (participants)."""
        value: list[str] = json.loads(self._open(case_id, field_name, sealed).decode("utf-8"))
        return value

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

    def _require_state(
        self, case_id: str, wanted: tuple[CaseState, ...], action: str, *, segments: bool = False
    ) -> CaseState:
        state = self._check_case(case_id, segments=segments)
        if state not in wanted:
            raise AssistError(WRONG_STATE, case_id=case_id, state=state, action=action)
        return state

    def record_event(self, event: str, case_id: str | None = None, **payload: object) -> int:
        """Append an audit event; the payload must pass the allow-list in assist/store/audit.py
        (e.g. `record_event("model_imported", model=..., kind="llm", sha256=...)`)."""
        with self._write() as conn:
            if case_id is not None:
                self._changed("case_changed", case_id)
            if case_id is None or event not in MANIFEST_EVENTS:
                return self._audit.append(event, case_id, payload)
            # An event that changes what the case's manifest vouches for (e.g. "transcribed"
            # after a live recording): only on an intact case, and the manifest follows it.
            self._check_case(case_id)
            seq = self._audit.append(event, case_id, payload)
            self._update_manifest(conn, case_id)
            return seq

    # ---- manifests (see assist/store/manifest.py) ------------------------------------------

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """Reads that all see one committed state (inside a write: that write's own), so a
        commit by another process between two of them cannot look like tampering."""
        with self._lock:
            self._conn.execute("SAVEPOINT assist_snapshot")
            try:
                yield
            finally:
                self._conn.execute("RELEASE assist_snapshot")

    def _check_case(self, case_id: str, *, segments: bool = False) -> CaseState:
        """The case's state, after checking its rows against its manifest (with `segments`, the
        transcript segments too); AssistError "store.case_damaged" if they disagree."""
        with self._snapshot():
            reason = self._case_damage(case_id, segments=segments)
            state = self._state(case_id)
        if reason is not None:
            raise AssistError(CASE_DAMAGED, case_id=case_id, reason=reason)
        return state

    def _case_damage(self, case_id: str, *, segments: bool) -> str | None:
        """What in the case's rows disagrees with its manifest ("consent", "draft+out_of_date",
        ...), or None. Call inside `_snapshot` or a write."""
        actual = self._row_contents(case_id, segments=segments)
        try:
            manifest = self._load_manifest(case_id)
        except AssistError:
            return "manifest"  # edited, cut, from another case, or the case key does not open
        if manifest is None:
            return "manifest_missing"
        found = differences(manifest, actual)
        last = self._audit.last_seq(case_id, MANIFEST_EVENTS)
        if last > manifest.audit_seq:
            found.append("out_of_date")  # put back from an older copy
        elif last < manifest.audit_seq:
            found.append("audit_trail")  # the events it names were cut from the trail
        return "+".join(found) or None

    def _load_manifest(self, case_id: str) -> Manifest | None:
        row = self._conn.execute(
            "SELECT sealed FROM case_manifests WHERE case_id = ?", (case_id,)
        ).fetchone()
        if row is None:
            return None
        manifest = Manifest.from_json(self._open_json(case_id, "manifest", row[0]), case_id)
        if manifest is None:
            raise AssistError(TAMPERED)
        return manifest

    def _store_manifest(self, conn: sqlite3.Connection, manifest: Manifest) -> None:
        sealed = self._seal_json(manifest.case_id, "manifest", manifest.to_json())
        conn.execute(
            "INSERT OR REPLACE INTO case_manifests (case_id, sealed) VALUES (?, ?)",
            (manifest.case_id, sealed),
        )

    def _seal_new_manifest(self, conn: sqlite3.Connection, case_id: str) -> None:
        """A manifest of the case's rows as they are: for a new case, and once for each case of
        a store from before manifests (schema 1)."""
        contents = self._row_contents(case_id, segments=True)
        audit_seq = self._audit.last_seq(case_id, MANIFEST_EVENTS)
        self._store_manifest(conn, Manifest(case_id, 1, audit_seq, contents))

    def _update_manifest(
        self,
        conn: sqlite3.Connection,
        case_id: str,
        *,
        columns: Iterable[str] = (),
        draft: bool = False,
        transcript: bool = False,
        segment: tuple[int, bytes] | None = None,
        notes: bool = False,
        signed_version: int | None = None,
        strict: bool = True,
    ) -> None:
        """Reseal the case's manifest after a change this transaction made; call it after the
        change's audit event. Only what the change names (`columns`, the draft row, ...) is read
        back from the rows this transaction just wrote; everything else stays as the manifest
        had it, so an edit made beside Assist is never sealed in. `strict=False` (consent
        withdrawal, which must delete the audio whatever else is wrong) leaves a missing or
        unreadable manifest alone: the case stays reported as damaged."""
        try:
            old = self._load_manifest(case_id)
        except AssistError:
            old = None
        if old is None:
            if not strict:
                return
            raise AssistError(CASE_DAMAGED, case_id=case_id, reason="manifest")
        contents = old.contents
        changes: ContentsChanges = {}
        names = tuple(columns)
        if names:
            now = dict(zip(CASE_COLUMNS, self._case_row(case_id), strict=True))
            changed = dict(contents.columns)
            changed.update({name: column_value(name, now[name]) for name in names})
            changes["columns"] = changed
        if draft:
            changes["draft"] = self._draft_entry(case_id)
        if transcript:
            changes["transcript"] = self._transcript_entry(case_id)
            changes["segments"] = self._segments_entry(case_id)
        if segment is not None:
            count, chain = contents.segments or (0, SEGMENTS_START)
            changes["segments"] = (count + 1, extend_segments(chain, *segment))
        if notes:
            changes["notes"] = self._notes_entry(case_id)
        if signed_version is not None:
            new = [entry for entry in self._signed_entries(case_id) if entry[0] == signed_version]
            changes["signed"] = tuple(sorted({*contents.signed, *new}))
        audit_seq = self._audit.last_seq(case_id, MANIFEST_EVENTS)
        self._store_manifest(conn, old.updated(audit_seq, **changes))

    def _case_row(self, case_id: str) -> tuple[object, ...]:
        row = self._conn.execute(
            f"SELECT {', '.join(CASE_COLUMNS)} FROM cases WHERE case_id = ?", (case_id,)
        ).fetchone()
        if row is None:
            raise AssistError(CASE_NOT_FOUND, case_id=case_id)
        return tuple(row)

    def _row_contents(self, case_id: str, *, segments: bool) -> Contents:
        """What the case's rows hold, in the manifest's terms (segments only if asked)."""
        row = self._case_row(case_id)
        return Contents(
            columns={
                name: column_value(name, value)
                for name, value in zip(CASE_COLUMNS, row, strict=True)
            },
            draft=self._draft_entry(case_id),
            transcript=self._transcript_entry(case_id),
            segments=self._segments_entry(case_id) if segments else None,
            signed=self._signed_entries(case_id),
            notes=self._notes_entry(case_id) if segments else None,
        )

    def _draft_entry(self, case_id: str) -> tuple[int, str] | None:
        row = self._conn.execute(
            "SELECT revision, draft_json, draft_text, saved_at FROM drafts WHERE case_id = ?",
            (case_id,),
        ).fetchone()
        return None if row is None else (int(row[0]), digest(*row))

    def _transcript_entry(self, case_id: str) -> str | None:
        row = self._conn.execute(
            "SELECT sealed, saved_at FROM transcript_meta WHERE case_id = ?", (case_id,)
        ).fetchone()
        return None if row is None else digest(*row)

    def _segments_entry(self, case_id: str) -> tuple[int, str]:
        query = "SELECT seq, sealed FROM transcript_segments WHERE case_id = ? ORDER BY seq"
        return self._chain_of(query, case_id, SEGMENTS_START)

    def _notes_entry(self, case_id: str) -> tuple[int, str]:
        query = "SELECT note_id, sealed FROM meeting_notes WHERE case_id = ? ORDER BY note_id"
        return self._chain_of(query, case_id, NOTES_START)

    def _chain_of(self, query: str, case_id: str, start: str) -> tuple[int, str]:
        """(count, chain) over the (number, sealed) rows `query` gives for the case, in order."""
        count, chain = 0, start
        for number, sealed in self._conn.execute(query, (case_id,)):
            count, chain = count + 1, extend_segments(chain, int(number), bytes(sealed))
        return count, chain

    def _signed_entries(self, case_id: str) -> tuple[tuple[int, str], ...]:
        rows = self._conn.execute(
            "SELECT version, note_json, note_text, signer, signed_at FROM signed_notes "
            "WHERE case_id = ? ORDER BY version",
            (case_id,),
        ).fetchall()
        return tuple((int(row[0]), digest(*row)) for row in rows)

    def _migrate(self) -> None:
        """Schema 1 -> 2: seal a manifest for every case, from its rows as they are (a store of
        this development version; trusted this once). A case whose key does not open stays
        without one, so it is reported as damaged."""
        with self._lock:
            if self._schema_version() >= 2:
                return
            with self._write() as conn:
                if self._schema_version() >= 2:
                    return  # another process migrated it first
                sealed = 0
                for (case_id,) in conn.execute("SELECT case_id FROM cases").fetchall():
                    try:
                        self._seal_new_manifest(conn, str(case_id))
                    except AssistError:
                        continue
                    sealed += 1
                conn.execute(
                    "UPDATE meta SET value = ? WHERE key = 'schema_version'",
                    (str(schema.SCHEMA_VERSION).encode(),),
                )
                self._audit.append(
                    "store_migrated", None, {"schema": schema.SCHEMA_VERSION, "cases": sealed}
                )

    def _schema_version(self) -> int:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            return schema.SCHEMA_VERSION
        value = row[0]
        text = bytes(value).decode("ascii", "replace") if isinstance(value, bytes) else str(value)
        try:
            return int(text)
        except ValueError:
            raise AssistError(
                STORE_DAMAGED, path=str(self.data_dir), reason="schema version"
            ) from None
