"""The events long work yields, and the two ways to drive a job.

    result = run(transcribe_into_case(...))                 # the CLI: events are not needed
    for event in throttled(draft_case(...)): view.show(event)  # the app, on a worker thread

A job is `Generator[Event, None, Result]`: events while it works, its result as the generator's
return value (never "the last item yielded"). Events are frozen values: they carry ids, counts
and times, and what a view shows (a committed segment, a drafted section), nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import TypeVar

from assist.cancel import CancelToken, Progress, result_of
from assist.drafting.types import DraftSection
from assist.transcript import Segment

__all__ = [
    "Event",
    "Job",
    "Level",
    "Progress",
    "Saved",
    "SectionDrafted",
    "SegmentCommitted",
    "Stage",
    "checking",
    "run",
    "throttled",
]


@dataclass(frozen=True)
class Stage:
    """A job moved on to a named step (e.g. "model.load", "audio.decode", "draft.choose")."""

    name: str


@dataclass(frozen=True)
class SegmentCommitted:
    """A transcript segment is final (and saved, when the job saves into a case)."""

    case_id: str | None
    segment: Segment


@dataclass(frozen=True)
class SectionDrafted:
    case_id: str | None
    section: DraftSection


@dataclass(frozen=True)
class Level:
    """Microphone level and recording time, for the meter and the clock."""

    rms: float  # 0..1
    peak: float  # 0..1
    elapsed_s: float


@dataclass(frozen=True)
class Saved:
    """Something was committed to the case store (what: "transcript", "draft", "signed", ...)."""

    case_id: str
    what: str


Event = Progress | Stage | SegmentCommitted | SectionDrafted | Level | Saved
R = TypeVar("R")
Job = Generator[Event, None, R]

# Only these can come in floods; the others are few and each one matters.
_THINNED = (Progress, Level)
DEFAULT_INTERVAL_S = 0.05  # at most about 20 a second


def run(job: Generator[Event, None, R]) -> R:
    """Drive a job to its end and return its result (its events are dropped)."""
    return result_of(job)


def throttled(
    job: Generator[Event, None, R],
    interval_s: float = DEFAULT_INTERVAL_S,
    clock: Callable[[], float] = time.monotonic,
) -> Generator[Event, None, R]:
    """The same job with Progress and Level events thinned to one per `interval_s`.

    Every other event passes at once. A thinned event is not lost: the latest one is held back
    and passed before the next event of another kind and at the end, so a view always ends on
    the true state (100%, the last level).
    """
    last_sent = -float("inf")
    held: Event | None = None
    while True:
        try:
            event = next(job)
        except StopIteration as finished:
            if held is not None:
                yield held
            result: R = finished.value
            return result
        if isinstance(event, _THINNED):
            now = clock()
            if now - last_sent >= interval_s:
                last_sent, held = now, None
                yield event
            else:
                held = event
            continue
        if held is not None:
            yield held
            held = None
        yield event


def checking(steps: Iterator[Progress], cancel: CancelToken) -> Generator[Event, None, None]:
    """A model check's Progress under Stage("model.check"); nothing at all when there is
    nothing to check (a model already loaded, a cache that knows every file)."""
    announced = False
    for progress in steps:
        cancel.raise_if_cancelled()
        if not announced:
            announced = True
            yield Stage("model.check")
        yield progress
