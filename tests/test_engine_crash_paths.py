"""What a user sees when the language model's worker crashes: at qualification (recorded once,
not retried at every install, retried on request) and while drafting (auto falls back)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.fake_workers import FakeLlmSpec
from test_models_cli import model_root  # noqa: F401  (fixture)
from test_models_fakes import LLM_ID, fake_store

import assist.drafting.gate as gate
import assist.drafting.select as select
from assist.cli import main
from assist.drafting.gate import qualify_installed
from assist.engines.llm_worker import WorkerLlmEngine

EVAL = Path(__file__).resolve().parents[1] / "bench" / "drafting_eval" / "jn01_sygedagpenge.json"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class _Store:
    def __init__(self) -> None:
        self.recorded: list[tuple[str, bool, dict[str, object]]] = []

    def resolve(self, model_id: str, kind: str | None = None) -> _Installed:
        return _Installed()

    def record_qualification(self, model_id: str, passed: bool, report: dict[str, object]) -> None:
        self.recorded.append((model_id, passed, report))


class _Installed:
    path = Path("/models/x.gguf")
    sha256 = "0" * 64
    model_id = "x"
    fit_for_drafting = True


def test_a_crash_during_qualification_is_recorded_as_crashed_with_the_signal() -> None:
    store = _Store()
    crashing = FakeLlmSpec(how="segfault", when="prompt")
    result = qualify_installed(
        store, "x", engine_factory=lambda path: WorkerLlmEngine.start(crashing)
    )
    assert result.passed is False
    ((model_id, passed, report),) = store.recorded
    assert (model_id, passed) == ("x", False)
    assert report["outcome"] == "crashed" and report["signal"] == "SIGSEGV"


def test_install_records_a_crash_once_and_qualify_retries(
    model_root: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    loads: list[str] = []

    def crashing_worker(installed: object) -> WorkerLlmEngine:
        loads.append("load")
        return WorkerLlmEngine.start(FakeLlmSpec(how="abort", when="prompt"))

    monkeypatch.setattr(gate, "_load_in_worker", crashing_worker)
    code, out, err = _run(capsys, "models", "install")
    assert code == 0, err  # the installation completes; the crash is one line
    crash_lines = [line for line in out.splitlines() if "gik ned" in line]
    assert len(crash_lines) == 1 and "SIGABRT" in crash_lines[0]
    assert f"assist models qualify {LLM_ID}" in crash_lines[0]
    assert "Traceback" not in out + err
    _, listed, _ = _run(capsys, "models", "list", "--json")
    row = {r["id"]: r for r in json.loads(listed)}[LLM_ID]
    assert row["qualified"] is False
    assert row["qualification"] == {"outcome": "crashed", "signal": "SIGABRT"}
    _, table, _ = _run(capsys, "models", "list")
    assert "gik ned ved kvalifikation (SIGABRT)" in table
    # Not retried at the next install (nor at every start) ...
    _run(capsys, "models", "install")
    assert loads == ["load"]
    # ... but on request.
    code, out, _ = _run(capsys, "--lang", "en", "models", "qualify", LLM_ID)
    assert code == 1 and "crashed during the qualification test (SIGABRT)" in out
    assert loads == ["load", "load"]


def test_qualify_refuses_an_unknown_model(
    model_root: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = _run(capsys, "models", "qualify", "nosuch")
    assert code != 0 and err.strip() and "Traceback" not in err


class _FitStore:
    def resolve(self, model_id: str, kind: str | None = None) -> _Installed:
        return _Installed()


@pytest.fixture
def crashing_drafter_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """A qualified model whose worker segfaults while it reads the prompt."""
    from assist.drafting.llm_drafter import LlmDrafter

    monkeypatch.setattr(select, "_default_store", lambda env: _FitStore())
    monkeypatch.setattr(
        select,
        "_load_llm",
        lambda installed: LlmDrafter(
            WorkerLlmEngine.start(FakeLlmSpec(how="segfault", when="prompt")), "x", "0" * 64
        ),
    )


def test_auto_drafting_falls_back_to_structured_when_the_model_crashes(
    crashing_drafter_model: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "draft", str(EVAL), "--json")
    assert code == 0, err
    assert json.loads(out)["engine"] == "structured"
    assert "Sprogmodellen stoppede" in err and "SIGSEGV" in err
    assert "struktureret udtræk" in err


def test_llm_drafting_fails_with_the_crash_message_and_a_non_zero_exit(
    crashing_drafter_model: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "--lang", "en", "draft", str(EVAL), "--engine", "llm")
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [
        "The language model stopped with a fault in its native engine (SIGSEGV). Assist "
        "carries on; nothing that was recorded or typed is lost."
    ]


def test_the_store_keeps_crashed_verdicts_apart_from_failed_ones(tmp_path: Path) -> None:

    store = fake_store(tmp_path / "m")
    store.record_qualification(LLM_ID, False, {"outcome": "crashed", "signal": "SIGILL"})
    status = store.status(LLM_ID)
    assert (status.qualified, status.qualification_outcome) == (False, "crashed")
    assert status.qualification_signal == "SIGILL"
