"""Notes the caseworker types instead of recording (no consent to record, or a phone call).

They are stored like a transcript (model "typed", one segment per line), encrypted, so that a
crash loses nothing typed and the drafter can cite them like segments. IT policy may require
the citizen's consent for typed notes too (`typed_notes_without_consent`). A case whose
transcript came from a recording is never overwritten by typed notes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assist.errors import EXIT_USAGE, AssistError, Msg
from assist.settings import Settings, load_settings
from assist.settings.rules import require_typed_notes_allowed
from assist.textcheck import check_text
from assist.transcript import Transcript

if TYPE_CHECKING:
    from assist.store.cases import CaseStore

TYPED_MODEL = "typed"

CASE_HAS_RECORDED_TRANSCRIPT = Msg(
    "typed_notes.case_has_recording",
    da="Sagen har allerede en udskrift af en optagelse; skrevne noter ville erstatte den. Opret "
    "et nyt møde til noterne.",
    en="The case already has a transcript of a recording; typed notes would replace it. Start a "
    "new meeting for the notes.",
    exit_code=EXIT_USAGE,
)
BAD_CHAR_TYPED = Msg(
    "typed_notes.bad_char",
    da="Noterne indeholder et tegn, der ikke kan gemmes ({name}, linje {line}, kolonne {column}). "
    "Slet det og skriv teksten igen.",
    en="The notes hold a character that cannot be stored ({name}, line {line}, column {column}). "
    "Delete it and type the text again.",
    exit_code=EXIT_USAGE,
)


def load_typed_notes(store: CaseStore, case_id: str) -> str | None:
    """The case's typed notes as text ("" for none yet); None if its transcript is recorded."""
    transcript = store.load_transcript(case_id)
    if transcript is None:
        return ""
    if transcript.model != TYPED_MODEL:
        return None
    return "\n".join(segment.text for segment in transcript.segments)


def save_typed_notes(
    store: CaseStore, case_id: str, text: str, settings: Settings | None = None
) -> Transcript:
    """Store `text` as the case's typed notes (replacing earlier typed notes)."""
    case = store.get_case(case_id)
    require_typed_notes_allowed(settings or load_settings(), case_id, case.consent.status)
    if load_typed_notes(store, case_id) is None:
        raise AssistError(CASE_HAS_RECORDED_TRANSCRIPT)
    check_text(text, BAD_CHAR_TYPED)
    transcript = Transcript.from_typed_notes(text)
    store.save_transcript(case_id, transcript)
    return transcript
