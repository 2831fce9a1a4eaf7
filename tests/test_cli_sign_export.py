"""`assist note`, `assist sign` and `assist export` end to end on a passphrase-keyed case store."""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
import pytest
from test_casework_samples import (
    ASR_MODEL,
    ASR_SHA,
    ASSESSMENT,
    CPR_SENTENCE,
    INVENTED,
    LLM_MODEL,
    LLM_SHA,
    flag_ids,
    save_draft_like_the_draft_command,
)

from assist.cli import main
from assist.signoff.custom_props import read_custom_properties
from assist.store.session import open_default_store

SIGNER = "Anne Hansen"
SECOND_OF_AUDIO = bytes(32_000)




def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _drafted_case(capsys: pytest.CaptureFixture[str], *, record: bool = True) -> tuple[str, list]:
    """A case with consent, one second of recorded audio, a transcript and an LLM-style draft."""
    code, out, _ = _run(
        capsys,
        "case", "new", "--title", "J.nr. 27.12.04-G01-17-26", "--consent", "given",
        "--consent-by", "Borger B", "--note-type", "journalnotat",
        "--participant", "Anne Hansen (rådgiver)", "--participant", "Borgeren",
    )  # fmt: skip
    assert code == 0
    case_id = out.strip()
    with open_default_store() as store:
        if record:
            recording = store.start_recording(case_id, transcript_model=ASR_MODEL)
            recording.write(SECOND_OF_AUDIO)
            recording.stop()
        draft = save_draft_like_the_draft_command(store, case_id)
    return case_id, [draft]


def _show_json(capsys: pytest.CaptureFixture[str], case_id: str) -> dict:
    code, out, err = _run(capsys, "note", "show", case_id, "--json")
    assert code == 0, err
    return json.loads(out)


