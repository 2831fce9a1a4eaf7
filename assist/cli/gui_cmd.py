"""`assist gui`: the desktop app (PySide6, in `ui/`). The core stays Qt-free: the app is
imported only when this command runs."""

from __future__ import annotations

import argparse
import importlib

from assist.cli.context import CliContext, Subparsers


def register(subparsers: Subparsers) -> None:
    gui = subparsers.add_parser("gui", help="åbn Assists vindue / open the desktop app")
    gui.add_argument("--demo", action="store_true", help="demo-data med en demosag / demo case")
    gui.add_argument("--screenshot", metavar="PATH", help="gem en visning som PNG / save a PNG")
    gui.add_argument(
        "--view",
        default="cases",
        choices=(
            "cases",
            "record",
            "notes",
            "transcript",
            "draft",
            "sign",
            "settings",
            "about",
            "dictation",
        ),
    )
    gui.add_argument("--high-contrast", action="store_true", help="høj kontrast / high contrast")
    gui.add_argument("--dictation", action="store_true", help="diktat / dictation window")
    gui.set_defaults(handler=_gui)


def _gui(args: argparse.Namespace, ctx: CliContext) -> int:
    argv = ["--view", args.view, "--lang", ctx.lang]
    if args.demo:
        argv.append("--demo")
    if args.screenshot:
        argv += ["--screenshot", args.screenshot]
    if args.high_contrast:
        argv.append("--high-contrast")
    if args.dictation:
        argv.append("--dictation")
    app = importlib.import_module("ui.app")
    code: int = app.main(argv)
    return code
