"""Cooperative cancellation for long-running generators (transcription, drafting, recording)."""

from __future__ import annotations

import threading
from collections.abc import Generator
from dataclasses import dataclass
from typing import TypeVar

from assist.errors import Cancelled


class CancelToken:
    """Set from any thread; checked by the worker between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()




@dataclass(frozen=True)
class Progress:
    """Yielded by long-running core generators. `total` is None when unknown."""

    stage: str
    done: float
    total: float | None = None

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return max(0.0, min(1.0, self.done / self.total))


R = TypeVar("R")


def result_of(steps: Generator[object, None, R]) -> R:
    """Drive a generator job to its end and return its result (what it yielded is dropped).

    The one drain for the convention "yield events, return the result" (`assist.jobs`)."""
    while True:
        try:
            next(steps)
        except StopIteration as finished:
            result: R = finished.value
            return result
