"""Each case's sealed manifest: what the case's rows must say, so an edit made beside Assist shows.

Plain columns (state, consent, ...) and whole rows (a draft, a signed note, a segment) can be
changed, deleted or put back from an older copy by anyone who can write the database file: the
AEAD of each sealed field only proves that a value belongs to its case and field, not that it is
the current one. The manifest closes that gap. It holds the plain values of the case row, digests
of its sealed columns and of every content row (draft with its revision, transcript header, each
segment in order, each note typed during a meeting, each signed version), is sealed with the case
key bound to the case id (so it cannot be forged, edited or moved to another case), and is
rewritten in the same transaction as every change. It also names the last audit event that
changed the case: a manifest put back from an older copy is older than the audit trail says, and
the trail cannot be cut without `audit verify` noticing.

Every read that gates an action compares the rows with the manifest (`differences`); the names of
what differs are the damage reason ("consent", "draft", "segments+signed_notes", ...).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypedDict, Unpack

MANIFEST_FORMAT = 1
# Plain columns of `cases` the manifest vouches for (updated_at is left out: recordings touch it,
# and nothing is gated on it but retention, which the audit trail records).
PLAIN_COLUMNS = (
    "state",
    "note_type",
    "consent",
    "consent_at",
    "created_at",
    "signed_at",
    "exported_at",
)
# Sealed columns of `cases`: the manifest keeps a digest, so an older sealed value written back
# (which would still open) is caught.
SEALED_COLUMNS = ("title", "participants", "consent_by")
CASE_COLUMNS = PLAIN_COLUMNS + SEALED_COLUMNS

# Audit events that change what a manifest vouches for. Each is appended in the same transaction
# as a manifest update that records its sequence number.
MANIFEST_EVENTS = frozenset(
    {
        "case_created",
        "case_updated",
        "consent_given",
        "consent_refused",
        "consent_not_asked",
        "consent_withdrawn",
        "transcribed",
        "transcript_edited",
        "meeting_note_added",
        "meeting_note_changed",
        "drafted",
        "edited",
        "signed",
        "exported",
    }
)

SEGMENTS_START = hashlib.sha256(b"assist/manifest/segments/v1").hexdigest()
NOTES_START = hashlib.sha256(b"assist/manifest/meeting_notes/v1").hexdigest()
_DIGEST_DOMAIN = b"assist/manifest/digest/v1"


def digest(*parts: object) -> str:
    """SHA-256 of several values, each typed and length-prefixed (None, "" and b"" all differ)."""
    hasher = hashlib.sha256(_DIGEST_DOMAIN)
    for part in parts:
        if part is None:
            hasher.update(b"N")
            continue
        if isinstance(part, bytes | bytearray | memoryview):
            tag, raw = b"B", bytes(part)
        else:
            tag, raw = b"S", str(part).encode("utf-8")
        hasher.update(tag + len(raw).to_bytes(8, "big") + raw)
    return hasher.hexdigest()


def extend_segments(chain: str, seq: int, sealed: bytes) -> str:
    """The segment chain after one more segment (seq and its sealed bytes)."""
    return digest(chain, seq, sealed)


def column_value(name: str, value: object) -> object:
    """What the manifest keeps of one `cases` column: the value, or a digest if sealed."""
    if name in SEALED_COLUMNS:
        return digest(value)
    return value


@dataclass(frozen=True)
class Contents:
    """What a case holds, as the manifest records it or as the rows show it."""

    columns: Mapping[str, object]
    draft: tuple[int, str] | None = None  # (revision, digest of the row)
    transcript: str | None = None  # digest of the transcript header row
    # (count, chain); None in a cheap check that does not read the segments.
    segments: tuple[int, str] | None = (0, SEGMENTS_START)
    signed: tuple[tuple[int, str], ...] = ()  # (version, digest of the row), by version
    # Notes typed during a meeting: (count, chain over the rows by note id), as for segments.
    notes: tuple[int, str] | None = (0, NOTES_START)


class ContentsChanges(TypedDict, total=False):
    """What `Manifest.updated` may change in its Contents (the fields of Contents)."""

    columns: Mapping[str, object]
    draft: tuple[int, str] | None
    transcript: str | None
    segments: tuple[int, str] | None
    signed: tuple[tuple[int, str], ...]
    notes: tuple[int, str] | None


@dataclass(frozen=True)
class Manifest:
    case_id: str
    counter: int  # goes up with every update
    audit_seq: int  # the last audit event in MANIFEST_EVENTS for this case (0: none)
    contents: Contents = field(default_factory=lambda: Contents({}))

    def to_json(self) -> dict[str, Any]:
        c = self.contents
        return {
            "format": MANIFEST_FORMAT,
            "case_id": self.case_id,
            "counter": self.counter,
            "audit_seq": self.audit_seq,
            "columns": dict(c.columns),
            "draft": list(c.draft) if c.draft else None,
            "transcript": c.transcript,
            "segments": list(c.segments or (0, SEGMENTS_START)),
            "signed": [list(s) for s in c.signed],
            "notes": list(c.notes or (0, NOTES_START)),
        }

    @staticmethod
    def from_json(data: object, case_id: str) -> Manifest | None:
        """The manifest in `data`, or None if it is not one (for this case)."""
        if not isinstance(data, dict):
            return None
        try:
            if data["format"] != MANIFEST_FORMAT or data["case_id"] != case_id:
                return None
            draft = data["draft"]
            count, chain = data["segments"]
            # A manifest sealed before notes existed vouches for none.
            note_count, note_chain = data.get("notes", (0, NOTES_START))
            contents = Contents(
                columns={name: data["columns"][name] for name in CASE_COLUMNS},
                draft=None if draft is None else (int(draft[0]), str(draft[1])),
                transcript=None if data["transcript"] is None else str(data["transcript"]),
                segments=(int(count), str(chain)),
                signed=tuple((int(v), str(d)) for v, d in data["signed"]),
                notes=(int(note_count), str(note_chain)),
            )
            return Manifest(case_id, int(data["counter"]), int(data["audit_seq"]), contents)
        except (KeyError, TypeError, ValueError):
            return None

    def updated(self, audit_seq: int, **changes: Unpack[ContentsChanges]) -> Manifest:
        return Manifest(
            self.case_id, self.counter + 1, audit_seq, replace(self.contents, **changes)
        )


def differences(manifest: Manifest, actual: Contents) -> list[str]:
    """What in the rows (`actual`) is not what the manifest says; empty if they agree."""
    expected = manifest.contents
    found = [
        name for name in CASE_COLUMNS if expected.columns.get(name) != actual.columns.get(name)
    ]
    if expected.draft != actual.draft:
        found.append("draft")
    if expected.transcript != actual.transcript:
        found.append("transcript")
    if actual.segments is not None and expected.segments != actual.segments:
        found.append("segments")
    if actual.notes is not None and expected.notes != actual.notes:
        found.append("meeting_notes")
    if expected.signed != actual.signed:
        found.append("signed_notes")
    return found
