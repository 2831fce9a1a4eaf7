"""The parent's side of an engine worker: start it, run jobs in it, cancel, survive its crashes.

`EngineWorker.run()` is a generator: it yields the job's events as they arrive and returns its
result, so engines built on it stay lazy and cancellable like in-process ones. A job that is
cancelled gets `cancel_grace_s` to stop by itself (between prompt chunks, between segments);
after that the worker is killed, so a cancel never waits on native code. A worker that dies
(segfault, abort, killed for memory), runs out of memory or sends nothing for `watchdog_s` turns
into one `EngineCrashed`; the next job starts a fresh worker, which loads the model again.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import IO, Self

from assist.cancel import CancelToken, result_of
from assist.engines.messages import (
    LOAD_JOB,
    Call,
    CancelJob,
    Done,
    EngineKind,
    EngineSpec,
    Event,
    Failed,
    FromWorker,
    Ready,
    Shutdown,
    Start,
    read_message,
    write_message,
)
from assist.errors import INTERNAL, AssistError, Cancelled, Msg

DEFAULT_WATCHDOG_S = 300.0  # a large model on two cores may decode 2 minutes between events
DEFAULT_LOAD_TIMEOUT_S = 600.0
DEFAULT_CANCEL_GRACE_S = 0.5
_POLL_S = 0.05

_ENGINE_NAMES: dict[EngineKind, tuple[str, str]] = {
    "llm": ("Sprogmodellen", "The language model"),
    "asr": ("Talegenkendelsen", "Speech recognition"),
}
_REASONS: dict[str, tuple[str, str]] = {
    "crashed": (
        "stoppede med en fejl i sin indbyggede motor ({signal})",
        "stopped with a fault in its native engine ({signal})",
    ),
    "killed": (
        "blev stoppet af systemet ({signal}), ofte fordi hukommelsen slap op",
        "was stopped by the system ({signal}), often because memory ran out",
    ),
    "out_of_memory": ("løb tør for hukommelse", "ran out of memory"),
    "hung": (
        "svarede ikke i {seconds} sekunder og blev stoppet",
        "did not answer for {seconds} seconds and was stopped",
    ),
}
_CARRY_ON = (
    " Assist kører videre; intet af det optagne eller skrevne er tabt.",
    " Assist carries on; nothing that was recorded or typed is lost.",
)


def _crash_messages() -> dict[tuple[EngineKind, str], Msg]:
    messages: dict[tuple[EngineKind, str], Msg] = {}
    for kind, (name_da, name_en) in _ENGINE_NAMES.items():
        for reason, (text_da, text_en) in _REASONS.items():
            messages[(kind, reason)] = Msg(
                f"engine.{kind}.{reason}",
                da=f"{name_da} {text_da}.{_CARRY_ON[0]}",
                en=f"{name_en} {text_en}.{_CARRY_ON[1]}",
            )
    return messages


CRASH_MESSAGES = _crash_messages()


class EngineCrashed(AssistError):
    """The worker died, ran out of memory or hung. The parent is fine; the job is lost."""

    def __init__(self, kind: EngineKind, reason: str, *, signal_name: str = "", seconds: int = 0):
        super().__init__(CRASH_MESSAGES[(kind, reason)], signal=signal_name, seconds=seconds)
        self.kind = kind
        self.reason = reason
        self.signal_name = signal_name


# How Windows reports a process that died of the same faults (NTSTATUS exit codes).
_WINDOWS_FAULTS = {
    0xC0000005: "ACCESS_VIOLATION",
    0xC000001D: "ILLEGAL_INSTRUCTION",
    0xC0000409: "STACK_BUFFER_OVERRUN",  # also what abort() ends in
    0xC00000FD: "STACK_OVERFLOW",
    0xC0000017: "NO_MEMORY",
}


def describe_exit(exitcode: int | None) -> tuple[str, str]:
    """(reason, signal name) for a worker's exit code."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return ("killed" if name == "SIGKILL" else "crashed"), name
    if exitcode is not None and exitcode in _WINDOWS_FAULTS:
        name = _WINDOWS_FAULTS[exitcode]
        return ("out_of_memory" if name == "NO_MEMORY" else "crashed"), name
    return "crashed", f"exit {exitcode}"


