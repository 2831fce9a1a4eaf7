"""Consent and recordings on a case.

Recording a citizen needs consent "given" (by whom, when) on the case. Each recording has its
own key, wrapped by the case key, and lives in SECURE's container under data_dir/recordings/, so
its audio can be shredded (key first, then the file) while the case lives on. Withdrawn consent
stops a running recording and deletes all the case's audio at once; the case keeps the fact.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path

from assist.errors import EXIT_USAGE, AssistError, Msg
from assist.secure.aead import new_key, unwrap_key, wrap_key
from assist.secure.container import RecordingRead, RecordingWriter, read_recording
from assist.store import schema
from assist.store.base import CASE_NOT_FOUND, StoreBase
from assist.store.recording import CaseRecording
from assist.store.shred import shred_file
from assist.store.values import CONSENT_STATUSES, ConsentStatus, RecordingInfo
from assist.transcript import Segment

RECORDING_SUFFIX = ".arec"

CONSENT_NEEDS_NAME = Msg(
    "store.consent_needs_name",
    da="Skriv hvem der gav samtykke (--by NAVN).",
    en="Say who gave consent (--by NAME).",
    exit_code=EXIT_USAGE,
)
UNKNOWN_CONSENT = Msg(
    "store.unknown_consent",
    da="Ukendt samtykke '{value}'. Brug given, refused eller not-asked.",
    en="Unknown consent '{value}'. Use given, refused or not-asked.",
    exit_code=EXIT_USAGE,
)
NO_CONSENT = Msg(
    "store.no_consent",
    da="Optagelse er ikke tilladt: der er ikke registreret samtykke på sagen '{case_id}' "
    "(status: {status}). Registrér samtykke først med: assist case consent {case_id} --given "
    "--by NAVN",
    en="Recording is not allowed: no consent is recorded on the case '{case_id}' "
    "(status: {status}). Record consent first with: assist case consent {case_id} --given "
    "--by NAME",
)
RECORDING_NOT_FOUND = Msg(
    "store.recording_not_found",
    da="Optagelsen '{recording_id}' findes ikke, eller dens lyd er slettet.",
    en="The recording '{recording_id}' does not exist, or its audio was deleted.",
)


def check_consent_args(status: str, by: str | None) -> None:
    """Consent can be set to given (with a name), refused or not-asked; withdrawal has its own
    method."""
    if status not in CONSENT_STATUSES or status == "withdrawn":
        raise AssistError(UNKNOWN_CONSENT, value=status)
    if status == "given" and not (by and by.strip()):
        raise AssistError(CONSENT_NEEDS_NAME)


class RecordingsPart(StoreBase):
    # ---- consent ---------------------------------------------------------------------------

    def consent_status(self, case_id: str) -> ConsentStatus:
        with self._lock:
            row = self._conn.execute(
                "SELECT consent FROM cases WHERE case_id = ?", (case_id,)
            ).fetchone()
        if row is None:
            raise AssistError(CASE_NOT_FOUND, case_id=case_id)
        status: ConsentStatus = row[0]
        return status

    def set_consent(self, case_id: str, status: ConsentStatus, by: str | None = None) -> None:
        """Record consent "given" (needs `by`), "refused" or "not-asked" ("withdrawn" is passed
        on to `withdraw_consent`)."""
        if status == "withdrawn":
            self.withdraw_consent(case_id, by)
            return
        check_consent_args(status, by)
        with self._write() as conn:
            self._state(case_id)
            conn.execute(
                "UPDATE cases SET consent = ?, consent_at = ?, consent_by = ? WHERE case_id = ?",
                (status, self.now(), self._seal_text(case_id, "consent_by", by), case_id),
            )
            self._touch(conn, case_id)
            self._audit.append(f"consent_{status.replace('-', '_')}", case_id, {})

    def withdraw_consent(self, case_id: str, by: str | None = None) -> int:
        """Consent withdrawn: stop any running recording and delete all the case's audio now.

        The case keeps the fact (consent "withdrawn", when, and the name given as `by`). The
        transcript stays (decide with the caseworker; `save_transcript` can replace it). Returns
        how many recordings lost their audio.
        """
        with self._lock:
            self._state(case_id)
            stopped = self._stop_active(case_id, withdrawn=True)
            with self._write() as conn:
                conn.execute(
                    "UPDATE cases SET consent = 'withdrawn', consent_at = ?, consent_by = ? "
                    "WHERE case_id = ?",
                    (self.now(), self._seal_text(case_id, "consent_by", by), case_id),
                )
                self._touch(conn, case_id)
                self._audit.append("consent_withdrawn", case_id, {"recordings_stopped": stopped})
            # A crash right here leaves audio behind a withdrawn consent: `apply_retention`
            # (run at every start) deletes it then.
            return self.delete_audio(case_id, "consent_withdrawn")

    def _stop_active(self, case_id: str, *, withdrawn: bool = False) -> int:
        running = [r for r in self._active.values() if r.case_id == case_id]
        for recording in running:
            recording.stop(withdrawn=withdrawn)
        return len(running)

    # ---- recordings ------------------------------------------------------------------------

    def start_recording(self, case_id: str, *, transcript_model: str = "live") -> CaseRecording:
        """Start recording on a case whose consent is "given" (AssistError "store.no_consent"
        otherwise). Returns a `CaseRecording`: an AudioSink (`write(pcm)`, `close()`) with
        `on_segment(segment)` for live transcript segments and `stop()`."""
        with self._lock:
            status = self.consent_status(case_id)
            if status != "given":
                raise AssistError(NO_CONSENT, case_id=case_id, status=status)
            self._require_state(case_id, ("draft",), "record")
            recording_id = "r" + secrets.token_hex(8)
            recording_key = new_key()
            path = self.recordings_dir / f"{recording_id}{RECORDING_SUFFIX}"
            offset = sum(r.duration_s for r in self.recordings(case_id))
            with self._write() as conn:
                conn.execute(
                    "INSERT INTO recordings (recording_id, case_id, file_name, wrapped_key, "
                    "state, started_at) VALUES (?, ?, ?, ?, 'recording', ?)",
                    (
                        recording_id,
                        case_id,
                        path.name,
                        wrap_key(self._case_key(case_id), recording_key, recording_id),
                        self.now(),
                    ),
                )
                self._touch(conn, case_id)
                self._audit.append("recording_started", case_id, {"recording_id": recording_id})
            writer = RecordingWriter.create(path, recording_key, recording_id)
            recording = CaseRecording(self, case_id, recording_id, writer, offset, transcript_model)
            self._active[recording_id] = recording
            return recording

    def _finish_recording(
        self, recording_id: str, duration_s: float, complete: bool, segments: int
    ) -> None:
        """Called by `CaseRecording.stop()`."""
        with self._lock:
            self._active.pop(recording_id, None)
            with self._write() as conn:
                row = conn.execute(
                    "SELECT case_id, state FROM recordings WHERE recording_id = ?",
                    (recording_id,),
                ).fetchone()
                if row is None or row[1] != "recording":
                    return  # deleted meanwhile (withdrawn consent, perhaps in another process)
                conn.execute(
                    "UPDATE recordings SET state = 'stopped', duration_s = ?, complete = ?, "
                    "stopped_at = ? WHERE recording_id = ?",
                    (duration_s, int(complete), self.now(), recording_id),
                )
                self._touch(conn, row[0])
                payload = {
                    "recording_id": recording_id,
                    "duration_s": duration_s,
                    "complete": complete,
                    "segments": segments,
                }
                self._audit.append("recording_stopped", row[0], payload)

    def recordings(self, case_id: str) -> list[RecordingInfo]:
        """The case's recordings, oldest first (deleted ones stay listed, state "deleted")."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT recording_id, state, duration_s, complete, started_at, stopped_at, "
                "deleted_at, deleted_reason FROM recordings WHERE case_id = ? "
                "ORDER BY started_at, rowid",
                (case_id,),
            ).fetchall()
        return [
            RecordingInfo(
                str(r[0]), case_id, str(r[1]), float(r[2]), bool(r[3]), str(r[4]), r[5], r[6], r[7]
            )
            for r in rows
        ]

    def recording_key(self, recording_id: str) -> tuple[str, Path, bytes]:
        """(case id, file path, key) of a recording whose audio still exists."""
        with self._lock:
            row = self._conn.execute(
                "SELECT case_id, file_name, wrapped_key FROM recordings "
                "WHERE recording_id = ? AND state != 'deleted'",
                (recording_id,),
            ).fetchone()
            if row is None or row[2] is None:
                raise AssistError(RECORDING_NOT_FOUND, recording_id=recording_id)
            case_id = str(row[0])
            key = unwrap_key(self._case_key(case_id), bytes(row[2]), recording_id)
            return case_id, self.recordings_dir / str(row[1]), key

    def read_recording(self, recording_id: str) -> RecordingRead:
        """Decrypt a recording: SECURE's RecordingRead (pcm, duration_s, complete, problem)."""
        _, path, key = self.recording_key(recording_id)
        return read_recording(path, key, recording_id)

    def _recording_files(self, case_id: str) -> list[Path]:
        rows = self._conn.execute(
            "SELECT file_name FROM recordings WHERE case_id = ? AND state != 'deleted'", (case_id,)
        ).fetchall()
        return [self.recordings_dir / str(r[0]) for r in rows]

    def delete_audio(self, case_id: str, reason: str) -> int:
        """Shred the audio of every recording on the case: keys first (overwritten, then
        removed), then the files. The recordings stay listed as "deleted". Returns the count."""
        with self._lock:
            self._stop_active(case_id, withdrawn=reason == "consent_withdrawn")
            rows = self._conn.execute(
                "SELECT recording_id, file_name FROM recordings "
                "WHERE case_id = ? AND state != 'deleted'",
                (case_id,),
            ).fetchall()
            if not rows:
                return 0
            with self._write() as conn:
                for recording_id, _ in rows:
                    conn.execute(
                        "UPDATE recordings SET wrapped_key = ? WHERE recording_id = ?",
                        (secrets.token_bytes(61), recording_id),
                    )
                    conn.execute(
                        "UPDATE recordings SET state = 'deleted', wrapped_key = NULL, "
                        "deleted_at = ?, deleted_reason = ? WHERE recording_id = ?",
                        (self.now(), reason, recording_id),
                    )
                    self._audit.append(
                        "audio_deleted", case_id, {"recording_id": recording_id, "reason": reason}
                    )
            for _, file_name in rows:
                shred_file(self.recordings_dir / str(file_name))
            schema.checkpoint_truncate(self._conn)
            return len(rows)

    def append_segment(self, case_id: str, segment: Segment, time_offset_s: float = 0.0) -> Segment:
        """Save one live segment at once (sealed and committed before returning). Returns it as
        stored: numbered after the case's earlier segments, times shifted by `time_offset_s`."""
        with self._write() as conn:
            self._require_state(case_id, ("draft",), "transcript")
            row = conn.execute(
                "SELECT COALESCE(MAX(seq), -1) + 1 FROM transcript_segments WHERE case_id = ?",
                (case_id,),
            ).fetchone()
            seq = int(row[0])
            stored = replace(
                segment,
                segment_id=seq,
                start_s=segment.start_s + time_offset_s,
                end_s=segment.end_s + time_offset_s,
                words=tuple(
                    replace(w, start_s=w.start_s + time_offset_s, end_s=w.end_s + time_offset_s)
                    for w in segment.words
                ),
            )
            conn.execute(
                "INSERT INTO transcript_segments (case_id, seq, sealed) VALUES (?, ?, ?)",
                (case_id, seq, self._seal_json(case_id, f"segment/{seq}", stored.to_dict())),
            )
            self._touch(conn, case_id)
            return stored

    # ---- after a crash (see assist/store/recover.py) ---------------------------------------

    def unfinished_recording_rows(self) -> list[str]:
        """Recordings the database still marks as running, but not in this process (a crash
        or kill stopped them)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT recording_id FROM recordings WHERE state = 'recording'"
            ).fetchall()
        return [str(r[0]) for r in rows if str(r[0]) not in self._active]

    def is_recording_active(self, recording_id: str) -> bool:
        return recording_id in self._active

    def mark_recovered(self, recording_id: str, duration_s: float, problem: str | None) -> None:
        """Record what `recover` kept of an interrupted recording (never "complete")."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT case_id FROM recordings WHERE recording_id = ?", (recording_id,)
            ).fetchone()
            if row is None:
                raise AssistError(RECORDING_NOT_FOUND, recording_id=recording_id)
            conn.execute(
                "UPDATE recordings SET state = 'recovered', duration_s = ?, complete = 0, "
                "stopped_at = COALESCE(stopped_at, ?) WHERE recording_id = ?",
                (duration_s, self.now(), recording_id),
            )
            # Not a change by a person: the case's retention clock keeps running.
            payload = {
                "recording_id": recording_id,
                "duration_s": duration_s,
                "problem": problem or "none",
            }
            self._audit.append("recording_recovered", str(row[0]), payload)
