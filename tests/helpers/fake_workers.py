"""Engine specs for tests: fake engines that run in a real worker process and misbehave there.

A spec is pickled into the spawned worker, which imports this module (the parent's sys.path
comes along) and builds the fake engine. `how` says what goes wrong: a real SIGSEGV, an abort,
a hang in "native code" (a sleep that no cancel can interrupt), memory exhaustion or an exit.
`once_flag` names a file: the misbehaviour happens only while it does not exist yet (it is
created just before), so a fresh worker after the crash behaves.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assist.asr.engine import EngineSegment, FakeAsrEngine, Samples
from assist.asr.live import EnergySpeechDetector, SpeechDetector
from assist.cancel import CancelToken, Progress
from assist.engines.asr_worker import ServedAsr
from assist.engines.llm_worker import ServedLlm
from assist.engines.messages import EngineKind, ServedEngine
from assist.llm.engine import StreamEvent
from assist.llm.fake import FakeLlmEngine

How = Literal["segfault", "abort", "hang", "oom", "exit", "none"]
When = Literal["load", "prompt", "generate", "transcribe", "never"]


def misbehave(how: How, once_flag: str | None) -> None:
    if once_flag is not None:
        flag = Path(once_flag)
        if flag.exists():
            return
        flag.touch()
    if how == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif how == "abort":
        os.abort()
    elif how == "hang":
        time.sleep(3600)
    elif how == "oom":
        hog = []
        while True:
            hog.append(bytearray(64 * 1024 * 1024))
    elif how == "exit":
        os._exit(3)


class _TroubledLlm(FakeLlmEngine):
    def __init__(self, spec: FakeLlmSpec) -> None:
        super().__init__(spec.responses * 50, prompt_chunk=spec.prompt_chunk)
        self._spec = spec

    def stream(
        self, prompt_tokens: Sequence[int], *, max_tokens: int, cancel: CancelToken | None = None
    ) -> Iterator[StreamEvent]:
        spec = self._spec
        for event in super().stream(prompt_tokens, max_tokens=max_tokens, cancel=cancel):
            if isinstance(event, Progress):
                time.sleep(spec.chunk_s)  # "native" prompt work: no cancel check inside
                if spec.when == "prompt":
                    misbehave(spec.how, spec.once_flag)
            elif spec.when == "generate":
                misbehave(spec.how, spec.once_flag)
            else:
                time.sleep(spec.token_s)
            yield event


@dataclass(frozen=True)
class FakeLlmSpec:
    responses: tuple[str, ...] = ("Borgeren har svært ved at betale huslejen [S0].",)
    how: How = "none"
    when: When = "never"
    once_flag: str | None = None
    chunk_s: float = 0.0
    token_s: float = 0.0
    prompt_chunk: int = 8

    @property
    def kind(self) -> EngineKind:
        return "llm"

    def build(self) -> ServedEngine:
        if self.when == "load":
            misbehave(self.how, self.once_flag)
        return ServedLlm(_TroubledLlm(self))


class _TroubledAsr(FakeAsrEngine):
    def __init__(self, spec: FakeAsrSpec) -> None:
        super().__init__()
        self._spec = spec

    def transcribe(
        self, audio: Samples, language: str, *, speech_only: bool = True
    ) -> Iterator[EngineSegment]:
        if self._spec.when == "transcribe" and len(self.calls) + 1 == self._spec.on_call:
            misbehave(self._spec.how, self._spec.once_flag)
        time.sleep(self._spec.call_s)
        yield from super().transcribe(audio, language, speech_only=speech_only)


def _energy(min_pause_s: float, _pad_s: float, _threshold: float) -> SpeechDetector:
    return EnergySpeechDetector(min_pause_s)


@dataclass(frozen=True)
class FakeAsrSpec:
    how: How = "none"
    when: When = "never"
    on_call: int = 1  # which transcribe call of a worker misbehaves
    once_flag: str | None = None
    call_s: float = 0.0

    @property
    def kind(self) -> EngineKind:
        return "asr"

    def build(self) -> ServedEngine:
        if self.when == "load":
            misbehave(self.how, self.once_flag)
        return ServedAsr(_TroubledAsr(self), _energy)


@dataclass(frozen=True)
class PhoneHomeSpec:
    """An engine whose loading tries the network, as a library that phones home would."""

    @property
    def kind(self) -> EngineKind:
        return "llm"

    def build(self) -> ServedEngine:
        import socket

        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1; refused before use
        raise AssertionError("the worker reached the network")
