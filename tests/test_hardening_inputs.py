"""What Assist takes in: text the exports can carry (checked where it enters the store), transcript
JSON checked against one schema, option values, the data folder, templates that would let a
machine fill the professional's own section, and cut-off recordings."""

from __future__ import annotations

import json
import os
import wave
from pathlib import Path
from typing import Any

import pytest
from test_hardening_outputs import (
    ASSESSMENT,
    NOTES,
    SAMPLE_WAV,
    SIGNER,
    refused,
    run,
    signed_case,
    tmpfs,
)

from assist.cli import main
from assist.errors import AssistError


@pytest.fixture(autouse=True)
def _no_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSIST_MODEL_DIR", str(tmp_path / "no-models"))
    monkeypatch.delenv("ASSIST_TEMPLATE_DIR", raising=False)
    monkeypatch.delenv("ASSIST_LANG", raising=False)


def new_case(capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    code, out, err = run(
        capsys, "case", "new", "--title", "Sag 1", "--consent", "given", "--consent-by",
        "Borger B", *extra,
    )  # fmt: skip
    assert code == 0, err
    return out.strip()


def drafted_case(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    case_id = new_case(capsys, "--note-type", "journalnotat")
    notes = tmp_path / "noter.txt"
    notes.write_text(NOTES, encoding="utf-8")
    code, _, err = run(
        capsys, "draft", "--case", case_id, "--typed", str(notes), "--engine", "structured"
    )
    assert code == 0, err
    return case_id


# ---- text that the exports cannot carry is refused where it enters (defects 4, 16) -----------


@pytest.mark.parametrize(
    ("char", "code"),
    [("\ufffe", "U+FFFE"), ("\uffff", "U+FFFF"), ("\x0b", "U+000B"), ("\x1b", "U+001B"),
     ("\u202e", "U+202E"), ("\u2066", "U+2066"), ("\udcff", "U+DCFF")],
)  # fmt: skip
def test_a_section_with_a_character_the_exports_cannot_carry_is_refused_at_entry(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], char: str, code: str
) -> None:
    case_id = drafted_case(capsys, tmp_path)
    text = f"Første linje.\nVurdering {char} slut."
    err = refused(capsys, "note", "edit", case_id, "--section", "faglig_vurdering", "--text", text)
    assert code in err and "faglig_vurdering" in err
    assert "linje 2" in err and "tegn 11" in err  # where: the section's line and position
    shown, out, _ = run(capsys, "note", "show", case_id, "--json")
    assert shown == 0 and json.loads(out)["revision"] == 1  # nothing was saved
    # The whole-note form (--file) is checked the same way.
    if 0xD800 <= ord(char) <= 0xDFFF:
        return  # cannot be written into a UTF-8 file (such a file is refused as not UTF-8)
    _, editable, _ = run(capsys, "note", "show", case_id, "--text-only")
    edited = tmp_path / "rettet.txt"
    edited.write_text(editable.replace("[#faglig_vurdering]\n", f"[#faglig_vurdering]\nA{char}\n"))
    err = refused(capsys, "note", "edit", case_id, "--file", str(edited), "--lang", "en")
    assert code in err and "faglig_vurdering" in err and "line 1, character 2" in err


def test_a_signed_note_that_passed_entry_can_always_be_exported(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = signed_case(capsys, tmp_path)
    target = tmp_path / "notat.docx"
    code, _, err = run(capsys, "export", case_id, "--docx", str(target))
    assert code == 0, err and target.exists()


def test_an_export_of_an_older_note_with_such_a_character_is_a_clear_refusal(
    tmp_path: Path,
) -> None:
    from test_signoff_samples import SIGNED_AT, sample_note

    from assist.signoff import sign_note
    from assist.signoff.docx_export import render_docx

    note = sample_note().with_section_text("vurdering", "Stored before the check \uffff.")
    signed = sign_note(note, SIGNER, "all", SIGNED_AT)
    with pytest.raises(AssistError) as caught:
        render_docx(signed, tmp_path / "notat.docx")
    assert "U+FFFF" in caught.value.message("en") and "vurdering" in caught.value.message("en")
    assert not (tmp_path / "notat.docx").exists()


@pytest.mark.parametrize(
    ("option", "value", "where"),
    [
        ("--title", "J.nr. \u202e62-71", "titel"),
        ("--title", "\x1b]0;ejet\x07Sag", "titel"),
        ("--title", "Sag \udcff", "titel"),  # an invalid UTF-8 byte on the command line
        ("--participant", "Anne \ufffe Hansen", "deltager"),
        ("--consent-by", "Borger\x00B", "samtykke"),
    ],
)
def test_case_fields_are_checked_at_entry(
    data_dir: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, where: str
) -> None:
    argv = ["case", "new", "--title", "Sag", "--consent", "given", "--consent-by", "Borger B"]
    argv += [option, value]
    err = refused(capsys, *argv)
    assert where in err.lower() and "U+" in err
    listed, out, _ = run(capsys, "case", "list", "--json")
    assert listed == 0 and json.loads(out) == []


def test_the_store_checks_every_text_it_is_given(data_dir: Path) -> None:
    from assist.store.session import open_default_store
    from assist.transcript import Segment

    with open_default_store() as store:
        with pytest.raises(AssistError, match="U\\+202E"):
            store.create_case(title="\u202e")
        case_id = store.create_case(title="Sag")
        with pytest.raises(AssistError):
            store.update_case(case_id, participants=["A \uffff"])
        with pytest.raises(AssistError):
            store.save_draft(
                case_id, {"sections": [{"id": "x", "sentences": [{"text": "\x0c"}]}]}, ""
            )
        with pytest.raises(AssistError):
            store.save_draft_text(case_id, "## Situation [#situation]\n\ufffe")
        with pytest.raises(AssistError):
            store.append_segment(case_id, Segment(0, 0.0, 1.0, "hej \ud800", 1.0))
        with pytest.raises(AssistError):
            store.save_signed_note(case_id, {"sections": []}, "tekst \u202d", signer=SIGNER)
        assert store.load_draft(case_id) is None and store.load_transcript(case_id) is None


# ---- transcript JSON: one schema, clear reasons (defects 14, 15) -------------------------------


def _transcript(tmp_path: Path, content: str | dict[str, Any] | list[Any]) -> Path:
    path = tmp_path / "t.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return path


def _segment(**changes: Any) -> dict[str, Any]:
    segment: dict[str, Any] = {
        "id": 0, "start_s": 0.0, "end_s": 2.0,
        "text": "Borgeren har ondt i ryggen og kan ikke arbejde.", "confidence": 0.9,
    }  # fmt: skip
    segment.update(changes)
    return {key: value for key, value in segment.items() if value is not ...}


BAD_TRANSCRIPTS: dict[str, tuple[Any, str]] = {
    "a list": ([1, 2, 3], "valid JSON, but not an Assist transcript"),
    "segments a string": ({"segments": "abc"}, "'segments'"),
    "segments null": ({"segments": None}, "'segments'"),
    "segments of lists": ({"segments": [[1, 2]]}, "'segments[0]'"),
    "no segments": ({"language": "da"}, "'segments' is missing"),
    "missing text": ({"segments": [_segment(text=...)]}, "'text' is missing"),
    "missing id": ({"segments": [_segment(id=...)]}, "'id' is missing"),
    "text a number": ({"segments": [_segment(text=123)]}, "'segments[0].text'"),
    "boolean time": ({"segments": [_segment(start_s=True)]}, "'segments[0].start_s'"),
    "negative id": ({"segments": [_segment(id=-1)]}, "'segments[0].id'"),
    "huge id": ({"segments": [_segment(id=1e30)]}, "'segments[0].id'"),
    "fraction id": ({"segments": [_segment(id=1.5)]}, "'segments[0].id'"),
    "duplicate ids": ({"segments": [_segment(), _segment()]}, "0 is used twice"),
    "end before start": ({"segments": [_segment(start_s=5.0, end_s=1.0)]}, "ends before"),
    "negative time": ({"segments": [_segment(start_s=-1.0)]}, "'segments[0].start_s'"),
    "huge time": ({"segments": [_segment(end_s=1e30)]}, "'segments[0].end_s'"),
    "confidence 7": ({"segments": [_segment(confidence=7)]}, "'segments[0].confidence'"),
    "bad word": ({"segments": [_segment(words=[{"start_s": 0}])]}, "'segments[0].words[0]"),
    "flags a string": ({"segments": [_segment(flags="x")]}, "'segments[0].flags'"),
    "duration NaN": ('{"duration_s": NaN, "segments": []}', "NaN"),
    "time Infinity": (
        '{"segments": [{"id": 0, "start_s": 0, "end_s": Infinity, "text": "x"}]}',
        "Infinity",
    ),
    "deeply nested": ("[" * 100_000 + "]" * 100_000, "nested"),
    "lone surrogate": (
        '{"segments": [{"id": 0, "start_s": 0, "end_s": 1, "text": "Hej \\ud800 med dig"}]}',
        "U+D800",
    ),
    "U+FFFE": ({"segments": [_segment(text="Hej \ufffe")]}, "U+FFFE"),
}


@pytest.mark.parametrize("case", sorted(BAD_TRANSCRIPTS))
def test_a_bad_transcript_file_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    content, expected = BAD_TRANSCRIPTS[case]
    path = _transcript(tmp_path, content)
    output = tmp_path / "udkast.txt"
    err = refused(
        capsys,
        "draft",
        str(path),
        "--engine",
        "structured",
        "--output",
        str(output),
        "--lang",
        "en",
    )
    assert expected in err and str(path) in err
    assert not output.exists()
    danish = refused(capsys, "draft", str(path), "--engine", "structured")
    assert str(path) in danish and danish != err


def test_a_good_transcript_still_drafts_and_unknown_extra_keys_are_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = {"language": "da", "duration_s": 2.0, "model": "x", "speaker_count": 2,
            "segments": [_segment(words=[{"start_s": 0, "end_s": 1, "text": "Borgeren",
                                          "confidence": 0.5}], flags=["low_confidence"]),
                         _segment(id=1, start_s=2.0, end_s=4.0)]}  # fmt: skip
    code, out, err = run(
        capsys, "draft", str(_transcript(tmp_path, data)), "--engine", "structured"
    )
    assert code == 0, err
    assert "ondt i ryggen" in out


def test_typed_notes_with_a_forbidden_character_name_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "noter.txt"
    notes.write_text("Første linje.\nAnden \ufeff\ufffe linje.\n", encoding="utf-8")
    err = refused(capsys, "draft", "--typed", str(notes), "--engine", "structured", "--lang", "en")
    assert "U+FFFE" in err and "line 2, character 8" in err and str(notes) in err


# ---- audit show for an unknown case (defect 15) ------------------------------------------------


def test_audit_show_for_an_unknown_case_says_so(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(capsys, "audit", "show", "--case", "nosuch")
    assert "nosuch" in err and "findes ikke" in err
    from assist.store.session import open_default_store

    case_id = new_case(capsys)
    with open_default_store() as store:
        store.delete_case(case_id)
    # A deleted case's events stay in the trail and can still be shown by its id.
    code, out, err = run(capsys, "audit", "show", "--case", case_id)
    assert code == 0, err
    assert "case_created" in out and "case_deleted" in out


# ---- option values (defect 15): the reusable argparse types -----------------------------------


def test_block_ms_type() -> None:
    from assist.cli.argtypes import block_ms

    assert block_ms("100") == 100
    for bad in ("0", "-5", "100000000", "abc", ""):
        with pytest.raises(AssistError) as caught:
            block_ms(bad)
        assert caught.value.exit_code == 2 and bad in caught.value.message("da")


def test_iso_time_type() -> None:
    from assist.cli.argtypes import iso_time

    assert iso_time("2027-01-01T00:00:00+00:00").year == 2027
    assert iso_time("2027-01-01").tzinfo is not None
    for bad in ("", "  ", "i morgen", "2027-13-01"):
        with pytest.raises(AssistError) as caught:
            iso_time(bad)
        assert caught.value.exit_code == 2


def test_note_type_and_title_types(monkeypatch: pytest.MonkeyPatch) -> None:
    from assist.cli.argtypes import case_title, note_type

    assert note_type("journalnotat") == "journalnotat"
    with pytest.raises(AssistError) as caught:
        note_type("nosuch")
    assert "journalnotat" in caught.value.message("da") and caught.value.exit_code == 2
    assert case_title("  J.nr. 1  ") == "J.nr. 1"
    for bad in ("", "   ", "Sag \u202e", "x" * 1000):
        with pytest.raises(AssistError):
            case_title(bad)


def test_an_option_type_error_reaches_main_as_an_assist_error() -> None:
    """argparse passes an AssistError from `type=` through; main shows it as one line, exit 2."""
    from assist.cli import _Parser
    from assist.cli.argtypes import block_ms

    parser = _Parser(prog="x")
    parser.add_argument("--block-ms", type=block_ms)
    with pytest.raises(AssistError) as caught:
        parser.parse_args(["--block-ms", "0"])
    assert caught.value.code == "cli.bad_block_ms" and caught.value.exit_code == 2
    assert "--block-ms '0'" in caught.value.message("en")
    assert "millisekunder fra 10 til 2000" in caught.value.message("da")


# ---- the data folder (defects 14, 16) ----------------------------------------------------------


def test_a_data_folder_that_is_a_file_is_said_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    a_file = tmp_path / "data"
    a_file.write_text("x", encoding="utf-8")
    monkeypatch.setenv("ASSIST_DATA_DIR", str(a_file))
    monkeypatch.setenv("ASSIST_KEY_SOURCE", "passphrase")
    monkeypatch.setenv("ASSIST_PASSPHRASE", "korrekt hest batteri")
    assert "ikke en mappe" in refused(capsys, "case", "list")
    monkeypatch.setenv("ASSIST_DATA_DIR", str(a_file / "under"))
    assert "ikke en mappe" in refused(capsys, "case", "list")


def test_a_read_only_data_folder_is_said_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSIST_KEY_SOURCE", "passphrase")
    monkeypatch.setenv("ASSIST_PASSPHRASE", "korrekt hest batteri")
    with tmpfs(tmp_path / "ro", "ro") as read_only:
        monkeypatch.setenv("ASSIST_DATA_DIR", str(read_only))
        assert "skrivebeskyttet" in refused(capsys, "case", "list")
        monkeypatch.setenv("ASSIST_DATA_DIR", str(read_only / "new"))
        assert "skrivebeskyttet" in refused(capsys, "case", "list")


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o702])
def test_a_data_folder_others_may_change_is_refused(
    data_dir: Path, capsys: pytest.CaptureFixture[str], mode: int
) -> None:
    os.chmod(data_dir, mode)
    try:
        err = refused(capsys, "case", "list", "--lang", "en")
        assert "other users" in err and "chmod 700" in err and oct(mode)[2:] in err
    finally:
        os.chmod(data_dir, 0o700)
    code, _, err = run(capsys, "case", "list")
    assert code == 0, err


# ---- the professional's own section is never machine-filled (defect 16) ------------------------


def _template_dir(tmp_path: Path, professional_only: str) -> Path:
    from assist.drafting.templates import BUILTIN_DIR

    folder = tmp_path / "skabeloner"
    folder.mkdir(exist_ok=True)
    text = (BUILTIN_DIR / "journalnotat.toml").read_text(encoding="utf-8")
    start = text.index('id = "faglig_vurdering"')
    end = text.index("[[sections]]", start)
    block = text[start:end]
    changed = block.replace("professional_only = true", professional_only)
    changed += 'cues = ["ondt i ryggen", "ryg", "arbejde", "praktik"]\n\n'
    (folder / "journalnotat.toml").write_text(text[:start] + changed + text[end:], "utf-8")
    return folder


@pytest.mark.parametrize("setting", ["professional_only = false", ""])
def test_a_template_that_lets_a_machine_fill_the_assessment_is_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
) -> None:
    folder = _template_dir(tmp_path, setting)
    err = refused(capsys, "templates", "check", str(folder))
    assert "faglig_vurdering" in err and "professional_only" in err
    monkeypatch.setenv("ASSIST_TEMPLATE_DIR", str(folder))
    notes = tmp_path / "noter.txt"
    notes.write_text(NOTES, encoding="utf-8")
    refused(capsys, "draft", "--typed", str(notes), "--engine", "structured")


