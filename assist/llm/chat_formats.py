"""Vetted chat formats per model family, and prompts built as token lists, never as one string.

A model file's own chat template (Jinja inside the GGUF) is never rendered: it is code from a
file (CVE-2024-34359). Instead each supported family has a format written here. A prompt is
built piece by piece: the format's markers are tokenised with special-token parsing, everything
else (instructions and above all the transcript) without it, after neutralising any text that
looks like a control token. So a citizen saying "<end_of_turn>" stays words, never a turn.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from assist.errors import AssistError, Msg
from assist.llm.engine import LlmEngine

UNKNOWN_FAMILY = Msg(
    "llm.unknown_chat_format",
    da="Assist kender ikke samtaleformatet for modellen '{name}' (arkitektur '{architecture}'). "
    "Understøttet: Gemma, Qwen (ChatML) og Llama 3.",
    en="Assist does not know the chat format of the model '{name}' (architecture "
    "'{architecture}'). Supported: Gemma, Qwen (ChatML) and Llama 3.",
)
FORMAT_MISMATCH = Msg(
    "llm.chat_format_mismatch",
    da="Modellen '{name}' passer ikke til samtaleformatet '{family}': markøren '{marker}' er "
    "ikke et kontroltegn i modellens ordforråd.",
    en="The model '{name}' does not fit the chat format '{family}': the marker '{marker}' is "
    "not a control token of the model's vocabulary.",
)


@dataclass(frozen=True)
class ChatFormat:
    family: str
    begin: str  # control text before the first turn, e.g. the BOS marker
    user_open: str
    user_close: str
    assistant_open: str
    # None: the family has no system role; the system text opens the user turn instead.
    system_open: str | None = None
    system_close: str = ""
    # Markers that must each be exactly one control token in the model's vocabulary.
    markers: tuple[str, ...] = ()


GEMMA = ChatFormat(
    family="gemma",
    begin="<bos>",
    user_open="<start_of_turn>user\n",
    user_close="<end_of_turn>\n",
    assistant_open="<start_of_turn>model\n",
    markers=("<bos>", "<start_of_turn>", "<end_of_turn>"),
)
CHATML = ChatFormat(
    family="chatml",
    begin="",
    system_open="<|im_start|>system\n",
    system_close="<|im_end|>\n",
    user_open="<|im_start|>user\n",
    user_close="<|im_end|>\n",
    assistant_open="<|im_start|>assistant\n",
    markers=("<|im_start|>", "<|im_end|>"),
)
# Qwen 3 thinks aloud unless the answer opens with an empty think block (its "no think" mode).
QWEN3 = replace(
    CHATML, family="qwen3", assistant_open="<|im_start|>assistant\n<think>\n\n</think>\n\n"
)
LLAMA3 = ChatFormat(
    family="llama3",
    begin="<|begin_of_text|>",
    system_open="<|start_header_id|>system<|end_header_id|>\n\n",
    system_close="<|eot_id|>",
    user_open="<|start_header_id|>user<|end_header_id|>\n\n",
    user_close="<|eot_id|>",
    assistant_open="<|start_header_id|>assistant<|end_header_id|>\n\n",
    markers=("<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"),
)
FORMATS: Mapping[str, ChatFormat] = {f.family: f for f in (GEMMA, CHATML, QWEN3, LLAMA3)}

_GEMMA_ARCHITECTURES = ("gemma", "gemma2", "gemma3", "gemma3n")
_LLAMA3_PRE_TOKENIZERS = ("llama-bpe", "llama3")


def format_for(metadata: Mapping[str, str], hint: str | None = None) -> ChatFormat:
    """The format for a model: a catalog hint (a family name) wins, else the GGUF metadata."""
    architecture = metadata.get("general.architecture", "")
    name = metadata.get("general.name", "") or architecture
    if hint:
        found = FORMATS.get(hint)
        if found is None:
            raise AssistError(UNKNOWN_FAMILY, name=name, architecture=hint)
        return found
    if architecture in _GEMMA_ARCHITECTURES:
        return GEMMA
    if architecture in ("qwen3", "qwen3moe"):
        return QWEN3
    if architecture in ("qwen2", "qwen2moe"):
        return CHATML
    lowered = name.lower()
    is_llama3 = metadata.get("tokenizer.ggml.pre", "") in _LLAMA3_PRE_TOKENIZERS or any(
        tag in lowered for tag in ("llama 3", "llama-3", "llama3")
    )
    if architecture == "llama" and is_llama3:
        return LLAMA3
    raise AssistError(UNKNOWN_FAMILY, name=name, architecture=architecture)


def check_format(engine: LlmEngine, chat_format: ChatFormat) -> None:
    """Refuse a format whose markers are not single control tokens of this model."""
    control_ids = engine.control_token_ids()
    for marker in chat_format.markers:
        tokens = engine.tokenize(marker, special=True)
        if len(tokens) != 1 or tokens[0] not in control_ids:
            raise AssistError(
                FORMAT_MISMATCH,
                name=engine.metadata.get("general.name", "?"),
                family=chat_format.family,
                marker=marker,
            )


# Text shaped like a special token of some family: <bos>, </s>, <|im_start|>, <start_of_turn>,
# <unused12>, [INST], [/INST], <<SYS>>. Defanging these costs nothing in a meeting transcript.
_TOKEN_LIKE = re.compile(
    r"<\|?/?[A-Za-z_][A-Za-z0-9_.:\-]*\|?>|\[/?[A-Z_]{3,}\]|<</?SYS>>|<\|[^|<>\s]{1,40}\|>"
)
_DEFANG = str.maketrans({"<": "‹", ">": "›", "[": "⁅", "]": "⁆", "|": "¦"})


def defang(text: str) -> str:
    return text.translate(_DEFANG)


def neutralise(text: str, control_texts: Iterable[str] = ()) -> str:
    """Break every control-token look-alike in untrusted text, keeping it readable."""
    text = _TOKEN_LIKE.sub(lambda match: defang(match.group(0)), text)
    for control in control_texts:
        # Only strings with marker punctuation can be confused with a marker when read.
        if control in text and any(ch in control for ch in "<>[]|"):
            text = text.replace(control, defang(control))
    return text


@dataclass(frozen=True)
class PromptPart:
    """Part of the user turn. `trusted=False` parts (transcripts) are neutralised first."""

    text: str
    trusted: bool = True


def build_prompt(
    engine: LlmEngine,
    chat_format: ChatFormat,
    system: str,
    user_parts: Sequence[PromptPart],
    control_texts: Iterable[str] | None = None,
) -> list[int]:
    """Tokens for one system+user exchange, ending where the model's answer begins.

    Parts are tokenised one by one (never as one string), so a shared leading part gives the
    same leading tokens across prompts and the engine can reuse its cache for it.
    """
    controls = tuple(engine.control_token_texts() if control_texts is None else control_texts)

    def marker(text: str) -> list[int]:
        return engine.tokenize(text, special=True) if text else []

    def content(part: PromptPart) -> list[int]:
        text = part.text if part.trusted else neutralise(part.text, controls)
        return engine.tokenize(text, special=False) if text else []

    tokens = marker(chat_format.begin)
    parts = list(user_parts)
    if chat_format.system_open is None:
        parts.insert(0, PromptPart(system + "\n\n"))
    else:
        tokens += marker(chat_format.system_open)
        tokens += content(PromptPart(system))
        tokens += marker(chat_format.system_close)
    tokens += marker(chat_format.user_open)
    for part in parts:
        tokens += content(part)
    tokens += marker(chat_format.user_close)
    tokens += marker(chat_format.assistant_open)
    return tokens
