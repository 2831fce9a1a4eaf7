"""The `assist` command. Each `assist/cli/*_cmd.py` module adds its own subcommands.

A command module provides `register(subparsers) -> None`, which adds one or more parsers and sets
`handler=<function(args, ctx) -> int>` on each. Imports of heavy libraries stay inside handlers so
that `assist --help` is instant. An option's `type=` may raise AssistError (see `argtypes.py`):
it is shown as one line in the user's language with its exit code.

Before every command, what killed writers left in the data folder (and the temporaries of killed
exports it has notes of) is removed, and writes outside it are noted while the command runs
(`assist.fsutil.clean_after_crash`, `tracking_outputs`). A closed stdout (`assist case list |
head -1`) ends the command quietly with exit code 141 (128 + SIGPIPE), like other tools.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import pkgutil
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assist import __version__, netguard
from assist.cli.context import CliContext, OutputClosed, clean_for
from assist.engines.child import disable_core_dumps
from assist.errors import INTERNAL, AssistError, Cancelled, Language, parse_language
from assist.settings import environment

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

log = logging.getLogger("assist")

EXIT_BROKEN_PIPE = 141


class _Parser(argparse.ArgumentParser):
    """No abbreviated options: `--lang` must never be taken for `--language`.

    `allow_abbrev` is always False, for this parser and its subparsers (argparse makes them with
    `type(parser)(**kwargs)`); what `ArgumentParser.__init__` assigns to it is ignored.
    """

    @property
    def allow_abbrev(self) -> bool:
        return False

    @allow_abbrev.setter
    def allow_abbrev(self, _value: bool) -> None:
        pass

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        # argparse echoes what was typed ("invalid choice: '...'"): no raw control characters.
        if message:
            stream = file or sys.stderr
            super()._print_message(clean_for(stream, message), stream)


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
        "--lang",
        help="sprog for beskeder / message language: da (default) or en (setting ui_language)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.endswith("_cmd"):
            module = importlib.import_module(f"{__name__}.{module_info.name}")
            module.register(subparsers)
    return parser


def configured_language() -> Language:
    """The `ui_language` setting (policy, ASSIST_LANG, the user's choice, or Danish)."""
    from assist.settings import load_settings

    return "en" if load_settings().text("ui_language") == "en" else "da"


def main(argv: Sequence[str] | None = None) -> int:
    # Nothing in Assist may reach a network; any library that tries fails fast instead.
    netguard.install()
    disable_core_dumps()  # a core file of Assist would hold what citizens said, in plain text
    argv, lang_option = _pop_lang(list(sys.argv[1:] if argv is None else argv))
    configured = configured_language()
    try:
        lang = parse_language(lang_option) if lang_option else configured
    except AssistError as error:
        print(clean_for(sys.stderr, error.message(configured)), file=sys.stderr)
        return error.exit_code
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except AssistError as error:
        print(clean_for(sys.stderr, error.message(lang)), file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:  # `assist --help | head -1`
        return _quiet_exit_after_broken_pipe()
    ctx = CliContext(lang=lang, stdout=sys.stdout, stderr=sys.stderr)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        with _housekeeping():
            code = int(handler(args, ctx))
        ctx.flush()  # short output meets a closed pipe only here
        return code
    except OutputClosed:
        return _quiet_exit_after_broken_pipe()
    except BrokenPipeError as error:  # from a direct write to stdout, or from something else
        if _stdout_closed():
            return _quiet_exit_after_broken_pipe()
        return _internal_error(ctx, lang, error)
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
        return _internal_error(ctx, lang, error)


def _internal_error(ctx: CliContext, lang: Language, error: Exception) -> int:
    log.debug("unexpected error", exc_info=True)
    if environment.debug():
        raise error
    ctx.error(AssistError(INTERNAL, kind=type(error).__name__).message(lang))
    return 1


@contextlib.contextmanager
def _housekeeping() -> Iterator[None]:
    """Remove what killed writers left, then note this command's writes outside the data folder
    so that a kill now is cleaned up at the next start. Never fails a command: a data folder
    that cannot be used is reported by the command that needs it."""
    from assist import fsutil
    from assist.paths import data_dir

    directory: Path | None
    try:
        directory = data_dir()
    except AssistError:
        directory = None
    if directory is not None and directory.is_dir():
        fsutil.clean_after_crash(directory)
    else:
        directory = None
    with fsutil.tracking_outputs(directory):
        yield


def _stdout_closed() -> bool:
    """Whether stdout's reader is gone (a pipe's write end with the read end closed reports
    POLLERR); a BrokenPipeError from an engine worker's pipe is not the user's pipe."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll (Windows), or no real stdout
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            return True
        return False


def _quiet_exit_after_broken_pipe() -> int:
    # Python would report the unflushable stdout once more at exit: send what is left nowhere.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return EXIT_BROKEN_PIPE

