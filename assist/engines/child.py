"""The worker process: load one engine, then serve calls until told to stop.

Started as `python -m assist.engines.child` (see `worker.worker_command`). Before anything else
it shuts the network door (the same guard as the app), turns core dumps off (a dump would hold
transcripts in plain text) and ignores Ctrl+C, which the parent handles. A reader thread takes
messages off the pipe, so a cancel reaches the running job's token while the main thread is
busy in native code.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import sys
import threading
from typing import IO

from assist import netguard
from assist.cancel import CancelToken
from assist.engines.messages import (
    LOAD_JOB,
    Call,
    CancelJob,
    Done,
    EngineSpec,
    Event,
    Failed,
    Ready,
    ServedEngine,
    Start,
    read_message,
    write_message,
)
from assist.errors import AssistError, Cancelled

_PR_SET_DUMPABLE = 4
_SEM_FAILCRITICALERRORS = 0x0001
_SEM_NOGPFAULTERRORBOX = 0x0002


def disable_core_dumps() -> None:
    """No core file (it would hold transcripts in plain text) and no memory readable by other
    processes of the user: RLIMIT_CORE 0 and, on Linux, PR_SET_DUMPABLE 0. On Windows no crash
    dialog and no Windows Error Reporting for this process (the MSI also turns off WER's local
    dumps for Assist's executables)."""
    if sys.platform == "win32":
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.windll.kernel32.SetErrorMode(_SEM_FAILCRITICALERRORS | _SEM_NOGPFAULTERRORBOX)
        return
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)


def _limit_memory(limit_bytes: int | None) -> None:
    if not limit_bytes:
        return
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


def failure(job_id: int, error: BaseException) -> Failed:
    if isinstance(error, Cancelled):
        return Failed(job_id, "cancelled", "Cancelled")
    if isinstance(error, AssistError):
        return Failed(job_id, "error", type(error).__name__, error.msg, dict(error.params))
    if isinstance(error, MemoryError):
        return Failed(job_id, "out_of_memory", "MemoryError")
    return Failed(job_id, "internal", type(error).__name__)


class _Inbox:
    """Reads the parent's messages on a thread: calls queue up, cancels act at once."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.calls: queue.Queue[Call | None] = queue.Queue()
        self._tokens: dict[int, CancelToken] = {}
        self._lock = threading.Lock()

    def token(self, job_id: int) -> CancelToken:
        with self._lock:
            return self._tokens.setdefault(job_id, CancelToken())

    def forget(self, job_id: int) -> None:
        with self._lock:
            self._tokens.pop(job_id, None)

    def read(self) -> None:
        try:
            while True:
                message = read_message(self._stream)
                if isinstance(message, Call):
                    self.token(message.job_id)
                    self.calls.put(message)
                elif isinstance(message, CancelJob):
                    self.token(message.job_id).cancel()
                else:  # Shutdown
                    break
        except (EOFError, OSError):  # the parent is gone
            pass
        self.calls.put(None)


def serve(spec: EngineSpec, inbox: IO[bytes], outbox: IO[bytes]) -> None:
    """Load the engine, say Ready, then run calls one after another until Shutdown or EOF."""
    messages = _Inbox(inbox)
    threading.Thread(target=messages.read, name="engine-inbox", daemon=True).start()
    try:
        engine = spec.build()
    except BaseException as error:  # every failure goes back as a message, never a traceback
        write_message(outbox, failure(LOAD_JOB, error))
        return
    write_message(outbox, Ready(engine.info()))
    try:
        while (call := messages.calls.get()) is not None:
            _run(engine, call, messages.token(call.job_id), outbox)
            messages.forget(call.job_id)
    finally:
        engine.close()


def _run(engine: ServedEngine, call: Call, cancel: CancelToken, outbox: IO[bytes]) -> None:
    try:
        steps = engine.handle(call.method, call.args, cancel)
        while True:
            try:
                event = next(steps)
            except StopIteration as finished:
                write_message(outbox, Done(call.job_id, finished.value))
                return
            write_message(outbox, Event(call.job_id, event))
    except BaseException as error:
        write_message(outbox, failure(call.job_id, error))


def main() -> None:
    # Messages go out on a private copy of stdout; fd 1 itself now points at stderr, so
    # whatever native code prints cannot corrupt them.
    outbox = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    netguard.install()
    disable_core_dumps()
    inbox = sys.stdin.buffer
    try:
        start = read_message(inbox)
        if not isinstance(start, Start):
            raise TypeError("the first message must be Start")
    except BaseException as error:  # e.g. a spec whose module cannot be imported here
        write_message(outbox, failure(LOAD_JOB, error))
        return
    _limit_memory(start.memory_limit_bytes)
    serve(start.spec, inbox, outbox)


if __name__ == "__main__":
    main()
