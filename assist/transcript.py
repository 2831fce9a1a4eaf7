"""Transcript values shared by transcription, the case store and the drafters.

JSON shape (the `--json` output of `assist transcribe`, and the input of `assist draft`):
{"language", "duration_s", "model", "segments": [{"id", "start_s", "end_s", "text", "confidence",
 "flags", "speaker", "words": [{"start_s", "end_s", "text", "confidence"}]}]}
"speaker" is the label a caseworker gave the segment ("Borger", "Rådgiver", a name); it is left
out while none is set, and a transcript without it (stored before labels existed) reads as
unlabelled.
Typed notes are a transcript too: one segment per paragraph, no words, model "typed".
Notes the caseworker types *during* a recorded meeting are not segments: they are the
transcript's "notes" ([{"id", "at_s", "text"}], left out while there are none), each at the
recording time it was typed, so a draft cites them apart from what was said (`MeetingNote`).

A transcript read from a file (`Transcript.from_file_data`, what `assist draft TRANSCRIPT.json`
uses) is first checked against one JSON schema, `TRANSCRIPT_SCHEMA` (jsonschema, draft 2020-12,
with "number" meaning a finite number and never a boolean, and two keywords of Assist's own:
`uniqueItemIds` and `timeOrder`), then for characters the exports cannot carry
(`assist.textcheck`). Every failure is one message naming the field (`segments[3].start_s`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from assist.errors import AssistError, Msg

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

BAD_TRANSCRIPT = Msg(
    "transcript.invalid",
    da="Filen '{path}' er ikke en gyldig Assist-transskription: {reason}.",
    en="The file '{path}' is not a valid Assist transcript: {reason}.",
)
NOT_A_TRANSCRIPT = Msg(
    "transcript.not_a_transcript",
    da="Filen '{path}' er gyldig JSON, men ikke en Assist-transskription: den skal være et "
    "objekt med 'segments', som 'assist transcribe --json' skriver (den er {found}).",
    en="The file '{path}' is valid JSON, but not an Assist transcript: it must be an object with "
    "'segments', as 'assist transcribe --json' writes (it is {found}).",
)
FIELD_MISSING_TOP = Msg(
    "transcript.field_missing_top",
    da="Filen '{path}' er ikke en gyldig Assist-transskription: '{field}' mangler.",
    en="The file '{path}' is not a valid Assist transcript: '{field}' is missing.",
)
FIELD_MISSING = Msg(
    "transcript.field_missing",
    da="Filen '{path}' er ikke en gyldig Assist-transskription: '{field}' mangler i '{where}'.",
    en="The file '{path}' is not a valid Assist transcript: '{field}' is missing in '{where}'.",
)
WRONG_TYPE = Msg(
    "transcript.wrong_type",
    da="Filen '{path}' er ikke en gyldig Assist-transskription: '{where}' skal være JSON-typen "
    "{expected}, ikke {found}.",
    en="The file '{path}' is not a valid Assist transcript: '{where}' must be of JSON type "
    "{expected}, not {found}.",
)
OUT_OF_RANGE = Msg(
    "transcript.out_of_range",
    da="Filen '{path}' er ikke en gyldig Assist-transskription: '{where}' = {value} er uden for "
    "det tilladte ({low} til {high}).",
    en="The file '{path}' is not a valid Assist transcript: '{where}' = {value} is outside the "
    "allowed range ({low} to {high}).",
)
DUPLICATE_ID = Msg(
    "transcript.duplicate_id",
    da="Filen '{path}' er ikke en gyldig Assist-transskription: id {value} bruges to gange "
    "('{where}').",
    en="The file '{path}' is not a valid Assist transcript: the id {value} is used twice "
    "('{where}').",
)
ENDS_BEFORE_START = Msg(
    "transcript.ends_before_start",
    da="Filen '{path}' er ikke en gyldig Assist-transskription: '{where}' slutter, før det "
    "begynder (start_s {start}, end_s {end}).",
    en="The file '{path}' is not a valid Assist transcript: '{where}' ends before it starts "
    "(start_s {start}, end_s {end}).",
)
FIELD_INVALID = Msg(
    "transcript.field_invalid",
    da="Filen '{path}' er ikke en gyldig Assist-transskription: '{where}' er ugyldig ({rule}).",
    en="The file '{path}' is not a valid Assist transcript: '{where}' is invalid ({rule}).",
)

MAX_SECONDS = 48 * 3600  # no single recording is longer
MAX_SEGMENT_ID = 10_000_000
MAX_SPEAKER_CHARS = 200  # a label or a person's name, never a sentence
MAX_NOTE_CHARS = 5_000  # a note typed during a meeting: keywords or a few sentences
_SECONDS = {"type": "number", "minimum": 0, "maximum": MAX_SECONDS}
_CONFIDENCE = {"type": "number", "minimum": 0, "maximum": 1}
TRANSCRIPT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["segments"],
    "properties": {
        "language": {"type": "string", "minLength": 1, "maxLength": 35},
        "duration_s": _SECONDS,
        "model": {"type": "string", "maxLength": 200},
        "segments": {
            "type": "array",
            "maxItems": 200_000,
            "items": {"$ref": "#/$defs/segment"},
            "uniqueItemIds": "id",
        },
        "notes": {
            "type": "array",
            "maxItems": 10_000,
            "items": {"$ref": "#/$defs/note"},
            "uniqueItemIds": "id",
        },
    },
    "$defs": {
        "note": {
            "type": "object",
            "required": ["id", "at_s", "text"],
            "properties": {
                "id": {"type": "integer", "minimum": 1, "maximum": MAX_SEGMENT_ID},
                "at_s": _SECONDS,
                "text": {"type": "string", "minLength": 1, "maxLength": MAX_NOTE_CHARS},
            },
        },
        "segment": {
            "type": "object",
            "required": ["id", "start_s", "end_s", "text"],
            "properties": {
                "id": {"type": "integer", "minimum": 0, "maximum": MAX_SEGMENT_ID},
                "start_s": _SECONDS,
                "end_s": _SECONDS,
                "text": {"type": "string", "maxLength": 100_000},
                "confidence": _CONFIDENCE,
                "flags": {
                    "type": "array",
                    "maxItems": 20,
                    "items": {"type": "string", "pattern": "^[a-z_]{1,64}$"},
                },
                "words": {"type": "array", "maxItems": 100_000, "items": {"$ref": "#/$defs/word"}},
                "speaker": {"type": "string", "maxLength": MAX_SPEAKER_CHARS},
            },
            "timeOrder": ["start_s", "end_s"],
        },
        "word": {
            "type": "object",
            "required": ["start_s", "end_s", "text", "confidence"],
            "properties": {
                "start_s": _SECONDS,
                "end_s": _SECONDS,
                "text": {"type": "string", "maxLength": 1_000},
                "confidence": _CONFIDENCE,
            },
            "timeOrder": ["start_s", "end_s"],
        },
    },
}


def format_time(seconds: float) -> str:
    """A transcript time as people read it: "mm:ss", or "h:mm:ss" from one hour on (whole
    seconds, rounded down)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


