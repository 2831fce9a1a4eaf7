"""The language model in a worker process, behind the same `LlmEngine` protocol.

    engine = WorkerLlmEngine.start(LlamaSpec(str(installed.path), installed.sha256))

Tokens and text pieces travel over the worker's pipes; the model file is loaded in the worker
only, once, and serves every prompt until `close()`. Cancel reaches the worker between prompt
chunks and tokens; when a chunk takes longer than the grace time the worker is killed instead.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from assist.cancel import CancelToken
from assist.engines.cpu import LlamaBuildInfo
from assist.engines.messages import EngineKind, ServedEngine
from assist.engines.worker import EngineWorker, WorkerEngine, WorkerLimits, drain
from assist.llm.engine import LlmEngine, StreamEvent
from assist.llm.llama_engine import DEFAULT_N_CTX, DEFAULT_PROMPT_CHUNK


@dataclass(frozen=True)
class LlmInfo:
    n_ctx: int
    metadata: Mapping[str, str]
    control_ids: frozenset[int]
    control_texts: frozenset[str]


class ServedLlm:
    """Inside the worker: answers the parent's calls with a loaded `LlmEngine`."""

    def __init__(self, engine: LlmEngine, close: Callable[[], None] = lambda: None) -> None:
        self._engine = engine
        self._close = close

    def info(self) -> LlmInfo:
        return LlmInfo(
            self._engine.n_ctx,
            dict(self._engine.metadata),
            self._engine.control_token_ids(),
            self._engine.control_token_texts(),
        )

    def handle(
        self, method: str, args: tuple[object, ...], cancel: CancelToken
    ) -> Generator[object, None, object]:
        if method == "tokenize":
            text, special = cast(tuple[str, bool], args)
            return self._engine.tokenize(text, special=special)
        if method == "detokenize":
            return self._engine.detokenize(cast(tuple[list[int]], args)[0])
        if method == "stream":
            tokens, max_tokens = cast(tuple[list[int], int], args)
            yield from self._engine.stream(tokens, max_tokens=max_tokens, cancel=cancel)
            return None
        raise ValueError(f"unknown method {method!r}")

    def close(self) -> None:
        self._close()


@dataclass(frozen=True)
class LlamaSpec:
    """A verified GGUF file for llama.cpp: only paths, the hash and settings cross over."""

    model_path: str
    sha256: str
    n_ctx: int = DEFAULT_N_CTX
    n_threads: int | None = None
    prompt_chunk: int = DEFAULT_PROMPT_CHUNK

    @property
    def kind(self) -> EngineKind:
        return "llm"

    def build(self) -> ServedEngine:
        from assist.engines.cpu import require_baseline
        from assist.llm.llama_engine import LlamaCppEngine

        require_baseline()  # before llama.cpp runs an instruction this CPU lacks (SIGILL)
        engine = LlamaCppEngine(
            self.model_path, self.n_ctx, self.n_threads, prompt_chunk=self.prompt_chunk
        )
        return ServedLlm(engine, engine.close)


class WorkerLlmEngine(WorkerEngine):
    """An `LlmEngine` whose model runs in a worker process."""

    @property
    def _llm(self) -> LlmInfo:
        return cast(LlmInfo, self._info)

    @property
    def n_ctx(self) -> int:
        return self._llm.n_ctx

    @property
    def metadata(self) -> Mapping[str, str]:
        return self._llm.metadata

    def tokenize(self, text: str, *, special: bool) -> list[int]:
        return cast(list[int], drain(self._worker.run("tokenize", text, special)))

    def detokenize(self, tokens: Sequence[int]) -> str:
        return cast(str, drain(self._worker.run("detokenize", list(tokens))))

    def control_token_ids(self) -> frozenset[int]:
        return self._llm.control_ids

    def control_token_texts(self) -> frozenset[str]:
        return self._llm.control_texts

    def stream(
        self,
        prompt_tokens: Sequence[int],
        *,
        max_tokens: int,
        cancel: CancelToken | None = None,
    ) -> Iterator[StreamEvent]:
        steps = self._worker.run("stream", list(prompt_tokens), max_tokens, cancel=cancel)
        for event in steps:
            yield cast(StreamEvent, event)


class _ServedSystemInfo:
    """A worker that loads only the llama.cpp library, to say what it was built for."""

    def __init__(self, text: str) -> None:
        self._text = text

    def info(self) -> str:
        return self._text

    def handle(
        self, method: str, args: tuple[object, ...], cancel: CancelToken
    ) -> Generator[object, None, object]:
        raise ValueError(f"unknown method {method!r}")
        yield  # a generator, like every handler

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class LlamaSystemInfoSpec:
    @property
    def kind(self) -> EngineKind:
        return "llm"

    def build(self) -> ServedEngine:
        import llama_cpp

        text = llama_cpp.llama_print_system_info()
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        return _ServedSystemInfo(str(text))


def llama_build_info(limits: WorkerLimits | None = None) -> LlamaBuildInfo:
    """The installed llama.cpp's own account of its CPU features, asked in a worker process
    (so a library that cannot run on this CPU cannot take the caller down)."""
    with EngineWorker(LlamaSystemInfoSpec(), limits) as worker:
        return LlamaBuildInfo.parse(cast(str, worker.info()))
