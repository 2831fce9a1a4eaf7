"""Consent and recordings on a case.

Recording a citizen needs consent "given" (by whom, when) on the case. Each recording has its
own key, wrapped by the case key, and lives in SECURE's container under data_dir/recordings/, so
its audio can be shredded (key first, then the file) while the case lives on. Withdrawn consent
stops a running recording and deletes all the case's audio at once, every transcript segment
made from speech (typed notes stay) and the draft sentences that rest on them; the case keeps the
fact. One recording at a time per case, across processes: the recorder holds the case's
`CaseLock` (see recording.py), which `case delete`, retention and `recover` respect.
"""

from __future__ import annotations

import difflib
import re
import secrets
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from assist import textcheck
from assist.errors import EXIT_USAGE, AssistError, Msg
from assist.secure.aead import new_key, unwrap_key, wrap_key
from assist.secure.container import RecordingRead, RecordingWriter, read_recording
from assist.store import schema
from assist.store.base import CASE_NOT_FOUND, StoreBase
from assist.store.recording import CONSENT_WITHDRAWN_STOP, CaseLock, CaseRecording
from assist.store.shred import shred_file
from assist.store.values import CONSENT_STATUSES, ConsentStatus, RecordingInfo
from assist.transcript import Segment

RECORDING_SUFFIX = ".arec"
# What a consent change writes on the case row (and so reseals in its manifest).
_CONSENT_COLUMNS = ("consent", "consent_at", "consent_by")

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
RECORDING_ACTIVE = Msg(
    "store.recording_active",
    da="Der optages allerede på sagen '{case_id}' (i dette eller et andet Assist-vindue). Der "
    "kan kun køre én optagelse ad gangen på en sag: stop den, før du starter en ny.",
    en="The case '{case_id}' is already being recorded (in this or another Assist window). "
    "Only one recording can run on a case at a time: stop it before starting another.",
)
CASE_BEING_RECORDED = Msg(
    "store.case_being_recorded",
    da="Sagen '{case_id}' optages lige nu og kan ikke slettes. Stop optagelsen først, og prøv "
    "igen. Intet er slettet.",
    en="The case '{case_id}' is being recorded right now and cannot be deleted. Stop the "
    "recording first, then try again. Nothing was deleted.",
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


@dataclass(frozen=True)
class ConsentWithdrawal:
    """What the latest withdrawal of consent removed from a case (from its audit event)."""

    at: str
    recordings_deleted: int  # recordings whose audio was shredded because of a withdrawal
    segments_deleted: int  # transcript segments made from speech
    sentences_removed: int  # draft sentences that rested on them

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "recordings_deleted": self.recordings_deleted,
            "segments_deleted": self.segments_deleted,
            "sentences_removed": self.sentences_removed,
        }


