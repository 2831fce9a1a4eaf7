"""Drafting as jobs: a transcript into a draft, and a case's transcript into its saved note.

    result = run(draft_transcript(transcript, template, engines, "auto", None))
    result = run(draft_case(store, case_id, engines, "auto", None, template_dir))

Events, in order: Stage("draft.choose"), Stage("model.load") when a language model is used,
the drafter's Progress and a SectionDrafted per section, Stage("draft.fallback") when `auto`
starts again with the structured drafter after the model's worker crashed, and (draft_case)
Saved(case_id, "transcript") for typed notes and Saved(case_id, "draft") at the end. Nothing is
written before the draft is ready, so a failed or cancelled job leaves the store as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from assist.cancel import CancelToken
from assist.drafting.types import Draft, Template
from assist.errors import AssistError, Language, Msg
from assist.jobs.engines import EngineHub
from assist.jobs.events import Job, Saved, Stage, checking
from assist.transcript import Transcript

if TYPE_CHECKING:
    from assist.store.cases import CaseStore

CRASH_FALLBACK = Msg(
    "draft.crash_fallback",
    da="Udkastet er lavet ved struktureret udtræk i stedet.",
    en="The draft was made by structured extraction instead.",
)
CASE_HAS_NO_TRANSCRIPT = Msg(
    "draft.case_without_transcript",
    da="Sagen '{case_id}' har ingen transskription endnu. Optag eller behandl en lydfil "
    "('assist record --case {case_id}' / 'assist process --case {case_id} LYDFIL'), eller giv "
    "skrevne noter med --typed.",
    en="The case '{case_id}' has no transcript yet. Record or process an audio file "
    "('assist record --case {case_id}' / 'assist process --case {case_id} AUDIO'), or give "
    "typed notes with --typed.",
)


@dataclass(frozen=True)
class DraftResult:
    draft: Draft
    template: Template  # what it was drafted on (what renders it)
    case_id: str | None = None  # the case it was saved in (None: not saved)
    # Why the draft was not made by the engine asked for (`auto` fell back), for the user.
    note: Msg | None = None
    note_params: dict[str, object] = field(default_factory=dict)
    crash: AssistError | None = None  # the language model's crash `auto` recovered from

    @property
    def engine(self) -> str:
        """The engine that made the draft: "structured" or "llm"."""
        return self.draft.engine

    def notices(self, lang: Language) -> tuple[str, ...]:
        """What to tell the user about how the draft was made (empty when all went as asked)."""
        lines: list[str] = []
        if self.crash is not None:
            lines.append(self.crash.message(lang))
        if self.note is not None:
            lines.append(self.note.render(lang, self.note_params))
        return tuple(lines)


def draft_transcript(
    transcript: Transcript,
    template: Template,
    engines: EngineHub,
    engine_choice: str = "auto",
    model: str | None = None,
    cancel: CancelToken | None = None,
    *,
    case_id: str | None = None,
) -> Job[DraftResult]:
    """Choose the drafter, load its model (kept in `engines`), and draft; saves nothing.

    Under `auto` a crash of the language model's worker is not the end: the dead model is
    dropped from `engines` and the structured drafter drafts instead (the result says so)."""
    from assist.drafting.pipeline import build_draft
    from assist.drafting.select import load_planned, plan_drafter
    from assist.drafting.structured import StructuredDrafter
    from assist.engines.worker import EngineCrashed

    cancel = cancel or CancelToken()
    if engine_choice != "structured":  # the drafter choice verifies the model's hashes first
        yield from checking(engines.check_steps("llm", model), cancel)
    yield Stage("draft.choose")
    cancel.raise_if_cancelled()
    plan = plan_drafter(engine_choice, model, open_store=lambda _env: engines.models())
    if plan.installed is not None:
        yield Stage("model.load")
        cancel.raise_if_cancelled()
    choice = load_planned(plan, engines.llm_drafter)
    try:
        draft = yield from build_draft(
            choice.drafter, transcript, template, cancel, case_id=case_id
        )
    except EngineCrashed as crash:
        engines.discard("llm")  # its worker is gone; the next job starts a new one
        if engine_choice != "auto":
            raise
        yield Stage("draft.fallback")
        cancel.raise_if_cancelled()
        draft = yield from build_draft(
            StructuredDrafter(), transcript, template, cancel, case_id=case_id
        )
        return DraftResult(draft, template, note=CRASH_FALLBACK, crash=crash)
    return DraftResult(draft, template, note=choice.note, note_params=dict(choice.note_params))


def draft_case(
    store: CaseStore,
    case_id: str,
    engines: EngineHub,
    engine_choice: str = "auto",
    model: str | None = None,
    template_dir: Path | None = None,
    typed: Transcript | None = None,
    cancel: CancelToken | None = None,
    *,
    template_id: str | None = None,
) -> Job[DraftResult]:
    """Draft the case's note from its transcript (or from `typed` notes, saved with the draft)
    and save it as the case's working note; the template is `template_id`, else the case's
    note type, else the default one."""
    from assist import casework
    from assist.drafting.templates import configured_default_template, get_template

    cancel = cancel or CancelToken()
    case = store.get_case(case_id)
    template_id = template_id or case.note_type or configured_default_template()
    template = get_template(template_id, template_dir)
    if typed is not None:
        from assist.settings import load_settings
        from assist.settings.rules import require_typed_notes_allowed

        require_typed_notes_allowed(load_settings(), case_id, case.consent.status)
    transcript = typed if typed is not None else store.load_transcript(case_id)
    if transcript is None:
        raise AssistError(CASE_HAS_NO_TRANSCRIPT, case_id=case_id)
    result = yield from draft_transcript(
        transcript, template, engines, engine_choice, model, cancel, case_id=case_id
    )
    cancel.raise_if_cancelled()
    # From here on the job runs to its end: a cancel would leave half a save behind.
    if typed is not None:
        store.save_transcript(case_id, typed)
    casework.save_generated_draft(store, case_id, result.draft, template_dir)
    if typed is not None:
        yield Saved(case_id, "transcript")
    yield Saved(case_id, "draft")
    return replace(result, case_id=case_id)
