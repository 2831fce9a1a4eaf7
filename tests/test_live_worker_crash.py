"""A speech recognition worker that crashes during a live recording: the recording keeps every
sample, live transcription resumes with a fresh worker, and what was missed is done after stop."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers.fake_workers import FakeAsrSpec
from test_live_transcriber import ListSink, record

from assist.asr import model as asr_model
from assist.asr.live import LiveSettings, LiveTranscriber
from assist.cli import main
from assist.engines.asr_worker import WorkerAsrEngine
from assist.engines.worker import EngineWorker, WorkerLimits
from assist.transcript import Segment

RATE = 16_000
SETTINGS = LiveSettings(
    check_every_s=0.5, min_pause_s=0.6, max_utterance_s=10.0, lead_in_s=0.2, context_s=0.0
)


def _meeting(utterances: int) -> bytes:
    t = np.arange(int(1.0 * RATE)) / RATE
    tone, pause = 0.3 * np.sin(2 * np.pi * 220 * t), np.zeros(int(1.5 * RATE))
    audio = np.concatenate([np.concatenate([tone, pause]) for _ in range(utterances)])
    return (audio * 32767).astype("<i2").tobytes()


def _blocks(data: bytes, block_s: float = 0.1) -> list[bytes]:
    size = int(block_s * RATE) * 2
    return [data[start : start + size] for start in range(0, len(data), size)]


def _live(engine: WorkerAsrEngine) -> LiveTranscriber:
    return LiveTranscriber(engine, settings=SETTINGS)


@pytest.mark.parametrize("how", ["segfault", "abort", "oom"])
def test_a_crash_mid_recording_loses_no_audio_and_the_transcript_resumes(
    how: str, tmp_path: Path
) -> None:
    spec = FakeAsrSpec(how=how, when="transcribe", on_call=2, once_flag=str(tmp_path / "once"))  # type: ignore[arg-type]
    limits = WorkerLimits(memory_limit_bytes=1024**3) if how == "oom" else None
    audio = _meeting(4)
    sink = ListSink()
    with WorkerAsrEngine(EngineWorker(spec, limits)) as engine:
        live = _live(engine)
        seen: list[Segment] = []
        result = record(iter(_blocks(audio)), [sink], live, seen)
        assert bytes(sink.data) == audio and sink.closed  # every sample, in the parent
        assert len(result.segments) == 4  # all four utterances, the crashed one retried
        assert [s.start_s for s in result.segments] == sorted(s.start_s for s in seen)
        assert len(live.interruptions) == 1 and live.missed_s == 0
        assert engine.worker.starts == 2


def test_a_worker_that_always_crashes_never_stops_the_recording(tmp_path: Path) -> None:
    spec = FakeAsrSpec(how="segfault", when="transcribe", on_call=1)  # every worker, every time
    audio = _meeting(3)
    sink = ListSink()
    with WorkerAsrEngine(EngineWorker(spec)) as engine:
        live = _live(engine)
        result = record(iter(_blocks(audio)), [sink], live, [])
        assert bytes(sink.data) == audio and sink.closed
        assert result.segments == ()
        assert live.interruptions and live.missed_s > 0  # said, not hidden
        assert result.interruptions and result.missed_s == live.missed_s


Recorded = tuple[int, list[dict[str, object]], str, dict[str, object]]


def _record(
    wav: Path, spec: FakeAsrSpec, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Recorded:  # fmt: skip
    """(exit code, segments, stderr, `case show`) of a live recording into a new case."""
    monkeypatch.setattr(
        asr_model, "load_engine", lambda *a, **k: WorkerAsrEngine(EngineWorker(spec))
    )
    assert main(["case", "new", "--title", "J.nr. 9", "--consent", "given",
                 "--consent-by", "Borger B"]) == 0  # fmt: skip
    case_id = capsys.readouterr().out.strip()
    code = main(["record", "--case", case_id, "--input", str(wav), "--live", "--json"])
    out, err = capsys.readouterr()
    segments = json.loads(out.splitlines()[-1])["segments"]
    main(["case", "show", case_id, "--json"])
    return code, segments, err, json.loads(capsys.readouterr().out)


def test_record_into_a_case_keeps_the_whole_encrypted_recording_through_a_crash(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    wav = tmp_path / "meeting.wav"
    _write_wav(wav, _meeting(4))
    _, calm, _, _ = _record(wav, FakeAsrSpec(), monkeypatch, capsys)
    crashing = FakeAsrSpec(how="segfault", when="transcribe", on_call=2,
                           once_flag=str(tmp_path / "once"))  # fmt: skip
    code, segments, err, case = _record(wav, crashing, monkeypatch, capsys)
    assert code == 0, err
    assert "Talegenkendelsen stoppede" in err and "genstartet" in err
    assert "Traceback" not in err
    # The same utterances as without the crash, at the same times.
    assert [s["start_s"] for s in segments] == [s["start_s"] for s in calm]
    (recording,) = case["recordings"]  # type: ignore[misc]
    assert recording["complete"] is True and recording["duration_s"] == pytest.approx(10.0)


def _write_wav(path: Path, pcm: bytes) -> None:
    import wave

    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm)
