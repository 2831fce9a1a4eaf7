"""Does a model really load? Asked at import, in a worker process, before anything is registered.

A GGUF header followed by random bytes, a truncated GGUF or a Whisper folder with a damaged
model.bin passes every check on names, magic bytes and hashes, yet cannot be loaded. So
`assist models import` loads the model once in the same kind of worker process that later
transcribes or drafts with it (`WorkerAsrEngine`, `WorkerLlmEngine`, see assist/engines), and
refuses it if the load fails or the worker crashes (segfault, abort, out of memory, hang).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assist.engines.messages import EngineSpec
from assist.engines.worker import EngineCrashed
from assist.errors import AssistError, Cancelled, Msg
from assist.models.catalog import ModelKind

# (kind, path: the folder of an ASR model or the .gguf file, model id); raises AssistError.
LoadCheck = Callable[[ModelKind, Path, str], None]

# A small context is enough to prove the file loads, and keeps the check quick and light.
_CHECK_N_CTX = 256
# Problems of this computer or installation, not of the file: passed on as they are.
_NOT_THE_FILE = frozenset({"llm.runtime_missing", "engine.cpu_below_baseline"})

MODEL_DOES_NOT_LOAD = Msg(
    "models.does_not_load",
    da="Modellen i {path} kan ikke indlæses ({reason}), så den er ikke importeret; "
    "modelregistret er uændret. Filen er beskadiget, ufuldstændig eller af en type, Assist ikke "
    "kan bruge. Hent modellen igen fra kilden.",
    en="The model in {path} cannot be loaded ({reason}), so it was not imported; the model "
    "registry is unchanged. The file is damaged, incomplete or of a kind Assist cannot use. "
    "Fetch the model again from its source.",
)
MODEL_CRASHED_ON_LOAD = Msg(
    "models.crashed_on_load",
    da="Modellen i {path} fik motoren til at gå ned, mens den blev indlæst ({reason}), så den er "
    "ikke importeret; modelregistret er uændret. Filen er beskadiget eller passer ikke til "
    "denne version af Assist.",
    en="The model in {path} made the engine crash while loading ({reason}), so it was not "
    "imported; the model registry is unchanged. The file is damaged or does not suit this "
    "version of Assist.",
)


def _real_spec(kind: ModelKind, path: Path, model_id: str) -> EngineSpec:
    if kind == "llm":
        from assist.engines.llm_worker import LlamaSpec

        return LlamaSpec(str(path), "", n_ctx=_CHECK_N_CTX)
    from assist.engines.asr_worker import WhisperSpec

    return WhisperSpec(str(path), model_id)


def check_loads_in_worker(
    kind: ModelKind, path: Path, model_id: str, *, spec: EngineSpec | None = None
) -> None:
    """Load the model in a worker process and close it again; AssistError if it does not load.

    `spec` replaces the real engine spec (tests use one that crashes on load)."""
    from assist.engines.asr_worker import WorkerAsrEngine
    from assist.engines.llm_worker import WorkerLlmEngine

    engine_spec = spec or _real_spec(kind, path, model_id)
    try:
        engine = (
            WorkerLlmEngine.start(engine_spec)
            if engine_spec.kind == "llm"
            else WorkerAsrEngine.start(engine_spec)
        )
    except EngineCrashed as crash:
        reason = f"{crash.reason} {crash.signal_name}".strip()
        raise AssistError(MODEL_CRASHED_ON_LOAD, path=path, reason=reason) from None
    except Cancelled:
        raise
    except AssistError as error:
        if error.code in _NOT_THE_FILE:
            raise
        reason = str(error.params.get("reason") or error.code)
        raise AssistError(MODEL_DOES_NOT_LOAD, path=path, reason=reason) from None
    engine.close()
