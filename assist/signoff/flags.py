"""Which draft flags still stand in the final text, and how each was resolved.

A flag belongs to a draft sentence. It counts as FIXED when that sentence no longer appears in the
final note: after normalising both (NFC, case-folded, all whitespace runs as one space, the
sentence's trailing . ! ? … and spaces removed), the sentence is not found in the text of all
final sections joined, at word boundaries (so "Ja" is found in "Ja, tak" but not in "Jakob").
Searching the whole note means moving a flagged sentence to another section does not fix it.
Any edit inside the sentence (a changed number, a removed word) fixes it: the caseworker has
looked at it and rewritten it. A flag that is not fixed must be ACKNOWLEDGED by its id, by "all",
or in an earlier signed version of the same note.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Set
from dataclasses import dataclass
from typing import Literal

from assist.drafting.types import Draft
from assist.errors import AssistError, Msg
from assist.signoff.note import NoteSection

Resolution = Literal["fixed", "acknowledged", "open"]

UNKNOWN_FLAGS = Msg(
    "signoff.unknown_flags",
    da="Ukendte markeringer kan ikke kvitteres: {flag_ids}. Se markeringernes id i udkastet.",
    en="Unknown flags cannot be acknowledged: {flag_ids}. See the flag ids in the draft.",
)


@dataclass(frozen=True)
class FlagResolution:
    flag_id: str
    kind: str
    section_id: str
    resolution: Resolution


def resolve_flags(
    draft: Draft | None,
    sections: tuple[NoteSection, ...],
    acknowledged: Set[str] | Literal["all"],
    acknowledged_before: Set[str] = frozenset(),
) -> tuple[FlagResolution, ...]:
    if draft is None:
        if acknowledged != "all" and acknowledged:
            raise AssistError(UNKNOWN_FLAGS, flag_ids=", ".join(sorted(acknowledged)))
        return ()
    known = {flag.flag_id for flag in draft.flags}
    if acknowledged != "all":
        unknown = set(acknowledged) - known
        if unknown:
            raise AssistError(UNKNOWN_FLAGS, flag_ids=", ".join(sorted(unknown)))
    final_text = _comparable(" \n ".join(s.text for s in sections))
    resolutions: list[FlagResolution] = []
    for section in draft.sections:
        for sentence in section.sentences:
            if not sentence.flags:
                continue
            still_there = sentence_appears(sentence.text, final_text)
            for flag in sentence.flags:
                if not still_there:
                    outcome: Resolution = "fixed"
                elif (
                    acknowledged == "all"
                    or flag.flag_id in acknowledged
                    or flag.flag_id in acknowledged_before
                ):
                    outcome = "acknowledged"
                else:
                    outcome = "open"
                resolutions.append(
                    FlagResolution(flag.flag_id, flag.kind, section.section_id, outcome)
                )
    return tuple(resolutions)


def sentence_appears(sentence: str, comparable_final_text: str) -> bool:
    needle = _comparable(sentence).rstrip(" .!?…")
    if not needle:
        return True  # an empty sentence cannot be "removed": it needs an acknowledgement
    pattern = r"(?<!\w)" + re.escape(needle) + r"(?!\w)"
    return re.search(pattern, comparable_final_text) is not None


def _comparable(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())
