"""The one module in `ui/` that starts threads: core jobs run here, their events reach the GUI.

    running = runner.start(lambda cancel: draft_case(store, case_id, engines, cancel=cancel),
                           on_event=view.on_event, on_done=view.on_done, on_error=view.on_error)
    running.cancel()          # the core's CancelToken: the generator ends on its own thread

A job is a core generator (`assist.jobs`) that yields events and returns its result. It runs on
a plain Python thread; events, the result and any exception are handed to the GUI thread through
a queued Qt signal, thinned with the core's `throttled` (a GUI flooded with events stalls even
when the work runs elsewhere). Callbacks always run on the GUI thread.

Cancel goes through the core's token, never by abandoning the generator, so its `finally`
blocks run on its own thread. `shutdown()` cancels every job and waits for it (closing the
window while work runs must not leave a thread touching a closed store).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator, Iterator
from typing import Any

from PySide6.QtCore import QObject, Signal

from assist.cancel import CancelToken
from assist.jobs.events import throttled

log = logging.getLogger(__name__)

JobFactory = Callable[[CancelToken], Generator[Any, None, Any]]
CallFactory = Callable[[CancelToken], Any]


def _unless_gone(callback: Callable[[Any], None]) -> Callable[[Any], None]:
    """`callback`, skipped quietly once the view it belongs to is deleted: a job's last word can
    arrive after its window closed, and a closed view has nothing left to update."""

    def deliver(value: Any) -> None:
        try:
            callback(value)
        except RuntimeError as error:
            if "already deleted" not in str(error) and "has been deleted" not in str(error):
                raise
            log.debug("a job's callback found its view deleted: %s", error)

    return deliver


class _Relay(QObject):
    """Lives on the GUI thread; signals emitted from a worker thread are queued to it."""

    event = Signal(object)
    done = Signal(object)
    failed = Signal(object)
    finished = Signal()


class RunningJob:
    """A job on its thread: cancel it, ask whether it runs, wait for it."""

    def __init__(self, name: str, token: CancelToken, relay: _Relay) -> None:
        self.name = name
        self.token = token
        self._relay = relay
        self._thread: threading.Thread | None = None
        self._ended = threading.Event()

    def cancel(self) -> None:
        self.token.cancel()

    @property
    def running(self) -> bool:
        return not self._ended.is_set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """True once the job's thread has ended (its callbacks may still be queued)."""
        return self._ended.wait(timeout_s)


class JobRunner(QObject):
    """Starts core jobs on worker threads and delivers what they say to the GUI thread."""

    job_started = Signal(str)
    job_ended = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: list[RunningJob] = []
        self._lock = threading.Lock()

    @property
    def active(self) -> list[RunningJob]:
        with self._lock:
            return [job for job in self._jobs if job.running]

    def start(
        self,
        name: str,
        make_job: JobFactory,
        *,
        on_event: Callable[[Any], None] | None = None,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        thin: bool = True,
    ) -> RunningJob:
        """Run the generator `make_job(cancel)` on its own thread."""

        def body(token: CancelToken, relay: _Relay) -> Any:
            job = make_job(token)
            events: Iterator[Any] = throttled(job) if thin else job
            while True:
                try:
                    item = next(events)
                except StopIteration as finished:
                    return finished.value
                relay.event.emit(item)

        return self._launch(name, body, on_event, on_done, on_error)

    def call(
        self,
        name: str,
        work: CallFactory,
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> RunningJob:
        """Run a plain blocking call `work(cancel)` (open a store, load a model) off the GUI."""
        return self._launch(name, lambda token, _relay: work(token), None, on_done, on_error)

    def _launch(
        self,
        name: str,
        body: Callable[[CancelToken, _Relay], Any],
        on_event: Callable[[Any], None] | None,
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
    ) -> RunningJob:
        token = CancelToken()
        relay = _Relay()  # created here, on the GUI thread: its slots run there
        if on_event is not None:
            relay.event.connect(_unless_gone(on_event))
        if on_done is not None:
            relay.done.connect(_unless_gone(on_done))
        if on_error is not None:
            relay.failed.connect(_unless_gone(on_error))
        running = RunningJob(name, token, relay)
        relay.finished.connect(lambda: self._ended(running))

        def thread_main() -> None:
            try:
                result = body(token, relay)
            except BaseException as error:
                log.debug("job %s failed", name, exc_info=True)
                relay.failed.emit(error)
            else:
                relay.done.emit(result)
            finally:
                running._ended.set()
                relay.finished.emit()

        thread = threading.Thread(target=thread_main, name=f"assist-job-{name}", daemon=True)
        running._thread = thread
        with self._lock:
            self._jobs = [job for job in self._jobs if job.running] + [running]
        self.job_started.emit(name)
        thread.start()
        return running

    def _ended(self, running: RunningJob) -> None:
        with self._lock:
            if running in self._jobs:
                self._jobs.remove(running)
        self.job_ended.emit(running.name)

    def shutdown(self, timeout_s: float = 15.0) -> bool:
        """Cancel every job and wait for its thread; True if all ended in time."""
        jobs = self.active
        for job in jobs:
            job.cancel()
        return all(job.wait(timeout_s) for job in jobs)