@dataclass(frozen=True)
class WorkerLimits:
    watchdog_s: float = DEFAULT_WATCHDOG_S
    load_timeout_s: float = DEFAULT_LOAD_TIMEOUT_S
    cancel_grace_s: float = DEFAULT_CANCEL_GRACE_S
    memory_limit_bytes: int | None = None  # None: no limit beyond the machine's


def worker_command() -> list[str]:
    """How to start a worker: this Python, running assist.engines.child."""
    return [sys.executable, "-m", "assist.engines.child"]


def _worker_environment() -> dict[str, str]:
    """The worker needs no setting of Assist's (its spec says everything) and above all no
    passphrase; it imports what the parent can (tests' fake specs included)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ASSIST_")}
    paths = [p for p in sys.path if p and os.path.isdir(p)]
    return {**environment, "PYTHONPATH": os.pathsep.join(paths), "PYTHONNOUSERSITE": "1"}


_GONE = object()  # the reader's mark: the worker's pipe closed
_RUNNING: weakref.WeakSet[EngineWorker] = weakref.WeakSet()


@atexit.register
def _end_workers() -> None:
    """No worker outlives Assist (one busy in native code would not notice its pipe close)."""
    for worker in list(_RUNNING):
        worker.kill()


@dataclass
class _Process:
    process: subprocess.Popen[bytes]
    to_worker: IO[bytes]
    messages: queue.Queue[object]

    def is_alive(self) -> bool:
        return self.process.poll() is None


def _read_all(stream: IO[bytes], into: queue.Queue[object]) -> None:
    """The parent's reader thread: every message from the worker into a queue, then _GONE."""
    try:
        while True:
            into.put(read_message(stream))
    except (EOFError, OSError, ValueError):
        pass
    except Exception:  # a message that does not unpickle: treat the worker as broken
        pass
    into.put(_GONE)