def test_the_drafting_pipeline_never_fills_the_assessment_whatever_a_template_says() -> None:
    from dataclasses import replace

    from assist.drafting.pipeline import build_draft
    from assist.drafting.structured import StructuredDrafter
    from assist.drafting.templates import get_template
    from assist.jobs.events import run
    from assist.transcript import Transcript

    template = get_template("journalnotat")
    loose = tuple(
        replace(s, professional_only=False, cues=("ondt i ryggen", "praktik i en"))
        if s.section_id == "faglig_vurdering"
        else s
        for s in template.sections
    )
    draft = run(
        build_draft(
            StructuredDrafter(),
            Transcript.from_typed_notes(NOTES),
            replace(template, sections=loose),
        )
    )
    assessment = next(s for s in draft.sections if s.section_id == "faglig_vurdering")
    assert assessment.sentences == () and assessment.generated is False
    assert any(s.sentences for s in draft.sections)


# ---- a cut-off WAV is not a complete recording (defect 15) -------------------------------------


def test_a_truncated_wav_is_refused_before_its_first_chunk(tmp_path: Path) -> None:
    from assist.audio.decode import iter_pcm_chunks

    cut = tmp_path / "afkortet.wav"
    cut.write_bytes(SAMPLE_WAV.read_bytes()[:1000])
    chunks = iter_pcm_chunks(cut)
    with pytest.raises(AssistError) as caught:
        next(chunks)
    assert caught.value.code == "audio.truncated"
    assert "38.7" in caught.value.message("en")


