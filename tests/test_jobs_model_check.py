"""Checking a model's hashes (minutes for a multi-GB model the first time) reports progress
before the model loads, and is not repeated while the hub keeps the model loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assist.asr.engine import FakeAsrEngine
from assist.cancel import CancelToken, Progress
from assist.errors import Cancelled
from assist.jobs.engines import EngineHub, EngineKind
from assist.jobs.events import Event, Stage
from assist.jobs.transcribe import transcribe_file_job

SAMPLE = Path(__file__).parent / "fixtures" / "sample-da.wav"


def _checks(calls: list[tuple[str | None, EngineKind]]):  # type: ignore[no-untyped-def]
    def check(model: str | None, kind: EngineKind) -> Iterator[Progress]:
        calls.append((model, kind))
        for done in (0, 50, 100):
            yield Progress("verify fake", done, 100)

    return check


def _events(job) -> list[Event]:  # type: ignore[no-untyped-def]
    seen: list[Event] = []
    while True:
        try:
            seen.append(next(job))
        except StopIteration:
            return seen


def test_the_check_reports_progress_before_the_load_and_only_once() -> None:
    calls: list[tuple[str | None, EngineKind]] = []
    with EngineHub(load_asr=lambda model: FakeAsrEngine(), check_model=_checks(calls)) as hub:
        def job():  # type: ignore[no-untyped-def]
            return transcribe_file_job(
                SAMPLE, lambda: hub.asr(None), "da", check=lambda: hub.check_steps("asr")
            )

        first = _events(job())
        check_at = first.index(Stage("model.check"))
        load_at = first.index(Stage("model.load"))
        checked = [e for e in first[check_at:load_at] if isinstance(e, Progress)]
        assert [p.done for p in checked] == [0, 50, 100]
        second = _events(job())  # the hub has the model loaded: nothing to check
        assert not [e for e in second[: second.index(Stage("model.load"))] if isinstance(
            e, Progress) and e.stage == "verify fake"]  # fmt: skip
    assert calls == [(None, "asr")]


def test_a_cancel_during_the_check_stops_before_the_model_loads() -> None:
    loads: list[str | None] = []
    token = CancelToken()

    def load(model: str | None) -> FakeAsrEngine:
        loads.append(model)
        return FakeAsrEngine()

    with EngineHub(load_asr=load, check_model=_checks([])) as hub:
        job = transcribe_file_job(
            SAMPLE, lambda: hub.asr(None), "da", token, check=lambda: hub.check_steps("asr")
        )
        with pytest.raises(Cancelled):
            for event in job:
                if isinstance(event, Progress) and event.stage == "verify fake":
                    token.cancel()
    assert loads == []


@pytest.mark.models
def test_the_real_store_check_costs_nothing_once_the_hash_cache_knows_the_files(
    asr_model: object,
) -> None:
    from assist.models.store import open_store

    open_store().resolve("whisper-base-ct2", "asr")  # the cache now knows every file
    with EngineHub() as hub:
        assert list(hub.check_steps("asr")) == []
