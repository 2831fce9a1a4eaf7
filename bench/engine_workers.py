"""Native engines in-process against the same engines in a worker process (assist/engines/).

    .venv/bin/python bench/engine_workers.py [--rounds 3] [--threads 1] [--kind both] [--json]

Every measurement runs in a fresh child Python process that this script starts (internal flags
`--mode inprocess|worker --kind llm|asr`), so each mode's memory figures are its own and no mode
inherits the other's warm caches. Rounds interleave the modes (and swap their order every round)
so machine noise hits both. Models: the installed `gemma-3-270m-q4km` and `whisper-base-ct2`.

LLM (llama.cpp, `--threads`, default 1): `load_s` from constructing the engine until it can
stream (in-process this includes the control-token tables the worker builds before it is
ready); `first_token_s` from calling stream() on a ~300-token prompt to the first text piece;
`prompt_tok_s` prompt tokens / time to the last prompt-progress event; `gen_tok_s` text pieces
after the first (up to 128; ~tokens) / their time. ASR (faster-whisper): `load_s`;
`first_segment_s` and `total_s` for tests/fixtures/sample-da.wav (39 s, Danish; longer than one
30 s window, so it takes the batched path, whose segments all arrive at the end: first segment
~ total here); `rtf` = total_s / audio seconds. RSS (psutil, MB) after load and after the job:
`parent` is the process that uses the engine (in-process: it holds the model), `worker` the
worker process, `sum` both.

A warning is printed if a worker-mode parent imported the native library (it must not).
Reports median and min over the rounds, and worker minus in-process of the medians (seconds,
MB, or percent for throughput). Targets: worker first token and first segment at most 0.5 s
later than in-process; prompt and generation throughput at most 5% lower.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, cast

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

LLM_MODEL = "gemma-3-270m-q4km"
SAMPLE = REPO / "tests" / "fixtures" / "sample-da.wav"
PROMPT_TOKENS = 300
GEN_TOKENS = 128  # measured after the first piece
MODES = ("inprocess", "worker")
NATIVE = {"llm": ("llama_cpp",), "asr": ("faster_whisper", "ctranslate2")}
RSS_KEYS = [f"{who}_rss_{when}_mb" for when in ("load", "job") for who in ("parent", "worker")]
RSS_KEYS += ["sum_rss_load_mb", "sum_rss_job_mb"]
# (key, unit, target): unit "s"/"MB" compares by difference, "%" by relative change.
METRICS: dict[str, list[tuple[str, str, str | None]]] = {
    "llm": [
        ("load_s", "s", None),
        ("first_token_s", "s", "<= +0.5 s"),
        ("prompt_tok_s", "%", ">= -5%"),
        ("gen_tok_s", "%", ">= -5%"),
        ("gen_pieces", "", None),
    ],
    "asr": [
        ("load_s", "s", None),
        ("first_segment_s", "s", "<= +0.5 s"),
        ("total_s", "s", None),
        ("rtf", "", None),
        ("segments", "", None),
    ],
}


def rss_mb(pid: int | None) -> float | None:
    import psutil

    return None if pid is None else psutil.Process(pid).memory_info().rss / 2**20


def memory(when: str, worker_pid: int | None) -> dict[str, float | None]:
    parent, worker = rss_mb(os.getpid()), rss_mb(worker_pid)
    keys = (f"{who}_rss_{when}_mb" for who in ("parent", "worker", "sum"))
    return dict(zip(keys, (parent, worker, (parent or 0.0) + (worker or 0.0)), strict=True))


def llm_child(mode: str, threads: int) -> dict[str, Any]:
    from llm_bench import prompt_of_length

    from assist.cancel import Progress
    from assist.llm.engine import LlmEngine
    from assist.models.store import open_store

    model = open_store().resolve(LLM_MODEL, "llm")
    start = time.perf_counter()
    engine: LlmEngine
    pid: int | None = None
    if mode == "worker":
        from assist.engines.llm_worker import LlamaSpec, WorkerLlmEngine

        worker = WorkerLlmEngine.start(LlamaSpec(str(model.path), model.sha256, n_threads=threads))
        engine, pid = worker, worker.worker.pid
    else:
        from assist.llm.llama_engine import LlamaCppEngine

        engine = LlamaCppEngine(model.path, n_threads=threads)
        engine.control_token_ids()  # the worker computes both before it says it is ready
        engine.control_token_texts()
    result: dict[str, Any] = {"load_s": time.perf_counter() - start}
    result |= memory("load", pid)
    prompt = prompt_of_length(cast(Any, engine), PROMPT_TOKENS, "A")  # only protocol methods
    prompt_done = first = 0.0
    pieces = 0
    start = time.perf_counter()
    for event in engine.stream(prompt, max_tokens=GEN_TOKENS + 1):
        now = time.perf_counter() - start
        if isinstance(event, Progress):
            prompt_done = now
        else:
            pieces += 1
            first = first or now
    generation = time.perf_counter() - start - first
    result |= memory("job", pid)
    engine.close()
    return result | {
        "prompt_tokens": len(prompt),
        "first_token_s": first,
        "prompt_tok_s": len(prompt) / prompt_done if prompt_done else None,
        "gen_pieces": pieces - 1,
        "gen_tok_s": (pieces - 1) / generation if pieces > 1 and generation > 0 else None,
    }


def asr_child(mode: str) -> dict[str, Any]:
    from asr_common import RATE, model_dir

    from assist.asr.engine import AsrEngine
    from assist.audio.decode import decode_audio
    from assist.models.store import DEFAULT_ASR_MODEL

    audio = decode_audio(SAMPLE)
    folder = model_dir()
    start = time.perf_counter()
    engine: AsrEngine
    pid: int | None = None
    if mode == "worker":
        from assist.engines.asr_worker import WhisperSpec, WorkerAsrEngine

        worker = WorkerAsrEngine.start(WhisperSpec(str(folder), DEFAULT_ASR_MODEL))
        engine, pid = worker, worker.worker.pid
    else:
        from assist.asr.whisper_engine import WhisperEngine

        engine = WhisperEngine(folder, DEFAULT_ASR_MODEL)
    result: dict[str, Any] = {"load_s": time.perf_counter() - start}
    result |= memory("load", pid)
    first: float | None = None
    segments = 0
    start = time.perf_counter()
    for _segment in engine.transcribe(audio, "da"):
        first = first if first is not None else time.perf_counter() - start
        segments += 1
    total = time.perf_counter() - start
    result |= memory("job", pid)
    engine.close()
    rtf = total / (audio.size / RATE)
    return result | {"first_segment_s": first, "total_s": total, "rtf": rtf, "segments": segments}


def run_child(kind: str, mode: str, threads: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--mode", mode, "--kind", kind, "--threads", str(threads)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=1800)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{kind} {mode} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return cast(dict[str, Any], json.loads(lines[-1]))


def summary(kind: str, runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, unit, target in [*METRICS[kind], *((k, "MB", None) for k in RSS_KEYS)]:
        row: dict[str, Any] = {"unit": unit, "target": target}
        for mode in MODES:
            values = [r[key] for r in runs[mode] if r.get(key) is not None]
            row[mode] = {
                "median": statistics.median(values) if values else None,
                "min": min(values) if values else None,
                "values": values,
            }
        a, b = row["inprocess"]["median"], row["worker"]["median"]
        diff = None
        if a is not None and b is not None:
            diff = (b - a) / a * 100 if unit == "%" and a else b - a
        row["diff"] = diff
        row["met"] = None
        if target is not None and diff is not None:
            row["met"] = diff <= 0.5 if unit == "s" else diff >= -5.0
        out[key] = row
    out["native_in_parent"] = any(r["native_in_parent"] for r in runs["worker"])
    return out


def number(value: float | None, key: str, sign: str = "") -> str:
    if value is None:
        return "-"
    digits = 0 if key in ("gen_pieces", "segments") else 3 if key[-2:] in ("_s", "tf") else 1
    return f"{value:{sign}.{digits}f}"


def print_tables(results: dict[str, Any]) -> None:
    from asr_common import table

    header = ["metric", "in-proc med", "min", "worker med", "min", "worker - in-proc", "target"]
    for kind, rows in results["results"].items():
        lines = []
        for key, row in rows.items():
            if key == "native_in_parent":
                continue
            cells = [key] + [number(row[m][s], key) for m in MODES for s in ("median", "min")]
            unit = {"%": " %", "s": " s", "MB": " MB"}.get(row["unit"], "")
            diff = "-" if row["diff"] is None else f"{number(row['diff'], key, '+')}{unit}"
            met = {True: " ok", False: " MISSED", None: ""}[row["met"]]
            lines.append([*cells, diff, (row["target"] or "") + met])
        print(f"\n{kind.upper()} ({results['rounds']} rounds, llm threads {results['threads']})")
        print(table(header, lines))
        if rows["native_in_parent"]:
            print("WARNING: the native engine was imported in the parent in worker mode")
    print("\nTargets: worker first token and first segment <= 0.5 s later than in-process;")
    print("prompt and generation throughput at most 5% lower (median over the rounds).")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="llama.cpp threads")
    parser.add_argument("--kind", choices=["llm", "asr", "both"], default="both")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)  # internal: one child
    args = parser.parse_args()
    if args.mode:
        kind = "llm" if args.kind == "both" else args.kind
        result = llm_child(args.mode, args.threads) if kind == "llm" else asr_child(args.mode)
        result["native_in_parent"] = any(name in sys.modules for name in NATIVE[kind])
        print(json.dumps(result))
        return 0
    kinds = ["llm", "asr"] if args.kind == "both" else [args.kind]
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {k: {m: [] for m in MODES} for k in kinds}
    for round_ in range(args.rounds):
        for kind in kinds:
            for mode in MODES if round_ % 2 == 0 else MODES[::-1]:
                print(f"round {round_ + 1}/{args.rounds}: {kind} {mode}", file=sys.stderr)
                runs[kind][mode].append(run_child(kind, mode, args.threads))
    results = {
        "rounds": args.rounds,
        "threads": args.threads,
        "targets": {key: target for rows in METRICS.values() for key, _u, target in rows if target},
        "results": {kind: summary(kind, runs[kind]) for kind in kinds},
    }
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        print_tables(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
