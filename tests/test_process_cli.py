"""The main job: `assist process AUDIO` and `assist draft --case ID` on the encrypted store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SAMPLE_WAV

from assist.cli import main

SAMPLE_CLIPS = [f"u00420{n:02d}.wav" for n in range(8, 13)]  # tests/fixtures/README.md
TYPED_NOTES = (
    "Borgeren fortæller, at hun har svært ved at betale huslejen på 6.500 kr.\n"
    "Vi aftalte, at hun kommer igen den tolvte december klokken ti.\n"
)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _new_case(capsys: pytest.CaptureFixture[str]) -> str:
    code, out, _ = _run(capsys, "case", "new", "--title", "J.nr. 1", "--note-type", "journalnotat")
    assert code == 0
    return out.strip()


def test_draft_case_from_typed_notes_saves_a_sourced_draft(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = _new_case(capsys)
    notes = tmp_path / "noter.txt"
    notes.write_text(TYPED_NOTES, encoding="utf-8")
    code, out, err = _run(capsys, "draft", "--case", case_id, "--typed", str(notes), "--json")
    assert code == 0, err
    draft = json.loads(out)
    sentences = [s for section in draft["sections"] for s in section["sentences"]]
    assert sentences and all(s["sources"] for s in sentences)
    assert draft["engine"] == "structured"
    code, out, _ = _run(capsys, "note", "show", case_id, "--json")
    assert code == 0
    shown = json.dumps(json.loads(out), ensure_ascii=False)
    assert "6.500 kr." in shown and "12. december kl. 10.00" in shown
    code, out, _ = _run(capsys, "case", "show", case_id, "--json")
    assert json.loads(out)["has_transcript"] is True


def test_draft_case_without_transcript_says_what_to_do(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = _new_case(capsys)
    code, out, err = _run(capsys, "--lang", "en", "draft", "--case", case_id)
    assert code == 1 and out == ""
    assert err.strip().count("\n") == 0 and "no transcript" in err


def test_draft_refuses_case_and_transcript_file_together(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "draft", "--case", "abc", str(tmp_path / "t.json"))
    assert code == 2 and "--case" in err


@pytest.mark.models
def test_process_transcribes_the_sample_into_a_new_case_and_drafts_it(
    data_dir: Path, danish_references: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "process", str(SAMPLE_WAV), "--title", "Demo")
    assert code == 0, err
    code, listing, _ = _run(capsys, "case", "list", "--json")
    (case,) = json.loads(listing)
    assert case["id"] in out
    code, shown, _ = _run(capsys, "case", "show", case["id"], "--json")
    details = json.loads(shown)
    assert details["has_transcript"] is True and details["has_draft"] is True
    code, note, _ = _run(capsys, "note", "show", case["id"], "--json")
    drafted = {
        word.strip('.,?!"').lower()
        for section in json.loads(note)["sections"]
        for word in section["text"].split()
    }
    spoken = [word for clip in SAMPLE_CLIPS for word in danish_references[clip].split()]
    # The sample is real speech; whisper base gets most of its words right (~35-45% WER).
    assert sum(word in drafted for word in spoken) / len(spoken) > 0.5
    code, audit, _ = _run(capsys, "audit", "show", "--case", case["id"], "--json")
    events = [e["event"] for e in json.loads(audit)]
    assert "transcribed" in events and "drafted" in events
