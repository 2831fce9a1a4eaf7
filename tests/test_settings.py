"""Settings and IT policy: precedence, locks, bad values of every kind, the user file."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

import pytest

from assist.errors import AssistError
from assist.settings import SETTINGS, load_settings, reset_user_value, set_user_value
from assist.settings.schema import BY_KEY, check_schema, parse_value
from assist.settings.sources import (
    DEFAULTS_SUBKEY,
    POLICY_SUBKEY,
    Hive,
    platform_sources,
    write_user_values,
)

SHA_A = "a" * 64
SHA_B = "b" * 64


class FakeRegistry:
    """The registry as a dict of (hive, subkey) -> values; `broken` keys raise OSError."""

    def __init__(self, keys: Mapping[tuple[Hive, str], Mapping[str, object]]) -> None:
        self.keys = dict(keys)
        self.broken: set[tuple[Hive, str]] = set()

    def values(self, hive: Hive, subkey: str) -> Mapping[str, object] | None:
        if (hive, subkey) in self.broken:
            raise PermissionError("access denied")
        return self.keys.get((hive, subkey))


def _settings(
    tmp_path: Path,
    *,
    registry: FakeRegistry | None = None,
    policy: object = None,
    defaults: object = None,
    user: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
):  # type: ignore[no-untyped-def]
    tmp_path.mkdir(parents=True, exist_ok=True)
    policy_file = tmp_path / "policy.json"
    defaults_file = tmp_path / "defaults.json"
    user_file = tmp_path / "user.json"
    if policy is not None:
        policy_file.write_text(policy if isinstance(policy, str) else json.dumps(policy))
    if defaults is not None:
        defaults_file.write_text(json.dumps(defaults))
    if user is not None:
        user_file.write_text(json.dumps({"version": 1, "values": dict(user)}))
    sources = platform_sources(
        {"ASSIST_USER_SETTINGS": str(user_file), **(env or {})},
        registry=registry,
        policy_file=policy_file,
        defaults_file=defaults_file,
    )
    return load_settings(sources=sources)


def test_the_schema_is_complete_and_every_default_fits() -> None:
    assert check_schema() == []
    required = {
        "model_dir", "allowed_models", "allow_model_import", "allow_llm_drafting", "asr_model",
        "llm_model", "engine_threads", "audio_review_days", "unsigned_case_days",
        "exported_case_days", "data_dir", "default_template", "template_dir", "ui_language",
        "letterhead", "signer_name_source", "typed_notes_without_consent", "microphone",
    }  # fmt: skip
    assert required <= set(BY_KEY)
    assert BY_KEY["microphone"].scope == "user" and not BY_KEY["microphone"].lockable
    for setting in SETTINGS:
        assert setting.label_da != setting.label_en, setting.key
        assert setting.help_da != setting.help_en, setting.key


def test_the_embedded_models_are_the_model_settings_defaults() -> None:
    from assist.models.store import DEFAULT_ASR_MODEL, DEFAULT_LLM_MODEL

    assert BY_KEY["asr_model"].default == DEFAULT_ASR_MODEL
    assert BY_KEY["llm_model"].default == DEFAULT_LLM_MODEL


def test_policy_beats_env_beats_user_beats_machine_beats_default(tmp_path: Path) -> None:
    everything = _settings(
        tmp_path,
        policy={"asr_model": "from-policy"},
        env={"ASSIST_ASR_MODEL": "from-env", "ASSIST_LLM_MODEL": "llm-env"},
        user={"asr_model": "from-user", "llm_model": "llm-user", "default_template": "samtale"},
        defaults={"asr_model": "x", "llm_model": "x", "default_template": "x", "engine_threads": 3},
    )
    assert (everything["asr_model"].value, everything["asr_model"].source) == (
        "from-policy",
        "policy",
    )
    assert everything["asr_model"].locked and everything["asr_model"].origin.endswith("policy.json")
    assert (everything["llm_model"].value, everything["llm_model"].source) == ("llm-env", "env")
    assert everything["default_template"].source == "user"
    assert (everything["engine_threads"].value, everything["engine_threads"].source) == (
        3,
        "machine",
    )
    assert (everything["ui_language"].value, everything["ui_language"].source) == ("da", "default")
    assert not everything.problems


def test_the_windows_registry_machine_policy_beats_the_user_policy(tmp_path: Path) -> None:
    registry = FakeRegistry(
        {
            ("HKLM", POLICY_SUBKEY): {"ui_language": "en", "allow_llm_drafting": 0},
            ("HKCU", POLICY_SUBKEY): {"ui_language": "da", "letterhead": "C:\\brev.dotx",
                                       "allow_model_import": 1, "default_template": "samtale"},
            ("HKLM", f"{POLICY_SUBKEY}\\allowed_models"): {"1": SHA_A, "2": SHA_B.upper()},
            ("HKLM", DEFAULTS_SUBKEY): {"engine_threads": 2, "data_dir": "D:\\Assist"},
        }
    )  # fmt: skip
    settings = _settings(tmp_path, registry=registry, user={"data_dir": "/home/me/assist"})
    assert settings["ui_language"].value == "en"
    assert settings["ui_language"].origin == f"HKLM\\{POLICY_SUBKEY}"
    assert settings["allow_llm_drafting"].value is False and settings["allow_llm_drafting"].locked
    assert settings.items("allowed_models") == (SHA_A, SHA_B)  # lower-cased, in order
    # letterhead is a machine setting: a user policy may not set it; it is reported, not used.
    assert settings["letterhead"].source == "default"
    assert settings["allow_model_import"].source == "default"
    assert settings["default_template"].value == "samtale"  # a user setting in the user policy
    assert settings["default_template"].origin == f"HKCU\\{POLICY_SUBKEY}"
    assert settings["engine_threads"].source == "machine"
    assert settings["data_dir"].source == "user"  # the user beats the machine default
    kinds = {(p.kind, p.key) for p in settings.problems}
    assert kinds == {("wrong_scope", "letterhead"), ("wrong_scope", "allow_model_import")}


@pytest.mark.parametrize(
    ("key", "bad"),
    [
        ("allow_llm_drafting", "maybe"),
        ("allow_llm_drafting", 7),
        ("engine_threads", 65),
        ("engine_threads", -1),
        ("engine_threads", "many"),
        ("engine_threads", True),
        ("unsigned_case_days", 0),
        ("ui_language", "fr"),
        ("ui_language", 1),
        ("asr_model", "two\nlines"),
        ("asr_model", ["a"]),
        ("letterhead", "x" * 501),
        ("allowed_models", ["not-a-hash"]),
        ("allowed_models", 17),
        ("allowed_models", [SHA_A, 3]),
    ],
)
def test_a_bad_policy_value_is_reported_and_never_crashes(
    tmp_path: Path, key: str, bad: object
) -> None:
    settings = _settings(tmp_path, policy={key: bad}, user={"asr_model": "mine"})
    problems = [p for p in settings.problems if p.key == key]
    assert [p.kind for p in problems] == ["bad_value"]
    for lang in ("da", "en"):
        text = problems[0].message(lang)
        assert key in text and "policy.json" in text
    setting = BY_KEY[key]
    effective = settings[key]
    if setting.security:  # fails closed, and stays locked
        assert effective.value == setting.fail_closed and effective.locked
    else:  # falls through to the next source
        assert effective.source in ("user", "default") and not effective.locked


def test_a_malformed_allow_list_allows_no_model(tmp_path: Path) -> None:
    from assist.settings.rules import require_model_allowed

    settings = _settings(tmp_path, policy={"allowed_models": [SHA_A, "oops"]})
    with pytest.raises(AssistError) as caught:
        require_model_allowed(settings, "whisper-base-ct2", SHA_A)
    assert caught.value.code == "settings.model_not_allowed"
    good = _settings(tmp_path, policy={"allowed_models": [SHA_A]})
    require_model_allowed(good, "whisper-base-ct2", SHA_A.upper())
    with pytest.raises(AssistError):
        require_model_allowed(good, "other", SHA_B)
    # No list: every verified model.
    require_model_allowed(_settings(tmp_path / "none"), "any", SHA_B)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("{not json", "not JSON"), ("[1, 2]", "not a JSON object"), ('"x"', "not a JSON object")],
)
def test_an_unreadable_policy_file_is_reported(tmp_path: Path, text: str, reason: str) -> None:
    settings = _settings(tmp_path, policy=text)
    assert [(p.kind, p.params["reason"]) for p in settings.problems] == [("unreadable", reason)]
    assert all(e.source == "default" for e in settings)


def test_an_unreadable_registry_key_and_unknown_keys_are_reported(tmp_path: Path) -> None:
    registry = FakeRegistry({("HKCU", POLICY_SUBKEY): {"colour": "red", "ui_language": "en"}})
    registry.broken.add(("HKLM", POLICY_SUBKEY))
    settings = _settings(tmp_path, registry=registry)
    kinds = sorted((p.kind, p.key) for p in settings.problems)
    assert kinds == [("unknown_key", "colour"), ("unreadable", "")]
    assert settings["ui_language"].value == "en"


def test_microphone_is_the_users_own_policy_cannot_set_it(tmp_path: Path) -> None:
    settings = _settings(tmp_path, policy={"microphone": "USB"}, user={"microphone": "Jabra"})
    assert (settings["microphone"].value, settings["microphone"].source) == ("Jabra", "user")
    assert [p.kind for p in settings.problems] == ["not_settable"]


def test_a_user_file_cannot_set_what_only_it_may(tmp_path: Path) -> None:
    settings = _settings(tmp_path, user={"allow_model_import": False, "allowed_models": []})
    assert settings["allow_model_import"].source == "default"
    assert sorted(p.key for p in settings.problems) == ["allow_model_import", "allowed_models"]


def test_set_and_reset_write_the_users_file_and_refuse_locked_keys(tmp_path: Path) -> None:
    settings = _settings(tmp_path, policy={"ui_language": "da"})
    with pytest.raises(AssistError) as caught:
        set_user_value(settings, "ui_language", "en")
    assert caught.value.code == "settings.locked" and "policy.json" in caught.value.message("en")
    with pytest.raises(AssistError) as caught:
        reset_user_value(settings, "ui_language")
    assert caught.value.code == "settings.locked"
    with pytest.raises(AssistError) as caught:
        set_user_value(settings, "allow_model_import", "false")
    assert caught.value.code == "settings.not_user_setting"
    with pytest.raises(AssistError) as caught:
        set_user_value(settings, "no_such_key", "1")
    assert caught.value.code == "settings.unknown_setting"
    for lang, wording in (("da", "helt tal fra 0 til 64"), ("en", "whole number from 0 to 64")):
        with pytest.raises(AssistError) as caught:
            set_user_value(settings, "engine_threads", "100", lang)  # type: ignore[arg-type]
        assert wording in caught.value.message(lang)  # type: ignore[arg-type]
    assert not (tmp_path / "user.json").exists()  # nothing written by a refusal

    assert set_user_value(settings, "engine_threads", "4") == 4
    after = _settings(tmp_path, policy={"ui_language": "da"})
    assert (after["engine_threads"].value, after["engine_threads"].source) == (4, "user")
    reset_user_value(after, "engine_threads")
    again = _settings(tmp_path, policy={"ui_language": "da"})
    assert again["engine_threads"].source == "default"
    saved = json.loads((tmp_path / "user.json").read_text())
    assert saved == {"version": 1, "values": {}}


def test_parse_value_accepts_the_registry_and_command_line_forms() -> None:
    assert parse_value(BY_KEY["allow_llm_drafting"], 1) is True
    assert parse_value(BY_KEY["allow_llm_drafting"], "nej") is False
    assert parse_value(BY_KEY["engine_threads"], " 8 ") == 8
    assert parse_value(BY_KEY["allowed_models"], f"{SHA_A}; {SHA_B},{SHA_A}") == (SHA_A, SHA_B)


def test_the_policy_hash_changes_with_policy_and_holds_no_values(tmp_path: Path) -> None:
    plain = _settings(tmp_path)
    one = _settings(tmp_path, policy={"signer_name": "Anne Hansen"})
    other = _settings(tmp_path, policy={"signer_name": "Bo Jensen"})
    hashes = {plain.policy_sha256(), one.policy_sha256(), other.policy_sha256()}
    assert len(hashes) == 3
    assert re.fullmatch(r"[0-9a-f]{64}", one.policy_sha256())
    assert _settings(tmp_path, policy={"signer_name": "Anne Hansen"}).policy_sha256() in hashes


def test_write_user_values_drops_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "settings.json"
    write_user_values(path, {"ui_language": "en", "nonsense": "x"})
    assert json.loads(path.read_text())["values"] == {"ui_language": "en"}


def test_only_the_settings_layer_reads_assist_variables() -> None:
    """Every ASSIST_* variable is read through `assist.settings` (a setting's `env`, or the three
    in `assist.settings.environment`); nowhere else in the core reads one."""
    root = Path(__file__).resolve().parents[1] / "assist"
    reading = re.compile(r"""(environ|getenv|env)(\.get)?\(?\[?\s*["']ASSIST_""")
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.parent.name != "settings" and reading.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    names = [s.env for s in SETTINGS if s.env]
    assert len(names) == len(set(names))
