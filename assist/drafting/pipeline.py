"""Run a drafter to the end and verify the result: the one way a draft is made.

The desktop app and `assist draft` both call `build_draft`; the app passes `on_section` to show
sections as they arrive and a `CancelToken` to stop between steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from assist.cancel import CancelToken, Progress
from assist.drafting.cleaning import split_sentences, usable_segments
from assist.drafting.templates import is_professional_section
from assist.drafting.types import Draft, Drafter, DraftSection, Template
from assist.drafting.verify import verify_draft
from assist.errors import AssistError, Msg
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
    """Refuse transcripts a draft cannot honestly be made from, with a message saying why."""
    spoken = [s for s in transcript.segments if s.text.strip()]
    if not spoken:
        raise AssistError(EMPTY_TRANSCRIPT)
    if not split_sentences(usable_segments(spoken)) or all(s.flags for s in spoken):
        raise AssistError(ONLY_NOISE, count=len(spoken))


def build_draft(
    drafter: Drafter,
    transcript: Transcript,
    template: Template,
    cancel: CancelToken | None = None,
    on_section: Callable[[DraftSection], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Draft:
    """Draft every section in template order, then verify; raises Cancelled when cancelled.

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
            sections.append(event)
            if on_section is not None:
                on_section(event)
        elif on_progress is not None:
            on_progress(event)
    expected = [s.section_id for s in template.sections]
    if [s.section_id for s in sections] != expected:
        raise AssistError(DRAFTER_BROKE_ORDER, engine=drafter.engine, template=template.template_id)
    sections = [
        DraftSection(s.section_id, s.title, False) if s.section_id in professional else s
        for s in sections
    ]
    draft = Draft(
        template_id=template.template_id,
        engine=drafter.engine,
        model=drafter.model,
        sections=tuple(sections),
        model_sha256=drafter.model_sha256,
    )
    return verify_draft(draft, transcript)