def test_a_wav_with_a_little_padding_or_a_streaming_header_still_plays(tmp_path: Path) -> None:
    from assist.audio.decode import decode_audio

    path = tmp_path / "streaming.wav"
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(16_000)
        handle.writeframes(b"\x10\x00" * 16_000)
    data = bytearray(path.read_bytes())
    data[40:44] = b"\xff\xff\xff\xff"  # "length unknown", as a streaming writer leaves it
    path.write_bytes(bytes(data))
    assert decode_audio(path).size == 16_000


def test_record_into_a_case_from_a_truncated_wav_records_nothing(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = new_case(capsys)
    cut = tmp_path / "afkortet.wav"
    cut.write_bytes(SAMPLE_WAV.read_bytes()[:1000])
    err = refused(capsys, "record", "--case", case_id, "--input", str(cut))
    assert "afkortet" in err
    shown, out, _ = run(capsys, "case", "show", case_id, "--json")
    assert shown == 0 and json.loads(out)["recordings"] == []


def test_the_assessment_flow_still_signs(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = signed_case(capsys, tmp_path)
    shown, out, _ = run(capsys, "note", "show", case_id, "--json")
    assert shown == 0
    section = next(s for s in json.loads(out)["sections"] if s["id"] == "faglig_vurdering")
    assert section["text"] == ASSESSMENT
    assert main(["case", "list"]) == 0


def test_the_checks_for_other_store_entries_name_what_is_wrong() -> None:
    from assist import textcheck
    from assist.transcript import Segment, Transcript

    bad = Transcript(
        "da", 1.0, "m", (Segment(0, 0.0, 1.0, "ok", 1.0), Segment(7, 1, 2, "x\x07", 1))
    )
    with pytest.raises(AssistError) as caught:
        textcheck.check_transcript(bad)
    assert caught.value.code == "text.bad_char_segment"
    assert "Segment 7" in caught.value.message("en") and "U+0007" in caught.value.message("en")
    with pytest.raises(AssistError) as caught:
        textcheck.check_case_fields(consent_by="Borger \u202b")
    assert caught.value.code == "text.bad_char_consent_by"
    assert textcheck.remove_forbidden("a\u202eb\ufffe\x1bc\u200f") == "abc\u200f"  # RLM stays
