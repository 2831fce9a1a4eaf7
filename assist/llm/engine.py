"""The boundary between Assist and a language model: tokens in, streamed text pieces out.

Engines never render a model file's own chat template and never parse special tokens in text
they did not build themselves: callers tokenise control markers with `special=True` and user
content with `special=False`, and concatenate the token lists (see assist/llm/chat_formats.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol

from assist.cancel import CancelToken, Progress
from assist.errors import AssistError, Msg

PROMPT_TOO_LONG = Msg(
    "llm.prompt_too_long",
    da="Teksten er for lang til sprogmodellens kontekst ({tokens} tokens plus {max_tokens} til "
    "svaret; modellen har plads til {n_ctx}).",
    en="The text is too long for the language model's context ({tokens} tokens plus "
    "{max_tokens} for the answer; the model holds {n_ctx}).",
)

# What a completion stream yields: Progress while the prompt is read, then text pieces.
StreamEvent = Progress | str

PROMPT_STAGE = "llm.prompt"


class LlmEngine(Protocol):
    """A loaded model. Deterministic: the same tokens in give the same pieces out."""

    @property
    def n_ctx(self) -> int:
        """How many tokens the context holds (prompt plus answer)."""
        ...

    @property
    def metadata(self) -> Mapping[str, str]:
        """Model metadata (GGUF key/values such as `general.architecture`, `general.name`)."""
        ...

    def tokenize(self, text: str, *, special: bool) -> list[int]:
        """Tokens for `text`, without a BOS token. `special=True` parses control-token strings."""
        ...

    def detokenize(self, tokens: Sequence[int]) -> str:
        """Text for ordinary tokens; control tokens render as nothing."""
        ...

    def control_token_ids(self) -> frozenset[int]:
        """Ids of the vocabulary's control tokens (turn markers, BOS/EOS, unused slots)."""
        ...

    def control_token_texts(self) -> frozenset[str]:
        """The strings of those control tokens (e.g. '<end_of_turn>'), for neutralising input."""
        ...

    def close(self) -> None:
        """Unload the model (ends its worker process)."""
        ...

    def stream(
        self,
        prompt_tokens: Sequence[int],
        *,
        max_tokens: int,
        cancel: CancelToken | None = None,
    ) -> Iterator[StreamEvent]:
        """Read the prompt (yielding Progress between chunks), then yield text pieces greedily.

        Stops at an end-of-generation or other control token, after `max_tokens`, or when the
        context is full; checks `cancel` between prompt chunks and between tokens and raises
        `Cancelled`. Raises AssistError PROMPT_TOO_LONG when the prompt and `max_tokens` do not
        fit the context.
        """
        ...


def check_fits(prompt_tokens: int, max_tokens: int, n_ctx: int) -> None:
    if prompt_tokens + max_tokens > n_ctx:
        raise AssistError(PROMPT_TOO_LONG, tokens=prompt_tokens, max_tokens=max_tokens, n_ctx=n_ctx)


def complete(
    engine: LlmEngine,
    prompt_tokens: Sequence[int],
    *,
    max_tokens: int,
    cancel: CancelToken | None = None,
) -> str:
    """The whole answer as one string (for callers that do not stream)."""
    return "".join(
        event
        for event in engine.stream(prompt_tokens, max_tokens=max_tokens, cancel=cancel)
        if isinstance(event, str)
    )
