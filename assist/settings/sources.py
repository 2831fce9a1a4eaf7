"""Where setting values come from: policy (registry on Windows, `policy.json` elsewhere),
the user's own settings file, machine defaults (set by the installer), and ASSIST_* variables.

Nothing here decides precedence (that is `assist.settings.effective`); each reader returns a
`Layer` of raw values plus what it could not read. Readers never raise for bad content: a policy
that cannot be read is reported by `assist doctor`, not a crash.

On Windows, policy is `HKLM\\SOFTWARE\\Policies\\Assist\\Assist` (machine) and the same path under
HKCU (user); a `list` setting is a subkey named after the setting whose values are the items (what
an ADMX `<list>` element writes). Machine defaults are `HKLM\\SOFTWARE\\Assist\\Assist`. On Linux
and macOS, policy is `/etc/assist/policy.json` and machine defaults `/etc/assist/defaults.json`.
`ASSIST_POLICY_FILE` adds a policy file *below* the system policy (for development and tests: it
can add policy, never remove any); `ASSIST_MACHINE_DEFAULTS` replaces the defaults file and
`ASSIST_USER_SETTINGS` the user's settings file.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import platformdirs

from assist.fsutil import atomic_write_text, remove_leftovers
from assist.settings.schema import BY_KEY, SETTINGS, Value, json_value

Hive = Literal["HKLM", "HKCU"]
LayerScope = Literal["machine", "user"]

VENDOR = "Assist"
PRODUCT = "Assist"
POLICY_SUBKEY = f"SOFTWARE\\Policies\\{VENDOR}\\{PRODUCT}"
DEFAULTS_SUBKEY = f"SOFTWARE\\{VENDOR}\\{PRODUCT}"
POLICY_FILE = Path("/etc/assist/policy.json")
MACHINE_DEFAULTS_FILE = Path("/etc/assist/defaults.json")
USER_SETTINGS_NAME = "settings.json"
USER_FILE_VERSION = 1

POLICY_FILE_ENV = "ASSIST_POLICY_FILE"
MACHINE_DEFAULTS_ENV = "ASSIST_MACHINE_DEFAULTS"
USER_SETTINGS_ENV = "ASSIST_USER_SETTINGS"


@dataclass(frozen=True)
class Layer:
    """Raw values from one place, named as an administrator would look for it."""

    name: str  # e.g. "HKLM\\SOFTWARE\\Policies\\Assist\\Assist" or "/etc/assist/policy.json"
    scope: LayerScope
    values: Mapping[str, object] = field(default_factory=dict)
    unreadable: str | None = None  # why the whole layer could not be read (None: it could)


class RegistryReader(Protocol):
    """Reads one registry key; injectable so Linux tests cover the Windows policy path."""

    def values(self, hive: Hive, subkey: str) -> Mapping[str, object] | None:
        """The key's values by name (REG_DWORD as int, REG_SZ as str), None if it does not
        exist; OSError if it exists and cannot be read."""
        ...


class WinregReader:
    """The real registry (Windows only)."""

    def values(self, hive: Hive, subkey: str) -> Mapping[str, object] | None:
        if sys.platform != "win32":
            raise OSError("the Windows registry exists only on Windows")
        import winreg

        root = winreg.HKEY_LOCAL_MACHINE if hive == "HKLM" else winreg.HKEY_CURRENT_USER
        try:
            key = winreg.OpenKey(root, subkey, 0, winreg.KEY_READ)
        except FileNotFoundError:
            return None
        found: dict[str, object] = {}
        with key:
            index = 0
            while True:
                try:
                    name, data, _kind = winreg.EnumValue(key, index)
                except OSError:  # no more values
                    break
                found[str(name)] = data
                index += 1
        return found


def registry_layer(reader: RegistryReader, hive: Hive, subkey: str, scope: LayerScope) -> Layer:
    name = f"{hive}\\{subkey}"
    try:
        top = reader.values(hive, subkey)
        if top is None:
            return Layer(name, scope)
        values: dict[str, object] = dict(top)
        for setting in SETTINGS:
            if setting.type == "list":
                items = reader.values(hive, f"{subkey}\\{setting.key}")
                if items is not None:
                    values[setting.key] = [items[k] for k in sorted(items, key=_natural)]
    except OSError as error:
        return Layer(name, scope, unreadable=type(error).__name__)
    return Layer(name, scope, values)


def _natural(name: str) -> tuple[int, str]:
    return (int(name), "") if name.isdigit() else (2**31, name)


def json_layer(path: Path, scope: LayerScope) -> Layer:
    """A JSON object file; a missing file is an empty layer, a broken one is `unreadable`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Layer(str(path), scope)
    except (OSError, UnicodeDecodeError) as error:
        return Layer(str(path), scope, unreadable=type(error).__name__)
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return Layer(str(path), scope, unreadable="not JSON")
    if not isinstance(data, dict):
        return Layer(str(path), scope, unreadable="not a JSON object")
    return Layer(str(path), scope, data)


