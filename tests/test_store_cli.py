"""`assist case|audit|retention|recover` end to end, with real key loading from a passphrase."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assist.cli import main


@pytest.fixture(autouse=True)
def english_messages(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # After `data_dir`, which clears ASSIST_LANG.
    monkeypatch.setenv("ASSIST_LANG", "en")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_case_commands_round_trip(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "case",
        "new",
        "--title",
        "Hjemmebesøg",
        "--consent",
        "given",
        "--consent-by",
        "Borger B",
        "--note-type",
        "journalnotat",
    )
    case_id = out.strip()
    assert code == 0 and len(case_id) == 12
    code, out, _ = _run(capsys, "case", "show", case_id[:6], "--json")
    shown = json.loads(out)
    assert code == 0
    assert (shown["id"], shown["title"], shown["state"]) == (case_id, "Hjemmebesøg", "draft")
    assert shown["consent"]["status"] == "given" and shown["recordings"] == []
    assert shown["has_transcript"] is False and shown["has_signed_note"] is False
    code, out, _ = _run(capsys, "case", "list", "--json")
    assert [c["id"] for c in json.loads(out)] == [case_id]
    code, out, _ = _run(capsys, "case", "consent", case_id, "--withdrawn")
    assert code == 0 and "withdrawn" in out.lower()
    code, out, _ = _run(capsys, "case", "show", case_id, "--json")
    assert json.loads(out)["consent"]["status"] == "withdrawn"
    code, out, _ = _run(capsys, "audit", "show", "--case", case_id, "--json")
    assert [e["event"] for e in json.loads(out)] == ["case_created", "consent_withdrawn"]
    code, out, _ = _run(capsys, "case", "delete", case_id, "--yes")
    assert code == 0
    code, _, err = _run(capsys, "case", "show", case_id)
    assert code == 1 and "does not exist" in err
    code, out, _ = _run(capsys, "audit", "show", "--case", case_id, "--json")
    assert json.loads(out)[-1]["event"] == "case_deleted"
    code, out, _ = _run(capsys, "audit", "verify")
    assert code == 0 and "intact" in out


def test_consent_given_needs_a_name(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "case", "new", "--consent", "given")
    assert code == 2 and "--by NAME" in err


def test_retention_and_recover_report_counts(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, "case", "new", "--title", "gammel")
    code, out, _ = _run(capsys, "retention", "run", "--now", "2099-01-01T00:00:00", "--json")
    assert code == 0 and json.loads(out)["cases_purged_unsigned"] == 1
    code, _, err = _run(capsys, "retention", "run", "--now", "i morgen")
    assert code == 2 and "ISO 8601" in err
    code, out, _ = _run(capsys, "recover", "--json")
    assert code == 0 and json.loads(out) == []


def test_wrong_or_missing_passphrase_fails_clearly(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(capsys, "case", "new", "--title", "hemmelig titel")
    monkeypatch.setenv("ASSIST_PASSPHRASE", "forkert adgangsfrase")
    code, out, err = _run(capsys, "case", "list")
    assert code == 1 and "Wrong passphrase" in err and "hemmelig" not in out + err
    assert "Traceback" not in err
    monkeypatch.delenv("ASSIST_PASSPHRASE")
    code, out, err = _run(capsys, "case", "list")
    assert code == 1 and "passphrase" in err and "Traceback" not in err