def test_caseworker_flow_from_draft_to_exported_docx_and_txt(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id, (draft,) = _drafted_case(capsys)
    cpr_source, cpr_draft = flag_ids(draft, "cpr")
    (invented,) = flag_ids(draft, "unsupported_number")

    # note show: the editable text, then every flag with id, kind and sentence.
    code, out, _ = _run(capsys, "note", "show", case_id[:6])
    assert code == 0
    assert "## Faglig vurdering [#faglig_vurdering]" in out
    text, flag_list = out.split("#### Markeringer i udkastet")
    assert INVENTED in text and "Status: kladde til version 1" in flag_list
    assert f"{invented}  unsupported_number (fem)  [åben]  situation: {INVENTED}" in flag_list
    assert f"{cpr_draft}  cpr" in flag_list and CPR_SENTENCE in flag_list

    shown = _show_json(capsys, case_id)
    assert shown["status"] == "editing" and shown["version"] == 1
    assert shown["open_flags"] == [cpr_source, cpr_draft, invented]
    assert shown["fixed_flags"] == []
    # The model hash was only audited by save_draft, not kept in the draft JSON: found anyway.
    assert (shown["engine"], shown["model"], shown["model_sha256"]) == ("llm", LLM_MODEL, LLM_SHA)
    assert shown["meta"]["case_reference"] == "J.nr. 27.12.04-G01-17-26"
    assert shown["meta"]["transcript_model"] == ASR_MODEL
    situation = next(s for s in shown["sections"] if s["id"] == "situation")
    planted = next(s for s in situation["draft_sentences"] if s["text"] == INVENTED)
    assert planted["sources"] == [0] and planted["flags"][0]["id"] == invented
    assert all(s["sources"] for sec in shown["sections"] for s in sec["draft_sentences"])

    # The assessment, then the whole text with the CPR sentence removed (that fixes its flag).
    code, out, _ = _run(
        capsys, "note", "edit", case_id, "--section", "faglig_vurdering", "--text", ASSESSMENT
    )
    assert code == 0 and "Åbne markeringer: 3" in out
    code, editable, _ = _run(capsys, "note", "show", case_id, "--text-only")
    assert "####" not in editable and ASSESSMENT in editable
    edited_file = tmp_path / "rettet.txt"
    edited_file.write_text(editable.replace(CPR_SENTENCE, ""), encoding="utf-8")
    code, out, _ = _run(capsys, "note", "edit", case_id, "--file", str(edited_file))
    assert code == 0 and "Åbne markeringer: 2" in out
    shown = _show_json(capsys, case_id)
    assert shown["fixed_flags"] == [cpr_draft]
    assert shown["open_flags"] == [cpr_source, invented]

    # Signing is refused while flags are open, and names the open ones only.
    code, out, err = _run(capsys, "sign", case_id, "--signer", SIGNER)
    assert code == 1 and out == ""
    assert f"({cpr_source}, {invented})" in err.splitlines()[0]
    assert "Traceback" not in err
    code, out, _ = _run(capsys, "case", "show", case_id, "--json")
    assert json.loads(out)["state"] == "draft"

    code, out, err = _run(
        capsys, "sign", case_id, "--signer", SIGNER, "--acknowledge", cpr_source, invented
    )
    assert code == 0, err
    assert f"underskrevet af {SIGNER} (version 1" in out
    assert "Markeringer: 1 rettet, 2 kvitteret." in out
    text_sha = out.split("Tekstens SHA-256: ")[1].split()[0]
    assert len(text_sha) == 64
    assert "Lyd slettet efter sletteregler: 1 optagelse(r)." in out
    case = json.loads(_run(capsys, "case", "show", case_id, "--json")[1])
    assert case["state"] == "signed"
    assert [r["state"] for r in case["recordings"]] == ["deleted"]

    # Export both formats at once.
    docx_path, txt_path = tmp_path / "notat.docx", tmp_path / "notat.txt"
    code, out, err = _run(
        capsys, "export", case_id, "--docx", str(docx_path), "--txt", str(txt_path)
    )
    assert code == 0, err
    assert str(docx_path.resolve()) in out and str(txt_path.resolve()) in out
    document = docx.Document(str(docx_path))
    paragraphs = [p.text for p in document.paragraphs]
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[:6] == [
        "Deltagere og anledning",
        "Borgerens situation",
        "Borgerens egne ord og ønsker",
        "Faglig vurdering",
        "Aftaler (hvem, hvad, hvornår)",
        "Næste skridt",
    ]
    assert headings[-2:] == ["Om udarbejdelsen", "Underskrift"]
    body = "\n".join(paragraphs)
    assert ASSESSMENT in body and INVENTED in body and CPR_SENTENCE not in body
    assert "Sagsreference: J.nr. 27.12.04-G01-17-26" in body
    statement = paragraphs[paragraphs.index("Om udarbejdelsen") + 1]
    assert f"lokal AI-sprogmodel ({LLM_MODEL}, SHA-256 {LLM_SHA[:12]}" in statement
    assert ASR_MODEL in statement and SIGNER in statement
    assert f"Godkendt og underskrevet af: {SIGNER}" in body and text_sha in body
    properties = read_custom_properties(document)
    assert properties["AssistSigner"] == SIGNER
    assert properties["AssistTextSha256"] == text_sha
    assert (properties["AssistModel"], properties["AssistModelSha256"]) == (LLM_MODEL, LLM_SHA)
    assert properties["AssistTranscriptModel"] == ASR_MODEL
    assert properties["AssistVersion"] == 1 and properties["AssistAIDrafted"] is True
    assert 0 < float(properties["AssistEditRatio"]) < 1
    txt = txt_path.read_text(encoding="utf-8")
    assert ASSESSMENT in txt and f"Tekstens SHA-256: {text_sha}" in txt

    case = json.loads(_run(capsys, "case", "show", case_id, "--json")[1])
    assert case["state"] == "exported" and case["exported_at"]
    with open_default_store() as store:
        record = store.load_signed_note(case_id)
        assert record is not None and record.signer == SIGNER
        assert record.note["transcript_model_sha256"] == ASR_SHA
        assert record.note["model_sha256"] == LLM_SHA

    # The audit trail is intact and says what happened without naming the signer.
    code, out, _ = _run(capsys, "audit", "verify")
    assert code == 0
    code, out, _ = _run(capsys, "audit", "show", "--case", case_id, "--json")
    events = json.loads(out)
    assert [e["event"] for e in events] == [
        "case_created", "recording_started", "recording_stopped", "transcribed", "drafted",
        "edited", "signed", "audio_deleted", "exported", "exported",
    ]  # fmt: skip
    signed_event = next(e for e in events if e["event"] == "signed")
    assert set(signed_event["payload"]) == {"signer_hash", "version"}
    exported = [e["payload"] for e in events if e["event"] == "exported"]
    assert [p["format"] for p in exported] == ["docx", "txt"]
    assert exported[0]["sha256"] != exported[1]["sha256"]
    assert "Anne" not in out and "Hansen" not in out


def test_export_of_an_unsigned_case_is_refused_and_writes_nothing(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id, _ = _drafted_case(capsys, record=False)
    target = tmp_path / "notat.docx"
    code, out, err = _run(capsys, "--lang", "en", "export", case_id, "--docx", str(target))
    assert code == 1 and out == ""
    assert err.strip() == "The note is not signed and cannot be exported. Sign it first."
    assert not target.exists() and list(tmp_path.glob("*.part")) == []
    code, out, _ = _run(capsys, "case", "show", case_id, "--json")
    assert json.loads(out)["state"] == "draft"
    code, out, _ = _run(capsys, "audit", "show", "--case", case_id, "--json")
    assert "exported" not in [e["event"] for e in json.loads(out)]


def test_correcting_a_signed_note_starts_a_new_version(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id, (draft,) = _drafted_case(capsys, record=False)
    _run(capsys, "note", "edit", case_id, "--section", "faglig_vurdering", "--text", ASSESSMENT)
    code, out, err = _run(capsys, "sign", case_id, "--signer", SIGNER, "--acknowledge-all")
    assert code == 0, err
    first_sha = out.split("Tekstens SHA-256: ")[1].split()[0]

    # Signed: plain edits and a second signature are refused.
    code, _, err = _run(
        capsys, "--lang", "en", "note", "edit", case_id, "--section", "naeste_skridt",
        "--text", "Ny samtale om en måned.",
    )  # fmt: skip
    assert code == 1 and "already signed (version 1)" in err and "--new-version" in err
    code, _, err = _run(capsys, "--lang", "en", "sign", case_id, "--signer", SIGNER)
    assert code == 1 and "already signed" in err
    assert _show_json(capsys, case_id)["status"] == "signed"

    code, out, err = _run(
        capsys, "note", "edit", case_id, "--new-version", "--section", "naeste_skridt",
        "--text", "Ny samtale om en måned.",
    )  # fmt: skip
    assert code == 0, err
    shown = _show_json(capsys, case_id)
    assert (shown["status"], shown["version"], shown["supersedes"]) == ("editing", 2, first_sha)
    # Flags acknowledged for version 1 stay acknowledged: version 2 signs without repeating them.
    assert shown["open_flags"] == [] and set(shown["acknowledged_flags"]) == {
        f.flag_id for f in draft.flags
    }
    # An export meanwhile is still version 1, and says that the corrections are not in it.
    first_txt = tmp_path / "v1.txt"
    code, out, _ = _run(capsys, "export", case_id, "--txt", str(first_txt))
    assert code == 0 and "version 1" in out and "version 2 er ikke underskrevet" in out
    assert "Ny samtale om en måned." not in first_txt.read_text(encoding="utf-8")

    code, out, err = _run(capsys, "sign", case_id, "--signer", "Bo Ibsen")
    assert code == 0, err
    assert "(version 2" in out
    second_txt = tmp_path / "v2.txt"
    assert _run(capsys, "export", case_id, "--txt", str(second_txt))[0] == 0
    second = second_txt.read_text(encoding="utf-8")
    assert "Ny samtale om en måned." in second and "Version: 2" in second
    assert f"Erstatter version med SHA-256: {first_sha}" in second
    assert "Bo Ibsen" in second
    code, out, _ = _run(capsys, "case", "show", case_id, "--json")
    assert json.loads(out)["state"] == "exported"


def test_bad_input_gets_one_clear_line_and_changes_nothing(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id, _ = _drafted_case(capsys, record=False)

    def refused(*argv: str, code: int = 1) -> str:
        got, out, err = _run(capsys, "--lang", "en", *argv)
        assert got == code and out == "" and "Traceback" not in err, err
        assert len(err.strip().splitlines()) == 1, err
        return err

    assert "does not exist" in refused("note", "show", "ffffffffffff")
    assert "does not exist" in refused("sign", "ffffffffffff", "--signer", SIGNER)
    assert "does not exist" in refused("export", "ffffffffffff", "--txt", str(tmp_path / "x"))
    # A CPR number typed as the signer is refused without being echoed.
    err = refused("sign", case_id, "--signer", "010203-1234", "--acknowledge-all")
    assert "CPR" in err and "010203" not in err
    assert "first name and surname" in refused(
        "sign", case_id, "--signer", "Anne", "--acknowledge-all"
    )
    assert "Unknown flags" in refused(
        "sign", case_id, "--signer", SIGNER, "--acknowledge", "f99", "--no-assessment"
    )
    # Empty professional assessment: refused unless --no-assessment.
    assert "Faglig vurdering" in refused("sign", case_id, "--signer", SIGNER, "--acknowledge-all")

    # Edits that would lose structure.
    code, editable, _ = _run(capsys, "note", "show", case_id, "--text-only")
    broken = tmp_path / "broken.txt"
    broken.write_text(editable.replace("## Faglig vurdering [#faglig_vurdering]\n", ""), "utf-8")
    err = refused("note", "edit", case_id, "--file", str(broken))
    assert "'## Faglig vurdering [#faglig_vurdering]' back" in err
    code, shown, _ = _run(capsys, "note", "show", case_id)
    pasted = tmp_path / "pasted.txt"
    pasted.write_text(shown, encoding="utf-8")
    assert "--text-only" in refused("note", "edit", case_id, "--file", str(pasted))
    assert "no section with id 'vurdering'" in refused(
        "note", "edit", case_id, "--section", "vurdering", "--text", "x"
    )
    assert "looks like a section heading" in refused(
        "note", "edit", case_id, "--section", "faglig_vurdering",
        "--text", "ok\n## Aftaler [#aftaler]\nmere",
    )  # fmt: skip
    assert "cannot be read" in refused("note", "edit", case_id, "--file", str(tmp_path / "nope"))
    assert "--section ID" in refused("note", "edit", case_id, code=2)
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("## Situation [#situation]\nbørn".encode("latin-1"))
    assert "UTF-8" in refused("note", "edit", case_id, "--file", str(latin1))
    assert _show_json(capsys, case_id)["revision"] == 1  # nothing above was saved

    code, out, err = _run(
        capsys, "sign", case_id, "--signer", SIGNER, "--acknowledge-all", "--no-assessment"
    )
    assert code == 0, err
    missing_dir = tmp_path / "findes-ikke" / "notat.docx"
    assert "Cannot save the note as" in refused("export", case_id, "--docx", str(missing_dir))
    assert "Cannot save" in refused("export", case_id, "--txt", str(tmp_path))
    assert "same file" in refused(
        "export", case_id, "--docx", str(tmp_path / "a"), "--txt", str(tmp_path / "a"), code=2
    )
    assert "--docx FILE and/or --txt FILE" in refused("export", case_id, code=2)
    assert "only used together with --docx" in refused(
        "export", case_id, "--txt", str(tmp_path / "n.txt"), "--letterhead", "x.docx", code=2
    )
    bad_letterhead = tmp_path / "brevpapir.docx"
    bad_letterhead.write_text("not a zip", encoding="utf-8")
    target = tmp_path / "notat.docx"
    assert "letterhead" in refused(
        "export", case_id, "--docx", str(target), "--letterhead", str(bad_letterhead)
    )
    assert not target.exists() and not missing_dir.parent.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [
        "brevpapir.docx",
        "broken.txt",
        "latin1.txt",
        "pasted.txt",
    ]
    code, out, _ = _run(capsys, "case", "show", case_id, "--json")
    assert json.loads(out)["state"] == "signed"


def test_letterhead_comes_from_the_environment_by_default(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    case_id, _ = _drafted_case(capsys, record=False)
    _run(capsys, "note", "edit", case_id, "--section", "faglig_vurdering", "--text", ASSESSMENT)
    assert _run(capsys, "sign", case_id, "--signer", SIGNER, "--acknowledge-all")[0] == 0
    letterhead = docx.Document()
    letterhead.sections[0].header.paragraphs[0].text = "Assens Kommune, Socialafdelingen"
    letterhead_path = tmp_path / "brevpapir.docx"
    letterhead.save(str(letterhead_path))
    monkeypatch.setenv("ASSIST_LETTERHEAD", str(letterhead_path))
    target = tmp_path / "notat.docx"
    code, _, err = _run(capsys, "export", case_id, "--docx", str(target))
    assert code == 0, err
    exported = docx.Document(str(target))
    assert exported.sections[0].header.paragraphs[0].text == "Assens Kommune, Socialafdelingen"
    assert ASSESSMENT in "\n".join(p.text for p in exported.paragraphs)


def test_edit_reads_the_whole_note_from_standard_input(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, _ = _drafted_case(capsys, record=False)
    code, editable, _ = _run(capsys, "note", "show", case_id, "--text-only")
    edited = editable.replace(
        "## Faglig vurdering [#faglig_vurdering]\n",
        f"## Faglig vurdering [#faglig_vurdering]\n{ASSESSMENT}\n",
    )
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(edited.encode("utf-8"))))
    code, out, err = _run(capsys, "--lang", "en", "note", "edit", case_id, "--file", "-")
    assert code == 0 and "The note was saved (version 1, saved 2 time(s))" in out, err
    sections = {s["id"]: s["text"] for s in _show_json(capsys, case_id)["sections"]}
    assert sections["faglig_vurdering"] == ASSESSMENT