class EngineWorker:
    """One engine in one worker process, restarted on demand. One job at a time."""

    def __init__(
        self,
        spec: EngineSpec,
        limits: WorkerLimits | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._spec = spec
        self._limits = limits or WorkerLimits()
        self._clock = clock
        self._current: _Process | None = None
        self._info: object = None
        self._next_job = LOAD_JOB + 1
        self._busy = threading.Lock()
        self.starts = 0  # how many worker processes were started (1 + restarts)

    @property
    def kind(self) -> EngineKind:
        return self._spec.kind

    @property
    def spec(self) -> EngineSpec:
        return self._spec

    @property
    def pid(self) -> int | None:
        return None if self._current is None else self._current.process.pid

    @property
    def alive(self) -> bool:
        return self._current is not None and self._current.is_alive()

    def info(self, cancel: CancelToken | None = None) -> object:
        """What the loaded engine reported (starts the worker if none is running; `cancel`
        stops a slow model load within `cancel_grace_s`)."""
        if self._current is None:
            self._start(cancel)
        return self._info

    def run(
        self, method: str, *args: object, cancel: CancelToken | None = None
    ) -> Generator[object, None, object]:
        """Run one job: yields its events, returns its result. Raises EngineCrashed, Cancelled
        or the job's own AssistError. Closing the generator early stops the job."""
        if not self._busy.acquire(blocking=False):
            raise RuntimeError("an engine worker runs one job at a time")
        try:
            if self._current is None:
                self._start()
            job_id = self._next_job
            self._next_job += 1
            self._send(Call(job_id, method, args))
            ended = False
            try:
                while True:
                    message = self._receive(job_id, cancel, self._limits.watchdog_s)
                    if isinstance(message, Event):
                        yield message.payload
                    elif isinstance(message, Done):
                        ended = True
                        return message.result
                    elif isinstance(message, Failed):
                        ended = True
                        raise self._error(message)
            except (Cancelled, EngineCrashed):
                ended = True  # already stopped (or gone) by _receive
                raise
            finally:
                if not ended:
                    self._stop_job(job_id)
        finally:
            self._busy.release()

    def close(self) -> None:
        """Ask the worker to unload and exit; kill it if it does not within 2 s."""
        current, self._current = self._current, None
        if current is None:
            return
        with contextlib.suppress(OSError, ValueError):
            write_message(current.to_worker, Shutdown())
        try:
            current.process.wait(2.0)
        except subprocess.TimeoutExpired:
            current.process.kill()
            current.process.wait(5.0)
        _close_pipes(current)

    def kill(self) -> None:
        """End the worker at once (the next job starts a fresh one)."""
        current, self._current = self._current, None
        if current is None:
            return
        current.process.kill()
        current.process.wait(5.0)
        _close_pipes(current)

    def __enter__(self) -> EngineWorker:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------------

    def _start(self, cancel: CancelToken | None = None) -> None:
        process = subprocess.Popen(
            worker_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=_worker_environment(),
        )
        assert process.stdin is not None and process.stdout is not None
        messages: queue.Queue[object] = queue.Queue()
        reader = threading.Thread(
            target=_read_all, args=(process.stdout, messages), name="engine-reader", daemon=True
        )
        reader.start()
        self._current = _Process(process, process.stdin, messages)
        self.starts += 1
        _RUNNING.add(self)
        self._send(Start(self._spec, self._limits.memory_limit_bytes))
        message = self._receive(LOAD_JOB, cancel, self._limits.load_timeout_s)
        if isinstance(message, Failed):
            self.kill()
            raise self._error(message)
        assert isinstance(message, Ready)
        self._info = message.info

    def _send(self, message: Start | Call | CancelJob) -> None:
        assert self._current is not None
        try:
            write_message(self._current.to_worker, message)
        except (OSError, ValueError):
            raise self._died() from None

    def _receive(self, job_id: int, cancel: CancelToken | None, timeout_s: float) -> FromWorker:
        """The next message of `job_id`, watching for cancel, death and silence."""
        assert self._current is not None
        deadline = self._clock() + timeout_s
        while True:
            if cancel is not None and cancel.cancelled:
                self._stop_job(job_id)
                raise Cancelled()
            try:
                message = self._current.messages.get(timeout=_POLL_S)
            except queue.Empty:
                if self._clock() > deadline:
                    self.kill()
                    raise EngineCrashed(self.kind, "hung", seconds=round(timeout_s)) from None
                continue
            if message is _GONE:
                raise self._died()
            if isinstance(message, Ready) or (
                isinstance(message, Event | Done | Failed) and message.job_id == job_id
            ):
                return message
            # else: a late message of a job that was given up

    def _stop_job(self, job_id: int) -> None:
        """Cancel a running job and wait `cancel_grace_s` for it to end; else kill the worker."""
        current = self._current
        if current is None or not current.is_alive():
            self.kill()
            return
        try:
            write_message(current.to_worker, CancelJob(job_id))
        except (OSError, ValueError):
            self.kill()
            return
        deadline = self._clock() + self._limits.cancel_grace_s
        while (left := deadline - self._clock()) > 0:
            try:
                message = current.messages.get(timeout=min(left, _POLL_S))
            except queue.Empty:
                continue
            if message is _GONE:
                break
            if isinstance(message, Done | Failed) and message.job_id == job_id:
                return
        self.kill()

    def _died(self) -> EngineCrashed:
        current, self._current = self._current, None
        exitcode: int | None = None
        if current is not None:
            try:
                exitcode = current.process.wait(5.0)
            except subprocess.TimeoutExpired:  # pipe closed but still running: end it
                current.process.kill()
                exitcode = current.process.wait(5.0)
            _close_pipes(current)
        reason, name = describe_exit(exitcode)
        return EngineCrashed(self.kind, reason, signal_name=name)

    def _error(self, failed: Failed) -> AssistError:
        if failed.kind == "cancelled":
            return Cancelled()
        if failed.kind == "out_of_memory":
            self.kill()  # a process that hit its memory limit is not trusted with the next job
            return EngineCrashed(self.kind, "out_of_memory")
        if failed.kind == "error" and failed.msg is not None:
            return AssistError(failed.msg, **failed.params)
        return AssistError(INTERNAL, kind=failed.error_type)


class WorkerEngine:
    """What every parent-side engine shares: one worker, its start, and closing it."""

    def __init__(self, worker: EngineWorker, cancel: CancelToken | None = None) -> None:
        self._worker = worker
        self._info = worker.info(cancel)  # loads the model (raises on failure)

    @classmethod
    def start(
        cls,
        spec: EngineSpec,
        limits: WorkerLimits | None = None,
        cancel: CancelToken | None = None,
    ) -> Self:
        return cls(EngineWorker(spec, limits), cancel)

    @property
    def worker(self) -> EngineWorker:
        return self._worker

    def close(self) -> None:
        self._worker.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _close_pipes(current: _Process) -> None:
    for stream in (current.to_worker, current.process.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def drain(steps: Generator[object, None, object]) -> object:
    """Run a job generator to its end and return its result (events are dropped)."""
    return result_of(steps)
