"""Which drafter drafts: the LLM drafter only with a model that passed qualification.

`auto` uses the chosen (or default) LLM model if the model store says it is fit for drafting (it
passed the qualification gate on this exact file); otherwise it falls back to the structured
drafter and says why. `llm` refuses instead of falling back. `structured` never loads a model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from assist.drafting.structured import StructuredDrafter
from assist.drafting.types import Drafter
from assist.errors import EXIT_USAGE, AssistError, Msg

if TYPE_CHECKING:
    from assist.jobs.engines import InstalledModel, ModelCatalog

ENGINES = ("auto", "structured", "llm")

UNKNOWN_ENGINE = Msg(
    "draft.unknown_engine",
    da="Ukendt udkastsmotor '{engine}'. Vælg auto, structured eller llm.",
    en="Unknown drafting engine '{engine}'. Choose auto, structured or llm.",
    exit_code=EXIT_USAGE,
)
LLM_NOT_QUALIFIED = Msg(
    "draft.llm_not_qualified",
    da="Sprogmodellen '{model_id}' er ikke godkendt til at skrive udkast (den har ikke bestået "
    "kvalifikationstesten). Brug --engine structured, eller få IT til at installere en "
    "godkendt model.",
    en="The language model '{model_id}' is not approved for drafting (it has not passed the "
    "qualification test). Use --engine structured, or ask IT to install an approved model.",
)
LLM_UNAVAILABLE = Msg(
    "draft.llm_unavailable",
    da="Sprogmodellerne er ikke tilgængelige i denne installation ({reason}). "
    "Brug --engine structured.",
    en="Language models are not available in this installation ({reason}). "
    "Use --engine structured.",
)
NOTE_FALLBACK_UNQUALIFIED = Msg(
    "draft.note_unqualified",
    da="Bemærk: sprogmodellen '{model_id}' er ikke godkendt til udkast; "
    "udkastet er lavet ved struktureret udtræk.",
    en="Note: the language model '{model_id}' is not approved for drafting; "
    "the draft was made by structured extraction.",
)
NOTE_FALLBACK_UNAVAILABLE = Msg(
    "draft.note_unavailable",
    da="Bemærk: ingen sprogmodel kunne bruges ({reason}); udkastet er lavet ved struktureret "
    "udtræk.",
    en="Note: no language model could be used ({reason}); the draft was made by structured "
    "extraction.",
)


@dataclass(frozen=True)
class DrafterChoice:
    drafter: Drafter
    # Why `auto` fell back to the structured drafter, for the user (None when it did not).
    note: Msg | None = None
    note_params: dict[str, object] = field(default_factory=dict)
    close: Callable[[], None] = lambda: None


def _default_store(env: Mapping[str, str] | None) -> ModelCatalog:
    from assist.models.store import open_store

    return open_store(env)


@dataclass(frozen=True)
class DrafterPlan:
    """What `choose_drafter` decided before any model loads (so a job can say "model.load")."""

    engine: str  # "auto", "structured" or "llm"
    # The qualified LLM model to load; None: the structured drafter.
    installed: InstalledModel | None = None
    note: Msg | None = None  # why `auto` fell back, as in DrafterChoice
    note_params: dict[str, object] = field(default_factory=dict)


def choose_drafter(
    engine: str,
    model_id: str | None = None,
    env: Mapping[str, str] | None = None,
    *,
    open_store: Callable[[Mapping[str, str] | None], ModelCatalog] | None = None,
    load_llm: Callable[[InstalledModel], Drafter] | None = None,
) -> DrafterChoice:
    """The drafter for `engine`; `open_store`/`load_llm` are for tests (defaults load lazily)."""
    plan = plan_drafter(engine, model_id, env, open_store=open_store)
    choice = load_planned(plan, load_llm or _load_llm)
    if plan.installed is not None and choice.note is None:
        return replace(choice, close=choice.drafter.close)  # the caller owns what loaded here
    return choice


def plan_drafter(
    engine: str,
    model_id: str | None = None,
    env: Mapping[str, str] | None = None,
    *,
    open_store: Callable[[Mapping[str, str] | None], ModelCatalog] | None = None,
) -> DrafterPlan:
    """Which drafter `engine` gets, checking the model store but loading nothing."""
    if engine not in ENGINES:
        raise AssistError(UNKNOWN_ENGINE, engine=engine)
    if engine == "structured":
        return DrafterPlan(engine)
    strict = engine == "llm"
    from assist.settings import load_settings
    from assist.settings.rules import LLM_NOT_ALLOWED, LLM_NOT_ALLOWED_NOTE

    settings = load_settings(env)
    if not settings.flag("allow_llm_drafting"):
        origin = settings["allow_llm_drafting"].origin
        if strict:
            raise AssistError(LLM_NOT_ALLOWED, origin=origin)
        return _fallback_plan(engine, LLM_NOT_ALLOWED_NOTE)
    try:
        store = (open_store or _default_store)(env)
        chosen = model_id or _default_llm_model()
        installed = store.resolve(chosen, "llm")
    except ImportError as error:
        if strict:
            raise AssistError(LLM_UNAVAILABLE, reason=type(error).__name__) from None
        return _fallback_plan(engine, NOTE_FALLBACK_UNAVAILABLE, reason=type(error).__name__)
    except AssistError as error:
        if strict:
            raise
        return _fallback_plan(engine, NOTE_FALLBACK_UNAVAILABLE, reason=error.code)
    if not installed.fit_for_drafting:
        if strict:
            raise AssistError(LLM_NOT_QUALIFIED, model_id=installed.model_id)
        return _fallback_plan(engine, NOTE_FALLBACK_UNQUALIFIED, model_id=installed.model_id)
    return DrafterPlan(engine, installed)


def load_planned(plan: DrafterPlan, load_llm: Callable[[InstalledModel], Drafter]) -> DrafterChoice:
    """The planned drafter, loading the LLM with `load_llm`; under `auto` a model that fails to
    load falls back to the structured drafter. The returned choice's `close` does nothing: the
    drafter belongs to whoever `load_llm` got it from."""
    if plan.installed is None:
        return DrafterChoice(StructuredDrafter(), plan.note, dict(plan.note_params))
    try:
        drafter = load_llm(plan.installed)
    except (AssistError, ImportError) as error:
        if plan.engine == "llm":
            raise
        reason = error.code if isinstance(error, AssistError) else type(error).__name__
        return _fallback(NOTE_FALLBACK_UNAVAILABLE, reason=reason)
    return DrafterChoice(drafter)


def open_model_store(env: Mapping[str, str] | None = None) -> ModelCatalog:
    """The model store, as `choose_drafter` opens it by default (what `EngineHub` uses)."""
    return _default_store(env)


def load_llm_drafter(installed: InstalledModel) -> Drafter:
    """The LLM drafter for a qualified model store entry (what `EngineHub` loads)."""
    return _load_llm(installed)


def _fallback_plan(engine: str, note: Msg, **params: object) -> DrafterPlan:
    return DrafterPlan(engine, None, note, dict(params))


def _fallback(note: Msg, **params: object) -> DrafterChoice:
    return DrafterChoice(StructuredDrafter(), note=note, note_params=dict(params))


def _default_llm_model() -> str:
    from assist.models.store import configured_model_id

    return configured_model_id("llm")


def _load_llm(installed: InstalledModel) -> Drafter:
    """The LLM drafter, its model loaded in a worker process (a crash there cannot end Assist)."""
    from assist.drafting.llm_drafter import LlmDrafter
    from assist.engines.llm_worker import LlamaSpec, WorkerLlmEngine
    from assist.settings import load_settings

    threads = load_settings().number("engine_threads") or None
    spec = LlamaSpec(str(installed.path), installed.sha256, n_threads=threads)
    engine = WorkerLlmEngine.start(spec)
    return LlmDrafter(engine, installed.model_id, installed.sha256)
