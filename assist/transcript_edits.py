"""A caseworker's corrections to a case's stored transcript: speaker labels and text.

    set_speaker(store, case_id, [3, 4], "Borger")
    rename_speaker(store, case_id, "Borger", "Hanne Jensen")      # everywhere
    edit_segment_text(store, case_id, 7, "Jeg har ondt i ryggen.")
    count = replace_text(store, case_id, "ryggen", "nakken")

Each call loads the stored transcript, makes a new frozen `Transcript` and saves it whole with
`store.save_transcript`, which keeps the store's rules: only while the case is a draft (a signed
note's transcript stays as it was signed; the store's "store.wrong_state" says so), checked
against the case's manifest, sealed, audited and followed by a change notice. The speech model's
id and hash are passed on, so the transcript still names the model it came from. Segment ids
and times never change: draft sentences cite segments by id.

While a recording runs on the case, nothing is saved (live segments are still arriving, and
replacing the transcript then could drop one): "transcript_edit.recording".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from assist import textcheck
from assist.errors import EXIT_USAGE, AssistError, Msg
from assist.store import CaseStore
from assist.transcript import MAX_SPEAKER_CHARS, Segment, Transcript

NO_TRANSCRIPT = Msg(
    "transcript_edit.no_transcript",
    da="Sagen '{case_id}' har ingen udskrift at rette i.",
    en="The case '{case_id}' has no transcript to correct.",
    exit_code=EXIT_USAGE,
)
NO_SUCH_SEGMENT = Msg(
    "transcript_edit.no_segment",
    da="Udskriften på sagen '{case_id}' har intet segment {segment_id}. Intet er gemt.",
    en="The transcript of the case '{case_id}' has no segment {segment_id}. Nothing was saved.",
    exit_code=EXIT_USAGE,
)
SPEAKER_TOO_LONG = Msg(
    "transcript_edit.speaker_too_long",
    da="En talers navn må højst have {limit} tegn. Intet er gemt.",
    en="A speaker's name may have at most {limit} characters. Nothing was saved.",
    exit_code=EXIT_USAGE,
)
EMPTY_FIND = Msg(
    "transcript_edit.empty_find",
    da="Skriv den tekst, der skal erstattes.",
    en="Type the text to replace.",
    exit_code=EXIT_USAGE,
)
RECORDING_RUNS = Msg(
    "transcript_edit.recording",
    da="Der optages lige nu på sagen '{case_id}'. Stop optagelsen, før du retter i udskriften; "
    "intet er gemt.",
    en="The case '{case_id}' is being recorded right now. Stop the recording before you correct "
    "the transcript; nothing was saved.",
)


def set_speaker(
    store: CaseStore, case_id: str, segment_ids: Iterable[int], label: str
) -> Transcript:
    """Label the given segments with `label` ("" removes the label). Returns what was saved."""
    label = _clean_label(label)
    wanted = set(segment_ids)
    transcript = _load(store, case_id)
    _require_segments(case_id, transcript, wanted)
    for segment_id in sorted(wanted):
        textcheck.check_text(label, textcheck.BAD_CHAR_IN_SEGMENT, segment=segment_id)
    return _save(
        store,
        case_id,
        transcript,
        lambda s: replace(s, speaker=label) if s.segment_id in wanted else s,
    )


def rename_speaker(store: CaseStore, case_id: str, old: str, new: str) -> int:
    """Give every segment labelled `old` the label `new`; returns how many changed (0: nothing
    is saved)."""
    old, new = old.strip(), _clean_label(new)
    transcript = _load(store, case_id)
    hits = [s.segment_id for s in transcript.segments if s.speaker == old and old]
    if not hits or old == new:
        return 0
    textcheck.check_text(new, textcheck.BAD_CHAR_IN_SEGMENT, segment=hits[0])
    _save(store, case_id, transcript, lambda s: replace(s, speaker=new) if s.speaker == old else s)
    return len(hits)


def edit_segment_text(store: CaseStore, case_id: str, segment_id: int, text: str) -> Transcript:
    """Replace one segment's text with what the caseworker typed (checked by
    `assist.textcheck` like every text entering the store). The recogniser's words stay beside
    it unchanged only while the text is: a corrected text no longer matches them, so they go
    (their confidences described the old text)."""
    transcript = _load(store, case_id)
    _require_segments(case_id, transcript, {segment_id})
    textcheck.check_text(text, textcheck.BAD_CHAR_IN_SEGMENT, segment=segment_id)
    return _save(
        store,
        case_id,
        transcript,
        lambda s: _with_text(s, text) if s.segment_id == segment_id else s,
    )


def replace_text(
    store: CaseStore, case_id: str, find: str, replace_with: str, *, case_sensitive: bool = False
) -> int:
    """Replace every occurrence of `find` in the segments' text; returns how many were
    replaced (0: nothing is saved)."""
    if not find:
        raise AssistError(EMPTY_FIND)
    transcript = _load(store, case_id)
    total = 0
    changed: dict[int, str] = {}
    for segment in transcript.segments:
        new_text, count = substitute(segment.text, find, replace_with, case_sensitive)
        if count:
            textcheck.check_text(
                new_text, textcheck.BAD_CHAR_IN_SEGMENT, segment=segment.segment_id
            )
            changed[segment.segment_id] = new_text
            total += count
    if total:
        _save(
            store,
            case_id,
            transcript,
            lambda s: _with_text(s, changed[s.segment_id]) if s.segment_id in changed else s,
        )
    return total


def count_matches(text: str, find: str, case_sensitive: bool = False) -> int:
    """How many times `find` occurs in `text` (non-overlapping, as `replace_text` counts)."""
    return substitute(text, find, find, case_sensitive)[1] if find else 0


def substitute(text: str, find: str, replace_with: str, case_sensitive: bool) -> tuple[str, int]:
    """`text` with each non-overlapping `find` replaced, and the count; without
    `case_sensitive`, "Ryggen" matches "ryggen" too (Python's casefold: Danish letters
    included)."""
    if case_sensitive:
        return text.replace(find, replace_with), text.count(find)
    haystack, needle = text.casefold(), find.casefold()
    if len(haystack) != len(text):
        # A character whose casefold changes its length (ß -> ss): compare per character.
        haystack, needle = text.lower(), find.lower()
        if len(haystack) != len(text):
            return text.replace(find, replace_with), text.count(find)
    out: list[str] = []
    count = start = 0
    while needle:
        found = haystack.find(needle, start)
        if found < 0:
            break
        out.append(text[start:found])
        out.append(replace_with)
        start = found + len(needle)
        count += 1
    out.append(text[start:])
    return "".join(out), count


def _with_text(segment: Segment, text: str) -> Segment:
    if text == segment.text:
        return segment
    return replace(segment, text=text, words=())


def _clean_label(label: str) -> str:
    label = " ".join(label.split())
    if len(label) > MAX_SPEAKER_CHARS:
        raise AssistError(SPEAKER_TOO_LONG, limit=MAX_SPEAKER_CHARS)
    return label


def _load(store: CaseStore, case_id: str) -> Transcript:
    if store.case_is_being_recorded(case_id):
        raise AssistError(RECORDING_RUNS, case_id=case_id)
    transcript = store.load_transcript(case_id)
    if transcript is None:
        raise AssistError(NO_TRANSCRIPT, case_id=case_id)
    return transcript


def _require_segments(case_id: str, transcript: Transcript, wanted: set[int]) -> None:
    missing = sorted(wanted - {s.segment_id for s in transcript.segments})
    if missing:
        raise AssistError(NO_SUCH_SEGMENT, case_id=case_id, segment_id=missing[0])


def _save(
    store: CaseStore,
    case_id: str,
    transcript: Transcript,
    change: Callable[[Segment], Segment],
) -> Transcript:
    new = replace(transcript, segments=tuple(change(s) for s in transcript.segments))
    if new == transcript:
        return transcript
    _, model_sha256 = store.transcript_model(case_id)
    store.save_transcript(case_id, new, model_sha256=model_sha256, edited=True)
    return new