@dataclass(frozen=True)
class Word:
    start_s: float
    end_s: float
    text: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "text": self.text,
            "confidence": round(self.confidence, 4),
        }


@dataclass(frozen=True)
class Segment:
    segment_id: int
    start_s: float
    end_s: float
    text: str
    confidence: float
    words: tuple[Word, ...] = ()
    # Why a segment is doubtful, e.g. "low_confidence", "possible_hallucination".
    flags: tuple[str, ...] = ()
    # Who speaks, as the caseworker labelled it ("Borger", "Rådgiver", a name); "" unlabelled.
    speaker: str = ""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.segment_id,
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "flags": list(self.flags),
            "words": [w.to_dict() for w in self.words],
        }
        if self.speaker:
            # Only when set: unlabelled segments keep the JSON they always had.
            data["speaker"] = self.speaker
        return data


@dataclass(frozen=True)
class MeetingNote:
    """A note the caseworker typed while the meeting was recorded: their own words, never the
    citizen's. `at_s` is the recording time (on the case's timeline) at which it was added;
    `note_id` counts from 1 per case and is what a draft sentence cites ("note:3")."""

    note_id: int
    at_s: float
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.note_id, "at_s": round(self.at_s, 3), "text": self.text}

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> MeetingNote:
        return MeetingNote(int(data["id"]), float(data["at_s"]), str(data["text"]))


