"""A fake engine for fast tests: a word-level tokenizer and queued answers (no model file).

    engine = FakeLlmEngine(responses=["Borgeren har svært ved at betale huslejen [S0]."])

Each `stream` call takes the next queued response; a response may be a function of the prompt
text, so a test can answer per prompt. Every prompt is kept in `prompts` for assertions.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from assist.cancel import CancelToken, Progress
from assist.llm.engine import PROMPT_STAGE, StreamEvent, check_fits

Response = str | Callable[[str], str]

# The control tokens of the families Assist formats for; ids 1.. are reserved for them.
FAKE_CONTROL_TOKENS: tuple[str, ...] = (
    "<bos>",
    "<eos>",
    "<start_of_turn>",
    "<end_of_turn>",
    "<|im_start|>",
    "<|im_end|>",
    "<|endoftext|>",
    "<|begin_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
    "<s>",
    "</s>",
)
_FIRST_ORDINARY_ID = 1000
_PIECE = re.compile(r"\s*\S+|\s+")
_CONTROL_SPLIT = re.compile("(" + "|".join(re.escape(t) for t in FAKE_CONTROL_TOKENS) + ")")
DEFAULT_METADATA: Mapping[str, str] = {
    "general.architecture": "gemma3",
    "general.name": "Fake Gemma for tests",
}


class FakeLlmEngine:
    def __init__(
        self,
        responses: Iterable[Response] = (),
        *,
        n_ctx: int = 8192,
        metadata: Mapping[str, str] | None = None,
        prompt_chunk: int = 64,
    ) -> None:
        self._responses: deque[Response] = deque(responses)
        self._n_ctx = n_ctx
        self._metadata = dict(DEFAULT_METADATA if metadata is None else metadata)
        self._prompt_chunk = prompt_chunk
        self._control_ids = {text: i + 1 for i, text in enumerate(FAKE_CONTROL_TOKENS)}
        self._pieces: dict[str, int] = {}
        self._by_id: dict[int, str] = {i: text for text, i in self._control_ids.items()}
        self.prompts: list[list[int]] = []
        self.pieces_streamed = 0

    def queue(self, *responses: Response) -> None:
        self._responses.extend(responses)

    @property
    def n_ctx(self) -> int:
        return self._n_ctx

    @property
    def metadata(self) -> Mapping[str, str]:
        return self._metadata

    def tokenize(self, text: str, *, special: bool) -> list[int]:
        parts = _CONTROL_SPLIT.split(text) if special else [text]
        tokens: list[int] = []
        for part in parts:
            if special and part in self._control_ids:
                tokens.append(self._control_ids[part])
            else:
                tokens.extend(self._piece_id(piece) for piece in _PIECE.findall(part))
        return tokens

    def detokenize(self, tokens: Sequence[int]) -> str:
        return "".join(self._by_id[t] for t in tokens if t >= _FIRST_ORDINARY_ID)

    def render(self, tokens: Sequence[int]) -> str:
        """The prompt as text with control tokens shown (for test assertions)."""
        return "".join(self._by_id[t] for t in tokens)

    def control_token_ids(self) -> frozenset[int]:
        return frozenset(self._control_ids.values())

    def control_token_texts(self) -> frozenset[str]:
        return frozenset(self._control_ids)

    def close(self) -> None:
        pass

    def stream(
        self,
        prompt_tokens: Sequence[int],
        *,
        max_tokens: int,
        cancel: CancelToken | None = None,
    ) -> Iterator[StreamEvent]:
        check_fits(len(prompt_tokens), max_tokens, self._n_ctx)
        self.prompts.append(list(prompt_tokens))
        if not self._responses:
            raise LookupError("FakeLlmEngine: no response queued for this prompt")
        response = self._responses.popleft()
        text = response(self.render(prompt_tokens)) if callable(response) else response
        for done in range(0, len(prompt_tokens), self._prompt_chunk):
            if cancel is not None:
                cancel.raise_if_cancelled()
            yield Progress(PROMPT_STAGE, done, len(prompt_tokens))
        answer = self.tokenize(text, special=True)
        room = self._n_ctx - len(prompt_tokens)
        for token in answer[: min(max_tokens, room)]:
            if cancel is not None:
                cancel.raise_if_cancelled()
            if token < _FIRST_ORDINARY_ID:
                return
            self.pieces_streamed += 1
            yield self._by_id[token]

    def _piece_id(self, piece: str) -> int:
        found = self._pieces.get(piece)
        if found is None:
            found = _FIRST_ORDINARY_ID + len(self._pieces)
            self._pieces[piece] = found
            self._by_id[found] = piece
        return found
