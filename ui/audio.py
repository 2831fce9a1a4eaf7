"""Microphones for the recording view: which ones exist, and an open capture as the core's
AudioSource (16 kHz mono s16le PCM blocks, `assist.jobs.recording.AudioSource`).

    backend = QtMicrophoneBackend()
    mic = backend.open(device_id)          # GUI thread
    mic.on_lost(view.microphone_lost)      # called on the GUI thread, once
    session = RecordingSession(mic.blocks(), ...)   # blocks() is drained on a worker thread
    mic.stop()                             # GUI thread: capture ends, blocks() drains and ends

Qt delivers audio on the GUI thread (`readyRead`); the bytes go into a thread-safe queue that
`blocks()` empties on the recording job's thread, so the recording never waits for the GUI and
the GUI never waits for the recording.

A lost microphone is reported, never papered over (field notes): PulseAudio silently moves a
stream to another source when its device goes, and QAudioSource stays Active/NoError. So the
capture watches `QMediaDevices.audioInputsChanged` for its device id and a byte watchdog (no
audio for a while), and says "lost" once. It never switches to another microphone by itself.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
from PySide6.QtCore import QByteArray

from assist.errors import AssistError, Msg

if TYPE_CHECKING:  # QtMultimedia loads libpulse: imported only when a real microphone is used
    from PySide6.QtMultimedia import QAudioDevice, QAudioFormat, QMediaDevices

TARGET_RATE = 16_000
BLOCK_BYTES = 3_200  # 100 ms of 16 kHz mono s16le: the size the core's file source uses
_QUEUE_POLL_S = 0.2
# No audio for this long while capturing: the microphone is gone (Qt may not say so).
WATCHDOG_S = 2.0
# Capture start latency varied 0.1-2 s (field notes): allow more before the first buffer.
FIRST_BUFFER_GRACE_S = 5.0
DEVICE_GONE_S = 0.75

NO_MICROPHONE = Msg(
    "ui.no_microphone",
    da="Der blev ikke fundet nogen mikrofon. Tilslut en mikrofon, og prøv igen.",
    en="No microphone was found. Connect a microphone and try again.",
)
MICROPHONE_NOT_FOUND = Msg(
    "ui.microphone_not_found",
    da="Mikrofonen '{device}' findes ikke længere. Vælg en anden mikrofon, og prøv igen.",
    en="The microphone '{device}' is no longer there. Choose another microphone and try again.",
)
UNSUPPORTED_FORMAT = Msg(
    "ui.microphone_format",
    da="Mikrofonen '{device}' leverer lyd i et format, Assist ikke kan bruge ({detail}). "
    "Vælg en anden mikrofon.",
    en="The microphone '{device}' delivers audio in a format Assist cannot use ({detail}). "
    "Choose another microphone.",
)
CAPTURE_FAILED = Msg(
    "ui.microphone_failed",
    da="Mikrofonen '{device}' kunne ikke startes. Tjek, at den ikke bruges af et andet "
    "program, og prøv igen.",
    en="The microphone '{device}' could not be started. Check that no other program uses it "
    "and try again.",
)


@dataclass(frozen=True)
class MicrophoneInfo:
    device_id: str  # QAudioDevice.id(), decoded
    name: str
    is_default: bool


class Microphone(Protocol):
    """An open capture. `blocks()` runs on the recording job's thread; the rest on the GUI's."""

    @property
    def device_id(self) -> str: ...

    @property
    def lost(self) -> bool: ...

    def blocks(self) -> Iterator[bytes]:
        """16 kHz mono s16le PCM blocks; ends once the capture is stopped and drained."""
        ...

    def stop(self) -> None:
        """End the capture now; audio already captured still comes out of `blocks()`."""
        ...

    def on_lost(self, callback: Callable[[], None]) -> None:
        """Call `callback` (on the GUI thread, once) when the microphone is gone."""
        ...


class MicrophoneBackend(Protocol):
    def devices(self) -> list[MicrophoneInfo]: ...

    def open(self, device_id: str | None) -> Microphone:
        """Start capturing from `device_id` (None: the system default); AssistError if not."""
        ...

    def on_devices_changed(self, callback: Callable[[], None]) -> None:
        """Call `callback` on the GUI thread whenever microphones come or go."""
        ...


class BlockQueue:
    """Bytes from the GUI thread to the recording thread, re-cut into even blocks."""

    def __init__(self) -> None:
        self._queue: queue.Queue[bytes] = queue.Queue()
        self._closed = threading.Event()
        self._pending = b""

    def put(self, pcm: bytes) -> None:
        if pcm and not self._closed.is_set():
            self._queue.put(pcm)

    def close(self) -> None:
        self._closed.set()

    def blocks(self) -> Iterator[bytes]:
        while True:
            try:
                self._pending += self._queue.get(timeout=_QUEUE_POLL_S)
            except queue.Empty:
                if self._closed.is_set() and self._queue.empty():
                    break
                continue
            while len(self._pending) >= BLOCK_BYTES:
                yield self._pending[:BLOCK_BYTES]
                self._pending = self._pending[BLOCK_BYTES:]
        usable = len(self._pending) - len(self._pending) % 2
        if usable:
            yield self._pending[:usable]


@dataclass(frozen=True)
class CaptureFormat:
    """What the device delivers: sample rate, channels and numpy sample type."""

    rate: int
    channels: int
    dtype: str  # "<i2", "<i4", "<f4" or "u1"


class PcmConverter:
    """Any capture format to 16 kHz mono int16: channels averaged, linear resampling that
    carries its position across chunks (so block boundaries leave no clicks or drift)."""

    def __init__(self, source: CaptureFormat) -> None:
        self._source = source
        self._step = source.rate / TARGET_RATE
        self._position = 0.0  # next output sample, in input samples from `_tail`'s start
        self._tail = np.zeros(0, dtype=np.float64)
        self._leftover = b""

    def convert(self, raw: bytes) -> bytes:
        fmt = self._source
        width = np.dtype(fmt.dtype).itemsize * fmt.channels
        raw = self._leftover + raw
        usable = len(raw) - len(raw) % width
        self._leftover = raw[usable:]
        frames = np.frombuffer(raw[:usable], dtype=fmt.dtype).reshape(-1, fmt.channels)
        mono = _to_unit_float(frames).mean(axis=1)
        if fmt.rate == TARGET_RATE:
            return _to_int16(mono)
        signal = np.concatenate([self._tail, mono])
        if signal.size < 2:
            self._tail = signal
            return b""
        positions = np.arange(self._position, signal.size - 1, self._step)
        out = np.interp(positions, np.arange(signal.size), signal)
        next_position = self._position + positions.size * self._step
        # Keep the last sample at least: the next output may fall between it and what follows.
        keep_from = min(int(next_position), signal.size - 1)
        self._tail = signal[keep_from:]
        self._position = next_position - keep_from
        return _to_int16(out)


def _to_unit_float(frames: np.ndarray) -> np.ndarray:
    if frames.dtype == np.uint8:
        return (frames.astype(np.float64) - 128.0) / 128.0
    if frames.dtype.kind == "f":
        return frames.astype(np.float64)
    return frames.astype(np.float64) / float(2 ** (8 * frames.dtype.itemsize - 1))


def _to_int16(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


class QtMicrophone:
    """A QAudioSource in pull mode; see the module docstring."""

    def __init__(self, device: QAudioDevice, media_devices: QMediaDevices) -> None:
        from PySide6.QtCore import QTimer
        from PySide6.QtMultimedia import QAudioFormat, QAudioSource

        self._device = device
        self._device_id = _decode_id(device.id())
        self._name = device.description()
        self._media_devices = media_devices
        self._queue = BlockQueue()
        self._lost = False
        self._stopped = False
        self._lost_callbacks: list[Callable[[], None]] = []
        wanted = QAudioFormat()
        wanted.setSampleRate(TARGET_RATE)
        wanted.setChannelCount(1)
        wanted.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        if device.isFormatSupported(wanted):
            capture_format, self._converter = wanted, None
        else:  # capture what the device likes and convert here
            capture_format = device.preferredFormat()
            self._converter = PcmConverter(_capture_format(capture_format, self._name))
        self._source = QAudioSource(device, capture_format)
        self._started_at = time.monotonic()
        self._last_audio_at: float | None = None
        self._missing_since: float | None = None
        self._io = self._source.start()
        if self._io is None:
            raise AssistError(CAPTURE_FAILED, device=self._name)
        self._io.readyRead.connect(self._read)
        media_devices.audioInputsChanged.connect(self._inputs_changed)
        self._watchdog = QTimer()
        self._watchdog.setInterval(250)
        self._watchdog.timeout.connect(self._check_audio_flows)
        self._watchdog.start()

    @property
    def device_id(self) -> str:
        return self._device_id

    @property
    def lost(self) -> bool:
        return self._lost

    def blocks(self) -> Iterator[bytes]:
        return self._queue.blocks()

    def on_lost(self, callback: Callable[[], None]) -> None:
        self._lost_callbacks.append(callback)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._watchdog.stop()
        with contextlib.suppress(RuntimeError, TypeError):  # already gone with the app
            self._media_devices.audioInputsChanged.disconnect(self._inputs_changed)
        if self._io is not None:
            self._read()  # what Qt holds already is part of the recording
        self._source.stop()
        self._queue.close()

    def _read(self) -> None:
        if self._io is None:
            return
        raw = bytes(self._io.readAll().data())
        if not raw:
            return
        self._last_audio_at = time.monotonic()
        pcm = raw if self._converter is None else self._converter.convert(raw)
        self._queue.put(pcm)

    def _inputs_changed(self) -> None:
        self._check_device_listed()

    def _check_device_listed(self) -> None:
        """The device missing from the list for a moment is not yet lost: Qt re-enumerates
        (an empty list flickers by as a capture starts); missing for DEVICE_GONE_S is."""
        from PySide6.QtMultimedia import QMediaDevices

        present = {_decode_id(d.id()) for d in QMediaDevices.audioInputs()}
        now = time.monotonic()
        if self._device_id in present:
            self._missing_since = None
        elif self._missing_since is None:
            self._missing_since = now
        elif now - self._missing_since >= DEVICE_GONE_S:
            self._report_lost()

    def _check_audio_flows(self) -> None:
        # Polled, not `stateChanged`: PySide6 6.11 cannot pass QAudio::State to a Python slot.
        # (`error()` returns QtAudio.Error, which never equals the old QAudio.Error.NoError.)
        from PySide6.QtMultimedia import QtAudio

        if self._source.error() != QtAudio.Error.NoError:
            self._report_lost()
            return
        if self._missing_since is not None:
            self._check_device_listed()
        now = time.monotonic()
        if self._last_audio_at is None:
            silent_for, allowed = now - self._started_at, FIRST_BUFFER_GRACE_S
        else:
            silent_for, allowed = now - self._last_audio_at, WATCHDOG_S
        if silent_for > allowed:
            self._report_lost()

    def _report_lost(self) -> None:
        if self._lost or self._stopped:
            return
        self._lost = True
        self._watchdog.stop()
        for callback in self._lost_callbacks:
            callback()


class QtMicrophoneBackend:
    """The system's microphones through QtMultimedia (create it on the GUI thread)."""

    def __init__(self) -> None:
        from PySide6.QtMultimedia import QMediaDevices

        self._media_devices = QMediaDevices()

    def devices(self) -> list[MicrophoneInfo]:
        from PySide6.QtMultimedia import QMediaDevices

        default_id = _decode_id(QMediaDevices.defaultAudioInput().id())
        return [
            MicrophoneInfo(_decode_id(d.id()), d.description(), _decode_id(d.id()) == default_id)
            for d in QMediaDevices.audioInputs()
        ]

    def open(self, device_id: str | None) -> QtMicrophone:
        from PySide6.QtMultimedia import QMediaDevices

        inputs = QMediaDevices.audioInputs()
        if not inputs:
            raise AssistError(NO_MICROPHONE)
        if device_id is None:
            device = QMediaDevices.defaultAudioInput()
            if device.isNull():
                device = inputs[0]
        else:
            found = [d for d in inputs if _decode_id(d.id()) == device_id]
            if not found:
                raise AssistError(MICROPHONE_NOT_FOUND, device=device_id)
            device = found[0]
        return QtMicrophone(device, self._media_devices)

    def on_devices_changed(self, callback: Callable[[], None]) -> None:
        self._media_devices.audioInputsChanged.connect(callback)


def _decode_id(raw: QByteArray) -> str:
    return bytes(raw.data()).decode("utf-8", errors="replace")


def _capture_format(qt_format: QAudioFormat, device_name: str) -> CaptureFormat:
    from PySide6.QtMultimedia import QAudioFormat

    dtypes = {
        QAudioFormat.SampleFormat.UInt8: "u1",
        QAudioFormat.SampleFormat.Int16: "<i2",
        QAudioFormat.SampleFormat.Int32: "<i4",
        QAudioFormat.SampleFormat.Float: "<f4",
    }
    dtype = dtypes.get(qt_format.sampleFormat())
    rate, channels = qt_format.sampleRate(), qt_format.channelCount()
    if dtype is None or rate <= 0 or channels <= 0:
        detail = f"{rate} Hz, {channels} ch, {qt_format.sampleFormat().name}"
        raise AssistError(UNSUPPORTED_FORMAT, device=device_name, detail=detail)
    return CaptureFormat(rate, channels, dtype)
