"""`assist config`, `assist doctor` and the rules IT policy enforces, through the CLI and core."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_cli_sign_export import SIGNER, _drafted_case, _run

from assist.settings import SETTINGS
from assist.store.session import open_default_store

HERE = Path(__file__).parent


def _policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, values: dict[str, object]) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(values), encoding="utf-8")
    monkeypatch.setenv("ASSIST_POLICY_FILE", str(path))
    return path


def test_config_show_json_has_every_setting_with_its_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "config", "show", "--json")
    assert code == 0
    report = json.loads(out)
    entries = {e["key"]: e for e in report["settings"]}
    assert list(entries) == [s.key for s in SETTINGS]
    assert all(e["source"] == "default" and not e["locked"] for e in entries.values())
    assert report["problems"] == []


def test_config_set_show_reset_round_trip_in_danish_and_english(
    capsys: pytest.CaptureFixture[str], own_settings: Path
) -> None:
    code, out, _ = _run(capsys, "config", "set", "engine_threads", "3")
    assert (code, out.strip()) == (0, "engine_threads = 3 (gemt som din indstilling)")
    assert json.loads(own_settings.read_text())["values"] == {"engine_threads": 3}
    code, out, _ = _run(capsys, "config", "show")
    assert "engine_threads               3                        bruger" in out
    code, out, _ = _run(capsys, "--lang", "en", "config", "reset", "engine_threads")
    assert (code, out.strip()) == (0, "engine_threads = 0 (default)")
    code, _, err = _run(capsys, "config", "set", "engine_threads", "lots")
    assert code == 2 and "helt tal fra 0 til 64" in err and "Traceback" not in err
    code, _, err = _run(capsys, "--lang", "en", "config", "set", "colour", "red")
    assert code == 2 and "'colour' is not a setting" in err


def test_a_locked_setting_is_refused_naming_the_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = _policy(tmp_path, monkeypatch, {"ui_language": "en", "engine_threads": 2})
    code, out, _ = _run(capsys, "config", "show", "--json")
    entries = {e["key"]: e for e in json.loads(out)["settings"]}
    assert entries["engine_threads"] == {
        **entries["engine_threads"], "value": 2, "source": "policy", "locked": True,
        "origin": str(policy), "user_may_change": False,
    }  # fmt: skip
    code, _, err = _run(capsys, "config", "set", "engine_threads", "4")
    assert code == 2 and f"locked by IT policy ({policy})" in err  # ui_language=en by policy
    code, _, err = _run(capsys, "config", "reset", "engine_threads")
    assert code == 2 and "locked" in err


def test_the_environment_cannot_get_round_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _policy(tmp_path, monkeypatch, {"ui_language": "da"})
    monkeypatch.setenv("ASSIST_LANG", "en")
    _code, out, _ = _run(capsys, "config", "show", "--json")
    entry = next(e for e in json.loads(out)["settings"] if e["key"] == "ui_language")
    assert (entry["value"], entry["source"]) == ("da", "policy")


def test_doctor_reports_the_settings_and_a_bad_policy_without_crashing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSIST_MODEL_DIR", str(tmp_path / "models"))
    _policy(tmp_path, monkeypatch, {"allowed_models": "nope", "retention": 3})
    _code, out, _ = _run(capsys, "doctor", "--json")
    report = json.loads(out)
    assert len(report["config"]["settings"]) == len(SETTINGS)
    kinds = sorted((p["kind"], p["key"]) for p in report["config"]["problems"])
    assert kinds == [("bad_value", "allowed_models"), ("unknown_key", "retention")]
    _code, out, _ = _run(capsys, "doctor")
    assert "Problem:" in out and "strengeste værdi" in out


def test_the_policy_in_force_is_audited_by_hash_only_when_it_changes(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def policy_events() -> list[dict[str, object]]:
        with open_default_store() as store:
            return [dict(e.payload) for e in store.audit_events() if e.event == "settings_policy"]

    first = policy_events()
    assert len(first) == 1 and first[0]["settings"] == 0
    assert len(policy_events()) == 1  # unchanged: not audited again
    _policy(tmp_path, monkeypatch, {"signer_name": "Anne Hansen", "signer_name_source": "fixed"})
    events = policy_events()
    assert len(events) == 2 and events[1]["settings"] == 2 and events[1]["sha256"] != first[0]
    assert "Anne" not in json.dumps(events)  # the values themselves never reach the trail


def test_a_fixed_signer_name_signs_and_another_name_is_refused(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    _policy(tmp_path, monkeypatch, {"signer_name_source": "fixed", "signer_name": "Bo Jensen"})
    case_id, _ = _drafted_case(capsys)
    _run(capsys, "note", "edit", case_id, "--section", "faglig_vurdering", "--text", "Vurdering.")
    code, _, err = _run(capsys, "sign", case_id, "--signer", SIGNER, "--acknowledge-all")
    assert code == 2 and "fastsat af IT ('Bo Jensen')" in err
    code, out, err = _run(capsys, "sign", case_id, "--acknowledge-all")
    assert code == 0, err
    assert "underskrevet af Bo Jensen" in out


def test_signing_without_a_name_asks_for_one_when_it_is_typed(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id, _ = _drafted_case(capsys)
    code, _, err = _run(capsys, "sign", case_id, "--acknowledge-all")
    assert code == 2 and "Skriv dit fulde navn" in err


def test_the_os_user_name_is_used_when_policy_says_so(tmp_path: Path) -> None:
    from test_settings import _settings

    from assist.errors import AssistError
    from assist.settings.rules import signer_name

    settings = _settings(tmp_path, policy={"signer_name_source": "os_user"})
    assert signer_name(settings, "", os_name="Anne Hansen") == "Anne Hansen"
    assert signer_name(settings, "Anne Hansen", os_name="Anne Hansen") == "Anne Hansen"
    with pytest.raises(AssistError) as caught:
        signer_name(settings, "Bo Jensen", os_name="Anne Hansen")
    assert caught.value.code == "settings.signer_os_differs"
    with pytest.raises(AssistError) as caught:
        signer_name(settings, "", os_name="")
    assert caught.value.code == "settings.signer_os_missing"


def test_typed_notes_need_consent_when_policy_says_so(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    notes = tmp_path / "noter.txt"
    notes.write_text("Borgeren fortalte om sin økonomi. Vi aftalte et nyt møde.\n", "utf-8")
    code, out, _ = _run(capsys, "case", "new", "--title", "Samtale", "--consent", "refused")
    case_id = out.strip()
    draft = ("draft", "--case", case_id, "--typed", str(notes), "--engine", "structured")
    _policy(tmp_path, monkeypatch, {"typed_notes_without_consent": False})
    code, _, err = _run(capsys, *draft)
    assert code == 2 and f"assist case consent {case_id} --given" in err
    with open_default_store() as store:
        assert store.load_transcript(case_id) is None  # nothing saved
    monkeypatch.delenv("ASSIST_POLICY_FILE")
    code, _, err = _run(capsys, *draft)
    assert code == 0, err


def test_llm_drafting_forbidden_by_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _policy(tmp_path, monkeypatch, {"allow_llm_drafting": False})
    typed = tmp_path / "noter.txt"
    typed.write_text("Borgeren fortalte om sin økonomi.\n", "utf-8")
    code, _, err = _run(capsys, "draft", "--typed", str(typed), "--engine", "llm")
    assert code == 1 and "tillader ikke udkast med sprogmodel" in err
    code, out, err = _run(capsys, "draft", "--typed", str(typed), "--json")
    assert code == 0 and "IT-politikken tillader ikke sprogmodellen" in err
    assert json.loads(out)["engine"] == "structured"


def test_model_import_forbidden_by_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSIST_MODEL_DIR", str(tmp_path / "models"))
    _policy(tmp_path, monkeypatch, {"allow_model_import": "ja, gerne"})  # malformed: fails closed
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF" + bytes(64))
    code, _, err = _run(capsys, "models", "import", str(model), "--id", "mit-llm", "--kind", "llm")
    assert code == 1 and "tillader ikke, at brugere importerer modeller" in err


def test_user_settings_survive_a_kill_in_the_middle_of_writing(tmp_path: Path) -> None:
    """A child rewrites the settings file as fast as it can; killed at random moments, the file
    is always the old or the new whole file."""
    path = tmp_path / "settings.json"
    env = {**os.environ, "ASSIST_USER_SETTINGS": str(path), "PYTHONPATH": str(HERE.parent)}
    child = (
        "import itertools\n"
        "from assist.settings import load_settings, set_user_value\n"
        "for n in itertools.count():\n"
        "    set_user_value(load_settings(), 'engine_threads', str(n % 64))\n"
    )
    for round_ in range(12):
        process = subprocess.Popen([sys.executable, "-c", child], env=env)
        time.sleep(0.3 + 0.07 * round_)
        process.send_signal(signal.SIGKILL)
        process.wait()
        data = json.loads(path.read_text())
        assert data["version"] == 1 and 0 <= data["values"]["engine_threads"] < 64
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "settings.json"]
    assert all(name.endswith(".assist-part") for name in leftovers)
