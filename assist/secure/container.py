"""The crash-safe encrypted recording container: append-only, independently sealed chunks.

Layout (version 1; integers big-endian):

    header   MAGIC "ASSISTRC" | version u8 | sample_rate u32 | sample_width u8 | channels u8
             | max_chunk_samples u32 | file_id 16 random bytes | id_len u16 | recording_id
    tag      aead.seal(file_key, b"", AAD = "header" + header)          authenticates the header
    record*  prefix: body_len u32 | kind u8 | seq u64 | crc32(previous 13 bytes) u32
             body:   aead.seal(file_key, payload, AAD = "record" + sha256(header) + prefix[:13])

`file_key` is HKDF(key, salt=file_id, info=recording_id): each file has its own key, and every
record is bound to this file's header (recording id, file id, audio format), its kind and its
sequence number. Audio records hold at most one second of 16 kHz mono s16le PCM. A clean stop
appends a FINAL record (kind 2) whose payload is the total sample count and the audio record count.

Reading keeps the longest authenticated prefix. The CRC in each prefix is not security (the AEAD
is); it tells a damaged length field (tampering, "tampered") from a record cut short by a crash
("truncated"), and zero-filled tails (what a power loss can leave) count as truncation. A record of
this recording found at the wrong position is "reordered"; anything else that fails is "tampered".
Nothing after the first problem is trusted.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import mmap
import os
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from assist.audio.sink import SAMPLE_RATE, SAMPLE_WIDTH_BYTES
from assist.errors import AssistError, Msg
from assist.secure import aead
from assist.secure._files import create_exclusive

MAGIC = b"ASSISTRC"
VERSION = 1
KIND_AUDIO = 1
KIND_FINAL = 2
MAX_CHUNK_SAMPLES = SAMPLE_RATE  # one second: the format's upper bound
DEFAULT_CHUNK_SECONDS = 0.5  # what the writer seals at real-time pace (a kill loses < 0.5 s + lag)
_FIXED_HEADER = struct.Struct(">8sBIBBI16sH")
_PREFIX_BODY = struct.Struct(">IBQ")
_PREFIX = struct.Struct(">IBQI")
_FINAL_PAYLOAD = struct.Struct(">QQ")
HEADER_TAG_BYTES = aead.OVERHEAD
MAX_ID_BYTES = 255
FINAL_RECORD_BYTES = _PREFIX.size + aead.OVERHEAD + _FINAL_PAYLOAD.size

# RecordingRead.problem values.
PROBLEM_NOT_A_RECORDING = "not_a_recording"  # no Assist recording header at all
PROBLEM_HEADER = "header"  # malformed, unknown version, or fails authentication (wrong key?)
PROBLEM_WRONG_RECORDING = "wrong_recording"  # a valid-looking header of another recording id
PROBLEM_TRUNCATED = "truncated"  # ends before the final record (crash, kill, disk full)
PROBLEM_TAMPERED = "tampered"  # a record is modified, foreign, or malformed
PROBLEM_REORDERED = "reordered"  # a genuine record of this file at the wrong position
PROBLEM_TRAILING_DATA = "trailing_data"  # bytes after the final record

DISK_FULL = Msg(
    "secure.recording_disk_full",
    da="Disken er fuld, så optagelsen er stoppet. De første {seconds} sekunder er gemt "
    "krypteret og kan bruges. Frigør plads, før du optager igen.",
    en="The disk is full, so the recording was stopped. The first {seconds} seconds are saved "
    "encrypted and can be used. Free some space before recording again.",
)
WRITE_FAILED = Msg(
    "secure.recording_write_failed",
    da="Optagelsen kunne ikke skrives til disken ({reason}) og er stoppet. De første {seconds} "
    "sekunder er gemt krypteret og kan bruges.",
    en="The recording could not be written to disk ({reason}) and was stopped. The first "
    "{seconds} seconds are saved encrypted and can be used.",
)
RECORDING_EXISTS = Msg(
    "secure.recording_exists",
    da="Der findes allerede en optagelse i {path}; den overskrives ikke.",
    en="A recording already exists at {path}; it will not be overwritten.",
)
RECORDING_UNREADABLE = Msg(
    "secure.recording_unreadable",
    da="Optagelsen {path} kunne ikke læses ({reason}).",
    en="The recording {path} could not be read ({reason}).",
)


@dataclass(frozen=True)
class RecordingRead:
    pcm: bytes
    duration_s: float
    complete: bool
    problem: str | None


def _file_key(key: bytes, file_id: bytes, recording_id: str) -> bytes:
    info = aead.aad_of(b"assist/recording/v1", recording_id)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=file_id, info=info).derive(key)


def _header_bytes(recording_id: str, file_id: bytes, max_chunk_samples: int) -> bytes:
    raw_id = recording_id.encode("utf-8")
    if not raw_id or len(raw_id) > MAX_ID_BYTES:
        raise ValueError("recording_id must be 1-255 bytes of UTF-8")
    fixed = _FIXED_HEADER.pack(
        MAGIC, VERSION, SAMPLE_RATE, SAMPLE_WIDTH_BYTES, 1, max_chunk_samples, file_id, len(raw_id)
    )
    return fixed + raw_id


def _header_aad(header: bytes) -> bytes:
    return aead.aad_of(b"assist/recording/header", header)


def _record_aad(header_digest: bytes, prefix_body: bytes) -> bytes:
    return aead.aad_of(b"assist/recording/record", header_digest, prefix_body)


def _record(file_key: bytes, header_digest: bytes, kind: int, seq: int, payload: bytes) -> bytes:
    prefix_body = _PREFIX_BODY.pack(len(payload) + aead.OVERHEAD, kind, seq)
    prefix = prefix_body + struct.pack(">I", zlib.crc32(prefix_body))
    return prefix + aead.seal(file_key, payload, _record_aad(header_digest, prefix_body))


def _write_all(handle: BinaryIO, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = handle.write(view)
        if not written:
            raise OSError(errno.EIO, "write made no progress")
        view = view[written:]


def _open_append(path: Path) -> BinaryIO:
    return open(path, "ab", buffering=0)  # the writer owns and closes it


class RecordingWriter:
    """An AudioSink that seals audio into `path` as it arrives. Thread-safe.

    Audio is sealed and written every `chunk_seconds` of audio, and at the latest one second of
    wall time after it arrived, then fsynced, so a killed process loses at most the unsealed
    remainder. `close()` seals the rest and writes the final record. On a disk error the file is
    cut back to its last whole record, finished with a final record if possible, and
    AssistError "secure.recording_disk_full" (or "secure.recording_write_failed") is raised.
    """

    def __init__(
        self,
        path: Path,
        handle: BinaryIO,
        file_key: bytes,
        header_digest: bytes,
        size: int,
        chunk_samples: int,
        clock: Callable[[], float],
    ) -> None:
        self.path = path
        self._handle = handle
        self._file_key = file_key
        self._header_digest = header_digest
        self._good_size = size  # end of the last record known to be completely written
        self._chunk_bytes = chunk_samples * SAMPLE_WIDTH_BYTES
        self._clock = clock
        self._buffer = bytearray()
        self._seq = 0
        self._samples_in = 0
        self._samples_saved = 0
        self._last_seal = clock()
        self._lock = threading.Lock()
        self._closed = False
        self._failure: AssistError | None = None

    @classmethod
    def create(
        cls,
        path: Path,
        key: bytes,
        recording_id: str,
        *,
        chunk_seconds: float = DEFAULT_CHUNK_SECONDS,
        open_file: Callable[[Path], BinaryIO] = _open_append,
        clock: Callable[[], float] = time.monotonic,
    ) -> RecordingWriter:
        """Start a new recording file (never replaces one). `open_file` is for fault injection."""
        if not 0 < chunk_seconds <= 1:
            raise ValueError("chunk_seconds must be in (0, 1]")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        chunk_samples = max(1, round(chunk_seconds * SAMPLE_RATE))
        file_id = os.urandom(16)
        header = _header_bytes(recording_id, file_id, MAX_CHUNK_SAMPLES)
        file_key = _file_key(key, file_id, recording_id)
        head = header + aead.seal(file_key, b"", _header_aad(header))
        # The file appears with its whole header or not at all, and never replaces a recording.
        if not create_exclusive(path, head):
            raise AssistError(RECORDING_EXISTS, path=str(path))
        handle = open_file(path)
        digest = hashlib.sha256(header).digest()
        return cls(path, handle, file_key, digest, len(head), chunk_samples, clock)

    @property
    def duration_s(self) -> float:
        """Seconds of audio received so far."""
        return self._samples_in / SAMPLE_RATE

    @property
    def saved_duration_s(self) -> float:
        """Seconds of audio sealed and written to disk."""
        return self._samples_saved / SAMPLE_RATE

    @property
    def closed(self) -> bool:
        return self._closed

    def write(self, pcm: bytes) -> None:
        if len(pcm) % SAMPLE_WIDTH_BYTES:
            raise ValueError("PCM blocks must hold whole 16-bit samples")
        with self._lock:
            self._check_open()
            self._buffer += pcm
            self._samples_in += len(pcm) // SAMPLE_WIDTH_BYTES
            wrote = False
            while len(self._buffer) >= self._chunk_bytes:
                self._seal_audio(self._chunk_bytes)
                wrote = True
            if self._buffer and self._clock() - self._last_seal >= 1.0:
                self._seal_audio(len(self._buffer))
                wrote = True
            if wrote:
                self._sync()

    def flush(self) -> None:
        """Seal and write whatever audio is buffered (e.g. from a timer when audio stalls)."""
        with self._lock:
            self._check_open()
            if self._buffer:
                self._seal_audio(len(self._buffer))
                self._sync()

    def close(self) -> None:
        """Clean stop: seal the rest, write the final record, fsync. Safe to call twice."""
        with self._lock:
            if self._closed:
                return
            if self._failure is not None:
                self._closed = True
                raise self._failure
            try:
                if self._buffer:
                    self._seal_audio(len(self._buffer))
                self._append(self._final_record())
                self._sync()
            finally:
                self._closed = True
                with contextlib.suppress(OSError):
                    self._handle.close()

    def _check_open(self) -> None:
        if self._failure is not None:
            raise self._failure
        if self._closed:
            raise ValueError("the recording is closed")

    def _final_record(self) -> bytes:
        payload = _FINAL_PAYLOAD.pack(self._samples_saved, self._seq)
        return _record(self._file_key, self._header_digest, KIND_FINAL, self._seq, payload)

    def _seal_audio(self, size: int) -> None:
        # Never more than one second per record, whatever chunk size was asked for.
        size = min(size, MAX_CHUNK_SAMPLES * SAMPLE_WIDTH_BYTES)
        pcm = bytes(self._buffer[:size])
        record = _record(self._file_key, self._header_digest, KIND_AUDIO, self._seq, pcm)
        self._append(record)
        del self._buffer[:size]
        self._seq += 1
        self._samples_saved += size // SAMPLE_WIDTH_BYTES
        self._last_seal = self._clock()

    def _append(self, record: bytes) -> None:
        try:
            _write_all(self._handle, record)
        except OSError as error:
            self._fail(error)
        self._good_size += len(record)

    def _sync(self) -> None:
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError as error:
            self._fail(error)

    def _fail(self, error: OSError) -> None:
        """Stop cleanly after a write error: keep whole records, finish the file if space allows."""
        with contextlib.suppress(OSError):
            self._handle.truncate(self._good_size)
            try:
                _write_all(self._handle, self._final_record())
                self._handle.flush()
                os.fsync(self._handle.fileno())
            except OSError:
                self._handle.truncate(self._good_size)  # stays "unfinished"; recover finds it
        with contextlib.suppress(OSError):
            self._handle.close()
        self._closed = True
        seconds = self._samples_saved // SAMPLE_RATE  # whole seconds: never promise more
        if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            self._failure = AssistError(DISK_FULL, seconds=seconds)
        else:
            reason = errno.errorcode.get(error.errno or 0, type(error).__name__)
            self._failure = AssistError(WRITE_FAILED, reason=reason, seconds=seconds)
        raise self._failure from None


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class _Scan:
    read: RecordingRead
    good_size: int  # end of the authenticated prefix (header + whole audio records)
    next_seq: int


def _result(chunks: list[bytes], complete: bool, problem: str | None) -> RecordingRead:
    pcm = b"".join(chunks)
    duration = len(pcm) / (SAMPLE_RATE * SAMPLE_WIDTH_BYTES)
    return RecordingRead(pcm=pcm, duration_s=duration, complete=complete, problem=problem)


def _only_zeros(data: bytes) -> bool:
    return not data.strip(b"\x00")


def _scan(data: bytes | mmap.mmap, key: bytes, recording_id: str) -> _Scan:
    def stop(problem: str, size: int = 0, seq: int = 0) -> _Scan:
        return _Scan(_result(chunks, False, problem), size, seq)

    chunks: list[bytes] = []
    if len(data) < _FIXED_HEADER.size:
        is_ours = data[: len(MAGIC)] == MAGIC[: len(data)]
        return stop(PROBLEM_HEADER if is_ours and data else PROBLEM_NOT_A_RECORDING)
    magic, version, rate, width, channels, max_chunk, file_id, id_len = _FIXED_HEADER.unpack_from(
        data
    )
    if magic != MAGIC:
        return stop(PROBLEM_NOT_A_RECORDING)
    header_end = _FIXED_HEADER.size + id_len
    fmt_ok = (rate, width, channels) == (SAMPLE_RATE, SAMPLE_WIDTH_BYTES, 1)
    if version != VERSION or not fmt_ok or not 0 < max_chunk <= MAX_CHUNK_SAMPLES:
        return stop(PROBLEM_HEADER)
    if not 0 < id_len <= MAX_ID_BYTES or len(data) < header_end + HEADER_TAG_BYTES:
        return stop(PROBLEM_HEADER)
    header = data[:header_end]
    if data[_FIXED_HEADER.size : header_end] != recording_id.encode("utf-8"):
        return stop(PROBLEM_WRONG_RECORDING)
    file_key = _file_key(key, file_id, recording_id)
    try:
        aead.open_sealed(file_key, data[header_end : header_end + HEADER_TAG_BYTES],
                         _header_aad(header))
    except AssistError:
        return stop(PROBLEM_HEADER)
    digest = hashlib.sha256(header).digest()
    max_body = max_chunk * SAMPLE_WIDTH_BYTES + aead.OVERHEAD
    pos, seq, samples = header_end + HEADER_TAG_BYTES, 0, 0
    while True:
        remaining = len(data) - pos
        if remaining < _PREFIX.size:
            return stop(PROBLEM_TRUNCATED, pos, seq)  # includes "ends right after a record"
        body_len, kind, record_seq, crc = _PREFIX.unpack_from(data, pos)
        prefix_body = data[pos : pos + _PREFIX_BODY.size]
        if zlib.crc32(prefix_body) != crc:
            # Zeros are what a power loss leaves behind an unfinished append; anything else is not.
            tail_is_zeros = _only_zeros(data[pos:])
            return stop(PROBLEM_TRUNCATED if tail_is_zeros else PROBLEM_TAMPERED, pos, seq)
        if kind not in (KIND_AUDIO, KIND_FINAL) or not aead.OVERHEAD < body_len <= max_body:
            return stop(PROBLEM_TAMPERED, pos, seq)
        if remaining < _PREFIX.size + body_len:
            return stop(PROBLEM_TRUNCATED, pos, seq)
        body = data[pos + _PREFIX.size : pos + _PREFIX.size + body_len]
        try:
            payload = aead.open_sealed(file_key, body, _record_aad(digest, prefix_body))
        except AssistError:
            return stop(PROBLEM_TAMPERED, pos, seq)
        if record_seq != seq:
            return stop(PROBLEM_REORDERED, pos, seq)  # genuine, but not where it belongs
        end = pos + _PREFIX.size + body_len
        if kind == KIND_FINAL:
            if len(payload) != _FINAL_PAYLOAD.size:
                return stop(PROBLEM_TAMPERED, pos, seq)
            total_samples, audio_records = _FINAL_PAYLOAD.unpack(payload)
            if (total_samples, audio_records) != (samples, seq):
                return stop(PROBLEM_TAMPERED, pos, seq)
            if end != len(data):
                return stop(PROBLEM_TRAILING_DATA, pos, seq)
            return _Scan(_result(chunks, True, None), end, seq + 1)
        if len(payload) % SAMPLE_WIDTH_BYTES:
            return stop(PROBLEM_TAMPERED, pos, seq)
        chunks.append(payload)
        samples += len(payload) // SAMPLE_WIDTH_BYTES
        pos, seq = end, seq + 1


def _read_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        reason = errno.errorcode.get(error.errno or 0, type(error).__name__)
        raise AssistError(RECORDING_UNREADABLE, path=str(path), reason=reason) from None


def read_recording(path: Path, key: bytes, recording_id: str) -> RecordingRead:
    """The longest authenticated prefix of the recording, and whether (and why not) complete.

    Never raises for damaged content (that is `problem`); AssistError only if the file cannot be
    read at all.
    """
    if len(key) != aead.KEY_BYTES:
        raise ValueError("an Assist key is exactly 32 bytes")
    with _mapped(path) as data:
        return _scan(data, key, recording_id).read


@contextlib.contextmanager
def _mapped(path: Path) -> Iterator[bytes | mmap.mmap]:
    """The file's bytes, memory-mapped so that hours of audio are not held twice."""
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                yield b""
                return
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                yield data
    except OSError as error:
        reason = errno.errorcode.get(error.errno or 0, type(error).__name__)
        raise AssistError(RECORDING_UNREADABLE, path=str(path), reason=reason) from None


