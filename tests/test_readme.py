"""The README stays true: every command it shows exists, and so do the make targets it names."""

from __future__ import annotations

import argparse
import re

from conftest import REPO

from assist.cli import build_parser

README = (REPO / "README.md").read_text(encoding="utf-8")


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_every_assist_command_in_the_readme_exists() -> None:
    commands = _subcommands(build_parser())
    shown = re.findall(r"^\s+assist ([a-z]+)(?: ([a-z]+))?", README, flags=re.MULTILINE)
    assert len(shown) > 20
    for command, action in shown:
        assert command in commands, f"README shows 'assist {command}', which does not exist"
        actions = _subcommands(commands[command])
        if actions and action:
            assert action in actions, f"README shows 'assist {command} {action}'"


def test_the_two_set_up_commands_are_make_targets() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for target in ("run", "test"):
        assert f"make {target}" in README
        assert re.search(rf"^{target}:", makefile, flags=re.MULTILINE)
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
