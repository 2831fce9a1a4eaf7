"""The `assist` command. Each `assist/cli/*_cmd.py` module adds its own subcommands.

A command module provides `register(subparsers) -> None`, which adds one or more parsers and sets
`handler=<function(args, ctx) -> int>` on each. Imports of heavy libraries stay inside handlers so
that `assist --help` is instant.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys
from collections.abc import Sequence
from typing import Any

from assist import __version__, netguard
from assist.cli.context import CliContext
from assist.errors import INTERNAL, AssistError, Cancelled, Language, parse_language

log = logging.getLogger("assist")


class _Parser(argparse.ArgumentParser):
    """No abbreviated options: `--lang` must never be taken for `--language`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)


def _pop_lang(argv: list[str]) -> tuple[list[str], str | None]:
    """`--lang X` may stand anywhere on the line (before `--`); the last one wins."""
    rest: list[str] = []
    lang: str | None = None
    index = 0
    while index < len(argv):
        token = argv[index]
        if token == "--":
            rest.extend(argv[index:])
            break
        if token == "--lang" and index + 1 < len(argv):
            lang = argv[index + 1]
            index += 2
            continue
        if token.startswith("--lang="):
            lang = token.split("=", 1)[1]
        else:
            rest.append(token)
        index += 1
    return rest, lang


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="assist",
        description="Assist: lokal transskription og journalnotater (offline notes)",
    )
    parser.add_argument("--version", action="version", version=f"assist {__version__}")
    parser.add_argument(
        "--lang", help="sprog for beskeder / message language: da (default) or en (or ASSIST_LANG)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.endswith("_cmd"):
            module = importlib.import_module(f"{__name__}.{module_info.name}")
            module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Nothing in Assist may reach a network; any library that tries fails fast instead.
    netguard.install()
    argv, lang_option = _pop_lang(list(sys.argv[1:] if argv is None else argv))
    lang_from_env = os.environ.get("ASSIST_LANG")
    try:
        lang = parse_language(lang_option or lang_from_env)
        parser = build_parser()
        args = parser.parse_args(argv)
    except AssistError as error:
        print(error.message(parse_language_or_default(lang_from_env)), file=sys.stderr)
        return error.exit_code
    ctx = CliContext(lang=lang, stdout=sys.stdout, stderr=sys.stderr)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args, ctx))
    except Cancelled as error:
        ctx.error(error.message(lang))
        return error.exit_code
    except KeyboardInterrupt:
        ctx.error("Afbrudt." if lang == "da" else "Cancelled.")
        return 130
    except AssistError as error:
        ctx.error(error.message(lang))
        return error.exit_code
    except Exception as error:  # never a traceback for a user; the type is enough for IT
        log.debug("unexpected error", exc_info=True)
        if os.environ.get("ASSIST_DEBUG"):
            raise
        ctx.error(AssistError(INTERNAL, kind=type(error).__name__).message(lang))
        return 1


def parse_language_or_default(value: str | None) -> Language:
    try:
        return parse_language(value)
    except AssistError:
        return "da"