# The editable note's section marker (assist/signoff/editable.py): "## <title> [#<section_id>]".
_MARKER = re.compile(r"^## (?P<title>.*?) ?\[#(?P<section_id>[^\]\s]+)\]\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# A sentence of the working text this similar to a removed draft sentence is that sentence,
# corrected by the caseworker (a typo fixed, a word changed).
_SAME_SENTENCE = 0.6


def _is_typed(segment: dict[str, Any], typed_transcript: bool) -> bool:
    """A typed-note segment (kept when consent is withdrawn), not one made from speech.

    Live segments carry origin "live". Segments saved whole (`save_transcript`) are typed notes
    when the transcript's model is "typed": those have no timing and no words.
    """
    origin = segment.get("origin")
    if origin is not None:
        return bool(origin == "typed")
    return bool(
        typed_transcript
        and not segment.get("words")
        and float(segment.get("end_s", 0.0) or 0.0) == 0.0
    )


def _strip_draft(
    draft: dict[str, Any], removed_ids: set[int]
) -> tuple[dict[str, Any], dict[str, list[str]], set[str]]:
    """The draft without the generated sentences that cite a removed segment (or cite nothing:
    those cannot be shown not to come from the recording; citing a meeting note is citing).
    Also returns the removed texts per section and the texts of every sentence kept."""
    removed: dict[str, list[str]] = {}
    kept: set[str] = set()
    sections = []
    for section in draft.get("sections", []):
        sentences = []
        for sentence in section.get("sentences", []):
            sources = {int(source) for source in sentence.get("sources", [])}
            # A sentence resting only on notes the caseworker typed stays: they are not speech.
            cited = bool(sources or sentence.get("notes"))
            text = str(sentence.get("text", "")).strip()
            if section.get("generated", True) and (not cited or sources & removed_ids):
                removed.setdefault(str(section.get("id", "")), []).append(text)
            else:
                sentences.append(sentence)
                kept.add(text)
        sections.append({**section, "sentences": sentences})
    return {**draft, "sections": sections}, removed, kept


def _strip_body(body: str, removed: list[str], own: list[str], kept: set[str]) -> str:
    """A section's working text without the removed sentences: verbatim anywhere, and in their
    own section (`own`) also as the caseworker corrected them."""
    lines = body.split("\n")
    out: list[str] = []
    for line in lines:
        new = line
        for sentence in sorted((r for r in removed if r), key=len, reverse=True):
            new = new.replace(sentence, " ")
        if own:
            pieces = [p for p in _SENTENCE_END.split(new) if p.strip()]
            keep = [p for p in pieces if p.strip() in kept or not _resembles(p, own)]
            if len(keep) < len(pieces):
                new = " ".join(keep)
        if new != line:
            new = " ".join(new.split())
            if not new:
                continue  # a line that held only removed sentences goes
        out.append(new)
    return "\n".join(out)


def _resembles(piece: str, sentences: list[str]) -> bool:
    text = piece.strip().lower()
    return any(
        difflib.SequenceMatcher(None, text, s.lower()).ratio() >= _SAME_SENTENCE for s in sentences
    )


def _strip_text(
    text: str, section_ids: set[str], removed: dict[str, list[str]], kept: set[str]
) -> str:
    """The caseworker's working text (SIGN's editable format) without the removed sentences;
    headings, the caseworker's own sentences and other sections stay as they are."""
    every = [t for texts in removed.values() for t in texts]
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in text.split("\n"):
        marker = _MARKER.match(line)
        if marker and marker.group("section_id") in section_ids:
            blocks.append((marker.group("section_id"), [line]))
        else:
            blocks[-1][1].append(line)
    out: list[str] = []
    for section_id, lines in blocks:
        if section_id is None:
            out.extend(lines)
            continue
        body = "\n".join(lines[1:])
        cleaned = _strip_body(body, every, removed.get(section_id, []), kept)
        out.append(lines[0])
        if cleaned != body:
            cleaned = cleaned.strip("\n")
            out.extend([*cleaned.split("\n"), ""] if cleaned else [""])
        else:
            out.extend(lines[1:])
    return "\n".join(out)


class RecordingsPart(StoreBase):
    # ---- consent ---------------------------------------------------------------------------

    def consent_status(self, case_id: str) -> ConsentStatus:
        """The case's consent, checked against its manifest (AssistError "store.case_damaged"
        if the rows were changed beside Assist, e.g. consent set to "given" with sqlite3)."""
        with self._lock, self._snapshot():
            self._check_case(case_id)
            row = self._conn.execute(
                "SELECT consent FROM cases WHERE case_id = ?", (case_id,)
            ).fetchone()
        if row is None:
            raise AssistError(CASE_NOT_FOUND, case_id=case_id)
        status: ConsentStatus = row[0]
        return status

    def consent_status_if_free(self, case_id: str) -> ConsentStatus | None:
        """`consent_status`, or None at once if the store is busy (a long deletion, a
        retention run): the audio path asks this, so it never waits on the store."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            return self.consent_status(case_id)
        finally:
            self._lock.release()

    def set_consent(self, case_id: str, status: ConsentStatus, by: str | None = None) -> None:
        """Record consent "given" (needs `by`), "refused" or "not-asked" ("withdrawn" is passed
        on to `withdraw_consent`)."""
        if status == "withdrawn":
            self.withdraw_consent(case_id, by)
            return
        check_consent_args(status, by)
        textcheck.check_case_fields(consent_by=by)
        with self._write() as conn:
            self._check_case(case_id)
            conn.execute(
                "UPDATE cases SET consent = ?, consent_at = ?, consent_by = ? WHERE case_id = ?",
                (status, self.now(), self._seal_text(case_id, "consent_by", by), case_id),
            )
            self._touch(conn, case_id)
            self._audit.append(f"consent_{status.replace('-', '_')}", case_id, {})
            self._update_manifest(conn, case_id, columns=_CONSENT_COLUMNS)
            self._changed("consent", case_id)

    def withdraw_consent(self, case_id: str, by: str | None = None) -> int:
        """Consent withdrawn: stop any running recording and delete all the case's audio now,
        with every transcript segment made from speech and the draft sentences resting on them.

        The case keeps the fact (consent "withdrawn", when, the name given as `by`, and in the
        audit event how much went: `consent_withdrawal`). Typed-note segments stay, and so do
        the caseworker's own sentences; a signed note never changes. Segments and draft go in
        the same transaction as the consent change. Returns how many recordings lost audio.
        """
        with self._lock:
            self._state(case_id)
            stopped = self._stop_active(case_id, withdrawn=True)
            with self._write() as conn:
                # Withdrawal goes ahead on a damaged case too (the audio must go); only an intact
                # case's manifest follows it, a damaged one stays reported.
                intact = self._case_damage(case_id, segments=True) is None
                conn.execute(
                    "UPDATE cases SET consent = 'withdrawn', consent_at = ?, consent_by = ? "
                    "WHERE case_id = ?",
                    (self.now(), self._seal_text(case_id, "consent_by", by), case_id),
                )
                segments, sentences = self._remove_speech_content(conn, case_id)
                self._touch(conn, case_id)
                payload = {
                    "recordings_stopped": stopped,
                    "segments_deleted": segments,
                    "sentences_removed": sentences,
                }
                self._audit.append("consent_withdrawn", case_id, payload)
                self._changed("consent", case_id)
                if intact:
                    self._update_manifest(
                        conn, case_id, columns=_CONSENT_COLUMNS, draft=True, transcript=True
                    )
            # A crash right here leaves audio behind a withdrawn consent: `apply_retention`
            # (run at every start) deletes it then.
            deleted = self.delete_audio(case_id, "consent_withdrawn")
            schema.checkpoint_truncate(self._conn)  # no page image of the segments lingers
            return deleted

    def _remove_speech_content(self, conn: sqlite3.Connection, case_id: str) -> tuple[int, int]:
        """Delete the case's speech-made segments (and the transcript header if it was a speech
        transcript) and the draft sentences citing them. Returns (segments, sentences)."""
        # Withdrawal must never fail on a row that does not open (a damaged case): such a
        # segment goes too (it cannot be shown to be a typed note), an unreadable header counts
        # as a speech transcript, and an unreadable draft stays (nobody can read it).
        meta = conn.execute(
            "SELECT sealed FROM transcript_meta WHERE case_id = ?", (case_id,)
        ).fetchone()
        header = self._open_or_none(case_id, "transcript_meta", meta[0]) if meta else {}
        typed = header is not None and header.get("model") == "typed"
        removed_ids: set[int] = set()
        rows = conn.execute(
            "SELECT seq, sealed FROM transcript_segments WHERE case_id = ?", (case_id,)
        ).fetchall()
        for seq, sealed in rows:
            segment = self._open_or_none(case_id, f"segment/{seq}", sealed)
            if segment is not None and _is_typed(segment, typed):
                continue
            removed_ids.add(int((segment or {}).get("id", seq)))
            conn.execute(
                "DELETE FROM transcript_segments WHERE case_id = ? AND seq = ?", (case_id, seq)
            )
        if meta is not None and not typed:
            conn.execute("DELETE FROM transcript_meta WHERE case_id = ?", (case_id,))
        if not removed_ids:
            return 0, 0
        row = conn.execute(
            "SELECT draft_json, draft_text FROM drafts WHERE case_id = ?", (case_id,)
        ).fetchone()
        try:
            if row is None:
                return len(removed_ids), 0
            draft, removed, kept = _strip_draft(
                self._open_json(case_id, "draft_json", row[0]), removed_ids
            )
            working = self._open(case_id, "draft_text", row[1]).decode("utf-8")
        except (AssistError, ValueError, TypeError, AttributeError):
            return len(removed_ids), 0
        if not removed:
            return len(removed_ids), 0
        section_ids = {str(section.get("id", "")) for section in draft.get("sections", [])}
        text = _strip_text(working, section_ids, removed, kept)
        conn.execute(
            "UPDATE drafts SET revision = revision + 1, draft_json = ?, draft_text = ?, "
            "saved_at = ? WHERE case_id = ?",
            (
                self._seal_json(case_id, "draft_json", draft),
                self._seal(case_id, "draft_text", text.encode("utf-8")),
                self.now(),
                case_id,
            ),
        )
        return len(removed_ids), sum(len(texts) for texts in removed.values())

    def _open_or_none(self, case_id: str, field_name: str, sealed: bytes) -> dict[str, Any] | None:
        """A sealed JSON object, or None if it does not open (or is not an object)."""
        try:
            value = self._open_json(case_id, field_name, sealed)
        except (AssistError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def consent_withdrawal(self, case_id: str) -> ConsentWithdrawal | None:
        """What the latest withdrawal removed (for `case show`), or None if never withdrawn."""
        with self._lock:
            self._state(case_id)
            events = [e for e in self._audit.events(case_id) if e.event == "consent_withdrawn"]
            recordings = self.recordings(case_id)
        if not events:
            return None
        payload = events[-1].payload
        return ConsentWithdrawal(
            at=events[-1].at,
            recordings_deleted=sum(r.deleted_reason == "consent_withdrawn" for r in recordings),
            segments_deleted=int(payload.get("segments_deleted", 0)),
            sentences_removed=int(payload.get("sentences_removed", 0)),
        )

    def _stop_active(self, case_id: str, *, withdrawn: bool = False) -> int:
        running = [r for r in self._active.values() if r.case_id == case_id]
        for recording in running:
            recording.stop(withdrawn=withdrawn)
        return len(running)

    # ---- recordings ------------------------------------------------------------------------

    def start_recording(
        self,
        case_id: str,
        *,
        transcript_model: str = "live",
        transcript_model_sha256: str = "",
    ) -> CaseRecording:
        """Start recording on a case whose consent is "given" (AssistError "store.no_consent"
        otherwise) and that nobody records yet, in any process ("store.recording_active").
        Returns a `CaseRecording`: an AudioSink (`write(pcm)`, `close()`) with
        `on_segment(segment)` for live transcript segments and `stop()`. Each live segment
        keeps `transcript_model` (the speech model's id) and its sha256 in its sealed row, so
        the transcript names its model (`transcript_model(case_id)`)."""
        status = self.consent_status(case_id)
        if status != "given":
            raise AssistError(NO_CONSENT, case_id=case_id, status=status)
        if any(r.case_id == case_id for r in list(self._active.values())):
            raise AssistError(RECORDING_ACTIVE, case_id=case_id)
        # A short wait covers a `case delete` holding the lock for a moment (then: not found).
        lock = CaseLock.acquire(self.data_dir, case_id, wait_s=0.5)
        if lock is None:
            raise AssistError(RECORDING_ACTIVE, case_id=case_id)
        try:
            return self._start_locked(case_id, (transcript_model, transcript_model_sha256), lock)
        except BaseException:
            lock.release()
            raise

    def _start_locked(
        self, case_id: str, transcript_model: tuple[str, str], lock: CaseLock
    ) -> CaseRecording:
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
                self._changed("case_changed", case_id)
            writer = RecordingWriter.create(path, recording_key, recording_id)
            recording = CaseRecording(
                self,
                case_id,
                recording_id,
                writer,
                offset,
                transcript_model[0],
                lock=lock,
                transcript_model_sha256=transcript_model[1],
            )
            self._active[recording_id] = recording
            return recording

    def case_is_being_recorded(self, case_id: str) -> bool:
        """True while a recording runs on the case, in this process or another one."""
        if any(r.case_id == case_id for r in list(self._active.values())):
            return True
        return CaseLock.is_held(self.data_dir, case_id)

    def finish_recording(
        self, recording_id: str, duration_s: float, complete: bool, segments: int
    ) -> None:
        """Record a recording as finished (duration, completeness); CaseRecording.stop calls it."""
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
                self._changed("case_changed", str(row[0]))

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
                self._changed("audio_deleted", case_id)
            for _, file_name in rows:
                shred_file(self.recordings_dir / str(file_name))
            schema.checkpoint_truncate(self._conn)
            return len(rows)

    def append_segment(
        self,
        case_id: str,
        segment: Segment,
        time_offset_s: float = 0.0,
        *,
        model: str | None = None,
        model_sha256: str = "",
    ) -> Segment:
        """Save one live segment at once (sealed and committed before returning). Returns it as
        stored: numbered after the case's earlier segments, times shifted by `time_offset_s`.
        `model` and `model_sha256` (the speech model) are sealed with the segment."""
        textcheck.check_segment(segment)
        origin: dict[str, str] = {"origin": "live"}
        if model is not None:
            textcheck.check_values({"model": model, "model_sha256": model_sha256}, "segment")
            origin.update(model=model, model_sha256=model_sha256)
        with self._write() as conn:
            self._require_state(case_id, ("draft",), "transcript")
            # Checked in the transaction, so no segment slips in after a withdrawal committed.
            if self.consent_status(case_id) != "given":
                raise AssistError(CONSENT_WITHDRAWN_STOP)
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
            sealed = self._seal_json(case_id, f"segment/{seq}", {**stored.to_dict(), **origin})
            conn.execute(
                "INSERT INTO transcript_segments (case_id, seq, sealed) VALUES (?, ?, ?)",
                (case_id, seq, sealed),
            )
            self._touch(conn, case_id)
            self._update_manifest(conn, case_id, segment=(seq, bytes(sealed)))
            self._changed("segments_added", case_id)
            return stored

    # ---- after a crash (see assist/store/recover.py) ---------------------------------------

    def unfinished_recording_rows(self) -> list[str]:
        """Recordings the database still marks as running, but not in this process nor in any
        other (a crash or kill stopped them)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT recording_id, case_id FROM recordings WHERE state = 'recording'"
            ).fetchall()
        return [
            str(r[0])
            for r in rows
            if str(r[0]) not in self._active and not CaseLock.is_held(self.data_dir, str(r[1]))
        ]

    def is_recording_active(self, recording_id: str) -> bool:
        """True while the recording runs here, or its case is being recorded elsewhere."""
        if recording_id in self._active:
            return True
        with self._lock:
            row = self._conn.execute(
                "SELECT case_id FROM recordings WHERE recording_id = ? AND state = 'recording'",
                (recording_id,),
            ).fetchone()
        return row is not None and CaseLock.is_held(self.data_dir, str(row[0]))

    def known_case_ids(self) -> set[str]:
        """Ids of every case in the store (cheap: nothing is decrypted)."""
        with self._lock:
            return {str(r[0]) for r in self._conn.execute("SELECT case_id FROM cases")}

    def audio_file_names(self) -> set[str]:
        """File names of every recording whose audio still exists (for the orphan sweep)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT file_name FROM recordings WHERE state != 'deleted'"
            ).fetchall()
        return {str(r[0]) for r in rows}

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
            self._changed("case_changed", str(row[0]))
