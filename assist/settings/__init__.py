"""Settings and IT policy: one schema (`schema.SETTINGS`), its sources (`sources`), and the
values in force with where each came from (`effective.load_settings`)."""

from assist.settings.effective import (
    Effective,
    Problem,
    Settings,
    load_settings,
    reset_user_value,
    resolve,
    set_user_value,
)
from assist.settings.schema import BY_KEY, SETTINGS, Setting, SettingValueError, Value
from assist.settings.sources import Layer, RegistryReader, Sources, platform_sources

__all__ = [
    "BY_KEY",
    "SETTINGS",
    "Effective",
    "Layer",
    "Problem",
    "RegistryReader",
    "Setting",
    "SettingValueError",
    "Settings",
    "Sources",
    "Value",
    "load_settings",
    "platform_sources",
    "reset_user_value",
    "resolve",
    "set_user_value",
]
