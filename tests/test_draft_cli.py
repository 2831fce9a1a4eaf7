"""`assist draft` and `assist templates`: the JSON shape, readable text, and bad inputs that end
with one clear line and a non-zero exit code, writing nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from assist.cli import main
from assist.drafting.select import choose_drafter
from assist.drafting.structured import StructuredDrafter
from assist.errors import AssistError

EVAL = Path(__file__).resolve().parents[1] / "bench" / "drafting_eval" / "jn01_sygedagpenge.json"


@pytest.fixture(autouse=True)
def _no_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An empty model store: `auto` must fall back to the structured drafter.
    monkeypatch.setenv("ASSIST_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.delenv("ASSIST_TEMPLATE_DIR", raising=False)
    monkeypatch.delenv("ASSIST_LANG", raising=False)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _write_transcript(path: Path, segments: list[dict[str, Any]]) -> Path:
    data = {"language": "da", "duration_s": 10.0, "model": "test", "segments": segments}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_json_output_has_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "draft", str(EVAL), "--engine", "structured", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"template", "engine", "model", "model_sha256", "sections"}
    assert (data["template"], data["engine"], data["model"], data["model_sha256"]) == (
        "journalnotat",
        "structured",
        "none",
        "",
    )
    for section in data["sections"]:
        assert set(section) == {"id", "title", "generated", "sentences"}
        for sentence in section["sentences"]:
            assert set(sentence) == {"text", "sources", "flags"}
            assert sentence["sources"] and all(isinstance(i, int) for i in sentence["sources"])
    professional = next(s for s in data["sections"] if s["id"] == "faglig_vurdering")
    assert professional["generated"] is False and professional["sentences"] == []


def test_text_output_names_the_engine_and_marks_sources(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _run(capsys, "draft", str(EVAL))
    assert code == 0
    assert "Udkast lavet af: struktureret udtræk (ingen sprogmodel)" in out
    assert "## Faglig vurdering" in out and "[kilde: " in out
    assert "struktureret udtræk" in err  # auto explains why no language model drafted


def test_flags_are_marked_in_the_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write_transcript(
        tmp_path / "t.json",
        [
            {
                "id": 0,
                "start_s": 0,
                "end_s": 3,
                "text": "Mit cpr-nummer er 120385-1234, og jeg bor i Vejle.",
            }
        ],
    )
    code, out, _ = _run(capsys, "draft", str(path), "--engine", "structured")
    assert code == 0
    assert "[!f1 indeholder et CPR-nummer" in out


def test_typed_notes_are_a_valid_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "noter.txt"
    notes.write_text(
        "Borger har ondt i ryggen og er sygemeldt.\nVi aftalte møde den 3. maj kl. 10.\n",
        encoding="utf-8",
    )
    code, out, _ = _run(capsys, "draft", "--typed", str(notes), "--engine", "structured", "--json")
    assert code == 0
    data = json.loads(out)
    sentences = [s for sec in data["sections"] for s in sec["sentences"]]
    assert [s["sources"] for s in sentences] == [[0], [1]]
    assert "3. maj kl. 10.00" in sentences[1]["text"]


def test_output_file_is_written_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "udkast.json"
    code, out, _ = _run(
        capsys, "draft", str(EVAL), "--engine", "structured", "--json", "--output", str(target)
    )
    assert code == 0 and str(target) in out
    assert json.loads(target.read_text("utf-8"))["engine"] == "structured"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    empty = _write_transcript(tmp_path / "empty.json", [])
    blank = _write_transcript(
        tmp_path / "blank.json", [{"id": 0, "start_s": 0, "end_s": 1, "text": "  "}]
    )
    noise = _write_transcript(
        tmp_path / "noise.json",
        [
            {
                "id": 0,
                "start_s": 0,
                "end_s": 1,
                "text": "Tak fordi du så med.",
                "flags": ["possible_hallucination"],
            },
            {"id": 1, "start_s": 1, "end_s": 2, "text": "...", "flags": []},
        ],
    )
    broken = tmp_path / "broken.json"
    broken.write_text('{"segments": [', encoding="utf-8")
    wrong_shape = tmp_path / "shape.json"
    wrong_shape.write_text('{"segments": [{"text": "hej"}]}', encoding="utf-8")
    binary = tmp_path / "lyd.wav"
    binary.write_bytes(b"RIFF\xff\xfe\x00WAVE")
    return {
        "unknown template": (
            [str(EVAL), "--template", "ukendt"],
            "Skabelonen 'ukendt' findes ikke",
        ),
        "empty transcript": ([str(empty)], "Transskriptionen er tom"),
        "blank transcript": ([str(blank)], "Transskriptionen er tom"),
        "only noise": ([str(noise)], "kun støj"),
        "invalid json": ([str(broken)], "ikke gyldig JSON"),
        "wrong shape": ([str(wrong_shape)], "ikke en gyldig Assist-transskription"),
        "not text": ([str(binary)], "ikke tekst i UTF-8"),
        "missing file": ([str(tmp_path / "findes-ikke.json")], "findes ikke"),
        "no input": ([], "Angiv enten en transskription"),
        "two inputs": ([str(EVAL), "--typed", str(EVAL)], "Angiv enten en transskription"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "unknown template",
        "empty transcript",
        "blank transcript",
        "only noise",
        "invalid json",
        "wrong shape",
        "not text",
        "missing file",
        "no input",
        "two inputs",
    ],
)
def test_bad_input_gives_one_clear_line_and_writes_nothing(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv, expected = _bad_inputs(tmp_path)[case]
    target = tmp_path / "out" / "udkast.json"
    target.parent.mkdir()
    code, out, err = _run(capsys, "draft", *argv, "--engine", "structured", "--output", str(target))
    assert code != 0
    assert out == ""
    assert expected in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert list(target.parent.iterdir()) == []


def test_engine_llm_without_an_installed_model_refuses(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "draft", str(EVAL), "--engine", "llm")
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1


class _FakeModel:
    def __init__(self, fit: bool) -> None:
        self.model_id = "fake-llm"
        self.path = Path("/nowhere/fake.gguf")
        self.sha256 = "0" * 64
        self.fit_for_drafting = fit
        self.qualification = {"passed": fit}


class _FakeStore:
    def __init__(self, fit: bool) -> None:
        self.fit = fit

    def resolve(self, model_id: str, kind: str | None = None) -> _FakeModel:
        assert kind == "llm"
        return _FakeModel(self.fit)


def test_llm_engine_with_an_unqualified_model_is_refused() -> None:
    with pytest.raises(AssistError) as caught:
        choose_drafter("llm", "fake-llm", open_store=lambda env: _FakeStore(fit=False))
    assert caught.value.code == "draft.llm_not_qualified"
    assert "fake-llm" in caught.value.message("da")


def test_auto_falls_back_to_structured_with_a_note_when_unqualified() -> None:
    choice = choose_drafter("auto", None, open_store=lambda env: _FakeStore(fit=False))
    assert isinstance(choice.drafter, StructuredDrafter)
    assert choice.note is not None and choice.note.code == "draft.note_unqualified"


def test_auto_uses_a_qualified_model() -> None:
    sentinel = StructuredDrafter()
    choice = choose_drafter(
        "auto", None, open_store=lambda env: _FakeStore(fit=True), load_llm=lambda m: sentinel
    )
    assert choice.drafter is sentinel and choice.note is None


def test_templates_list_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    builtin = Path(__file__).resolve().parents[1] / "assist" / "drafting" / "templates"
    shutil.copy(builtin / "plejenotat.toml", tmp_path / "plejenotat.toml")
    monkeypatch.setenv("ASSIST_TEMPLATE_DIR", str(tmp_path))
    code, out, _ = _run(capsys, "templates", "list", "--json")
    assert code == 0
    listed = {t["id"]: t for t in json.loads(out)}
    assert {"journalnotat", "opfoelgning", "boernesamtale", "plejenotat"} <= set(listed)
    assert listed["plejenotat"]["origin"] == "admin"
    journal = listed["journalnotat"]
    assert journal["title_en"] and journal["sections"][3]["professional_only"] is True


def test_templates_list_text_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "templates", "list")
    assert code == 0 and "journalnotat" in out and "Plejenotat" in out
    (tmp_path / "x.toml").write_text('id = "y"\n', encoding="utf-8")
    code, out, err = _run(capsys, "templates", "check", str(tmp_path))
    assert code == 1 and "x.toml" in err and len(err.strip().splitlines()) == 1