def read_recording_bytes(data: bytes, key: bytes, recording_id: str) -> RecordingRead:
    """`read_recording` for a container already in memory."""
    if len(key) != aead.KEY_BYTES:
        raise ValueError("an Assist key is exactly 32 bytes")
    return _scan(bytes(data), key, recording_id).read


def finish_unfinished(path: Path, key: bytes, recording_id: str) -> RecordingRead:
    """Recover a recording cut short by a crash: keep its authenticated prefix and write the
    final record, so it reads as complete and `find_unfinished` no longer lists it.

    Only a plain "truncated" file is changed; a tampered, reordered or foreign file is left
    exactly as it is (evidence) and its read result returned.
    """
    data = _read_bytes(path)
    scan = _scan(data, key, recording_id)
    if scan.read.problem != PROBLEM_TRUNCATED or scan.good_size == 0:
        return scan.read
    file_id, id_len = _FIXED_HEADER.unpack_from(data)[6:]
    header = data[: _FIXED_HEADER.size + id_len]
    file_key = _file_key(key, file_id, recording_id)
    samples = len(scan.read.pcm) // SAMPLE_WIDTH_BYTES
    payload = _FINAL_PAYLOAD.pack(samples, scan.next_seq)
    final = _record(file_key, hashlib.sha256(header).digest(), KIND_FINAL, scan.next_seq, payload)
    with open(path, "r+b") as handle:
        handle.truncate(scan.good_size)
        handle.seek(scan.good_size)
        _write_all(handle, final)
        handle.flush()
        os.fsync(handle.fileno())
    return read_recording(path, key, recording_id)


def _is_unfinished(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                return False
            size = os.fstat(handle.fileno()).st_size
            if size < FINAL_RECORD_BYTES + _FIXED_HEADER.size:
                return True
            handle.seek(size - FINAL_RECORD_BYTES)
            tail = handle.read(_PREFIX.size)
    except OSError:
        return False
    body_len, kind, _seq, crc = _PREFIX.unpack(tail)
    finished = (
        kind == KIND_FINAL
        and body_len == FINAL_RECORD_BYTES - _PREFIX.size
        and zlib.crc32(tail[: _PREFIX_BODY.size]) == crc
    )
    return not finished


def find_unfinished(directory: Path) -> list[Path]:
    """Recordings under `directory` (recursively) that lack a final record, oldest name first.

    Looks only at the file framing (no key needed); a recording still being written by a running
    writer is listed too, so call this at start-up, before recording begins.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return []
    candidates = (p for p in directory.rglob("*") if p.is_file() and not p.name.endswith(".part"))
    return sorted(p for p in candidates if _is_unfinished(p))
