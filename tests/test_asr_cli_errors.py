"""Bad input to `assist transcribe` / `assist record`, through the real command in a subprocess:
one clear line, in Danish (or English), a non-zero exit, no traceback, no output file."""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from pathlib import Path

import pytest

SAMPLE_WAV = Path(__file__).parent / "fixtures" / "sample-da.wav"


def assist(*argv: str, cwd: Path, lang: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ASSIST_LANG", "ASSIST_DEBUG")}
    # No model may be needed to reject bad input: point the store at an empty directory.
    env["ASSIST_MODEL_DIR"] = str(cwd / "no-models")
    if lang:
        env["ASSIST_LANG"] = lang
    return subprocess.run(
        [sys.executable, "-m", "assist", *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def make_bad_inputs(folder: Path) -> dict[str, Path]:
    empty = folder / "tom.wav"
    empty.write_bytes(b"")
    text = folder / "notat.m4a"
    text.write_text("Ikke lyd.\n" * 50, encoding="utf-8")
    zero = folder / "nul.wav"
    with wave.open(str(zero), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(16_000)
    truncated = folder / "afkortet.wav"
    truncated.write_bytes(SAMPLE_WAV.read_bytes()[:200_000])
    return {
        "missing": folder / "findes-ikke.wav",
        "empty": empty,
        "not_audio": text,
        "zero_length": zero,
        "truncated": truncated,
    }


DANISH_WORDS = {
    "missing": "findes ikke",
    "empty": "er tom",
    "not_audio": "kan ikke læses som lyd",
    "zero_length": "ingen lyd",
    "truncated": "afkortet",
}


def assert_one_clean_line(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert expected in lines[0]


@pytest.mark.parametrize("case", sorted(DANISH_WORDS))
def test_transcribe_bad_input_is_one_danish_line(tmp_path: Path, case: str) -> None:
    path = make_bad_inputs(tmp_path)[case]
    output = tmp_path / "resultat.json"
    result = assist("transcribe", str(path), "--json", "--output", str(output), cwd=tmp_path)
    assert_one_clean_line(result, DANISH_WORDS[case])
    assert path.name in result.stderr
    assert not output.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".resultat")]


def test_messages_follow_assist_lang_english(tmp_path: Path) -> None:
    path = make_bad_inputs(tmp_path)["truncated"]
    result = assist("transcribe", str(path), cwd=tmp_path, lang="en")
    assert_one_clean_line(result, "is truncated or damaged")


def test_unknown_language_is_a_usage_error(tmp_path: Path) -> None:
    result = assist("transcribe", str(SAMPLE_WAV), "--language", "xx", cwd=tmp_path)
    assert_one_clean_line(result, "Ukendt sprog for talegenkendelse: 'xx'")
    assert result.returncode == 2


def test_missing_model_is_one_line_not_a_download(tmp_path: Path) -> None:
    result = assist("transcribe", str(SAMPLE_WAV), cwd=tmp_path)
    assert_one_clean_line(result, "assist models install")


def test_record_rejects_bad_input_before_recording(tmp_path: Path) -> None:
    path = make_bad_inputs(tmp_path)["not_audio"]
    result = assist("record", "--input", str(path), "--live", "--json", cwd=tmp_path)
    assert_one_clean_line(result, "kan ikke læses som lyd")
