"""`assist record --input FILE --live --json`: segment lines as they commit, then the summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assist.asr import model as asr_model
from assist.asr.engine import FakeAsrEngine
from assist.cli import main

SAMPLE_WAV = Path(__file__).parent / "fixtures" / "sample-da.wav"


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> FakeAsrEngine:
    engine = FakeAsrEngine()
    monkeypatch.setattr(asr_model, "load_engine", lambda *args, **kwargs: engine)
    return engine


def test_record_live_json_lines_end_with_the_complete_transcript(
    fake_engine: FakeAsrEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    # Real voice activity detection on real speech; only the recogniser is a fake.
    code = main(["record", "--input", str(SAMPLE_WAV), "--live", "--json"])
    out, _ = capsys.readouterr()
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    summary = lines[-1]
    assert set(summary) >= {"segments", "stop_to_final_s"}
    assert summary["segments"] == lines[:-1]  # every committed segment was printed as it came
    # The five spoken clips in sample-da.wav, each its own utterance.
    assert len(summary["segments"]) == 5
    assert summary["duration_s"] == pytest.approx(38.72, abs=0.01)
    assert 0 <= summary["stop_to_final_s"] < 3
    assert [s["id"] for s in summary["segments"]] == [0, 1, 2, 3, 4]


def test_record_text_mode_prints_timestamps_and_the_finish_time(
    fake_engine: FakeAsrEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--lang", "en", "record", "--input", str(SAMPLE_WAV), "--live"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert out.splitlines()[0].startswith("Recording")
    assert out.splitlines()[1].startswith("[00:00.")
    assert "The transcript was complete" in out
