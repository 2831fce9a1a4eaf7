"""Engines in worker processes: real processes that really segfault, abort, hang or run out of
memory, and a parent that survives every one of them with a clear message."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from helpers.fake_workers import FakeAsrSpec, FakeLlmSpec

from assist.asr.engine import FakeAsrEngine
from assist.cancel import CancelToken
from assist.engines.asr_worker import WorkerAsrEngine
from assist.engines.llm_worker import WorkerLlmEngine
from assist.engines.worker import EngineCrashed, EngineWorker, WorkerLimits
from assist.errors import Cancelled
from assist.llm.engine import complete
from assist.llm.fake import FakeLlmEngine

ANSWER = "Borgeren har svært ved at betale huslejen [S0]."
OOM_LIMITS = WorkerLimits(watchdog_s=30.0, memory_limit_bytes=1024**3)


def _prompt(engine: WorkerLlmEngine | FakeLlmEngine, words: int = 20) -> list[int]:
    return engine.tokenize("<bos>" + " ord" * words, special=True)


def test_worker_answers_like_the_same_engine_in_process() -> None:
    local = FakeLlmEngine([ANSWER], prompt_chunk=8)
    with WorkerLlmEngine.start(FakeLlmSpec(responses=(ANSWER,))) as remote:
        assert remote.n_ctx == local.n_ctx
        assert dict(remote.metadata) == dict(local.metadata)
        assert remote.control_token_ids() == local.control_token_ids()
        assert remote.tokenize("<bos>hej", special=True) == local.tokenize("<bos>hej", special=True)
        assert complete(remote, _prompt(remote), max_tokens=50) == ANSWER
        assert remote.worker.pid != os.getpid()


def test_one_worker_loads_once_and_serves_many_jobs() -> None:
    with WorkerLlmEngine.start(FakeLlmSpec(responses=(ANSWER,))) as engine:
        pid = engine.worker.pid
        for _ in range(5):
            assert complete(engine, _prompt(engine), max_tokens=50) == ANSWER
        assert engine.worker.starts == 1
        assert engine.worker.pid == pid


@pytest.mark.parametrize(
    ("how", "reason", "signal_name", "limits"),
    [
        ("segfault", "crashed", "SIGSEGV", None),
        ("abort", "crashed", "SIGABRT", None),
        ("exit", "crashed", "exit 3", None),
        ("oom", "out_of_memory", "", OOM_LIMITS),
        ("hang", "hung", "", WorkerLimits(watchdog_s=1.0)),
    ],
)
@pytest.mark.parametrize("when", ["prompt", "generate"])
def test_a_crash_becomes_one_clear_message_and_the_next_job_gets_a_fresh_worker(
    how: str, reason: str, signal_name: str, limits: WorkerLimits | None, when: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    once = str(tmp_path / "crashed-once")
    spec = FakeLlmSpec(responses=(ANSWER,), how=how, when=when, once_flag=once)  # type: ignore[arg-type]
    with WorkerLlmEngine.start(spec, limits) as engine:
        first_pid = engine.worker.pid
        with pytest.raises(EngineCrashed) as crashed:
            complete(engine, _prompt(engine), max_tokens=50)
        assert crashed.value.reason == reason
        assert crashed.value.signal_name == signal_name
        danish = crashed.value.message("da")
        assert danish.startswith("Sprogmodellen ") and "Assist kører videre" in danish
        assert "Traceback" not in danish
        assert crashed.value.exit_code != 0
        # The parent is this test process: still here. The next job starts a new worker.
        assert complete(engine, _prompt(engine), max_tokens=50) == ANSWER
        assert engine.worker.starts == 2
        assert engine.worker.pid != first_pid


def test_a_crash_while_loading_is_a_clear_message_too() -> None:
    with pytest.raises(EngineCrashed) as crashed:
        WorkerLlmEngine.start(FakeLlmSpec(how="segfault", when="load"))
    assert crashed.value.signal_name == "SIGSEGV"


def _cancel_after(token: CancelToken, seconds: float) -> list[float]:
    cancelled_at: list[float] = []

    def cancel() -> None:
        cancelled_at.append(time.monotonic())
        token.cancel()

    threading.Timer(seconds, cancel).start()
    return cancelled_at


def test_cancel_inside_a_long_uninterruptible_prompt_chunk_stops_within_a_second() -> None:
    # Each prompt chunk takes 5 s of "native" work that checks no token: only a kill stops it.
    with WorkerLlmEngine.start(FakeLlmSpec(responses=(ANSWER,), chunk_s=5.0)) as engine:
        token = CancelToken()
        cancelled_at = _cancel_after(token, 0.3)
        with pytest.raises(Cancelled):
            complete(engine, _prompt(engine, 40), max_tokens=50, cancel=token)
        assert time.monotonic() - cancelled_at[0] <= 1.0
        assert not engine.worker.alive  # killed, not waited for
    fresh = WorkerLlmEngine.start(FakeLlmSpec(responses=(ANSWER,)))
    with fresh:
        assert complete(fresh, _prompt(fresh), max_tokens=50) == ANSWER


def test_cancel_during_generation_stops_between_tokens_and_keeps_the_worker() -> None:
    long_answer = " ".join(["ord"] * 400)
    with WorkerLlmEngine.start(FakeLlmSpec(responses=(long_answer,), token_s=0.02)) as engine:
        token = CancelToken()
        cancelled_at = _cancel_after(token, 0.3)
        pieces: list[str] = []
        with pytest.raises(Cancelled):
            for event in engine.stream(_prompt(engine), max_tokens=1000, cancel=token):
                if isinstance(event, str):
                    pieces.append(event)
        assert time.monotonic() - cancelled_at[0] <= 1.0
        assert 0 < len(pieces) < 400
        assert engine.worker.alive and engine.worker.starts == 1


def test_a_stream_left_early_leaves_the_worker_ready_for_the_next_job() -> None:
    long_answer = " ".join(["ord"] * 200)
    with WorkerLlmEngine.start(FakeLlmSpec(responses=(long_answer,), token_s=0.01)) as engine:
        stream = engine.stream(_prompt(engine), max_tokens=500)
        for event in stream:
            if isinstance(event, str):
                break
        stream.close()  # type: ignore[attr-defined]
        assert complete(engine, _prompt(engine), max_tokens=3) == "ord ord ord"


def test_load_errors_of_the_engine_come_back_as_the_engines_own_message(tmp_path: Path) -> None:
    from assist.engines.llm_worker import LlamaSpec
    from assist.llm.llama_engine import MODEL_FILE_MISSING

    with pytest.raises(Exception) as failed:
        WorkerLlmEngine.start(LlamaSpec(str(tmp_path / "nope.gguf"), "0" * 64))
    assert getattr(failed.value, "msg", None) == MODEL_FILE_MISSING


def test_asr_worker_gives_the_segments_of_the_engine_in_process() -> None:
    audio = np.full(32_000, 0.2, dtype=np.float32)
    local = list(FakeAsrEngine().transcribe(audio, "da"))
    with WorkerAsrEngine.start(FakeAsrSpec()) as remote:
        assert list(remote.transcribe(audio, "da")) == local
        assert remote.model_id == "fake-asr"
        regions = remote.speech_detector(0.6).speech_regions(audio)
        assert regions == [(0, 32_000)]


def test_asr_worker_crash_is_reported_and_the_next_call_works(tmp_path: Path) -> None:
    audio = np.full(16_000, 0.2, dtype=np.float32)
    spec = FakeAsrSpec(how="segfault", when="transcribe", once_flag=str(tmp_path / "once"))
    with WorkerAsrEngine.start(spec) as engine:
        with pytest.raises(EngineCrashed) as crashed:
            list(engine.transcribe(audio, "da"))
        assert crashed.value.message("en").startswith("Speech recognition stopped")
        assert [s.text for s in engine.transcribe(audio, "da")] == [" tale 1"]


def test_one_job_at_a_time_per_worker() -> None:
    worker = EngineWorker(FakeLlmSpec(responses=(ANSWER,)))
    try:
        first = worker.run("tokenize", "hej", False)
        next(first, None)  # the tokenize job ends at once; start a stream and hold it open
        stream = worker.run("stream", [1000], 5)
        next(stream)
        with pytest.raises(RuntimeError):
            next(worker.run("tokenize", "hej", False))
        stream.close()
    finally:
        worker.close()


def test_exit_codes_are_named_as_the_user_sees_them() -> None:
    from assist.engines.worker import describe_exit

    assert describe_exit(-11) == ("crashed", "SIGSEGV")
    assert describe_exit(-9) == ("killed", "SIGKILL")
    assert describe_exit(0xC0000005) == ("crashed", "ACCESS_VIOLATION")  # Windows
    assert describe_exit(0xC0000017) == ("out_of_memory", "NO_MEMORY")
    assert describe_exit(3) == ("crashed", "exit 3")
