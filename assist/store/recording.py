"""A recording running on a case: encrypted audio to disk, live transcript into the store.

While a recording runs, its process holds an OS lock on `locks/<case_id>.lock` in the data folder
(`CaseLock`): other processes see that the case is being recorded (a second recording, `case
delete`, retention and `recover` leave it alone), and the lock ends with the process, so a killed
recorder leaves no marker that could block anything.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from assist.audio.sink import AudioSink
from assist.errors import AssistError, Msg
from assist.transcript import Segment

LOCKS_DIR = "locks"

RECORDING_STOPPED = Msg(
    "store.recording_stopped",
    da="Optagelsen er stoppet; der gemmes ikke mere lyd.",
    en="The recording has stopped; no more audio is saved.",
)
CONSENT_WITHDRAWN_STOP = Msg(
    "store.consent_withdrawn_stop",
    da="Samtykket er trukket tilbage: optagelsen er stoppet, og lyden er slettet.",
    en="Consent was withdrawn: the recording stopped and its audio was deleted.",
)


class CaseLock:
    """An exclusive OS lock on one case (flock on POSIX, msvcrt.locking on Windows).

    The lock, not the file, is the marker: the OS drops it when the holder exits in any way
    (kill -9 included), so a left-over file means nothing. Two holders never coexist, also in
    one process (each `acquire` opens the file anew).
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, data_dir: Path, case_id: str, wait_s: float = 0.0) -> CaseLock | None:
        """The lock on `case_id`, or None if another holder keeps it for `wait_s` seconds."""
        directory = Path(data_dir) / LOCKS_DIR
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = directory / f"{case_id}.lock"
        deadline = time.monotonic() + wait_s
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
            if _try_lock(fd):
                try:
                    same = os.path.samestat(os.fstat(fd), os.stat(path))
                except FileNotFoundError:
                    same = False
                if same:
                    return cls(path, fd)
                # The file was removed (its case deleted) between open and lock: try anew.
                _unlock(fd)
                os.close(fd)
                continue
            os.close(fd)
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    @classmethod
    def is_held(cls, data_dir: Path, case_id: str) -> bool:
        """True if someone (another process, or another recording here) holds the lock."""
        lock = cls.acquire(data_dir, case_id)
        if lock is None:
            return True
        lock.release()
        return False

    def release(self, *, remove: bool = False) -> None:
        """Let go; `remove` also deletes the file (only once its case is gone for good)."""
        if self._fd is None:
            return
        if remove:
            with contextlib.suppress(OSError):  # Windows cannot remove an open file: harmless
                self.path.unlink()
        _unlock(self._fd)
        os.close(self._fd)
        self._fd = None


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)


class RecordingHost(Protocol):
    """The part of the case store a recording talks to."""

    def append_segment(
        self,
        case_id: str,
        segment: Segment,
        time_offset_s: float = 0.0,
        *,
        model: str | None = None,
        model_sha256: str = "",
    ) -> Segment: ...

    def consent_status(self, case_id: str) -> str: ...

    def consent_status_if_free(self, case_id: str) -> str | None: ...

    def delete_audio(self, case_id: str, reason: str) -> int: ...

    def finish_recording(
        self, recording_id: str, duration_s: float, complete: bool, segments: int
    ) -> None: ...


class CaseRecording:
    """An AudioSink for one recording (made by `CaseStore.start_recording`).

    `write(pcm)` appends encrypted audio (SECURE's container seals it in small authenticated
    records, so a crash keeps everything up to the last one). `on_segment(segment)` saves a live
    transcript segment at once. `stop()` (or `close()`) finishes the file and records duration
    and completeness. Once consent is withdrawn (here, or in another process: checked at least
    every `consent_check_s`), `write` raises AssistError "store.consent_withdrawn_stop" so the
    audio loop stops, and the audio is gone.
    """

    consent_check_s = 1.0

    def __init__(
        self,
        store: RecordingHost,
        case_id: str,
        recording_id: str,
        writer: AudioSink,
        time_offset_s: float,
        transcript_model: str,
        clock: Callable[[], float] = time.monotonic,
        lock: CaseLock | None = None,
        transcript_model_sha256: str = "",
    ) -> None:
        self._store = store
        self._case_lock = lock  # released when the recording stops
        self.case_id = case_id
        self.recording_id = recording_id
        self.transcript_model = transcript_model  # the speech model, kept with each segment
        self.transcript_model_sha256 = transcript_model_sha256
        self._writer = writer
        self._time_offset_s = time_offset_s
        self._clock = clock
        self._lock = threading.Lock()
        self._active = True
        self._withdrawn = False
        self._segments = 0
        self._consent_checked_at = clock()

    @property
    def active(self) -> bool:
        return self._active

    @property
    def time_offset_s(self) -> float:
        """Where this recording starts on the case's timeline (after its earlier recordings)."""
        return self._time_offset_s

    @property
    def duration_s(self) -> float:
        return float(getattr(self._writer, "duration_s", 0.0))

    def write(self, pcm: bytes) -> None:
        # The consent check never makes the audio path wait: if the store is busy (a retention
        # run shredding audio after a signature), it is tried again at the next block.
        status = None
        if self._clock() - self._consent_checked_at >= self.consent_check_s:
            status = self._store.consent_status_if_free(self.case_id)
            if status is not None:
                self._consent_checked_at = self._clock()
        if status is not None and status != "given":
            # Withdrawn from elsewhere (another process): stop and make sure the audio goes.
            self.stop(withdrawn=True)
            self._store.delete_audio(self.case_id, "consent_withdrawn")
        with self._lock:
            if not self._active:
                raise AssistError(CONSENT_WITHDRAWN_STOP if self._withdrawn else RECORDING_STOPPED)
            self._writer.write(pcm)

    def on_segment(self, segment: Segment) -> Segment | None:
        """Save one live segment (sealed, committed before returning). Returns it as stored
        (renumbered and shifted after earlier recordings), or None once consent is withdrawn."""
        if self._withdrawn or self._store.consent_status(self.case_id) != "given":
            return None
        try:
            stored = self._store.append_segment(
                self.case_id,
                segment,
                self._time_offset_s,
                model=self.transcript_model,
                model_sha256=self.transcript_model_sha256,
            )
        except AssistError as error:
            if error.code != CONSENT_WITHDRAWN_STOP.code:
                raise
            return None  # withdrawn (elsewhere) since the check above: the segment is not kept
        self._segments += 1
        return stored

    def stop(self, *, withdrawn: bool = False) -> None:
        """Finish the recording. Safe to call twice. If the disk failed, what was saved is
        recorded as incomplete and SECURE's error is raised."""
        with self._lock:
            if withdrawn:
                self._withdrawn = True
            if not self._active:
                return
            self._active = False
            failure: AssistError | None = None
            try:
                self._writer.close()
            except AssistError as error:
                failure = error
        saved_s = float(getattr(self._writer, "saved_duration_s", self.duration_s))
        try:
            self._store.finish_recording(
                self.recording_id, saved_s, complete=failure is None, segments=self._segments
            )
        finally:
            if self._case_lock is not None:
                self._case_lock.release()
        if failure is not None and not withdrawn:
            raise failure

    def close(self) -> None:
        self.stop()
