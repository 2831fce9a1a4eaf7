"""The SQLite file behind the case store: connection settings and tables.

Only ids, states, enums and timestamps are plain columns; every column that can hold what a person
said or wrote is a BLOB sealed with the case's data key (see `CaseStore._seal`).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

DB_NAME = "cases.sqlite3"
# 2: `case_manifests` (see assist/store/manifest.py); a version 1 store gets its manifests sealed
# when it is first opened (`StoreBase._migrate`).
SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS cases (
    case_id TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('draft', 'signed', 'exported')),
    note_type TEXT NOT NULL,
    consent TEXT NOT NULL
        CHECK (consent IN ('given', 'refused', 'not-asked', 'withdrawn')),
    consent_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    signed_at TEXT,
    exported_at TEXT,
    title BLOB NOT NULL,
    participants BLOB NOT NULL,
    consent_by BLOB
);
CREATE TABLE IF NOT EXISTS case_keys (
    case_id TEXT PRIMARY KEY,
    wrapped BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS recordings (
    recording_id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    wrapped_key BLOB,
    state TEXT NOT NULL CHECK (state IN ('recording', 'stopped', 'recovered', 'deleted')),
    duration_s REAL NOT NULL DEFAULT 0,
    complete INTEGER NOT NULL DEFAULT 0,
    started_at TEXT NOT NULL,
    stopped_at TEXT,
    deleted_at TEXT,
    deleted_reason TEXT
);
CREATE INDEX IF NOT EXISTS recordings_by_case ON recordings (case_id);
CREATE TABLE IF NOT EXISTS transcript_meta (
    case_id TEXT PRIMARY KEY,
    sealed BLOB NOT NULL,
    saved_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS transcript_segments (
    case_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    sealed BLOB NOT NULL,
    PRIMARY KEY (case_id, seq)
);
-- Notes the caseworker typed during a recording (`assist/store/meeting_notes.py`).
CREATE TABLE IF NOT EXISTS meeting_notes (
    case_id TEXT NOT NULL,
    note_id INTEGER NOT NULL,
    sealed BLOB NOT NULL,
    PRIMARY KEY (case_id, note_id)
);
CREATE TABLE IF NOT EXISTS drafts (
    case_id TEXT PRIMARY KEY,
    revision INTEGER NOT NULL,
    draft_json BLOB NOT NULL,
    draft_text BLOB NOT NULL,
    saved_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS signed_notes (
    case_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    note_json BLOB NOT NULL,
    note_text BLOB NOT NULL,
    signer BLOB NOT NULL,
    signed_at TEXT NOT NULL,
    PRIMARY KEY (case_id, version)
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    case_id TEXT,
    payload TEXT NOT NULL,
    mac TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_case ON audit (case_id, seq);
CREATE TABLE IF NOT EXISTS audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    last_mac TEXT NOT NULL,
    mac TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS case_manifests (
    case_id TEXT PRIMARY KEY,
    sealed BLOB NOT NULL
);
-- A case's manifest goes with its row (deletion and retention purges never leave one behind).
CREATE TRIGGER IF NOT EXISTS case_manifests_follow_cases AFTER DELETE ON cases
BEGIN
    DELETE FROM case_manifests WHERE case_id = old.case_id;
END;
"""


def connect(data_dir: Path) -> sqlite3.Connection:
    """Open (and create) the store's database with the durability and erasure settings we rely on.

    WAL + synchronous=FULL: a commit survives a crash or power loss. secure_delete: deleted rows
    are overwritten with zeros in the file. temp_store=MEMORY: sorts and VACUUM never spill
    citizen data into temporary files on disk.
    """
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = data_dir / DB_NAME
    if not path.exists():
        # Only this user may read it (SQLite gives the -wal and -shm files the same mode).
        path.touch(mode=0o600)
    # Autocommit mode: we open transactions ourselves with BEGIN IMMEDIATE.
    conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA secure_delete=ON")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.executescript(_SCHEMA)
    return conn


def checkpoint_truncate(conn: sqlite3.Connection) -> bool:
    """Copy the WAL into the database file and empty the WAL. False if a reader blocked it."""
    row = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return bool(row is not None and row[0] == 0)