@dataclass(frozen=True)
class Transcript:
    language: str
    duration_s: float
    model: str
    segments: tuple[Segment, ...] = field(default_factory=tuple)
    notes: tuple[MeetingNote, ...] = field(default_factory=tuple)  # by note_id

    @property
    def text(self) -> str:
        """What was said (notes typed during the meeting are not part of it)."""
        return " ".join(s.text for s in self.segments if s.text)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "language": self.language,
            "duration_s": round(self.duration_s, 3),
            "model": self.model,
            "segments": [s.to_dict() for s in self.segments],
        }
        if self.notes:
            data["notes"] = [n.to_dict() for n in self.notes]
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @staticmethod
    def from_dict(data: Mapping[str, Any], source: str = "<data>") -> Transcript:
        """A transcript from data Assist wrote itself (the case store); files go through
        `from_file_data`, which checks them first."""
        try:
            segments = tuple(_segment_from_dict(s) for s in data["segments"])
            return Transcript(
                language=str(data.get("language", "da")),
                duration_s=float(data.get("duration_s", segments[-1].end_s if segments else 0.0)),
                model=str(data.get("model", "unknown")),
                segments=segments,
                notes=tuple(MeetingNote.from_dict(n) for n in data.get("notes", [])),
            )
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            reason = type(exc).__name__
            if isinstance(exc, KeyError) and exc.args:
                reason = f"{reason} '{exc.args[0]}'"  # which field is missing
            raise AssistError(BAD_TRANSCRIPT, path=source, reason=reason) from None

    @staticmethod
    def from_file_data(data: object, source: str) -> Transcript:
        """A transcript from parsed JSON of a file: checked against `TRANSCRIPT_SCHEMA` and for
        characters the exports cannot carry, each problem one AssistError naming the field."""
        from assist.textcheck import (
            BAD_CHAR_IN_FILE_SEGMENT,
            check_segment,
            check_text,
            check_values,
        )

        validate_transcript_data(data, source)
        assert isinstance(data, Mapping)
        transcript = Transcript.from_dict(data, source)
        check_values({"language": transcript.language, "model": transcript.model}, source)
        for segment in transcript.segments:
            check_segment(segment, BAD_CHAR_IN_FILE_SEGMENT, path=source)
            check_text(
                segment.speaker, BAD_CHAR_IN_FILE_SEGMENT, segment=segment.segment_id, path=source
            )
        for note in transcript.notes:
            check_values(note.text, f"{source}: notes[{note.note_id}]")
        return transcript

    @staticmethod
    def from_typed_notes(text: str) -> Transcript:
        """Typed notes become a transcript with one segment per non-empty paragraph or line."""
        lines = [line.strip() for line in text.splitlines()]
        segments = tuple(
            Segment(segment_id=i, start_s=0.0, end_s=0.0, text=line, confidence=1.0)
            for i, line in enumerate(line for line in lines if line)
        )
        return Transcript(language="da", duration_s=0.0, model="typed", segments=segments)


def _segment_from_dict(data: Mapping[str, Any]) -> Segment:
    words: Iterable[Mapping[str, Any]] = data.get("words", [])
    return Segment(
        segment_id=int(data["id"]),
        start_s=float(data["start_s"]),
        end_s=float(data["end_s"]),
        text=str(data["text"]),
        confidence=float(data.get("confidence", 1.0)),
        words=tuple(
            Word(float(w["start_s"]), float(w["end_s"]), str(w["text"]), float(w["confidence"]))
            for w in words
        ),
        flags=tuple(str(f) for f in data.get("flags", [])),
        speaker=str(data.get("speaker") or ""),
    )


