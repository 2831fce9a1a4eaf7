"""`assist record --case ID`: consent first, then encrypted audio and the live transcript."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assist.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _case(capsys: pytest.CaptureFixture[str], *consent: str) -> str:
    code, out, _ = _run(capsys, "case", "new", "--title", "J.nr. 3", *consent)
    assert code == 0
    return out.strip()


def test_recording_without_consent_is_refused_and_stores_nothing(
    data_dir: Path, danish_speech: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = _case(capsys)
    clip = str(danish_speech / "u0013002.wav")
    code, out, err = _run(capsys, "--lang", "en", "record", "--case", case_id, "--input", clip)
    assert code != 0 and out == "" and "consent" in err.lower()
    _, shown, _ = _run(capsys, "case", "show", case_id, "--json")
    assert json.loads(shown)["recordings"] == []


@pytest.mark.models
def test_live_recording_into_a_case_keeps_audio_and_transcript(
    data_dir: Path, danish_speech: Path, asr_model: object, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = _case(capsys, "--consent", "given", "--consent-by", "Borger B")
    clip = str(danish_speech / "u0042008.wav")
    code, _, err = _run(capsys, "record", "--case", case_id, "--input", clip, "--live", "--json")
    assert code == 0, err
    _, shown, _ = _run(capsys, "case", "show", case_id, "--json")
    case = json.loads(shown)
    (recording,) = case["recordings"]
    assert recording["complete"] is True and recording["duration_s"] == pytest.approx(5.8, 0.05)
    assert case["has_transcript"] is True
    _, audit, _ = _run(capsys, "audit", "show", "--case", case_id, "--json")
    events = [e["event"] for e in json.loads(audit)]
    assert events.index("recording_started") < events.index("transcribed")
    _, drafted, _ = _run(capsys, "draft", "--case", case_id, "--json")
    text = " ".join(s["text"] for sec in json.loads(drafted)["sections"] for s in sec["sentences"])
    assert "bank" in text.lower()
