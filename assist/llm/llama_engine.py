"""The llama.cpp engine (llama-cpp-python): local GGUF files only, greedy and deterministic.

Cancellation: llama.cpp cannot stop inside a decode call, so the prompt is evaluated in chunks
of `prompt_chunk` tokens with a cancel check between chunks, and generation checks between
tokens. Chunks start at fixed positions (multiples of `prompt_chunk`), and a cached prefix is
reused only in whole chunks, so a prompt always meets the same arithmetic: same tokens in, same
text out, whether or not the previous prompt shared its beginning.
"""

from __future__ import annotations

import codecs
import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from assist.cancel import CancelToken, Progress
from assist.errors import AssistError, Msg
from assist.llm.engine import PROMPT_STAGE, StreamEvent, check_fits

MODEL_FILE_MISSING = Msg(
    "llm.model_file_missing",
    da="Sprogmodellen findes ikke som fil her: '{path}'. Installér eller importér modellen igen.",
    en="The language model file is not here: '{path}'. Install or import the model again.",
)
RUNTIME_MISSING = Msg(
    "llm.runtime_missing",
    da="Assist mangler llama-cpp-python, som kører sprogmodellen. Geninstallér Assist.",
    en="Assist lacks llama-cpp-python, which runs the language model. Reinstall Assist.",
)
LOAD_FAILED = Msg(
    "llm.load_failed",
    da="Sprogmodellen '{path}' kunne ikke indlæses ({reason}). Filen kan være beskadiget eller "
    "af en type, denne version af Assist ikke kan læse.",
    en="The language model '{path}' could not be loaded ({reason}). The file may be damaged or "
    "of a kind this version of Assist cannot read.",
)

DEFAULT_N_CTX = 4096
DEFAULT_PROMPT_CHUNK = 64


def default_threads() -> int:
    """Half the logical CPUs (about the physical cores), at least one.

    llama.cpp's threads spin while they wait for each other, so on a busy laptop (recording,
    transcription, a browser) more threads than free cores collapse throughput: measured on a
    loaded two-core machine, one thread generated 20-30 tokens/s where two managed 1-2.
    """
    return max(1, (os.cpu_count() or 2) // 2)


def _quiet_native_output() -> contextlib.AbstractContextManager[object]:
    """verbose=False still lets llama.cpp print context notes on the terminal; keep them out."""
    try:
        from llama_cpp._utils import suppress_stdout_stderr
    except ImportError:  # a private helper of llama-cpp-python; its absence is only cosmetic
        return contextlib.nullcontext()
    quiet: contextlib.AbstractContextManager[object] = suppress_stdout_stderr(disable=False)
    return quiet


class LlamaCppEngine:
    """One loaded GGUF model. Not thread-safe: one stream at a time per engine."""

    def __init__(
        self,
        model_path: Path | str,
        n_ctx: int = DEFAULT_N_CTX,
        n_threads: int | None = None,
        *,
        seed: int = 0,
        prompt_chunk: int = DEFAULT_PROMPT_CHUNK,
    ) -> None:
        path = Path(model_path)
        if not path.is_file():
            raise AssistError(MODEL_FILE_MISSING, path=str(path))
        try:
            import llama_cpp
        except ImportError:
            raise AssistError(RUNTIME_MISSING) from None
        threads = n_threads or default_threads()
        try:
            with _quiet_native_output():
                self._llama: Any = llama_cpp.Llama(
                    model_path=str(path),
                    n_ctx=n_ctx,
                    n_batch=max(512, prompt_chunk),
                    n_threads=threads,
                    n_threads_batch=threads,
                    seed=seed,
                    # A full-size sliding-window cache lets a shared prefix be kept (Gemma 3).
                    swa_full=True,
                    verbose=False,
                )
        except (ValueError, RuntimeError, OSError) as error:
            raise AssistError(LOAD_FAILED, path=str(path), reason=type(error).__name__) from None
        self._lib: Any = llama_cpp
        self._vocab = llama_cpp.llama_model_get_vocab(self._llama.model)
        self._prompt_chunk = prompt_chunk
        self._metadata = {str(k): str(v) for k, v in self._llama.metadata.items()}
        self._control_ids: frozenset[int] | None = None
        self._control_texts: frozenset[str] | None = None
        # The prompt behind the current cache content, for reusing its whole chunks.
        self._cached_prompt: list[int] = []

    @property
    def n_ctx(self) -> int:
        return int(self._llama.n_ctx())

    @property
    def metadata(self) -> Mapping[str, str]:
        return self._metadata

    def tokenize(self, text: str, *, special: bool) -> list[int]:
        return list(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=special))

    def detokenize(self, tokens: Sequence[int]) -> str:
        data: bytes = self._llama.detokenize(list(tokens), special=False)
        return data.decode("utf-8", errors="replace")

    def control_token_ids(self) -> frozenset[int]:
        if self._control_ids is None:
            n_vocab = self._lib.llama_vocab_n_tokens(self._vocab)
            is_control = self._lib.llama_vocab_is_control
            self._control_ids = frozenset(i for i in range(n_vocab) if is_control(self._vocab, i))
        return self._control_ids

    def control_token_texts(self) -> frozenset[str]:
        if self._control_texts is None:
            texts = (
                self._llama.detokenize([i], special=True).decode("utf-8", errors="replace")
                for i in sorted(self.control_token_ids())
            )
            self._control_texts = frozenset(t for t in texts if t.strip())
        return self._control_texts

    def close(self) -> None:
        self._llama.close()

    def __enter__(self) -> LlamaCppEngine:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def stream(
        self,
        prompt_tokens: Sequence[int],
        *,
        max_tokens: int,
        cancel: CancelToken | None = None,
    ) -> Iterator[StreamEvent]:
        tokens = list(prompt_tokens)
        n_ctx = self.n_ctx
        check_fits(len(tokens), max_tokens, n_ctx)
        done = self._restore_prefix(tokens)
        self._cached_prompt = []  # until the whole prompt is in, the cache matches no prompt
        total = len(tokens)
        while done < total:
            if cancel is not None:
                cancel.raise_if_cancelled()
            end = min(total, (done // self._prompt_chunk + 1) * self._prompt_chunk)
            self._llama.eval(tokens[done:end])
            done = end
            yield Progress(PROMPT_STAGE, done, total)
        self._cached_prompt = tokens
        yield from self._generate(max_tokens, n_ctx, cancel)

    def _restore_prefix(self, tokens: list[int]) -> int:
        """Keep the cached whole chunks this prompt shares; returns how many tokens are kept."""
        shared = 0
        for cached, new in zip(self._cached_prompt, tokens, strict=False):
            if cached != new:
                break
            shared += 1
        keep = (min(shared, len(tokens) - 1) // self._prompt_chunk) * self._prompt_chunk
        if keep > 0 and self._llama._ctx.kv_cache_seq_rm(-1, keep, -1):
            self._llama.n_tokens = keep
            return keep
        self._llama.reset()
        self._llama._ctx.kv_cache_seq_rm(-1, 0, -1)
        return 0

    def _generate(self, max_tokens: int, n_ctx: int, cancel: CancelToken | None) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        control_ids = self.control_token_ids()
        for _ in range(max_tokens):
            if cancel is not None:
                cancel.raise_if_cancelled()
            token = int(self._llama.sample(temp=0.0, repeat_penalty=1.0))
            if token in control_ids or self._lib.llama_vocab_is_eog(self._vocab, token):
                break
            piece = decoder.decode(self._llama.detokenize([token], special=False))
            if piece:
                yield piece
            if self._llama.n_tokens >= n_ctx:
                break
            self._llama.eval([token])
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail
