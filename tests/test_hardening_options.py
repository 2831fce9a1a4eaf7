"""Option values are checked where they are parsed, in every command that takes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from assist.cli import main

SAMPLE = str(Path(__file__).parent / "fixtures" / "sample-da.wav")


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["record", "--input", SAMPLE, "--block-ms", "0"], "--block-ms '0'"),
        (["record", "--input", SAMPLE, "--block-ms", "-5"], "--block-ms '-5'"),
        (["record", "--input", SAMPLE, "--block-ms", "100000000"], "--block-ms '100000000'"),
        (["retention", "run", "--now", ""], "ISO 8601"),
        (["case", "new", "--note-type", "nosuch"], "nosuch"),
        (["case", "new", "--title", ""], "titel"),
        (["case", "new", "--title", "   "], "titel"),
        (["process", SAMPLE, "--title", ""], "titel"),
    ],
)
def test_bad_option_values_are_refused_before_anything_happens(
    argv: list[str], says: str, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert says in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    main(["case", "list", "--json"])
    assert capsys.readouterr().out.strip() == "[]"  # nothing was created
