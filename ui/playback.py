"""Playing a case's recording from memory: decrypted, wrapped as WAV, never written to disk.

    player = SegmentPlayer(services)
    player.set_case(case_id)          # reads and decrypts the audio off the GUI thread
    player.play_from(12.0)            # seconds on the transcript's time line
    player.jump(-5.0); player.set_rate(1.5); player.toggle()

The case's recordings are read with the store's `read_recording` on a worker thread
(`services.runner.call`: a 2-hour meeting is ~230 MB of PCM), joined in order into one WAV in a
`QByteArray`, and handed to `QMediaPlayer` through a `QBuffer` (`setSourceDevice`), so no
decrypted audio ever reaches a file. The transcript's times run across recordings (each
recording's segments are shifted by the earlier recordings' durations), so a recording whose
audio is gone still takes its place on the time line, as silence. The audio is freed when the
case changes.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QTimer, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

from assist.audio.sink import SAMPLE_RATE, SAMPLE_WIDTH_BYTES
from assist.cancel import CancelToken
from assist.errors import AssistError
from assist.store import CaseStore
from assist.store.values import RecordingInfo
from ui.context import AppServices
from ui.jobs import RunningJob

JUMP_S = 5.0
RATES = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
_BYTES_PER_SECOND = SAMPLE_RATE * SAMPLE_WIDTH_BYTES


def wav_header(pcm_bytes: int) -> bytes:
    """A 44-byte RIFF/WAVE header for 16 kHz mono s16le PCM of that many bytes."""
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + pcm_bytes,
        b"WAVE",
        b"fmt ",
        16,
        1,  # PCM
        1,  # mono
        SAMPLE_RATE,
        _BYTES_PER_SECOND,
        SAMPLE_WIDTH_BYTES,
        8 * SAMPLE_WIDTH_BYTES,
        b"data",
        pcm_bytes,
    )


def _fitted(pcm: bytes, duration_s: float) -> bytes:
    """The recording's PCM cut or padded with silence to its recorded duration, so the next
    recording starts where the transcript's times say it does."""
    wanted = round(duration_s * SAMPLE_RATE) * SAMPLE_WIDTH_BYTES
    if len(pcm) >= wanted:
        return pcm[:wanted]
    return pcm + bytes(wanted - len(pcm))


# Buffers of deleted players, kept a moment longer: the ffmpeg backend's reading thread may
# still touch its device just after the player is gone (freed at once, it crashed).
_RETIRED: list[QBuffer] = []
_RETIRE_MS = 3000


def _retire(player: QMediaPlayer, buffer: QBuffer) -> None:
    _RETIRED.append(buffer)

    def free() -> None:
        if buffer in _RETIRED:
            _RETIRED.remove(buffer)
            buffer.setData(QByteArray())  # the decrypted audio goes now; the object with Python

    player.destroyed.connect(lambda: QTimer.singleShot(_RETIRE_MS, free))


@dataclass(frozen=True)
class CaseAudio:
    """What a case has to play: the WAV (None without audio) and, when the audio is gone, why
    ("retention": deleted after signing; "consent_withdrawn"; "none": never recorded)."""

    wav: QByteArray | None
    duration_s: float
    gone: str = ""


def audio_state(recordings: Iterable[RecordingInfo]) -> str:
    """ "" when some recording still has audio, else why not: "none", "retention",
    "consent_withdrawn" (or another deletion reason)."""
    found = [r for r in recordings if r.state != "recording"]
    if not found:
        return "none"
    if any(r.has_audio for r in found):
        return ""
    return found[-1].deleted_reason or "deleted"


def read_case_audio(store: CaseStore, case_id: str, cancel: CancelToken) -> CaseAudio:
    """The case's recordings as one WAV in memory (runs on a worker thread)."""
    recordings = [r for r in store.recordings(case_id) if r.state != "recording"]
    gone = audio_state(recordings)
    if gone:
        return CaseAudio(None, 0.0, gone)
    pcm_bytes = sum(round(r.duration_s * SAMPLE_RATE) * SAMPLE_WIDTH_BYTES for r in recordings)
    wav = QByteArray()  # filled in place: one copy of the audio in memory, not three
    wav.reserve(len(wav_header(pcm_bytes)) + pcm_bytes)
    wav.append(wav_header(pcm_bytes))
    for recording in recordings:
        cancel.raise_if_cancelled()
        if recording.has_audio:
            pcm = store.read_recording(recording.recording_id).pcm
            wav.append(_fitted(pcm, recording.duration_s))
            del pcm
        else:
            wav.append(_fitted(b"", recording.duration_s))
    return CaseAudio(wav, pcm_bytes / _BYTES_PER_SECOND)


