"""What every command handler gets: the user's language and where to write."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TextIO

from assist.errors import Language


@dataclass(frozen=True)
class CliContext:
    lang: Language
    stdout: TextIO
    stderr: TextIO

    def say(self, da: str, en: str) -> None:
        """Print a human-readable line in the user's language."""
        print(en if self.lang == "en" else da, file=self.stdout)

    def print(self, text: str) -> None:
        print(text, file=self.stdout)

    def error(self, text: str) -> None:
        print(text, file=self.stderr)

    def warn(self, da: str, en: str) -> None:
        """A line on stderr in the user's language (what went wrong, or what it cost)."""
        print(en if self.lang == "en" else da, file=self.stderr)

    def print_json(self, data: Any) -> None:
        print(json.dumps(data, ensure_ascii=False, indent=2), file=self.stdout)
        self.stdout.flush()
