"""What parent and worker say to each other over their pipes (pickled frozen dataclasses).

Each message is a 4-byte length and a pickle, over the worker's stdin and a private copy of
its stdout (the worker points its own stdout at stderr, so what native code prints never mixes
with messages). Parent to worker: `Start` first, with the spec; then `Call` starts a job,
`CancelJob` asks it to stop, `Shutdown` ends the worker. Worker to parent: `Ready` once the
model has loaded, then per job any number of `Event`s and one `Done` or `Failed`. Job 0 is the
model load itself.
"""

from __future__ import annotations

import pickle
import struct
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import IO, Literal, Protocol

from assist.cancel import CancelToken
from assist.errors import Msg

EngineKind = Literal["llm", "asr"]
FailureKind = Literal["error", "cancelled", "out_of_memory", "internal"]
LOAD_JOB = 0


@dataclass(frozen=True)
class Start:
    spec: EngineSpec
    memory_limit_bytes: int | None


@dataclass(frozen=True)
class Call:
    job_id: int
    method: str
    args: tuple[object, ...]


@dataclass(frozen=True)
class CancelJob:
    job_id: int


@dataclass(frozen=True)
class Shutdown:
    pass


@dataclass(frozen=True)
class Ready:
    info: object


@dataclass(frozen=True)
class Event:
    job_id: int
    payload: object


@dataclass(frozen=True)
class Done:
    job_id: int
    result: object


@dataclass(frozen=True)
class Failed:
    """A job ended with an error. `msg`/`params` carry an AssistError across the pipe."""

    job_id: int
    kind: FailureKind
    error_type: str
    msg: Msg | None = None
    params: dict[str, object] = field(default_factory=dict)


ToWorker = Start | Call | CancelJob | Shutdown
FromWorker = Ready | Event | Done | Failed


class ServedEngine(Protocol):
    """A loaded engine inside the worker: answers calls by method name."""

    def info(self) -> object:
        """What the parent needs to know once (context size, metadata, ...); sent in `Ready`."""
        ...

    def handle(
        self, method: str, args: tuple[object, ...], cancel: CancelToken
    ) -> Generator[object, None, object]:
        """Run one call: yield events for the parent, return the result."""
        ...

    def close(self) -> None: ...


class EngineSpec(Protocol):
    """Everything a worker needs to load one engine (paths, hashes, settings; no case data).

    Must be picklable: it is sent to the new process, which calls `build()` there.
    """

    @property
    def kind(self) -> EngineKind: ...

    def build(self) -> ServedEngine: ...


_LENGTH = struct.Struct("<I")


def write_message(stream: IO[bytes], message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def read_message(stream: IO[bytes]) -> object:
    """The next message; EOFError when the other side has gone."""
    header = _read_exactly(stream, _LENGTH.size)
    return pickle.loads(_read_exactly(stream, _LENGTH.unpack(header)[0]))


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks: list[bytes] = []
    while size > 0:
        chunk = stream.read(size)
        if not chunk:
            raise EOFError("the other side closed the pipe")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
