"""The `assist` entry point: language selection and no abbreviated options."""

from __future__ import annotations

from pathlib import Path

import pytest

from assist.cli import main


@pytest.mark.parametrize(
    "argv",
    [
        ["--lang", "en", "transcribe", "MISSING"],
        ["transcribe", "MISSING", "--lang", "en"],
        ["transcribe", "--lang=en", "MISSING"],
    ],
)
def test_lang_works_anywhere_on_the_line(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "missing.wav")
    code = main([missing if a == "MISSING" else a for a in argv])
    err = capsys.readouterr().err
    assert code == 1 and "does not exist" in err and err.count("\n") == 1


def test_danish_is_the_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASSIST_LANG", raising=False)
    assert main(["transcribe", str(tmp_path / "missing.wav")]) == 1
    assert "findes ikke" in capsys.readouterr().err


def test_options_are_never_abbreviated(capsys: pytest.CaptureFixture[str]) -> None:
    # `--langu` must not silently become `--language` (or anything else).
    with pytest.raises(SystemExit) as stopped:
        main(["transcribe", "x.wav", "--langu", "en"])
    assert stopped.value.code == 2


def test_unknown_interface_language_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "xx", "doctor"]) == 2
    assert "'xx'" in capsys.readouterr().err
