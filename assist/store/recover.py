"""After a crash: find recordings that never got their final record and keep what is authentic.

SECURE's container seals audio in small authenticated records, so a killed recording still has a
readable prefix. `recover_recordings` keeps the longest authenticated prefix (`finish_unfinished`
writes the final record after it), marks the recording incomplete in the case, audits it and
says what it found. Run it at start-up, before any recording starts: a file being written by a
running recorder looks unfinished too.
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
    return found


def _known_recording(store: CaseStore, recording_id: str) -> str | None:
    try:
        case_id, _, _ = store.recording_key(recording_id)
    except AssistError:
        return None
    return case_id
