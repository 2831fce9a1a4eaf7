"""Fuzzing the recording container reader and writer (small budget; bench/secure_fuzz.py runs
the long version)."""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "helpers"))
from secure_fuzzing import MUTATIONS, RAW, check_bytes, check_mutated
from secure_tools import expected_pcm

from assist.secure.container import RecordingWriter, read_recording

CI_EXAMPLES = 300


@settings(max_examples=CI_EXAMPLES, deadline=None)
@given(MUTATIONS)
def test_mutated_containers_are_never_accepted(
    mutations: list[tuple[str, int, int, bytes]],
) -> None:
    check_mutated(mutations)


@settings(max_examples=CI_EXAMPLES // 3, deadline=None)
@given(RAW)
def test_arbitrary_bytes_never_crash_the_reader(data: bytes) -> None:
    check_bytes(data)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 9_000), max_size=12), st.sampled_from([0.01, 0.5, 1.0]))
def test_any_block_split_round_trips(blocks: list[int], chunk_seconds: float) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.rec"
        writer = RecordingWriter.create(path, bytes(32), "rec-1", chunk_seconds=chunk_seconds)
        fed = 0
        for samples in blocks:
            writer.write(expected_pcm(fed, samples))
            fed += samples
        writer.close()
        read = read_recording(path, bytes(32), "rec-1")
        assert (read.pcm, read.complete) == (expected_pcm(0, fed), True)
