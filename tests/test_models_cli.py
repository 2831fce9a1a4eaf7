"""`assist models list|install|import|verify` as a user or IT sees them."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest
from test_models_fakes import (
    ASR_ID,
    LLM_ID,
    fake_store,
    gguf_bytes,
    make_fake_packages,
)

import assist.cli.models_cmd as models_cmd
from assist.cli import main
from assist.models.store import DEFAULT_ASR_MODEL, DEFAULT_LLM_MODEL, ModelStore

CONTRACT_KEYS = {
    "id",
    "kind",
    "installed",
    "verified",
    "path",
    "sha256",
    "licence",
    "fit",
    "qualified",
    "source",
}


@pytest.fixture
def model_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI sees the fake catalog, a fresh model dir and the fake model packages."""
    root = tmp_path / "models"
    monkeypatch.setattr(models_cmd, "_open", lambda: fake_store(root))
    packages = make_fake_packages(tmp_path / "site")
    monkeypatch.syspath_prepend(str(packages.root))
    return root


@pytest.fixture
def gate_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A stand-in drafting gate that passes every model and records what it was asked."""
    calls: list[str] = []

    def qualify_installed(store: ModelStore, model_id: str) -> None:
        calls.append(model_id)
        store.record_qualification(model_id, True, {"fake": True})

    gate = types.ModuleType("assist.drafting.gate")
    gate.qualify_installed = qualify_installed  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "assist.drafting.gate", gate)
    return calls


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_json_has_the_agreed_shape(
    model_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "models", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["id"] for r in rows] == [ASR_ID, LLM_ID]
    for row in rows:
        assert set(row) >= CONTRACT_KEYS
        assert row["installed"] is False and row["verified"] is False
        assert isinstance(row["fit"], dict) and row["qualified"] is None
        assert len(row["sha256"]) == 64 and row["licence"] == "MIT"


def test_list_is_a_danish_table_or_english_with_lang_en(
    model_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, danish, _ = run(capsys, "models", "list")
    assert "EGNET TIL" in danish and "ikke installeret" in danish and "dansk note" in danish
    _, english, _ = run(capsys, "--lang", "en", "models", "list")
    assert "FIT FOR" in english and "not installed" in english and "english note" in english


def test_install_then_install_again_is_instant_and_qualifies_once(
    model_root: Path, capsys: pytest.CaptureFixture[str], gate_calls: list[str]
) -> None:
    code, out, err = run(capsys, "models", "install")
    assert code == 0
    assert f"{ASR_ID}: installeret og kontrolleret" in out
    assert "100%" in err  # progress goes to stderr, keeping stdout clean
    assert gate_calls == [LLM_ID]
    code, out, _ = run(capsys, "--lang", "en", "models", "install")
    assert code == 0 and out.count("already installed and verified") == 2
    assert gate_calls == [LLM_ID]  # the verdict for this exact file is already recorded
    _, listed, _ = run(capsys, "models", "list", "--json")
    by_id = {r["id"]: r for r in json.loads(listed)}
    assert by_id[ASR_ID]["verified"] is True and by_id[LLM_ID]["qualified"] is True


def test_install_with_no_qualify_skips_the_gate(
    model_root: Path, capsys: pytest.CaptureFixture[str], gate_calls: list[str]
) -> None:
    assert run(capsys, "models", "install", "--no-qualify")[0] == 0
    assert gate_calls == []


def test_import_runs_the_gate_unless_told_not_to(
    model_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], gate_calls: list[str]
) -> None:
    gguf = tmp_path / "danish.gguf"
    gguf.write_bytes(gguf_bytes())
    code, out, _ = run(capsys, "models", "import", str(gguf), "--id", "da-4b", "--kind", "llm")
    assert code == 0 and "registreret" in out and "bestod kvalifikationen" in out
    assert gate_calls == ["da-4b"]
    code, out, _ = run(
        capsys, "models", "import", str(gguf), "--id", "da-4b-2", "--kind", "llm", "--no-qualify"
    )
    assert code == 0 and gate_calls == ["da-4b"] and "--no-qualify" in out


def test_import_without_a_gate_says_the_model_is_not_approved(
    model_root: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "assist.drafting.gate", None)  # import fails
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(gguf_bytes())
    code, out, _ = run(capsys, "models", "import", str(gguf), "--id", "m", "--kind", "llm")
    assert code == 0 and "ikke godkendt til kladder" in out


def test_verify_fails_on_a_tampered_file(
    model_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "models", "install", "--no-qualify")
    assert run(capsys, "models", "verify")[0] == 0
    gguf = model_root / LLM_ID / "tiny.gguf"
    data = bytearray(gguf.read_bytes())
    data[-3] ^= 0x10
    gguf.write_bytes(bytes(data))
    code, out, _ = run(capsys, "models", "verify", "--full")
    assert code == 1 and f"{LLM_ID}: ÆNDRET (kontrolsum) (tiny.gguf)" in out
    code, out, _ = run(capsys, "models", "verify", ASR_ID, "--json")
    assert code == 0 and json.loads(out)[0]["verified"] is True


@pytest.mark.parametrize(
    ("argv", "code_expected", "fragment"),
    [
        (["models", "verify", "nope"], 1, "Ukendt model 'nope'"),
        (["models", "install", "nope"], 1, "Ukendt model 'nope'"),
        (["models", "import", "/no/such/place", "--id", "x", "--kind", "asr"], 1, "findes ikke"),
        (["models", "import", "{tmp}", "--id", "x", "--kind", "asr"], 1, "CTranslate2"),
        (["models", "import", "{tmp}", "--id", "Bad Id", "--kind", "llm"], 2, "Ugyldigt"),
    ],
)
def test_bad_input_gives_one_clear_line_and_a_nonzero_exit(
    model_root: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    code_expected: int,
    fragment: str,
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = run(capsys, *[a.replace("{tmp}", str(empty)) for a in argv])
    assert code == code_expected
    assert fragment in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err + out
    assert not (model_root / "registry.json").exists()


def test_an_unwritable_model_dir_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(models_cmd, "_open", lambda: fake_store(blocker))
    monkeypatch.syspath_prepend(str(make_fake_packages(tmp_path / "site").root))
    code, _, err = run(capsys, "--lang", "en", "models", "install")
    assert code == 1 and "Cannot write to the model folder" in err
    assert len(err.strip().splitlines()) == 1


def test_the_real_catalog_lists_both_embedded_models(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSIST_MODEL_DIR", str(tmp_path))
    code, out, _ = run(capsys, "models", "list", "--json")
    rows = {r["id"]: r for r in json.loads(out)}
    assert code == 0 and set(rows) == {DEFAULT_ASR_MODEL, DEFAULT_LLM_MODEL}
    assert rows[DEFAULT_LLM_MODEL]["fit"]["drafting"] is False
    assert rows[DEFAULT_ASR_MODEL]["path"] == str(tmp_path / DEFAULT_ASR_MODEL)


def test_remove_unregisters_an_imported_model_and_refuses_catalog_ones(
    model_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(gguf_bytes())
    run(capsys, "models", "import", str(gguf), "--id", "m", "--kind", "llm", "--no-qualify")
    code, out, _ = run(capsys, "models", "remove", "m")
    assert code == 0 and "urørte" in out and gguf.is_file()
    code, _, err = run(capsys, "models", "remove", ASR_ID)
    assert code == 1 and "kun importerede modeller" in err


def test_a_gate_that_crashes_leaves_the_model_installed_but_unqualified(
    model_root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def qualify_installed(store: ModelStore, model_id: str) -> None:
        raise ImportError("llama_cpp")

    gate = types.ModuleType("assist.drafting.gate")
    gate.qualify_installed = qualify_installed  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "assist.drafting.gate", gate)
    code, out, err = run(capsys, "models", "install")
    assert code == 0 and "kunne ikke køre (ImportError)" in err
    assert "ikke kvalificeret; bruges ikke til kladder" in out
    _, listed, _ = run(capsys, "models", "list", "--json")
    assert {r["id"]: r["qualified"] for r in json.loads(listed)}[LLM_ID] is None
