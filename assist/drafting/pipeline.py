"""Run a drafter to the end and verify the result: the one way a draft is made.

`build_draft` is a job (`assist.jobs.events`): it yields Progress and a SectionDrafted for each
section as it is done, and returns the verified Draft; `run(build_draft(...))` when the events
are not needed. A `CancelToken` stops it between steps.
"""

from __future__ import annotations

from dataclasses import replace

from assist.cancel import CancelToken
from assist.drafting.cleaning import split_sentences, usable_segments
from assist.drafting.templates import is_professional_section
from assist.drafting.types import Draft, Drafter, DraftSection, Template
from assist.drafting.verify import verify_draft
from assist.errors import AssistError, Msg
from assist.jobs.events import Job, SectionDrafted
from assist.transcript import Transcript

EMPTY_TRANSCRIPT = Msg(
    "draft.empty_transcript",
    da="Transskriptionen er tom: der er ingen tekst at skrive et notat ud fra.",
    en="The transcript is empty: there is no text to draft a note from.",
)
ONLY_NOISE = Msg(
    "draft.only_noise",
    da="Transskriptionen indeholder kun støj eller usikker tale ({count} segmenter, alle "
    "markeret). Der laves ikke et udkast; tjek optagelsen, eller skriv notatet selv.",
    en="The transcript holds only noise or doubtful speech ({count} segments, all flagged). "
    "No draft is made; check the recording, or write the note yourself.",
)
DRAFTER_BROKE_ORDER = Msg(
    "draft.bad_sections",
    da="Udkastsmotoren '{engine}' leverede afsnit, der ikke passer til skabelonen '{template}'.",
    en="The drafting engine '{engine}' returned sections that do not match template '{template}'.",
)


def check_draftable(transcript: Transcript) -> None:
    """Refuse transcripts a draft cannot honestly be made from, with a message saying why.
    Notes the caseworker typed during the meeting are enough to draft from."""
    spoken = [s for s in transcript.segments if s.text.strip()]
    if any(n.text.strip() for n in transcript.notes):
        return
    if not spoken:
        raise AssistError(EMPTY_TRANSCRIPT)
    if not split_sentences(usable_segments(spoken)) or all(s.flags for s in spoken):
        raise AssistError(ONLY_NOISE, count=len(spoken))


def build_draft(
    drafter: Drafter,
    transcript: Transcript,
    template: Template,
    cancel: CancelToken | None = None,
    *,
    case_id: str | None = None,
) -> Job[Draft]:
    """Draft every section in template order, then verify; raises Cancelled when cancelled.

    Yields the drafter's Progress and SectionDrafted(case_id, section) as each section is done
    (nothing is saved here: `case_id` only tells a view which case the draft is for).

    The professional's own sections (`is_professional_section`) are never machine-filled,
    whatever the template says: the drafter is told they are professional-only, and whatever
    it returns for them is dropped."""
    check_draftable(transcript)
    professional = {s.section_id for s in template.sections if is_professional_section(s)}
    template = replace(
        template,
        sections=tuple(
            replace(s, professional_only=True) if s.section_id in professional else s
            for s in template.sections
        ),
    )
    cancel = cancel or CancelToken()
    sections: list[DraftSection] = []
    for event in drafter.draft(transcript, template, cancel):
        cancel.raise_if_cancelled()
        if isinstance(event, DraftSection):
            if event.section_id in professional:  # shown empty, as it is kept
                event = DraftSection(event.section_id, event.title, False)
            sections.append(event)
            yield SectionDrafted(case_id, event)
        else:
            yield event
        cancel.raise_if_cancelled()
    expected = [s.section_id for s in template.sections]
    if [s.section_id for s in sections] != expected:
        raise AssistError(DRAFTER_BROKE_ORDER, engine=drafter.engine, template=template.template_id)
    draft = Draft(
        template_id=template.template_id,
        engine=drafter.engine,
        model=drafter.model,
        sections=tuple(sections),
        model_sha256=drafter.model_sha256,
    )
    return verify_draft(draft, transcript)
