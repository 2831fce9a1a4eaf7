"""Batch transcription with a fake engine: segments, progress, cancel, CLI output shapes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from assist.asr import model as asr_model
from assist.asr.engine import EngineSegment, EngineWord, FakeAsrEngine
from assist.asr.languages import WHISPER_LANGUAGES, check_language
from assist.asr.transcribe import transcribe
from assist.cancel import CancelToken, Progress
from assist.cli import main
from assist.errors import AssistError, Cancelled
from assist.jobs.events import run
from assist.jobs.transcribe import transcribe_file_job
from assist.transcript import Segment, Transcript

SAMPLE_WAV = Path(__file__).parent / "fixtures" / "sample-da.wav"


def words(text: str, start: float) -> tuple[EngineWord, ...]:
    return tuple(
        EngineWord(start + i * 0.4, start + i * 0.4 + 0.3, f" {w}", 0.8)
        for i, w in enumerate(text.split())
    )


SCRIPT = [
    EngineSegment(0.5, 2.0, " Hej og velkommen.", -0.2, 0.02, 1.3, words("Hej og velkommen.", 0.5)),
    EngineSegment(
        3.0, 4.0, " Undertekster af Nicolai", -0.9, 0.5, 1.1, words("Undertekster af Nicolai", 3.0)
    ),
    EngineSegment(
        5.0, 7.5, " Vi taler om boligen.", -0.3, 0.03, 1.4, words("Vi taler om boligen.", 5)
    ),
]


def audio(seconds: float = 8.0) -> np.ndarray:
    return np.full(int(seconds * 16_000), 0.1, dtype=np.float32)


def test_segments_are_guarded_numbered_and_progress_reaches_the_end() -> None:
    engine = FakeAsrEngine([list(SCRIPT)])
    items = list(transcribe(audio(), engine))
    segments = [i for i in items if isinstance(i, Segment)]
    assert [s.text for s in segments] == ["Hej og velkommen.", "Vi taler om boligen."]
    assert [s.segment_id for s in segments] == [0, 1]  # ids stay dense after a dropped segment
    assert segments[1].words[0].text == "Vi" and segments[1].words[0].confidence == 0.8
    progress = [i for i in items if isinstance(i, Progress)]
    assert progress[0].done == 0 and progress[-1].fraction == 1.0
    assert [p.done for p in progress] == sorted(p.done for p in progress)
    assert engine.calls == [(128_000, "da", True)]


def test_cancel_stops_between_segments() -> None:
    cancel = CancelToken()
    engine = FakeAsrEngine([list(SCRIPT)])
    seen: list[Segment] = []
    with pytest.raises(Cancelled):
        for item in transcribe(audio(), engine, cancel=cancel):
            if isinstance(item, Segment):
                seen.append(item)
                cancel.cancel()
    assert len(seen) == 1


def test_transcribe_file_ends_with_the_whole_transcript() -> None:
    engine = FakeAsrEngine([list(SCRIPT)], model_id="fake-base")
    transcript = run(transcribe_file_job(SAMPLE_WAV, engine))
    assert transcript.model == "fake-base" and transcript.language == "da"
    assert transcript.duration_s == pytest.approx(38.72, abs=0.01)
    assert len(transcript.segments) == 2


def test_language_codes_match_faster_whisper_and_unknown_is_refused() -> None:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    assert set(_LANGUAGE_CODES) == WHISPER_LANGUAGES
    assert check_language(" DA ") == "da"
    with pytest.raises(AssistError) as caught:
        check_language("xx")
    assert caught.value.code == "asr.unknown_language" and caught.value.exit_code == 2


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> FakeAsrEngine:
    engine = FakeAsrEngine([list(SCRIPT)], model_id="fake-base")
    monkeypatch.setattr(asr_model, "load_engine", lambda model, env=None, settings=None: engine)
    return engine


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json_has_the_contract_shape(
    fake_engine: FakeAsrEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["transcribe", str(SAMPLE_WAV), "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"language", "duration_s", "model", "segments"}
    assert data["model"] == "fake-base" and data["language"] == "da"
    first = data["segments"][0]
    assert {"id", "start_s", "end_s", "text", "confidence", "words"} <= set(first)
    assert set(first["words"][0]) == {"start_s", "end_s", "text", "confidence"}
    assert Transcript.from_dict(data).segments[1].text == "Vi taler om boligen."


def test_cli_text_has_timestamps(
    fake_engine: FakeAsrEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["transcribe", str(SAMPLE_WAV)], capsys)
    assert code == 0
    assert out.splitlines() == [
        "[00:00.5 - 00:02.0] Hej og velkommen.",
        "[00:05.0 - 00:07.5] Vi taler om boligen.",
    ]


def test_cli_output_file_is_written_whole(
    fake_engine: FakeAsrEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "udskrift.json"
    code, out, _ = run_cli(
        ["transcribe", str(SAMPLE_WAV), "--json", "--output", str(target)], capsys
    )
    assert code == 0 and str(target) in out
    assert json.loads(target.read_text(encoding="utf-8"))["segments"][0]["id"] == 0
    assert [p.name for p in tmp_path.iterdir()] == ["udskrift.json"]


def test_cli_bad_input_leaves_no_output_file_and_loads_no_model(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_model(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the model must not load for a bad file")

    monkeypatch.setattr(asr_model, "load_engine", no_model)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF not really")
    target = tmp_path / "out.json"
    code, out, err = run_cli(["transcribe", str(bad), "--output", str(target)], capsys)
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and "bad.wav" in err
    assert list(tmp_path.iterdir()) == [bad]


def test_cli_says_when_nothing_was_said(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = FakeAsrEngine([[]])
    monkeypatch.setattr(asr_model, "load_engine", lambda *a, **k: engine)
    monkeypatch.setattr("sys.stderr", io.StringIO())  # main() reads sys.stderr at call time
    code = main(["--lang", "en", "transcribe", str(SAMPLE_WAV)])
    assert code == 0
    import sys

    assert "No speech found" in sys.stderr.getvalue()  # type: ignore[attr-defined]
