"""After a crash: find recordings that never got their final record and keep what is authentic.

SECURE's container seals audio in small authenticated records, so a killed recording still has a
readable prefix. `recover_recordings` keeps the longest authenticated prefix (`finish_unfinished`
writes the final record after it), marks the recording incomplete in the case, audits it and
says what it found. A recording whose case another process is recording right now (it holds the
case's lock) is left alone; so is one running in this process. Audio files no recording row
needs any more (a crash in the middle of deleting a case or its audio) are shredded.
"""

from __future__ import annotations

from assist.errors import AssistError
from assist.secure.container import (
    PROBLEM_TRUNCATED,
    find_unfinished,
    finish_unfinished,
    read_recording,
)
from assist.store.cases import CaseStore
from assist.store.recording import LOCKS_DIR, CaseLock
from assist.store.recordings import RECORDING_SUFFIX
from assist.store.shred import shred_file
from assist.store.values import RecoveredRecording


def recover_recordings(store: CaseStore) -> list[RecoveredRecording]:
    found: list[RecoveredRecording] = []
    seen: set[str] = set()
    for path in find_unfinished(store.recordings_dir):
        recording_id = path.name.removesuffix(RECORDING_SUFFIX)
        if store.is_recording_active(recording_id):
            continue
        seen.add(recording_id)
        if recording_id not in store.unfinished_recording_rows():
            info = _known_recording(store, recording_id)
            if info is None:
                # No key for it any more (its case or audio was deleted mid-way): the file can
                # never be read again, so it goes.
                shred_file(path)
                store.record_event(
                    "audio_deleted", None, recording_id=recording_id, reason="orphan"
                )
                found.append(RecoveredRecording(recording_id, None, 0.0, None, "deleted_orphan"))
            # Else it was recovered before and left as evidence (tampered); nothing new to do.
            continue
        case_id, _, key = store.recording_key(recording_id)
        before = read_recording(path, key, recording_id)
        if before.problem == PROBLEM_TRUNCATED:
            finish_unfinished(path, key, recording_id)
        store.mark_recovered(recording_id, before.duration_s, before.problem)
        found.append(
            RecoveredRecording(
                recording_id, case_id, before.duration_s, before.problem, "kept_prefix"
            )
        )
    # Rows still "recording" whose file is finished (killed between closing and committing) or
    # missing (killed before the file was made).
    for recording_id in store.unfinished_recording_rows():
        if recording_id in seen:
            continue
        case_id, path, key = store.recording_key(recording_id)
        if path.exists():
            read = read_recording(path, key, recording_id)
            store.mark_recovered(recording_id, read.duration_s, read.problem)
            found.append(
                RecoveredRecording(
                    recording_id, case_id, read.duration_s, read.problem, "kept_prefix"
                )
            )
        else:
            store.mark_recovered(recording_id, 0.0, "missing")
            found.append(RecoveredRecording(recording_id, case_id, 0.0, "missing", "nothing_kept"))
    found.extend(shred_orphan_audio(store))
    remove_stale_locks(store)
    return found


def remove_stale_locks(store: CaseStore) -> int:
    """Remove lock files of cases that no longer exist (a crash while deleting one left it).
    Only the file is left after a crash: the OS dropped the lock itself. Returns the count."""
    directory = store.data_dir / LOCKS_DIR
    if not directory.is_dir():
        return 0
    known = store.known_case_ids()
    removed = 0
    for path in sorted(directory.glob("*.lock")):
        if path.stem in known:
            continue
        lock = CaseLock.acquire(store.data_dir, path.stem)
        if lock is not None:
            lock.release(remove=True)
            removed += 1
    return removed


def shred_orphan_audio(store: CaseStore) -> list[RecoveredRecording]:
    """Shred audio files that no recording with audio refers to: what a crash left between
    destroying their keys (a committed delete) and removing the files. Unreadable without the
    keys; this only finishes the clean-up. Audited as "audio_deleted", reason "orphan"."""
    if not store.recordings_dir.is_dir():
        return []
    # Files first, rows second: a recording's row is committed before its file is created.
    files = sorted(store.recordings_dir.glob(f"*{RECORDING_SUFFIX}"))
    if not files:
        return []
    wanted = store.audio_file_names()
    found: list[RecoveredRecording] = []
    for path in files:
        if path.name in wanted:
            continue
        recording_id = path.name.removesuffix(RECORDING_SUFFIX)
        if shred_file(path):
            store.record_event("audio_deleted", None, recording_id=recording_id, reason="orphan")
            found.append(RecoveredRecording(recording_id, None, 0.0, None, "deleted_orphan"))
    return found


def _known_recording(store: CaseStore, recording_id: str) -> str | None:
    try:
        case_id, _, _ = store.recording_key(recording_id)
    except AssistError:
        return None
    return case_id