def user_settings_path(env: Mapping[str, str]) -> Path:
    override = env.get(USER_SETTINGS_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(PRODUCT, VENDOR)) / USER_SETTINGS_NAME


def read_user_layer(path: Path) -> Layer:
    layer = json_layer(path, "user")
    if layer.unreadable is not None or not layer.values:
        return layer
    values = layer.values.get("values")
    if layer.values.get("version") != USER_FILE_VERSION or not isinstance(values, dict):
        return Layer(layer.name, "user", unreadable="unknown format")
    return Layer(layer.name, "user", values)


def write_user_values(path: Path, values: Mapping[str, Value]) -> None:
    """The user's settings, atomically (a kill leaves the old file or the new one, never half)."""
    known = {key: json_value(value) for key, value in sorted(values.items()) if key in BY_KEY}
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(path.parent)  # temporary files of a writer that was killed
    text = json.dumps({"version": USER_FILE_VERSION, "values": known}, indent=2, ensure_ascii=False)
    atomic_write_text(path, text + "\n")


@dataclass(frozen=True)
class Sources:
    """Everything settings are made of, in no particular order (see `effective`)."""

    policies: tuple[Layer, ...]  # highest precedence first
    machine_defaults: tuple[Layer, ...]
    user: Layer
    user_path: Path
    env: Mapping[str, str]


def platform_sources(
    env: Mapping[str, str] | None = None,
    *,
    registry: RegistryReader | None = None,
    policy_file: Path = POLICY_FILE,
    defaults_file: Path = MACHINE_DEFAULTS_FILE,
) -> Sources:
    """The sources on this machine. `registry` is used on Windows, or wherever one is given
    (tests); the policy and defaults files are read everywhere else."""
    env = os.environ if env is None else env
    policies: list[Layer] = []
    defaults: list[Layer] = []
    if registry is None and sys.platform == "win32":
        registry = WinregReader()
    if registry is not None:
        policies.append(registry_layer(registry, "HKLM", POLICY_SUBKEY, "machine"))
        policies.append(registry_layer(registry, "HKCU", POLICY_SUBKEY, "user"))
        defaults.append(registry_layer(registry, "HKLM", DEFAULTS_SUBKEY, "machine"))
    else:
        policies.append(json_layer(policy_file, "machine"))
        defaults_override = env.get(MACHINE_DEFAULTS_ENV, "").strip()
        defaults.append(
            json_layer(Path(defaults_override) if defaults_override else defaults_file, "machine")
        )
    extra_policy = env.get(POLICY_FILE_ENV, "").strip()
    if extra_policy:
        policies.append(json_layer(Path(extra_policy).expanduser(), "machine"))
    user_path = user_settings_path(env)
    return Sources(tuple(policies), tuple(defaults), read_user_layer(user_path), user_path, env)
