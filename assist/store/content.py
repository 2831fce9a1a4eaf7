"""What a case holds: transcript (whole or segment by segment), draft, signed notes, export.

A signed note is never changed: a correction is signed as a new version (SIGN's
`start_new_version`), so the draft stays editable as the working copy for it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from assist import textcheck
from assist.store.audit import signer_hash
from assist.store.meeting_notes import MeetingNotesPart
from assist.store.values import StoredDraft, StoredSignedNote
from assist.transcript import Transcript


def _model_of(
    header: Mapping[str, Any] | None, segments: list[dict[str, Any]]
) -> tuple[str, str | None]:
    """The transcript's model id and hash as stored: the header's, or else those the live
    segments carry (several recordings with different models: joined with "+"). The hash is
    None where the store does not hold one (written before it was kept)."""
    if header is not None:
        sha = header.get("model_sha256")
        return str(header.get("model", "live")), None if sha is None else str(sha)
    models: list[tuple[str, str]] = []
    for segment in segments:
        if "model" in segment:
            pair = (str(segment["model"]), str(segment.get("model_sha256", "")))
            if pair not in models:
                models.append(pair)
    if not models:
        return "live", None
    return "+".join(m for m, _ in models), "+".join(h for _, h in models)


class ContentPart(MeetingNotesPart):
    """The transcript (with the meeting notes it is read with), the draft and signed notes."""
    # ---- transcript ------------------------------------------------------------------------

    def save_transcript(
        self, case_id: str, transcript: Transcript, *, model_sha256: str = "", edited: bool = False
    ) -> None:
        """Replace the case's transcript (e.g. after `process`). The model id and hash are kept in
        the sealed transcript header (read back by `transcript_model`) and audited with counts:
        as "transcribed", or as "transcript_edited" when a person changed it (`edited`)."""
        textcheck.check_transcript(transcript)
        with self._write() as conn:
            # All segments checked first: replacing them must not paper over a deleted one.
            self._require_state(case_id, ("draft",), "transcript", segments=True)
            conn.execute("DELETE FROM transcript_segments WHERE case_id = ?", (case_id,))
            header = {
                "language": transcript.language,
                "duration_s": transcript.duration_s,
                "model": transcript.model,
                "model_sha256": model_sha256,
            }
            conn.execute(
                "INSERT OR REPLACE INTO transcript_meta (case_id, sealed, saved_at) "
                "VALUES (?, ?, ?)",
                (case_id, self._seal_json(case_id, "transcript_meta", header), self.now()),
            )
            conn.executemany(
                "INSERT INTO transcript_segments (case_id, seq, sealed) VALUES (?, ?, ?)",
                [
                    (case_id, seq, self._seal_json(case_id, f"segment/{seq}", segment.to_dict()))
                    for seq, segment in enumerate(transcript.segments)
                ],
            )
            self._touch(conn, case_id)
            payload = {
                "model": transcript.model,
                "model_sha256": model_sha256,
                "segments": len(transcript.segments),
                "duration_s": transcript.duration_s,
            }
            if edited:
                self._audit.append("transcript_edited", case_id, {"segments": payload["segments"]})
            else:
                self._audit.append("transcribed", case_id, payload)
            self._update_manifest(conn, case_id, transcript=True)
            self._changed("segments_added", case_id)

    def load_transcript(self, case_id: str) -> Transcript | None:
        """The case's transcript (saved whole, or built from live segments) with the notes typed
        during its meetings, or None when it has neither."""
        with self._lock, self._snapshot():
            found = self._transcript_rows(case_id)
            notes = [n.to_dict() for n in self._note_rows(case_id)]
        if found is None and not notes:
            return None
        header, segments = found or (None, [])
        end_s = max((s["end_s"] for s in segments), default=0.0)
        data = {
            "language": (header or {}).get("language", "da"),
            "model": _model_of(header, segments)[0],
            "duration_s": (header or {}).get("duration_s", end_s),
            "segments": segments,
            "notes": notes,
        }
        return Transcript.from_dict(data, source=f"case {case_id}")

    def transcript_model(self, case_id: str) -> tuple[str, str]:
        """(model id, model sha256) of the speech model behind the case's transcript, from the
        sealed store data: the transcript header (`save_transcript`), or the live segments' own
        (`start_recording(..., transcript_model=..., transcript_model_sha256=...)`). ("", "")
        without a transcript. Only a store of the development version from before the hash was
        kept falls back, as it did, to the "transcribed" audit event of that model."""
        with self._lock, self._snapshot():
            found = self._transcript_rows(case_id)
        if found is None:
            return "", ""
        model, model_sha = _model_of(*found)
        if model_sha is not None:
            return model, model_sha
        audited = ""
        for event in self._audit.events(case_id):
            if event.event == "transcribed" and event.payload.get("model") == model:
                audited = str(event.payload.get("model_sha256", ""))
        return model, audited

    def _transcript_rows(
        self, case_id: str
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]] | None:
        """The opened transcript header (None if there is none) and segments, or None if the
        case has no transcript; checked against the manifest. Call inside a snapshot."""
        self._check_case(case_id, segments=True)
        meta = self._conn.execute(
            "SELECT sealed FROM transcript_meta WHERE case_id = ?", (case_id,)
        ).fetchone()
        rows = self._conn.execute(
            "SELECT seq, sealed FROM transcript_segments WHERE case_id = ? ORDER BY seq",
            (case_id,),
        ).fetchall()
        if meta is None and not rows:
            return None
        header = self._open_json(case_id, "transcript_meta", meta[0]) if meta else None
        segments = [self._open_json(case_id, f"segment/{seq}", sealed) for seq, sealed in rows]
        return header, segments

    # ---- draft -----------------------------------------------------------------------------

    def save_draft(
        self,
        case_id: str,
        draft: Mapping[str, Any],
        text: str,
        *,
        generated: bool = False,
        model_sha256: str = "",
    ) -> int:
        """Save the draft (the JSON of `Draft.to_dict()`) and its edited text version; returns
        the new revision. `generated=True` audits "drafted" (engine, model, counts), otherwise
        "edited"."""
        textcheck.check_draft(draft, text)
        with self._write() as conn:
            self._check_case(case_id)
            revision = self._store_draft(conn, case_id, dict(draft), text)
            if generated:
                sections = list(draft.get("sections", []))
                flags = sum(
                    len(sentence.get("flags", []))
                    for section in sections
                    for sentence in section.get("sentences", [])
                )
                payload = {
                    "engine": str(draft.get("engine", "")),
                    "model": str(draft.get("model", "")),
                    "model_sha256": model_sha256,
                    "sections": len(sections),
                    "flags": flags,
                }
                self._audit.append("drafted", case_id, payload)
            else:
                self._audit_edit(case_id, revision)
            self._update_manifest(conn, case_id, draft=True)
            self._changed("draft_saved", case_id)
            return revision

    def save_draft_text(self, case_id: str, text: str) -> int:
        """Save only the edited text (what autosave does); the draft JSON stays. Returns the
        new revision."""
        textcheck.check_note_text(text)
        with self._write() as conn:
            self._check_case(case_id)
            row = conn.execute(
                "SELECT draft_json FROM drafts WHERE case_id = ?", (case_id,)
            ).fetchone()
            draft = {} if row is None else self._open_json(case_id, "draft_json", row[0])
            revision = self._store_draft(conn, case_id, draft, text)
            self._audit_edit(case_id, revision)
            self._update_manifest(conn, case_id, draft=True)
            self._changed("draft_saved", case_id)
            return revision

    def _store_draft(
        self, conn: sqlite3.Connection, case_id: str, draft: dict[str, Any], text: str
    ) -> int:
        row = conn.execute("SELECT revision FROM drafts WHERE case_id = ?", (case_id,)).fetchone()
        revision = 1 if row is None else int(row[0]) + 1
        conn.execute(
            "INSERT OR REPLACE INTO drafts (case_id, revision, draft_json, draft_text, saved_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                case_id,
                revision,
                self._seal_json(case_id, "draft_json", draft),
                self._seal(case_id, "draft_text", text.encode("utf-8")),
                self.now(),
            ),
        )
        self._touch(conn, case_id)
        return revision

    def _audit_edit(self, case_id: str, revision: int) -> None:
        # Autosave writes every second or two while someone types: one "edited" event per
        # editing session (until something else happens to the case) keeps the trail readable.
        if self._audit.last_event(case_id) != "edited":
            self._audit.append("edited", case_id, {"revision": revision})

    def load_draft(self, case_id: str) -> StoredDraft | None:
        with self._lock, self._snapshot():
            self._check_case(case_id)
            row = self._conn.execute(
                "SELECT revision, draft_json, draft_text, saved_at FROM drafts WHERE case_id = ?",
                (case_id,),
            ).fetchone()
            if row is None:
                return None
            return StoredDraft(
                draft=self._open_json(case_id, "draft_json", row[1]),
                text=self._open(case_id, "draft_text", row[2]).decode("utf-8"),
                revision=int(row[0]),
                saved_at=str(row[3]),
            )

    # ---- sign-off and export ---------------------------------------------------------------

    def save_signed_note(
        self, case_id: str, note: Mapping[str, Any], text: str, *, signer: str
    ) -> int:
        """Store a signed note (SIGN's dict and the final text) as the next version and move
        the case to "signed". Returns the version (1, then 2 for a correction, ...). The audit
        trail gets a keyed hash of the signer's name, never the name."""
        textcheck.check_signed_note(note, text, signer)
        with self._write() as conn:
            self._check_case(case_id)
            row = conn.execute(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM signed_notes WHERE case_id = ?",
                (case_id,),
            ).fetchone()
            version, now = int(row[0]), self.now()
            conn.execute(
                "INSERT INTO signed_notes (case_id, version, note_json, note_text, signer, "
                "signed_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    case_id,
                    version,
                    self._seal_json(case_id, f"note_json/{version}", dict(note)),
                    self._seal(case_id, f"note_text/{version}", text.encode("utf-8")),
                    self._seal(case_id, f"signer/{version}", signer.encode("utf-8")),
                    now,
                ),
            )
            conn.execute(
                "UPDATE cases SET state = 'signed', signed_at = COALESCE(signed_at, ?) "
                "WHERE case_id = ?",
                (now, case_id),
            )
            self._touch(conn, case_id)
            self._audit.append(
                "signed",
                case_id,
                {"signer_hash": signer_hash(self._audit_key, signer), "version": version},
            )
            self._update_manifest(
                conn, case_id, columns=("state", "signed_at"), signed_version=version
            )
            self._changed("signed", case_id)
            return version

    def load_signed_note(self, case_id: str, version: int | None = None) -> StoredSignedNote | None:
        """The latest signed version (or the one asked for), or None if never signed."""
        with self._lock, self._snapshot():
            self._check_case(case_id)
            query = (
                "SELECT version, note_json, note_text, signer, signed_at FROM signed_notes "
                "WHERE case_id = ?"
            )
            params: tuple[object, ...] = (case_id,)
            if version is not None:
                query += " AND version = ?"
                params = (case_id, version)
            row = self._conn.execute(query + " ORDER BY version DESC LIMIT 1", params).fetchone()
            if row is None:
                return None
            found = int(row[0])
            return StoredSignedNote(
                note=self._open_json(case_id, f"note_json/{found}", row[1]),
                text=self._open(case_id, f"note_text/{found}", row[2]).decode("utf-8"),
                signer=self._open(case_id, f"signer/{found}", row[3]).decode("utf-8"),
                signed_at=str(row[4]),
                version=found,
            )

    def mark_exported(self, case_id: str, *, export_format: str, sha256: str = "") -> None:
        """signed -> exported. Exporting again is allowed: each export is audited (format and
        the file's sha256) and moves `exported_at`, from which retention counts."""
        with self._write() as conn:
            self._require_state(case_id, ("signed", "exported"), "export")
            conn.execute(
                "UPDATE cases SET state = 'exported', exported_at = ? WHERE case_id = ?",
                (self.now(), case_id),
            )
            self._touch(conn, case_id)
            self._audit.append("exported", case_id, {"format": export_format, "sha256": sha256})
            self._update_manifest(conn, case_id, columns=("state", "exported_at"))
            self._changed("exported", case_id)
