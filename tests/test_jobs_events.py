"""The job convention: typed events, the result as the return value, throttled floods."""

from __future__ import annotations

from collections.abc import Generator

from assist.jobs.events import Event, Level, Progress, Saved, Stage, run, throttled


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _flood(clock: Clock) -> Generator[Event, None, str]:
    yield Stage("start")
    for i in range(1000):  # 1000 progress events in 1 s
        clock.now = i / 1000
        yield Progress("work", i + 1, 1000)
    yield Saved("case1", "draft")
    for i in range(10):
        clock.now = 1.0 + i / 1000
        yield Level(0.1, 0.2, float(i))
    return "done"


def test_run_returns_the_result_and_drops_the_events() -> None:
    assert run(_flood(Clock())) == "done"


def test_floods_are_thinned_to_about_twenty_a_second_and_end_on_the_true_state() -> None:
    clock = Clock()
    seen: list[Event] = []
    job = throttled(_flood(clock), clock=clock)
    while True:
        try:
            seen.append(next(job))
        except StopIteration as finished:
            assert finished.value == "done"
            break
    progress = [e for e in seen if isinstance(e, Progress)]
    assert 19 <= len(progress) <= 22
    assert progress[-1].done == 1000  # the last one is never thinned away
    assert seen[0] == Stage("start") and Saved("case1", "draft") in seen
    index = seen.index(Saved("case1", "draft"))
    assert seen[index - 1] == progress[-1]  # held back progress comes before the next event
    levels = [e for e in seen if isinstance(e, Level)]
    assert levels[-1].elapsed_s == 9.0 and len(levels) <= 2
