"""How much of the machine draft the caseworker changed, per section and overall.

Edit ratio = 1 - difflib similarity of the word-and-punctuation token sequences
(2 * matching tokens / (draft tokens + final tokens)). 0.0 means the draft was signed as proposed,
1.0 that nothing of it was kept (or that a human wrote a section the machine left empty).
Overall is computed from the summed matches and lengths of machine-drafted sections only, so the
caseworker's own professional assessment does not count as "changing the draft". Without any
machine text the overall ratio is 1.0 (everything is human-written).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from assist.drafting.types import Draft
from assist.signoff.note import NoteSection, draft_section_text

_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class SectionEdit:
    section_id: str
    machine_drafted: bool
    draft_tokens: int
    final_tokens: int
    matching_tokens: int

    @property
    def ratio(self) -> float:
        return _edit_ratio(self.matching_tokens, self.draft_tokens + self.final_tokens)


@dataclass(frozen=True)
class EditSummary:
    sections: tuple[SectionEdit, ...]

    @property
    def overall(self) -> float:
        drafted = [s for s in self.sections if s.machine_drafted]
        if not drafted:
            return 1.0 if any(s.final_tokens for s in self.sections) else 0.0
        matching = sum(s.matching_tokens for s in drafted)
        total = sum(s.draft_tokens + s.final_tokens for s in drafted)
        return _edit_ratio(matching, total)

    def ratio_of(self, section_id: str) -> float:
        for section in self.sections:
            if section.section_id == section_id:
                return section.ratio
        raise KeyError(section_id)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def measure_edits(draft: Draft | None, sections: tuple[NoteSection, ...]) -> EditSummary:
    drafted = {s.section_id: s for s in draft.sections} if draft is not None else {}
    measured = []
    for section in sections:
        source = drafted.get(section.section_id)
        machine_drafted = (
            source is not None and not section.professional_only and bool(source.sentences)
        )
        before = tokens(draft_section_text(source)) if machine_drafted and source else []
        after = tokens(section.text)
        matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
        matching = sum(block.size for block in matcher.get_matching_blocks())
        measured.append(
            SectionEdit(section.section_id, machine_drafted, len(before), len(after), matching)
        )
    return EditSummary(tuple(measured))


def _edit_ratio(matching: int, total: int) -> float:
    if total == 0:
        return 0.0
    return round(1.0 - 2.0 * matching / total, 4)
