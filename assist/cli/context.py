"""What every command handler gets: the user's language and where to write.

Everything a command prints goes through `clean_for`: on a terminal, control characters (escape
sequences could retitle the window, clear the screen or fake output), bidirectional overrides and
lone surrogates are shown as visible `\\uXXXX` escapes (valid inside JSON strings too); tab and
line feed stay. Into a file or pipe the text goes unchanged, except that what the stream's
encoding cannot carry (a lone surrogate from a badly encoded file name) is backslash-escaped
instead of failing.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from typing import TextIO, TypeAlias

from assist.errors import Language

_TERMINAL_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


# What `register(subparsers)` gets in every command module: the one place that names argparse's
# private type (a string: the class is not subscriptable at run time).
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class OutputClosed(Exception):
    """The reader of stdout or stderr went away (`assist case list | head -1`)."""


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    if isatty is None:
        return False
    try:
        return bool(isatty())
    except (AttributeError, ValueError, OSError):
        return False


def clean_for(stream: object, text: str) -> str:
    """`text` as it may be written to `stream` (see the module docstring)."""
    if _is_terminal(stream):
        text = _TERMINAL_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        text = text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:
        pass
    return text


@dataclass(frozen=True)
class CliContext:
    lang: Language
    stdout: TextIO
    stderr: TextIO

    def say(self, da: str, en: str) -> None:
        """Print a human-readable line in the user's language."""
        self.write(self.stdout, en if self.lang == "en" else da)

    def print(self, text: str) -> None:
        self.write(self.stdout, text)

    def error(self, text: str) -> None:
        self.write(self.stderr, text)

    def warn(self, da: str, en: str) -> None:
        """A line on stderr in the user's language (what went wrong, or what it cost)."""
        self.write(self.stderr, en if self.lang == "en" else da)

    def print_json(self, data: object) -> None:
        self.write(self.stdout, json.dumps(data, ensure_ascii=False, indent=2))
        self.flush()

    def write(self, stream: TextIO, text: str, end: str = "\n") -> None:
        """The one place where commands' text reaches a stream."""
        try:
            stream.write(clean_for(stream, text) + end)
        except BrokenPipeError:
            raise OutputClosed from None

    def flush(self) -> None:
        try:
            self.stdout.flush()
        except BrokenPipeError:
            raise OutputClosed from None
