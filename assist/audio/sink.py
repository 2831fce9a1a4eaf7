"""The shape every consumer of recorded audio has (live transcriber, encrypted writer, ...)."""

from __future__ import annotations

from typing import Protocol

SAMPLE_RATE = 16_000
SAMPLE_WIDTH_BYTES = 2  # signed 16-bit little-endian, mono


class AudioSink(Protocol):
    def write(self, pcm: bytes) -> None:
        """Accept the next block of 16 kHz mono s16le PCM (any length, whole samples)."""
        ...

    def close(self) -> None:
        """The recording stopped cleanly: flush and finish."""
        ...
