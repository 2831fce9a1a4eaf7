"""The encrypted recording container: round trips, durability, tampering, disk full, recovery."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import BinaryIO

import pytest

from assist.errors import AssistError
from assist.secure import aead
from assist.secure.container import (
    FINAL_RECORD_BYTES,
    RecordingWriter,
    find_unfinished,
    finish_unfinished,
    read_recording,
    read_recording_bytes,
)

sys.path.insert(0, str(Path(__file__).parent / "helpers"))
from secure_tools import Span, expected_pcm, spans

KEY = bytes(range(32))
SMALL_CHUNK_S = 0.01  # 160 samples per record: many records in a small file


def make(path: Path, pcm: bytes, *, recording_id: str = "rec-1", key: bytes = KEY,
         chunk_seconds: float = SMALL_CHUNK_S, close: bool = True) -> Path:
    writer = RecordingWriter.create(path, key, recording_id, chunk_seconds=chunk_seconds)
    writer.write(pcm)
    if close:
        writer.close()
    return path


def audio_chunks(path: Path) -> list[Span]:
    return [s for s in spans(path.read_bytes()) if s.kind == "audio"]


def test_round_trip_with_odd_block_sizes(tmp_path: Path) -> None:
    pcm = expected_pcm(0, 16_000 * 3 + 17)
    writer = RecordingWriter.create(tmp_path / "r.rec", KEY, "rec-1")
    for start in range(0, len(pcm), 2 * 331):
        writer.write(pcm[start : start + 2 * 331])
    assert writer.duration_s == pytest.approx(len(pcm) / 32_000)
    writer.close()
    writer.close()  # a second close is harmless
    read = read_recording(tmp_path / "r.rec", KEY, "rec-1")
    assert (read.pcm, read.complete, read.problem) == (pcm, True, None)
    assert read.duration_s == pytest.approx(3 + 17 / 16_000)
    # The container adds little: under 0.5% for half-second records.
    assert (tmp_path / "r.rec").stat().st_size < len(pcm) * 1.005 + 200


def test_empty_recording_is_complete(tmp_path: Path) -> None:
    read = read_recording(make(tmp_path / "r.rec", b""), KEY, "rec-1")
    assert (read.pcm, read.complete, read.problem) == (b"", True, None)


def test_records_hold_at_most_one_second(tmp_path: Path) -> None:
    path = make(tmp_path / "r.rec", expected_pcm(0, 16_000 * 5 + 5), chunk_seconds=1.0)
    sizes = [s.end - s.start - 17 - aead.OVERHEAD for s in audio_chunks(path)]
    assert max(sizes) == 32_000 and len(sizes) == 6


def test_audio_reaches_the_disk_before_close(tmp_path: Path) -> None:
    clock = [0.0]
    writer = RecordingWriter.create(tmp_path / "r.rec", KEY, "rec-1", clock=lambda: clock[0])
    writer.write(expected_pcm(0, 12_000))  # 0.75 s: one half-second record sealed at once
    assert read_recording(tmp_path / "r.rec", KEY, "rec-1").duration_s == 0.5
    # Audio trickling in slower than real time is still sealed within a second of wall time.
    clock[0] = 0.9
    writer.write(expected_pcm(12_000, 100))
    assert writer.saved_duration_s == 0.5
    clock[0] = 1.0
    writer.write(expected_pcm(12_100, 100))
    assert writer.saved_duration_s == writer.duration_s
    read = read_recording(tmp_path / "r.rec", KEY, "rec-1")
    assert (read.pcm, read.complete, read.problem) == (expected_pcm(0, 12_200), False, "truncated")
    writer.write(expected_pcm(12_200, 10))
    writer.flush()
    assert read_recording(tmp_path / "r.rec", KEY, "rec-1").pcm == expected_pcm(0, 12_210)


def test_misuse_is_refused(tmp_path: Path) -> None:
    path = make(tmp_path / "r.rec", b"")
    with pytest.raises(AssistError) as caught:
        RecordingWriter.create(path, KEY, "rec-1")
    assert caught.value.code == "secure.recording_exists"
    writer = RecordingWriter.create(tmp_path / "s.rec", KEY, "rec-2")
    with pytest.raises(ValueError):
        writer.write(b"\x00")  # half a sample
    writer.close()
    with pytest.raises(ValueError):
        writer.write(b"\x00\x00")
    with pytest.raises(AssistError) as unreadable:
        read_recording(tmp_path / "missing.rec", KEY, "rec-1")
    assert unreadable.value.code == "secure.recording_unreadable"


def test_every_single_bit_flip_is_detected(tmp_path: Path) -> None:
    pcm = expected_pcm(0, 160 * 4)
    path = make(tmp_path / "r.rec", pcm)
    original = path.read_bytes()
    layout = spans(original)
    assert [s.kind for s in layout] == ["header", "audio", "audio", "audio", "audio", "final"]
    chunk_bytes = 320
    for span_index, span in enumerate(layout):
        for position in range(span.start, span.end):
            for bit in range(8):
                data = bytearray(original)
                data[position] ^= 1 << bit
                read = read_recording_bytes(bytes(data), KEY, "rec-1")
                where = f"{span.kind} byte {position - span.start} bit {bit}"
                assert not read.complete, where
                if span.kind == "header":
                    assert read.pcm == b"", where
                    assert read.problem in ("not_a_recording", "header", "wrong_recording"), where
                else:
                    # Everything before the damaged record is kept, nothing from it or after.
                    assert read.pcm == pcm[: chunk_bytes * (span_index - 1)], where
                    assert read.problem == "tampered", where


def test_truncation_at_every_byte_of_the_last_chunk_is_truncation(tmp_path: Path) -> None:
    pcm = expected_pcm(0, 160 * 3)
    path = make(tmp_path / "r.rec", pcm)
    original = path.read_bytes()
    layout = spans(original)
    last_audio, final = layout[-2], layout[-1]
    for cut in range(last_audio.start, len(original)):
        read = read_recording_bytes(original[:cut], KEY, "rec-1")
        kept = 320 * 3 if cut >= last_audio.end else 320 * 2
        assert (read.pcm, read.complete, read.problem) == (pcm[:kept], False, "truncated"), cut
    assert final.end - final.start == FINAL_RECORD_BYTES


def test_truncation_inside_the_header_keeps_nothing(tmp_path: Path) -> None:
    original = make(tmp_path / "r.rec", expected_pcm(0, 320)).read_bytes()
    header = spans(original)[0]
    for cut in range(header.end):
        read = read_recording_bytes(original[:cut], KEY, "rec-1")
        assert read.pcm == b"" and not read.complete
        assert read.problem in ("not_a_recording", "header"), cut


def test_a_zero_filled_tail_from_power_loss_is_truncation_not_tampering(tmp_path: Path) -> None:
    pcm = expected_pcm(0, 160 * 3)
    path = make(tmp_path / "r.rec", pcm, close=False)
    path.write_bytes(path.read_bytes() + bytes(4096))
    read = read_recording(path, KEY, "rec-1")
    assert (read.pcm, read.problem) == (pcm, "truncated")
    path.write_bytes(path.read_bytes()[:-4096] + bytes(4095) + b"\x01")
    assert read_recording(path, KEY, "rec-1").problem == "tampered"


def test_reordered_duplicated_and_dropped_chunks(tmp_path: Path) -> None:
    pcm = expected_pcm(0, 160 * 4)
    original = make(tmp_path / "r.rec", pcm).read_bytes()
    h, a0, a1, a2, a3, fin = (original[s.start : s.end] for s in spans(original))
    for name, data, kept in (
        ("swapped", h + a0 + a2 + a1 + a3 + fin, 1),
        ("duplicated", h + a0 + a1 + a1 + a2 + a3 + fin, 2),
        ("dropped", h + a0 + a2 + a3 + fin, 1),
        ("final early", h + a0 + fin, 1),
    ):
        (tmp_path / "x.rec").write_bytes(data)
        read = read_recording(tmp_path / "x.rec", KEY, "rec-1")
        assert (read.pcm, read.complete, read.problem) == (pcm[: 320 * kept], False, "reordered"), (
            name
        )
    (tmp_path / "x.rec").write_bytes(original + a3)
    read = read_recording(tmp_path / "x.rec", KEY, "rec-1")
    assert (read.pcm, read.complete, read.problem) == (pcm, False, "trailing_data")


def test_spliced_chunks_and_swapped_headers_are_detected(tmp_path: Path) -> None:
    pcm = expected_pcm(0, 160 * 3)
    mine = make(tmp_path / "a.rec", pcm).read_bytes()
    # Same key and position, but another recording; and a re-recording under the same id.
    other = make(tmp_path / "b.rec", expected_pcm(10**6, 160 * 3), recording_id="rec-2")
    same_id = make(tmp_path / "c.rec", pcm, recording_id="rec-1").read_bytes()
    theirs = other.read_bytes()
    m, t, s = spans(mine), spans(theirs), spans(same_id)
    for name, donor, donor_spans, expected_problem in (
        ("other recording", theirs, t, "tampered"),
        ("same id, other file", same_id, s, "tampered"),
    ):
        spliced = mine[: m[2].start] + donor[donor_spans[2].start : donor_spans[2].end]
        spliced += mine[m[3].start :]
        (tmp_path / "x.rec").write_bytes(spliced)
        read = read_recording(tmp_path / "x.rec", KEY, "rec-1")
        assert (read.pcm, read.problem) == (pcm[:320], expected_problem), name
    # This file's records behind another file's header (same id: only the file id differs).
    (tmp_path / "x.rec").write_bytes(same_id[: s[0].end] + mine[m[0].end :])
    read = read_recording(tmp_path / "x.rec", KEY, "rec-1")
    assert (read.pcm, read.problem) == (b"", "tampered")
    (tmp_path / "x.rec").write_bytes(theirs[: t[0].end] + mine[m[0].end :])
    assert read_recording(tmp_path / "x.rec", KEY, "rec-1").problem == "wrong_recording"
    assert read_recording(tmp_path / "a.rec", KEY, "rec-2").problem == "wrong_recording"
    wrong_key = read_recording(tmp_path / "a.rec", aead.new_key(), "rec-1")
    assert (wrong_key.pcm, wrong_key.problem) == (b"", "header")


class FullDisk:
    """A file whose disk has `free` bytes: writes beyond that write what fits, then ENOSPC.
    Truncating gives the space back, as on a real file system."""

    def __init__(self, path: Path, free: int, error: int = errno.ENOSPC) -> None:
        self._file: BinaryIO = open(path, "ab", buffering=0)  # noqa: SIM115
        self.free = free
        self.error = error

    def write(self, data: bytes | memoryview) -> int:
        if self.free <= 0:
            raise OSError(self.error, os.strerror(self.error))
        part = bytes(data[: self.free])
        self.free -= len(part)
        return self._file.write(part) or 0

    def truncate(self, size: int) -> int:
        self.free += os.fstat(self._file.fileno()).st_size - size
        return self._file.truncate(size)

    def flush(self) -> None:
        self._file.flush()

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        self._file.close()


def test_disk_full_stops_cleanly_and_keeps_what_was_written(tmp_path: Path) -> None:
    path = tmp_path / "r.rec"
    disk: list[FullDisk] = []

    def opener(p: Path) -> BinaryIO:
        disk.append(FullDisk(p, free=3 * 16_046 + 5_000))  # room for 3 half-second records
        return disk[0]  # type: ignore[return-value]

    writer = RecordingWriter.create(path, KEY, "rec-1", open_file=opener)
    pcm = expected_pcm(0, 16_000 * 3)
    with pytest.raises(AssistError) as caught:
        for start in range(0, len(pcm), 3_200):
            writer.write(pcm[start : start + 3_200])
    assert caught.value.code == "secure.recording_disk_full"
    assert "De første 1 sekunder" in caught.value.message("da")
    assert "Disken er fuld" in caught.value.message("da")
    assert writer.closed and writer.saved_duration_s == 1.5
    with pytest.raises(AssistError):
        writer.write(pcm[:2])  # the recording stays stopped
    # The partly written record was cut away; the freed space held the final record.
    read = read_recording(path, KEY, "rec-1")
    assert (read.pcm, read.complete, read.problem) == (pcm[: 3 * 16_000], True, None)


def test_disk_full_without_room_for_the_final_record_leaves_it_recoverable(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.rec"

    class NoSpaceAtAll(FullDisk):
        def truncate(self, size: int) -> int:
            return self._file.truncate(size)  # space is not given back

    def opener(p: Path) -> BinaryIO:
        return NoSpaceAtAll(p, free=2 * 16_046 + 10)  # type: ignore[return-value]

    writer = RecordingWriter.create(path, KEY, "rec-1", open_file=opener)
    with pytest.raises(AssistError) as caught:
        writer.write(expected_pcm(0, 16_000 * 2))
    assert caught.value.code == "secure.recording_disk_full"
    read = read_recording(path, KEY, "rec-1")
    assert (read.pcm, read.problem) == (expected_pcm(0, 16_000), "truncated")
    assert find_unfinished(tmp_path) == [path]
    writer.close()  # cleanup code may still call close(): harmless after the error


def test_other_write_errors_say_what_happened(tmp_path: Path) -> None:
    def opener(p: Path) -> BinaryIO:
        return FullDisk(p, free=100, error=errno.EIO)  # type: ignore[return-value]

    writer = RecordingWriter.create(tmp_path / "r.rec", KEY, "rec-1", open_file=opener)
    with pytest.raises(AssistError) as caught:
        writer.write(expected_pcm(0, 16_000))
    assert caught.value.code == "secure.recording_write_failed"
    assert "EIO" in caught.value.message("en")


def test_find_and_finish_unfinished_recordings(tmp_path: Path) -> None:
    recordings = tmp_path / "recordings"
    done = make(recordings / "done.rec", expected_pcm(0, 320))
    crashed = make(recordings / "case" / "crashed.rec", expected_pcm(0, 800), close=False)
    cut = make(recordings / "cut.rec", expected_pcm(0, 800), recording_id="rec-cut")
    cut.write_bytes(cut.read_bytes()[:-FINAL_RECORD_BYTES - 7])
    (recordings / "notes.txt").write_text("not a recording")
    (recordings / ".x.rec.part").write_bytes(b"ASSISTRC")
    assert find_unfinished(recordings) == sorted([crashed, cut])
    assert find_unfinished(tmp_path / "nowhere") == []

    recovered = finish_unfinished(crashed, KEY, "rec-1")
    assert (recovered.pcm, recovered.complete) == (expected_pcm(0, 800), True)
    recovered_cut = finish_unfinished(cut, KEY, "rec-cut")
    assert (recovered_cut.pcm, recovered_cut.complete) == (expected_pcm(0, 640), True)
    assert find_unfinished(recordings) == []
    assert read_recording(done, KEY, "rec-1").complete


def test_finish_unfinished_leaves_tampered_files_alone(tmp_path: Path) -> None:
    path = make(tmp_path / "r.rec", expected_pcm(0, 800), close=False)
    data = bytearray(path.read_bytes())
    data[spans(bytes(data))[2].start + 40] ^= 1
    path.write_bytes(bytes(data))
    read = finish_unfinished(path, KEY, "rec-1")
    assert read.problem == "tampered" and not read.complete
    assert path.read_bytes() == bytes(data)
