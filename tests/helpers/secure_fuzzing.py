"""Hypothesis strategies and the property for fuzzing the recording container reader.

Shared by tests/test_secure_fuzz.py (small budget, CI) and bench/secure_fuzz.py (long run).
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from hypothesis import strategies as st
from secure_tools import expected_pcm, spans

from assist.secure.container import RecordingWriter, read_recording_bytes

KEY = bytes(range(32))
RECORDING_ID = "fuzz-1"
AUDIO_RECORDS = 5
SAMPLES_PER_RECORD = 80


@functools.cache
def original() -> tuple[bytes, bytes]:
    """(container bytes, its PCM): five small audio records and a final record."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.rec"
        writer = RecordingWriter.create(path, KEY, RECORDING_ID, chunk_seconds=0.005)
        pcm = expected_pcm(0, AUDIO_RECORDS * SAMPLES_PER_RECORD)
        writer.write(pcm)
        writer.close()
        return path.read_bytes(), pcm


def _apply(data: bytes, op: tuple[str, int, int, bytes]) -> bytes:
    name, a, b, blob = op
    if not data and name != "insert":
        return data
    a %= max(1, len(data))
    if name == "flip":
        out = bytearray(data)
        out[a] ^= 1 << (b % 8)
        return bytes(out)
    if name == "set":
        out = bytearray(data)
        out[a] = b % 256
        return bytes(out)
    if name == "truncate":
        return data[:a]
    if name == "insert":
        return data[:a] + blob + data[a:]
    if name == "delete":
        return data[:a] + data[a + 1 + b % 64 :]
    if name == "duplicate":
        piece = data[a : a + 1 + b % 512]
        where = (a + b) % (len(data) + 1)
        return data[:where] + piece + data[where:]
    if name == "swap_records":
        layout = spans(data) if len(data) > 40 else []
        if len(layout) < 3:
            return data
        i, j = 1 + a % (len(layout) - 1), 1 + b % (len(layout) - 1)
        first, second = sorted((layout[i], layout[j]), key=lambda s: s.start)
        if first.end > second.start:
            return data
        return (data[: first.start] + data[second.start : second.end]
                + data[first.end : second.start] + data[first.start : first.end]
                + data[second.end :])
    raise AssertionError(name)


OPS = st.tuples(
    st.sampled_from(["flip", "set", "truncate", "insert", "delete", "duplicate", "swap_records"]),
    st.integers(0, 1 << 20),
    st.integers(0, 1 << 20),
    st.binary(min_size=1, max_size=64),
)
MUTATIONS = st.lists(OPS, min_size=1, max_size=4)


def check_mutated(mutations: list[tuple[str, int, int, bytes]]) -> None:
    """The property: the reader never fails other than by its result, never accepts modified
    bytes, and only ever returns a whole-record prefix of the genuine audio."""
    mutated = original()[0]
    for op in mutations:
        mutated = _apply(mutated, op)
    check_bytes(mutated)


def check_bytes(mutated: bytes) -> None:
    data, pcm = original()
    read = read_recording_bytes(mutated, KEY, RECORDING_ID)  # must not raise
    record_bytes = SAMPLES_PER_RECORD * 2
    assert len(read.pcm) % record_bytes == 0
    assert pcm.startswith(read.pcm)
    assert read.duration_s == len(read.pcm) / 32_000
    if mutated == data:
        assert (read.pcm, read.complete, read.problem) == (pcm, True, None)
    else:
        assert not read.complete and read.problem is not None


# Arbitrary bytes, and arbitrary bytes behind a genuine header.
RAW = st.one_of(
    st.binary(max_size=2048),
    st.binary(max_size=2048).map(lambda tail: original()[0][: spans(original()[0])[0].end] + tail),
)