# ---- the schema check -------------------------------------------------------------------------


def validate_transcript_data(data: object, source: str) -> None:
    """AssistError for the most telling way `data` breaks `TRANSCRIPT_SCHEMA`."""
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(data))
    if error is not None:
        raise _schema_error(error, source)


@cache
def _validator() -> Validator:
    from jsonschema import Draft202012Validator, validators

    def finite_number(checker: object, instance: object) -> bool:
        return (
            isinstance(instance, int | float)
            and not isinstance(instance, bool)
            and math.isfinite(instance)
        )

    def integer(checker: object, instance: object) -> bool:
        if not finite_number(checker, instance):
            return False
        return isinstance(instance, int) or float(instance).is_integer()  # type: ignore[arg-type]

    type_checker = Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"number": finite_number, "integer": integer}
    )
    validator_class = validators.extend(
        Draft202012Validator,
        validators={"uniqueItemIds": _unique_item_ids, "timeOrder": _time_order},
        type_checker=type_checker,
    )
    validator_class.check_schema(TRANSCRIPT_SCHEMA)
    return validator_class(TRANSCRIPT_SCHEMA)


def _unique_item_ids(
    validator: Validator, key: str, instance: object, schema: object
) -> Iterator[ValidationError]:
    from jsonschema.exceptions import ValidationError

    if not isinstance(instance, list):
        return
    seen: set[object] = set()
    for index, item in enumerate(instance):
        if isinstance(item, dict) and validator.is_type(item.get(key), "integer"):
            value = item[key]
            if value in seen:
                yield ValidationError(f"{key} {value} twice", instance=value, path=[index, key])
            seen.add(value)


def _time_order(
    validator: Validator, keys: list[str], instance: object, schema: object
) -> Iterator[ValidationError]:
    from jsonschema.exceptions import ValidationError

    if not isinstance(instance, dict):
        return
    start, end = (instance.get(key) for key in keys)
    if not (validator.is_type(start, "number") and validator.is_type(end, "number")):
        return  # the properties' own types report it
    if float(start) > float(end):  # type: ignore[arg-type]
        yield ValidationError("ends before it starts", instance=instance)


def _json_path(parts: Iterable[object]) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number" if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _schema_error(error: ValidationError, source: str) -> AssistError:
    where = _json_path(error.absolute_path)
    keyword = error.validator
    if keyword == "type" and not where:
        return AssistError(NOT_A_TRANSCRIPT, path=source, found=_json_type(error.instance))
    if keyword == "required":
        missing = next(f for f in error.validator_value if f not in error.instance)
        if not where:
            return AssistError(FIELD_MISSING_TOP, path=source, field=missing)
        return AssistError(FIELD_MISSING, path=source, field=missing, where=where)
    if keyword == "type":
        expected = error.validator_value
        expected = " / ".join(expected) if isinstance(expected, list) else str(expected)
        found = _json_type(error.instance)
        return AssistError(WRONG_TYPE, path=source, where=where, expected=expected, found=found)
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        low, high = error.schema.get("minimum", "-"), error.schema.get("maximum", "-")
        return AssistError(
            OUT_OF_RANGE, path=source, where=where, value=error.instance, low=low, high=high
        )
    if keyword == "uniqueItemIds":
        return AssistError(DUPLICATE_ID, path=source, where=where, value=error.instance)
    if keyword == "timeOrder":
        start, end = (error.instance.get(k) for k in error.validator_value)
        return AssistError(ENDS_BEFORE_START, path=source, where=where, start=start, end=end)
    rule = f"{keyword} {error.validator_value}"
    return AssistError(FIELD_INVALID, path=source, where=where or "/", rule=rule)
