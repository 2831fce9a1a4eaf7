"""The settings in force, each with where it came from.

Precedence: policy > ASSIST_* variable > user setting > machine default > built-in default.
Policy always wins; the variables sit just below it so development and tests can steer a
machine without policy, and never get round one. Within policy, the machine policy (HKLM or
`/etc/assist/policy.json`) wins over the user policy (HKCU), as in Windows itself.

Bad values are never fatal: each becomes a `Problem` (shown by `assist doctor`) and the value
falls through to the next source, except for security settings, whose malformed policy value
is replaced by the setting's `fail_closed` value and stays locked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assist.errors import EXIT_USAGE, AssistError, Language, Msg
from assist.settings.schema import (
    BY_KEY,
    SETTINGS,
    Setting,
    SettingValueError,
    Value,
    format_value,
    json_value,
    parse_value,
)
from assist.settings.sources import Layer, Sources, platform_sources, write_user_values

Source = Literal["policy", "env", "user", "machine", "default"]
ProblemKind = Literal["unreadable", "unknown_key", "bad_value", "wrong_scope", "not_settable"]


@dataclass(frozen=True)
class Effective:
    setting: Setting
    value: Value
    source: Source
    locked: bool  # a policy value is in force: nobody but IT can change it
    origin: str  # where exactly: the policy's key or file, the variable, the user file; "" default

    def as_json(self) -> dict[str, object]:
        return {
            "key": self.setting.key,
            "value": json_value(self.value),
            "source": self.source,
            "locked": self.locked,
            "origin": self.origin,
            "user_may_change": self.setting.user_may_change and not self.locked,
            "type": self.setting.type,
            "scope": self.setting.scope,
        }


PROBLEM_UNREADABLE = Msg(
    "settings.unreadable",
    da="{origin} kan ikke læses ({reason}); værdierne derfra bruges ikke.",
    en="{origin} cannot be read ({reason}); its values are not used.",
)
PROBLEM_UNKNOWN_KEY = Msg(
    "settings.unknown_key",
    da="{origin}: '{key}' er ikke en indstilling i Assist; den ignoreres.",
    en="{origin}: '{key}' is not an Assist setting; it is ignored.",
)
PROBLEM_BAD_VALUE = Msg(
    "settings.bad_value",
    da="{origin}: {reason} Værdien ignoreres.",
    en="{origin}: {reason} The value is ignored.",
)
PROBLEM_BAD_VALUE_CLOSED = Msg(
    "settings.bad_value_closed",
    da="{origin}: {reason} Af sikkerhedshensyn gælder den strengeste værdi: {closed}.",
    en="{origin}: {reason} For safety the strictest value applies: {closed}.",
)
PROBLEM_WRONG_SCOPE = Msg(
    "settings.wrong_scope",
    da="{origin}: '{key}' gælder hele maskinen og kan kun sættes i maskinens politik; den "
    "ignoreres her.",
    en="{origin}: '{key}' applies to the whole machine and can only be set in the machine "
    "policy; it is ignored here.",
)
PROBLEM_NOT_SETTABLE = Msg(
    "settings.not_settable",
    da="{origin}: '{key}' kan ikke sættes her; den ignoreres.",
    en="{origin}: '{key}' cannot be set here; it is ignored.",
)
@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    key: str  # "" for a whole layer
    origin: str
    msg: Msg
    params: Mapping[str, object]
    reason: SettingValueError | None = None

    def message(self, lang: Language = "da") -> str:
        params = dict(self.params)
        if self.reason is not None:
            params["reason"] = self.reason.message(lang)
        return self.msg.render(lang, params)

    def as_json(self, lang: Language = "da") -> dict[str, str]:
        return {
            "kind": self.kind,
            "key": self.key,
            "origin": self.origin,
            "message": self.message(lang),
        }


class Settings:
    """The effective value of every setting in `SETTINGS`, plus what was wrong on the way."""

    def __init__(
        self, effective: Mapping[str, Effective], problems: tuple[Problem, ...], sources: Sources
    ) -> None:
        self._effective = dict(effective)
        self.problems = problems
        self.sources = sources

    def __iter__(self) -> Iterator[Effective]:
        return iter(self._effective[s.key] for s in SETTINGS)

    def __getitem__(self, key: str) -> Effective:
        return self._effective[key]

    def text(self, key: str) -> str:
        value = self._effective[key].value
        return value if isinstance(value, str) else ""

    def path(self, key: str) -> Path | None:
        value = self.text(key)
        return Path(value).expanduser() if value else None

    def flag(self, key: str) -> bool:
        return self._effective[key].value is True

    def number(self, key: str) -> int:
        value = self._effective[key].value
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    def items(self, key: str) -> tuple[str, ...] | None:
        value = self._effective[key].value
        return value if isinstance(value, tuple) else None

    def policy_sha256(self) -> str:
        """A hash of the policy in force (what is set, to what, and what was malformed), so the
        audit trail can show when policy changed without holding any of its values."""
        in_force = {e.setting.key: json_value(e.value) for e in self if e.source == "policy"}
        bad = sorted(f"{p.origin}|{p.key}|{p.kind}" for p in self.problems)
        text = json.dumps({"policy": in_force, "problems": bad}, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def policy_count(self) -> int:
        return sum(1 for e in self if e.source == "policy")

    def as_json(self, lang: Language = "da") -> dict[str, object]:
        return {
            "settings": [e.as_json() for e in self],
            "problems": [p.as_json(lang) for p in self.problems],
            "policy_sha256": self.policy_sha256(),
            "user_settings_file": str(self.sources.user_path),
        }


def load_settings(env: Mapping[str, str] | None = None, sources: Sources | None = None) -> Settings:
    """The settings in force (reads the platform's sources unless `sources` is given)."""
    return resolve(sources or platform_sources(env))


def resolve(sources: Sources) -> Settings:
    problems: list[Problem] = []
    for layer in (*sources.policies, *sources.machine_defaults, sources.user):
        problems += _layer_problems(layer)
    effective = {s.key: _resolve_one(s, sources, problems) for s in SETTINGS}
    return Settings(effective, tuple(problems), sources)


def _layer_problems(layer: Layer) -> list[Problem]:
    if layer.unreadable is not None:
        return [
            Problem(
                "unreadable",
                "",
                layer.name,
                PROBLEM_UNREADABLE,
                {"origin": layer.name, "reason": layer.unreadable},
            )
        ]
    return [
        Problem(
            "unknown_key", key, layer.name, PROBLEM_UNKNOWN_KEY, {"origin": layer.name, "key": key}
        )
        for key in layer.values
        if key not in BY_KEY
    ]


def _resolve_one(setting: Setting, sources: Sources, problems: list[Problem]) -> Effective:
    key = setting.key
    for layer in sources.policies:
        if key not in layer.values:
            continue
        if layer.scope == "user" and setting.scope == "machine":
            problems.append(
                Problem(
                    "wrong_scope",
                    key,
                    layer.name,
                    PROBLEM_WRONG_SCOPE,
                    {"origin": layer.name, "key": key},
                )
            )
            continue
        if not setting.lockable:
            problems.append(_not_settable(key, layer.name))
            continue
        try:
            return Effective(
                setting, parse_value(setting, layer.values[key]), "policy", True, layer.name
            )
        except SettingValueError as error:
            closed = setting.security
            problems.append(_bad_value(setting, layer.name, error, closed=closed))
            if closed:
                return Effective(setting, setting.fail_closed, "policy", True, layer.name)
    if setting.env:
        raw = sources.env.get(setting.env, "").strip()
        if raw:
            try:
                return Effective(setting, parse_value(setting, raw), "env", False, setting.env)
            except SettingValueError as error:
                problems.append(_bad_value(setting, setting.env, error, closed=False))
    if key in sources.user.values:
        if not setting.user_may_change:
            problems.append(_not_settable(key, sources.user.name))
        else:
            found = _parsed(setting, sources.user, "user", problems)
            if found is not None:
                return found
    for layer in sources.machine_defaults:
        if key in layer.values:
            found = _parsed(setting, layer, "machine", problems)
            if found is not None:
                return found
    return Effective(setting, setting.default, "default", False, "")


def _parsed(
    setting: Setting, layer: Layer, source: Source, problems: list[Problem]
) -> Effective | None:
    try:
        value = parse_value(setting, layer.values[setting.key])
    except SettingValueError as error:
        problems.append(_bad_value(setting, layer.name, error, closed=False))
        return None
    return Effective(setting, value, source, False, layer.name)


def _bad_value(setting: Setting, origin: str, error: SettingValueError, *, closed: bool) -> Problem:
    return Problem(
        "bad_value",
        setting.key,
        origin,
        PROBLEM_BAD_VALUE_CLOSED if closed else PROBLEM_BAD_VALUE,
        {"origin": origin, "closed": format_value(setting.fail_closed) or "[]"},
        reason=error,
    )


def _not_settable(key: str, origin: str) -> Problem:
    return Problem(
        "not_settable", key, origin, PROBLEM_NOT_SETTABLE, {"origin": origin, "key": key}
    )


# ---- changing a user setting --------------------------------------------------------------------

UNKNOWN_SETTING = Msg(
    "settings.unknown_setting",
    da="'{key}' er ikke en indstilling. Se 'assist config show'.",
    en="'{key}' is not a setting. See 'assist config show'.",
    exit_code=EXIT_USAGE,
)
LOCKED = Msg(
    "settings.locked",
    da="'{key}' er låst af IT-politikken ({origin}) og kan ikke ændres her. Kontakt IT, hvis "
    "værdien skal være en anden.",
    en="'{key}' is locked by IT policy ({origin}) and cannot be changed here. Contact IT if "
    "the value should be different.",
    exit_code=EXIT_USAGE,
)
NOT_USER_SETTING = Msg(
    "settings.not_user_setting",
    da="'{key}' sættes af IT (politik eller maskinens standard), ikke af brugeren.",
    en="'{key}' is set by IT (policy or the machine default), not by the user.",
    exit_code=EXIT_USAGE,
)
BAD_SETTING_VALUE = Msg(
    "settings.bad_setting_value",
    da="Ikke gemt: {reason}",
    en="Not saved: {reason}",
    exit_code=EXIT_USAGE,
)


def setting(key: str) -> Setting:
    found = BY_KEY.get(key)
    if found is None:
        raise AssistError(UNKNOWN_SETTING, key=key)
    return found


def _check_changeable(settings: Settings, key: str) -> Setting:
    target = setting(key)
    current = settings[key]
    if current.locked:
        raise AssistError(LOCKED, key=key, origin=current.origin)
    if not target.user_may_change:
        raise AssistError(NOT_USER_SETTING, key=key)
    return target


def set_user_value(settings: Settings, key: str, raw: str, lang: Language = "da") -> Value:
    """Store `raw` as the user's value for `key`; AssistError if locked, not the user's, or
    not a valid value (the schema's message, in `lang`)."""
    target = _check_changeable(settings, key)
    try:
        value = parse_value(target, raw)
    except SettingValueError as error:
        raise AssistError(BAD_SETTING_VALUE, reason=error.message(lang)) from None
    _write_user(settings, {key: value})
    return value


def reset_user_value(settings: Settings, key: str) -> None:
    _check_changeable(settings, key)
    _write_user(settings, {key: None}, remove=True)


def _write_user(settings: Settings, change: Mapping[str, Value], *, remove: bool = False) -> None:
    current: dict[str, Value] = {}
    for key, raw in settings.sources.user.values.items():
        target = BY_KEY.get(key)
        if target is None:
            continue
        try:
            current[key] = parse_value(target, raw)
        except SettingValueError:
            continue  # a bad value the user once wrote by hand goes now
    for key, value in change.items():
        if remove:
            current.pop(key, None)
        else:
            current[key] = value
    write_user_values(settings.sources.user_path, current)