class SegmentPlayer(QObject):
    """One case's audio, played from memory. `state_changed` whenever availability or
    playing changes; `position_changed(seconds)` as it plays."""

    state_changed = Signal()
    position_changed = Signal(float)

    def __init__(self, services: AppServices, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._case_id: str | None = None
        self._generation = 0
        self._job: RunningJob | None = None
        self._buffer: QBuffer | None = None
        self._pending_s: float | None = None
        self._pending_play = False
        self._buffer_ready = False
        self._duration_s = 0.0
        self.availability = "none"  # "none", "unloaded", "loading", "ready", "gone", "error"
        self.message = ""
        self._rate = 1.0
        self.player = self._new_player()

    def _new_player(self) -> QMediaPlayer:
        """A fresh player per audio. The output and the buffer are its children, so they go
        with it, after its destructor stopped playback."""
        player = QMediaPlayer(self)
        output = QAudioOutput(player)
        player.setAudioOutput(output)
        player.setPlaybackRate(self._rate)
        # Bound methods of this GUI-thread object, never lambdas: the ffmpeg backend emits some
        # of these on its own thread, and a lambda runs there (and crashed once freed); a
        # method of a QObject is queued to that object's thread.
        player.positionChanged.connect(self._position)
        player.playbackStateChanged.connect(self._playback_state)
        player.mediaStatusChanged.connect(self._media_status)
        return player

    def _position(self, ms: int) -> None:
        self.position_changed.emit(ms / 1000)

    def _playback_state(self, _state: QMediaPlayer.PlaybackState) -> None:
        self.state_changed.emit()

    # ---- the case --------------------------------------------------------------------------------

    def set_case(self, case_id: str | None) -> None:
        """Free the audio of the case before, then read this case's (off the GUI thread)."""
        self._release()
        self._case_id = case_id
        self._generation += 1
        if case_id is None:
            self._set_availability("none", "")
            return
        self.reload()

    def reload(self) -> None:
        """Look again at the case's audio (after a recording stopped, or audio was deleted).
        The audio itself is read only when it is first played: two hours are about 230 MB."""
        case_id = self._case_id
        if case_id is None:
            return
        self._release()
        self._generation += 1
        gone = audio_state(self._services.store.recordings(case_id))
        if gone:
            self._set_availability("gone", self._gone_text(gone))
        else:
            self._set_availability("unloaded", "")

    def prepare(self) -> None:
        """Read the audio now rather than at the first play (no-op unless it is unread)."""
        if self.availability == "unloaded":
            self._load()

    def _load(self) -> None:
        case_id = self._case_id
        if case_id is None:
            return
        self._generation += 1
        generation = self._generation
        store = self._services.store
        self._set_availability("loading", self.tr("Loading the audio…"))
        self._job = self._services.runner.call(
            "transcript-audio",
            lambda cancel: read_case_audio(store, case_id, cancel),
            on_done=lambda audio: self._loaded(generation, audio),
            on_error=lambda error: self._failed(generation, error),
        )

    def _loaded(self, generation: int, audio: CaseAudio) -> None:
        if generation != self._generation or not shiboken6.isValid(self):
            return  # the case changed meanwhile: this audio is dropped at once
        self._job = None
        if audio.wav is None:
            self._set_availability("gone", self._gone_text(audio.gone))
            return
        buffer = QBuffer()  # not the player's child: it must outlive the player's threads
        buffer.setData(audio.wav)
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._buffer = buffer
        self._duration_s = audio.duration_s
        self._buffer_ready = True
        self.player.setSourceDevice(buffer, QUrl("mem://recording.wav"))
        self._set_availability("ready", "")

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation or not shiboken6.isValid(self):
            return
        self._job = None
        if isinstance(error, AssistError):
            text = error.message(self._services.lang)
        else:
            text = self.tr(
                "The audio could not be read. Playback is off; the transcript is not affected."
            )
        self._set_availability("error", text)

    def _gone_text(self, reason: str) -> str:
        if reason == "none":
            return self.tr("This case has no recording to play.")
        if reason == "retention":
            return self.tr("The audio was deleted after signing.")
        if reason == "consent_withdrawn":
            return self.tr("The audio was deleted when consent was withdrawn.")
        return self.tr("The audio was deleted.")

    def _release(self) -> None:
        """Stop and drop the decrypted audio (nothing of it stays referenced here)."""
        if self._job is not None:
            self._job.cancel()
            self._job = None
        # Nothing pending may start on the player that is going.
        self._pending_s = None
        self._pending_play = False
        self._buffer_ready = False
        # The whole player goes, deleted from the event loop: stopping it (stop(), setSource())
        # from Python while its ffmpeg thread read the buffer deadlocked now and then (the
        # thread needs the interpreter for the buffer's reads while the call holds it).
        old = self.player
        old.positionChanged.disconnect(self._position)
        old.playbackStateChanged.disconnect(self._playback_state)
        old.mediaStatusChanged.disconnect(self._media_status)
        if self._buffer is not None:
            _retire(old, self._buffer)
        old.deleteLater()
        self.player = self._new_player()
        self._buffer = None
        self._pending_s = None
        self._pending_play = False
        self._duration_s = 0.0

    def close(self) -> None:
        self._generation += 1
        self._release()

    def _set_availability(self, availability: str, message: str) -> None:
        self.availability = availability
        self.message = message
        self.state_changed.emit()

    # ---- playing ---------------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self.availability == "ready"

    @property
    def playing(self) -> bool:
        return self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    @property
    def position_s(self) -> float:
        if self._pending_s is not None:
            return self._pending_s
        return self.player.position() / 1000

    @property
    def duration_s(self) -> float:
        return self._duration_s

    @property
    def rate(self) -> float:
        return self.player.playbackRate()

    def play_from(self, seconds: float) -> None:
        """Play from `seconds` (clamped to the audio); waits for the audio if it is loading."""
        self.seek(seconds)
        self.play()

    def seek(self, seconds: float) -> None:
        if self.availability == "unloaded":
            self._load()
        if self.availability not in ("ready", "loading"):
            return
        seconds = max(0.0, seconds)
        if self._duration_s:
            seconds = min(seconds, self._duration_s)
        if not self._media_ready():
            self._pending_s = seconds
            return
        self.player.setPosition(round(seconds * 1000))

    def play(self) -> None:
        if self.availability == "unloaded":
            self._load()
        if self.availability not in ("ready", "loading"):
            return
        if not self._media_ready():
            self._pending_play = True
            return
        self.player.play()

    def pause(self) -> None:
        self._pending_play = False
        self.player.pause()

    def toggle(self) -> None:
        if self.playing or self._pending_play:
            self.pause()
        else:
            self.play()

    def jump(self, delta_s: float) -> None:
        """Move the position by `delta_s` (e.g. -5 s / +5 s), playing or not."""
        self.seek(self.position_s + delta_s)

    def set_rate(self, rate: float) -> None:
        self._rate = min(max(rate, RATES[0]), RATES[-1])
        self.player.setPlaybackRate(self._rate)
        self.state_changed.emit()

    def _media_ready(self) -> bool:
        status = self.player.mediaStatus()
        return (
            self.ready
            and self._buffer_ready
            and status
            in (
                QMediaPlayer.MediaStatus.LoadedMedia,
                QMediaPlayer.MediaStatus.BufferedMedia,
                QMediaPlayer.MediaStatus.BufferingMedia,
                QMediaPlayer.MediaStatus.EndOfMedia,
            )
        )

    def _media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.InvalidMedia:
            self._set_availability("error", self.tr("The audio could not be played."))
            return
        if not self._media_ready():
            return
        if self._pending_s is not None:
            seconds, self._pending_s = self._pending_s, None
            self.player.setPosition(round(seconds * 1000))
        if self._pending_play:
            self._pending_play = False
            self.player.play()
