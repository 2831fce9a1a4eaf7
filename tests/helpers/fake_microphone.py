"""A microphone for tests: the `ui.audio.MicrophoneBackend` protocol fed from a WAV file or
given PCM, with ways to make it misbehave as real microphones do.

    backend = FakeMicrophoneBackend()                 # tests/fixtures/sample-da.wav, instantly
    backend = FakeMicrophoneBackend(pcm=b"", held=True)
    mic = backend.current                             # the last opened microphone
    mic.feed(pcm)        # more audio (after the file or the given PCM)
    mic.stall()          # no bytes until release() (a capture that has not started, or hangs)
    mic.release()
    backend.lose()       # the device vanishes: no more audio, lost reported, the list changes
    backend.lose(keep_delivering=True)  # PulseAudio moved the stream silently: audio goes on
    backend.remove_device("usb")

Audio that is "delivered instantly" (realtime=False) counts as captured already: after `stop()`
it still comes out of `blocks()`, as audio in a real capture queue does. In realtime mode the
capture ends at once on `stop()`.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from assist.audio.source import file_source
from assist.errors import AssistError
from ui.audio import BLOCK_BYTES, MICROPHONE_NOT_FOUND, NO_MICROPHONE, MicrophoneInfo

SAMPLE_WAV = Path(__file__).resolve().parents[1] / "fixtures" / "sample-da.wav"
_POLL_S = 0.05
BYTES_PER_SECOND = 32_000  # 16 kHz mono s16le

DEFAULT_DEVICES = (
    MicrophoneInfo("builtin", "Built-in microphone", True),
    MicrophoneInfo("usb", "USB headset", False),
)


def pcm_blocks(
    pcm: bytes, block_bytes: int = BLOCK_BYTES, *, realtime: bool = False
) -> Iterator[bytes]:
    """`pcm` in blocks; in `realtime` each block comes when it would have been spoken."""
    started = time.monotonic()
    for start in range(0, len(pcm), block_bytes):
        if realtime:
            due = started + (start + block_bytes) / BYTES_PER_SECOND
            time.sleep(max(0.0, due - time.monotonic()))
        yield pcm[start : start + block_bytes]


class FakeMicrophone:
    """One open capture; `blocks()` runs on the recording job's thread."""

    def __init__(
        self, device_id: str, audio: Iterable[bytes], *, realtime: bool, keep_open: bool, held: bool
    ) -> None:
        self._device_id = device_id
        self._audio = audio
        self._realtime = realtime
        self._keep_open = keep_open
        self._fed: queue.Queue[bytes] = queue.Queue()
        self._flowing = threading.Event()
        if not held:
            self._flowing.set()
        self._stopped = threading.Event()
        self._silent = threading.Event()  # the device is gone: nothing more comes
        self._waiting = threading.Event()
        self._lost = False
        self._lost_callbacks: list[Callable[[], None]] = []
        self.delivered_bytes = 0
        self.stop_calls = 0

    # ---- the Microphone protocol ------------------------------------------------------------

    @property
    def device_id(self) -> str:
        return self._device_id

    @property
    def lost(self) -> bool:
        return self._lost

    def on_lost(self, callback: Callable[[], None]) -> None:
        self._lost_callbacks.append(callback)

    def stop(self) -> None:
        self.stop_calls += 1
        self._stopped.set()

    def blocks(self) -> Iterator[bytes]:
        for block in self._audio:
            if not self._wait_until_flowing() or (self._stopped.is_set() and self._realtime):
                return
            if not self._silent.is_set():
                yield self._deliver(block)
        if not self._keep_open:
            return
        while True:
            self._waiting.set()
            try:
                block = self._fed.get(timeout=_POLL_S)
            except queue.Empty:
                if self._stopped.is_set():
                    return
                continue
            finally:
                self._waiting.clear()
            if not self._wait_until_flowing():
                return
            if not self._silent.is_set():
                yield self._deliver(block)

    # ---- what a test does -------------------------------------------------------------------

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    @property
    def waiting_for_audio(self) -> bool:
        """True while `blocks()` waits for more: everything delivered so far was handled."""
        return self._waiting.is_set()

    def feed(self, pcm: bytes) -> None:
        for block in pcm_blocks(pcm):
            self._fed.put(block)

    def stall(self) -> None:
        self._flowing.clear()

    def release(self) -> None:
        self._flowing.set()

    def lose(self, *, keep_delivering: bool = False) -> None:
        """Report the device lost (call on the GUI thread, as Qt would)."""
        if not keep_delivering:
            self._silent.set()
        if self._lost:
            return
        self._lost = True
        for callback in self._lost_callbacks:
            callback()

    def _deliver(self, block: bytes) -> bytes:
        self.delivered_bytes += len(block)
        return block

    def _wait_until_flowing(self) -> bool:
        """False if the capture stopped while stalled."""
        while not self._flowing.wait(_POLL_S):
            self._waiting.set()
            if self._stopped.is_set():
                return False
        self._waiting.clear()
        return True


class FakeMicrophoneBackend:
    """Microphones for tests (see the module docstring)."""

    def __init__(
        self,
        *,
        devices: Iterable[MicrophoneInfo] = DEFAULT_DEVICES,
        wav: Path = SAMPLE_WAV,
        pcm: bytes | None = None,
        realtime: bool = False,
        keep_open: bool = True,
        held: bool = False,
    ) -> None:
        self._devices = list(devices)
        self._wav = wav
        self._pcm = pcm
        self._realtime = realtime
        self._keep_open = keep_open
        self._held = held
        self._changed: list[Callable[[], None]] = []
        self.opened: list[FakeMicrophone] = []
        self.open_requests: list[str | None] = []

    @property
    def current(self) -> FakeMicrophone:
        return self.opened[-1]

    def devices(self) -> list[MicrophoneInfo]:
        return list(self._devices)

    def open(self, device_id: str | None) -> FakeMicrophone:
        self.open_requests.append(device_id)
        if not self._devices:
            raise AssistError(NO_MICROPHONE)
        if device_id is None:
            device_id = next((d for d in self._devices if d.is_default), self._devices[0]).device_id
        if device_id not in {d.device_id for d in self._devices}:
            raise AssistError(MICROPHONE_NOT_FOUND, device=device_id)
        audio: Iterable[bytes]
        if self._pcm is not None:
            audio = pcm_blocks(self._pcm, realtime=self._realtime)
        else:
            audio = file_source(self._wav, realtime=self._realtime)
        microphone = FakeMicrophone(
            device_id, audio, realtime=self._realtime, keep_open=self._keep_open, held=self._held
        )
        self.opened.append(microphone)
        return microphone

    def on_devices_changed(self, callback: Callable[[], None]) -> None:
        self._changed.append(callback)

    def remove_device(self, device_id: str) -> None:
        """The device goes from the list; a capture on it is lost."""
        self._devices = [d for d in self._devices if d.device_id != device_id]
        for callback in self._changed:
            callback()
        for microphone in self.opened:
            if microphone.device_id == device_id and not (microphone.stopped or microphone.lost):
                microphone.lose()

    def add_device(self, device: MicrophoneInfo) -> None:
        self._devices.append(device)
        for callback in self._changed:
            callback()

    def lose(self, *, keep_delivering: bool = False) -> None:
        """The current capture's device vanishes (or, with `keep_delivering`, the sound server
        moved the stream elsewhere without a word: audio keeps flowing, from another device)."""
        microphone = self.current
        if keep_delivering:
            microphone.lose(keep_delivering=True)
        self.remove_device(microphone.device_id)
