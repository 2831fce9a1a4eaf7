"""LLM speed on this machine: load, prompt reading, first token, generation, one LLM draft.

    .venv/bin/python bench/llm_bench.py [--model PATH.gguf] [--n-ctx 4096] [--threads N] [--json]

Mechanics only: with the embedded Gemma 3 270M base model the draft's content is meaningless.
The model defaults to the installed embedded model, else the development copy.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assist.cancel import Progress  # noqa: E402
from assist.drafting.llm_drafter import LlmDrafter  # noqa: E402
from assist.drafting.types import DraftSection, Template, TemplateSection  # noqa: E402
from assist.errors import AssistError  # noqa: E402
from assist.llm.chat_formats import PromptPart, build_prompt, format_for  # noqa: E402
from assist.llm.llama_engine import LlamaCppEngine  # noqa: E402
from assist.transcript import Transcript  # noqa: E402

DEV_GGUF = Path("/tmp/assist-dev-models/gemma-3-270m-q4km/gemma-3-270m-q4_k_m.gguf")
EVAL_DIR = REPO / "bench" / "drafting_eval"
FILLER = "Borgeren fortæller om sin hverdag, sit arbejde og sin økonomi i den seneste måned. "


def default_model() -> Path:
    try:
        from assist.models.store import DEFAULT_LLM_MODEL, open_store

        return open_store().resolve(DEFAULT_LLM_MODEL, "llm").path
    except (ImportError, AssistError):
        return DEV_GGUF


def prompt_of_length(engine: LlamaCppEngine, tokens: int, salt: str) -> list[int]:
    """A chat prompt of about `tokens` tokens; `salt` first so no cached prefix is reused."""
    fmt = format_for(engine.metadata)
    text = salt + " " + FILLER * (tokens // 12 + 1)
    body = engine.tokenize(text, special=False)[:tokens]
    prompt = build_prompt(engine, fmt, "Skriv et kort resumé.", [PromptPart("x")])
    return prompt[:-6] + body + prompt[-6:]


def timed_stream(
    engine: LlamaCppEngine, prompt: list[int], max_tokens: int
) -> tuple[float, float, int, float]:
    """(prompt seconds, first-token seconds, pieces, generation seconds after the first)."""
    start = time.perf_counter()
    prompt_done = first = 0.0
    pieces = 0
    for event in engine.stream(prompt, max_tokens=max_tokens):
        now = time.perf_counter() - start
        if isinstance(event, Progress):
            prompt_done = now
        else:
            pieces += 1
            if pieces == 1:
                first = now
    total = time.perf_counter() - start
    return prompt_done, first, pieces, total - first


def eval_transcript() -> tuple[str, Transcript]:
    files = sorted(EVAL_DIR.glob("*.json"))
    if files:
        data = json.loads(files[0].read_text(encoding="utf-8"))
        return files[0].name, Transcript.from_dict(data, str(files[0]))
    lines = [f"{FILLER}Punkt {i}." for i in range(40)]
    return "synthetic-40-segments", Transcript.from_typed_notes("\n".join(lines))


def journal_template() -> Template:
    try:
        from assist.drafting.templates import get_template

        return get_template("journalnotat")
    except (ImportError, AssistError):
        sections = (
            TemplateSection("situation", "Borgerens situation", "Situation"),
            TemplateSection("aftaler", "Aftaler", "Agreements"),
            TemplateSection("vurdering", "Faglig vurdering", "Assessment", professional_only=True),
        )
        return Template("bench", "Bench", "Bench", sections)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--max-tokens", type=int, default=128, help="per section in the draft")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    model = args.model or default_model()

    results: dict[str, Any] = {"model": str(model), "n_ctx": args.n_ctx}
    start = time.perf_counter()
    engine = LlamaCppEngine(model, n_ctx=args.n_ctx, n_threads=args.threads)
    results["load_s"] = round(time.perf_counter() - start, 2)
    engine.control_token_ids()  # cached once per model; part of the first draft's cost
    results["control_tokens_s"] = round(time.perf_counter() - start - results["load_s"], 2)

    prompt_s, _first, _pieces, _gen = timed_stream(engine, prompt_of_length(engine, 512, "A"), 1)
    results["prompt_tokens_per_s"] = round(512 / prompt_s, 1) if prompt_s else None

    _p, first_s, _n, _g = timed_stream(engine, prompt_of_length(engine, 150, "B"), 1)
    results["first_token_s_150_token_prompt"] = round(first_s, 2)

    _p, _f, pieces, gen_s = timed_stream(engine, prompt_of_length(engine, 64, "C"), 128)
    results["generated_tokens"] = pieces
    results["generation_tokens_per_s"] = round((pieces - 1) / gen_s, 1) if gen_s > 0 else None

    name, transcript = eval_transcript()
    template = journal_template()
    drafter = LlmDrafter(engine, "bench", "", max_tokens=args.max_tokens)
    start = time.perf_counter()
    first_section = None
    sentences = 0
    for event in drafter.draft(transcript, template):
        if isinstance(event, DraftSection):
            if first_section is None and event.generated:
                first_section = time.perf_counter() - start
            sentences += len(event.sentences)
    results["draft_transcript"] = name
    results["draft_segments"] = len(transcript.segments)
    results["draft_sections"] = sum(not s.professional_only for s in template.sections)
    results["draft_first_section_s"] = round(first_section or 0.0, 1)
    results["draft_total_s"] = round(time.perf_counter() - start, 1)
    results["draft_cited_sentences"] = sentences
    engine.close()

    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        for key, value in results.items():
            print(f"{key:34} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
