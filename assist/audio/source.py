"""Sources of recorded audio: blocks of 16 kHz mono s16le PCM, as a microphone delivers them.

`file_source` plays a file through the same path a microphone uses: in `realtime` mode each block
arrives when it would have finished being spoken, so live transcription can be measured honestly.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from assist.audio.decode import iter_pcm_chunks
from assist.audio.sink import SAMPLE_RATE, SAMPLE_WIDTH_BYTES

DEFAULT_BLOCK_S = 0.1


def file_source(
    path: Path,
    *,
    block_s: float = DEFAULT_BLOCK_S,
    realtime: bool = False,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[bytes]:
    """Yield the file's audio in blocks of `block_s` seconds (the last may be shorter)."""
    block_samples = max(1, int(block_s * SAMPLE_RATE))
    pending = np.zeros(0, dtype=np.int16)
    started = clock()
    delivered = 0

    def due(block: np.ndarray) -> bytes:
        nonlocal delivered
        delivered += block.size
        if realtime:
            wait = started + delivered / SAMPLE_RATE - clock()
            if wait > 0:
                sleep(wait)
        return block.astype("<i2", copy=False).tobytes()

    for chunk in iter_pcm_chunks(path):
        pending = np.concatenate([pending, chunk]) if pending.size else chunk
        while pending.size >= block_samples:
            block, pending = pending[:block_samples], pending[block_samples:]
            yield due(block)
    if pending.size:
        yield due(pending)


def pcm_duration_s(pcm: bytes) -> float:
    return len(pcm) / (SAMPLE_RATE * SAMPLE_WIDTH_BYTES)
