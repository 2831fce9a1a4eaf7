"""The caseworker's review of a machine draft before signing: flags checked, sections accepted.

    review = load_review(store, case_id)                 # what was checked in the working version
    review = acknowledge_flag(store, case_id, "f2")      # "I checked this sentence, it stands"
    review = accept_section(store, case_id, "situation") # "I read this machine text, it stands"
    flags = reviewed_flags(note, review)                 # the note's flags with those counted
    sign_case(store, case_id, name, review.acknowledged)

Signing alone used to carry acknowledgements (`sign_case(..., acknowledged)`); a desktop app
lets the caseworker tick them one by one while editing, so they are kept with the working draft
(the draft JSON, under `REVIEW_KEY`, beside the working version they belong to). A new machine
draft replaces the JSON and so forgets them (its flags are new), and a review recorded for
another version (before a new version was started) does not count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from assist.casework import ALREADY_SIGNED, NO_DRAFT, CaseNote, load_case_note
from assist.errors import AssistError
from assist.signoff.flags import UNKNOWN_FLAGS, resolve_flags
from assist.signoff.note import NoteToSign
from assist.signoff.sources import FlagView, flag_views
from assist.store.cases import CaseStore

REVIEW_KEY = "assist_review"


@dataclass(frozen=True)
class Review:
    version: int  # the working version the review belongs to
    acknowledged: frozenset[str] = frozenset()  # flag ids checked by the caseworker
    accepted_sections: frozenset[str] = frozenset()  # sections whose machine text was accepted

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "acknowledged": sorted(self.acknowledged),
            "accepted_sections": sorted(self.accepted_sections),
        }


def load_review(store: CaseStore, case_id: str, current: CaseNote | None = None) -> Review:
    """The review of the working version (empty when none was recorded, or when signed)."""
    current = current if current is not None else load_case_note(store, case_id)
    empty = Review(current.note.version)
    stored = store.load_draft(case_id)
    if not current.editing or stored is None:
        return empty
    raw = stored.draft.get(REVIEW_KEY)
    if not isinstance(raw, dict) or raw.get("version") != current.note.version:
        return empty
    known_flags = {f.flag_id for f in current.flags}
    known_sections = {s.section_id for s in current.note.sections}
    return Review(
        version=current.note.version,
        acknowledged=frozenset(_strings(raw.get("acknowledged")) & known_flags),
        accepted_sections=frozenset(_strings(raw.get("accepted_sections")) & known_sections),
    )


def acknowledge_flag(store: CaseStore, case_id: str, flag_id: str) -> Review:
    """Record that the caseworker checked the flagged sentence and lets it stand."""

    def change(current: CaseNote, review: Review) -> Review:
        if flag_id not in {f.flag_id for f in current.flags}:
            raise AssistError(UNKNOWN_FLAGS, flag_ids=flag_id)
        return replace(review, acknowledged=review.acknowledged | {flag_id})

    return _update(store, case_id, change)


def accept_section(store: CaseStore, case_id: str, section_id: str) -> Review:
    """Record that the caseworker read a section's machine text and accepts it as it stands."""

    def change(current: CaseNote, review: Review) -> Review:
        current.note.section(section_id)  # AssistError "signoff.unknown_section"
        return replace(review, accepted_sections=review.accepted_sections | {section_id})

    return _update(store, case_id, change)


def reviewed_flags(note: NoteToSign, review: Review) -> tuple[FlagView, ...]:
    """The note's flags resolved as signing will resolve them with `review.acknowledged`."""
    known = {f.flag_id for f in note.draft.flags} if note.draft is not None else set()
    resolutions = resolve_flags(
        note.draft, note.sections, review.acknowledged & known, note.acknowledged_before
    )
    return flag_views(note.draft, resolutions)


def _update(store: CaseStore, case_id: str, change: Callable[[CaseNote, Review], Review]) -> Review:
    current = load_case_note(store, case_id)
    if not current.editing:
        assert current.signed is not None
        raise AssistError(ALREADY_SIGNED, version=current.signed.version, case_id=case_id)
    stored = store.load_draft(case_id)
    if stored is None:
        raise AssistError(NO_DRAFT, case_id=case_id)
    review = change(current, load_review(store, case_id, current))
    draft_json = dict(stored.draft)
    draft_json[REVIEW_KEY] = review.to_dict()
    store.save_draft(case_id, draft_json, stored.text)  # the text stays as it was saved
    return review


def _strings(value: object) -> set[str]:
    if not isinstance(value, list):
        return set()
    return {item for item in value if isinstance(item, str)}
