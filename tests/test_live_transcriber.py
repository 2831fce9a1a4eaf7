"""Live transcription logic with a fake engine and a loudness detector: fast and deterministic."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pytest

from assist.asr.engine import EngineSegment, EngineWord, FakeAsrEngine, Samples
from assist.asr.live import EnergySpeechDetector, LiveSettings, LiveTranscriber
from assist.errors import AssistError, Msg
from assist.jobs.events import SegmentCommitted
from assist.jobs.recording import RecordingResult, RecordingSession
from assist.transcript import Segment

RATE = 16_000
# No audio context here (the fake engine labels whole calls); context has its own test below.
SETTINGS = LiveSettings(
    check_every_s=0.5, min_pause_s=0.6, max_utterance_s=10.0, lead_in_s=0.2, context_s=0.0
)


def tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return 0.3 * np.sin(2 * np.pi * 220 * t)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE))


def pcm(samples: np.ndarray) -> bytes:
    return (samples * 32767).astype("<i2").tobytes()


def blocks(data: bytes, block_s: float = 0.1) -> Iterator[bytes]:
    size = int(block_s * RATE) * 2
    for start in range(0, len(data), size):
        yield data[start : start + size]


def transcriber(engine: FakeAsrEngine | None = None, **kwargs: object) -> LiveTranscriber:
    return LiveTranscriber(
        engine or FakeAsrEngine(),
        detector=EnergySpeechDetector(SETTINGS.min_pause_s),
        settings=SETTINGS,
        **kwargs,  # type: ignore[arg-type]
    )


def test_an_utterance_is_committed_once_a_pause_follows_it() -> None:
    live = transcriber()
    audio = pcm(np.concatenate([silence(1.0), tone(1.5), silence(1.5), tone(2.0), silence(1.0)]))
    committed_at: list[tuple[float, Segment]] = []
    for block in blocks(audio):
        for segment in live.feed(block):
            committed_at.append((live.received_s, segment))
    assert [s.text for _, s in committed_at] == ["tale 1", "tale 2"]
    first_time, first = committed_at[0]
    assert first.start_s == pytest.approx(0.8, abs=0.05)  # 1.0 s minus the lead-in
    assert first.end_s == pytest.approx(2.5, abs=0.05)
    assert first_time <= 2.5 + SETTINGS.min_pause_s + SETTINGS.check_every_s + 0.1  # no waiting
    assert committed_at[1][1].start_s == pytest.approx(3.8, abs=0.05)
    assert live.finish() == []  # nothing was left for the end


def test_finish_flushes_speech_that_runs_to_the_end() -> None:
    live = transcriber()
    audio = pcm(np.concatenate([tone(1.0), silence(1.0), tone(2.0)]))
    during = [s for block in blocks(audio) for s in live.feed(block)]
    assert [s.text for s in during] == ["tale 1"]
    final = live.finish()
    assert [s.text for s in final] == ["tale 2"]
    assert final[0].end_s == pytest.approx(4.0, abs=0.05)
    assert [s.segment_id for s in during + final] == [0, 1]
    assert live.finish() == []  # each segment is returned once
    with pytest.raises(RuntimeError):
        live.feed(b"\0\0")


def test_long_speech_without_pauses_is_cut_so_little_waits_for_the_end() -> None:
    engine = FakeAsrEngine()
    live = transcriber(engine)
    # 35 s of speech whose loudness dips (never to silence) every 1.3 s.
    t = np.arange(35 * RATE) / RATE
    speech = 0.3 * np.sin(2 * np.pi * 220 * t) * (0.6 + 0.4 * np.cos(2 * np.pi * t / 1.3))
    pieces: list[Segment] = []
    for block in blocks(pcm(speech)):
        pieces += live.feed(block)
        assert live.pending_s <= SETTINGS.max_utterance_s + SETTINGS.check_every_s + 0.2
    pieces += live.finish()
    assert len(engine.calls) >= 4
    assert all(samples <= SETTINGS.max_utterance_s * RATE for samples, _, _ in engine.calls)
    # The pieces tile the audio: each segment starts where the previous one ended.
    for before, after in itertools.pairwise(pieces):
        assert after.start_s == pytest.approx(before.end_s, abs=0.01)
    assert pieces[-1].end_s == pytest.approx(35.0, abs=0.05)


def test_silence_costs_nothing_and_is_not_kept() -> None:
    engine = FakeAsrEngine()
    live = transcriber(engine)
    for block in blocks(pcm(silence(30.0))):
        assert live.feed(block) == []
    assert live.pending_s < 1.0
    assert live.finish() == [] and engine.calls == []


def test_timestamps_stay_absolute_after_engine_segments_inside_an_utterance() -> None:
    script = [
        [
            EngineSegment(0.1, 0.9, " første", -0.1, 0.0, 1.0),
            EngineSegment(1.0, 1.9, " anden", -0.1, 0.0, 1.0),
        ]
    ]
    live = transcriber(FakeAsrEngine(script))
    found = [s for b in blocks(pcm(np.concatenate([silence(5.0), tone(2.0), silence(1.0)])))
             for s in live.feed(b)]  # fmt: skip
    assert [(s.text, round(s.start_s, 2)) for s in found] == [
        ("første", 4.9),
        ("anden", 5.8),
    ]


def test_odd_sized_blocks_lose_no_samples() -> None:
    engine = FakeAsrEngine()
    live = transcriber(engine)
    data = pcm(np.concatenate([tone(1.0), silence(1.0)]))
    found = [s for start in range(0, len(data), 333) for s in live.feed(data[start : start + 333])]
    found += live.finish()
    assert live.received_s == pytest.approx(2.0, abs=1e-6)
    assert len(found) == 1


class ListSink:
    def __init__(self) -> None:
        self.data = bytearray()
        self.closed = False

    def write(self, pcm: bytes) -> None:
        self.data += pcm

    def close(self) -> None:
        self.closed = True


def record(
    source: Iterator[bytes], sinks: list[ListSink], live: LiveTranscriber, seen: list[Segment]
) -> RecordingResult:
    """A recording job without a case; the segments it reports go to `seen`."""
    job = RecordingSession(source, sinks=sinks, live=lambda: live).run()
    while True:
        try:
            event = next(job)
        except StopIteration as finished:
            result: RecordingResult = finished.value
            return result
        if isinstance(event, SegmentCommitted):
            seen.append(event.segment)


def test_session_feeds_every_sink_everything_and_finishes_the_transcript() -> None:
    audio = pcm(np.concatenate([tone(1.0), silence(1.0), tone(1.5)]))
    sinks = [ListSink(), ListSink()]
    seen: list[Segment] = []
    result = record(blocks(audio), sinks, transcriber(), seen)
    assert all(bytes(s.data) == audio and s.closed for s in sinks)
    assert [s.text for s in result.segments] == ["tale 1", "tale 2"] == [s.text for s in seen]
    assert result.duration_s == pytest.approx(3.5)
    assert result.stop_to_final_s is not None and result.stop_to_final_s >= 0
    assert not result.stopped_early


BROKEN = Msg("test.broken_source", da="Kilden svigtede.", en="The source failed.")


def test_session_keeps_and_transcribes_audio_before_a_source_error() -> None:
    def failing_source() -> Iterator[bytes]:
        yield from blocks(pcm(np.concatenate([tone(1.0), silence(1.0)])))
        raise AssistError(BROKEN)

    sink = ListSink()
    seen: list[Segment] = []
    with pytest.raises(AssistError):
        record(failing_source(), [sink], transcriber(), seen)
    assert sink.closed and len(sink.data) == 2 * RATE * 2
    assert [s.text for s in seen] == ["tale 1"]


class ExplodingEngine(FakeAsrEngine):
    def transcribe(
        self, audio: Samples, language: str, *, speech_only: bool = True
    ) -> Iterator[EngineSegment]:
        raise RuntimeError("engine broke")


def test_a_failing_transcriber_never_stops_the_recording() -> None:
    audio = pcm(np.concatenate([tone(1.0), silence(2.0), tone(1.0), silence(2.0)]))
    sink = ListSink()
    with pytest.raises(RuntimeError, match="engine broke"):
        record(blocks(audio), [sink], transcriber(ExplodingEngine()), [])
    assert bytes(sink.data) == audio and sink.closed


def test_earlier_audio_is_heard_as_context_but_never_committed_twice() -> None:
    # Second call: the engine hears 1.0 s of earlier audio as context before the new speech;
    # it re-reads "igen" there, which was committed before and must be dropped.
    script = [
        [EngineSegment(0.2, 1.0, " først", -0.1, 0.0, 1.0, (EngineWord(0.2, 1.0, " først", 0.9),))],
        [
            EngineSegment(
                0.0, 2.2, " igen så", -0.1, 0.0, 1.0,
                (EngineWord(0.0, 0.5, " igen", 0.9), EngineWord(1.3, 2.2, " så", 0.9)),
            )
        ],
    ]  # fmt: skip
    engine = FakeAsrEngine(script)
    settings = LiveSettings(min_pause_s=0.6, context_s=1.0, lead_in_s=0.2)
    live = LiveTranscriber(
        engine, detector=EnergySpeechDetector(settings.min_pause_s), settings=settings
    )
    audio = pcm(np.concatenate([tone(1.0), silence(2.0), tone(1.0), silence(1.0)]))
    found = [s for block in blocks(audio) for s in live.feed(block)] + live.finish()
    assert [s.text for s in found] == ["først", "så"]
    second = found[1]
    # The span starts at 2.8 s (3.0 s minus lead-in); its context starts 1.0 s earlier.
    assert second.start_s == pytest.approx(1.8 + 1.3, abs=0.01)
    assert engine.calls[1][0] > 1.0 * RATE + 1.0 * RATE  # context + the new utterance
