"""The loaded models, kept across jobs: one speech engine and one language-model drafter.

    with EngineHub() as engines:                  # the CLI: one per command; the app: one per run
        run(transcribe_into_case(store, None, path, engines, ...))
        run(draft_case(store, case_id, engines, "auto", None, template_dir))

A model loads on first use and is reused by every later job (and case) that asks for the same
model; asking for another one closes the old one first. `close()` (or leaving the `with` block)
ends every worker. `exclusive=True` keeps at most one model in memory: loading one kind closes
the other (what the CLI's `process` wants on a small laptop). The loaders are injectable so
tests run on fake engines (and `open_models` on a fake model store).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Literal, Protocol

from assist.asr.engine import AsrEngine
from assist.cancel import Progress
from assist.drafting.types import Drafter
from assist.errors import AssistError

EngineKind = Literal["asr", "llm"]


class InstalledModel(Protocol):
    """A verified model in the model store (`assist.models.store.InstalledModel`)."""

    @property
    def model_id(self) -> str: ...

    @property
    def path(self) -> Path: ...

    @property
    def sha256(self) -> str: ...

    @property
    def fit_for_drafting(self) -> bool: ...


class ModelCatalog(Protocol):
    """What the hub and the drafter choice ask the model store (`ModelStore`)."""

    def resolve(self, model_id: str, kind: str | None = None) -> InstalledModel:
        """The verified model `model_id` (of `kind`); AssistError if it is not installed."""
        ...


def _load_asr(model: str | None) -> AsrEngine:
    from assist.asr import model as asr_model

    return asr_model.load_engine(model)  # looked up now: tests replace it


def _load_llm(installed: InstalledModel) -> Drafter:
    from assist.drafting import select

    return select.load_llm_drafter(installed)


# Checks a model's files against their hashes, yielding Progress (minutes for a multi-GB model
# the first time; a stat per file once the hash cache knows them).
ModelCheck = Callable[[str | None, EngineKind], Iterator[Progress]]


def _check_in_store(model_id: str | None, kind: EngineKind) -> Iterator[Progress]:
    from assist.models.store import configured_model_id, open_store

    chosen = model_id or configured_model_id(kind)
    try:
        for item in open_store().verify([chosen]):
            if isinstance(item, Progress):
                yield item
    except AssistError:
        return  # unknown here: loading the model says what is wrong, in its own words


def _no_check(model_id: str | None, kind: EngineKind) -> Iterator[Progress]:
    return iter(())


def _open_models() -> ModelCatalog:
    from assist.drafting import select

    catalog: ModelCatalog = select.open_model_store(None)
    return catalog


class EngineHub:
    """Owns the loaded engines; the jobs borrow them and never close them."""

    def __init__(
        self,
        *,
        load_asr: Callable[[str | None], AsrEngine] | None = None,
        load_llm: Callable[[InstalledModel], Drafter] | None = None,
        open_models: Callable[[], ModelCatalog] | None = None,
        check_model: ModelCheck | None = None,
        exclusive: bool = False,
    ) -> None:
        self._load_asr = load_asr or _load_asr
        self._load_llm = load_llm or _load_llm
        self._open_models = open_models or _open_models
        # The real store's check by default; a hub given another catalog checks nothing itself.
        self._check_model = check_model or (_check_in_store if open_models is None else _no_check)
        self._exclusive = exclusive
        self._asr: tuple[str | None, AsrEngine] | None = None
        self._llm: tuple[tuple[str, str], Drafter] | None = None
        self._sha256: dict[str, str] = {}
        self._closed = False

    @property
    def loaded(self) -> tuple[EngineKind, ...]:
        kinds: list[EngineKind] = []
        if self._asr is not None:
            kinds.append("asr")
        if self._llm is not None:
            kinds.append("llm")
        return tuple(kinds)

    def asr(self, model: str | None = None) -> AsrEngine:
        """The speech engine for `model` (None: the default model), loading it if needed."""
        self._check_open()
        if self._asr is not None and self._asr[0] == model:
            return self._asr[1]
        self.discard("asr")
        if self._exclusive:
            self.discard("llm")
        engine = self._load_asr(model)
        self._asr = (model, engine)
        return engine

    def check_steps(self, kind: EngineKind, model: str | None = None) -> Iterator[Progress]:
        """Progress of checking a model's files before it loads; nothing if it is loaded."""
        if kind == "asr" and self._asr is not None and self._asr[0] == model:
            return iter(())
        if kind == "llm" and self._llm is not None and model in (None, self._llm[0][0]):
            return iter(())
        return self._check_model(model, kind)

    def models(self) -> ModelCatalog:
        """The model store: what is installed and qualified."""
        return self._open_models()

    def asr_model_sha256(self, model_id: str) -> str:
        """The installed speech model's hash (sealed with the transcript), looked up once."""
        if model_id not in self._sha256:
            self._sha256[model_id] = self.models().resolve(model_id, "asr").sha256
        return self._sha256[model_id]

    def llm_drafter(self, installed: InstalledModel) -> Drafter:
        """The LLM drafter for a qualified model store entry, loading it if needed (the loader
        `choose_drafter` is given)."""
        self._check_open()
        key = _llm_key(installed)
        if self._llm is not None and self._llm[0] == key:
            return self._llm[1]
        self.discard("llm")
        if self._exclusive:
            self.discard("asr")
        drafter = self._load_llm(installed)
        self._llm = (key, drafter)
        return drafter

    def discard(self, kind: EngineKind) -> None:
        """Close one engine (e.g. after its worker crashed); the next job loads it again."""
        if kind == "asr" and self._asr is not None:
            engine, self._asr = self._asr[1], None
            engine.close()
        elif kind == "llm" and self._llm is not None:
            drafter, self._llm = self._llm[1], None
            drafter.close()

    def close(self) -> None:
        """End every worker; the hub cannot load again afterwards."""
        self._closed = True
        try:
            self.discard("asr")
        finally:
            self.discard("llm")

    def __enter__(self) -> EngineHub:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the engine hub is closed")


def _llm_key(installed: InstalledModel) -> tuple[str, str]:
    return (installed.model_id, installed.sha256)
