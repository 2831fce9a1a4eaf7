"""One exception family for everything a user may see, with Danish and English text.

Core code raises `AssistError(SOME_MSG, name=value)`; only the CLI or the desktop app renders the
message, in the user's language. Messages are module-level `Msg` constants next to the code that
raises them, so each module owns its own wording.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Literal

Language = Literal["da", "en"]
LANGUAGES: tuple[Language, ...] = ("da", "en")

# Exit codes shared by all commands.
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_CANCELLED = 130


@dataclass(frozen=True)
class Msg:
    """A user-facing message: `code` is stable (for logs and tests), texts use {placeholders}."""

    code: str
    da: str
    en: str
    exit_code: int = EXIT_FAILURE

    def render(self, lang: Language, params: dict[str, object]) -> str:
        template = self.en if lang == "en" else self.da
        return template.format(**params)

    def placeholders(self, lang: Language) -> set[str]:
        text = self.en if lang == "en" else self.da
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class AssistError(Exception):
    """An error a user can act on. Never carries what a citizen said."""

    def __init__(self, msg: Msg, **params: object) -> None:
        super().__init__(msg.code)
        self.msg = msg
        self.params = params

    @property
    def code(self) -> str:
        return self.msg.code

    @property
    def exit_code(self) -> int:
        return self.msg.exit_code

    def message(self, lang: Language = "da") -> str:
        return self.msg.render(lang, self.params)

    def __str__(self) -> str:
        return f"{self.msg.code}: {self.message('en')}"


CANCELLED = Msg("cancelled", da="Afbrudt.", en="Cancelled.", exit_code=EXIT_CANCELLED)
INTERNAL = Msg(
    "internal",
    da="Der skete en uventet fejl i Assist ({kind}). Intet er gemt halvt; prøv igen, "
    "eller kontakt IT med fejlkoden.",
    en="Assist hit an unexpected error ({kind}). Nothing was half-written; try again, "
    "or contact IT with the error code.",
)
UNKNOWN_LANGUAGE_UI = Msg(
    "ui.unknown_language",
    da="Ukendt sprog for brugerfladen: '{value}'. Vælg 'da' eller 'en'.",
    en="Unknown interface language: '{value}'. Choose 'da' or 'en'.",
    exit_code=EXIT_USAGE,
)


class Cancelled(AssistError):
    """Raised by `CancelToken.raise_if_cancelled`; callers treat it as a clean stop."""

    def __init__(self) -> None:
        super().__init__(CANCELLED)


def parse_language(value: str | None, default: Language = "da") -> Language:
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    for lang in LANGUAGES:
        if lowered == lang or lowered.startswith(lang + "_") or lowered.startswith(lang + "-"):
            return lang
    raise AssistError(UNKNOWN_LANGUAGE_UI, value=value)
