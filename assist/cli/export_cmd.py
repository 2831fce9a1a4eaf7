"""`assist export ID --docx PATH [--letterhead FILE] [--txt PATH]`: the signed note as files.

Only a signed note whose text still matches its hash is exported; each file is written whole or
not at all, and every written file is audited (format and the file's SHA-256). The letterhead
defaults to the `letterhead` setting (IT policy, the machine default, or ASSIST_LETTERHEAD).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from assist.cli.context import CliContext, Subparsers
from assist.errors import EXIT_USAGE, AssistError, Msg

LETTERHEAD_WITHOUT_DOCX = Msg(
    "casework.letterhead_without_docx",
    da="--letterhead bruges kun sammen med --docx.",
    en="--letterhead is only used together with --docx.",
    exit_code=EXIT_USAGE,
)


def register(subparsers: Subparsers) -> None:
    export = subparsers.add_parser(
        "export", help="gem det underskrevne notat / save the signed note (DOCX, TXT)"
    )
    export.add_argument("case_id", metavar="ID")
    export.add_argument("--docx", type=Path, metavar="PATH", help="Word-fil / Word file")
    export.add_argument("--txt", type=Path, metavar="PATH", help="tekstfil / plain text file")
    export.add_argument(
        "--letterhead",
        type=Path,
        metavar="FILE",
        help="brevpapir (.docx/.dotx) / letterhead; default: the letterhead setting",
    )
    export.set_defaults(handler=_export)


def letterhead_for(args: argparse.Namespace) -> Path | None:
    if args.letterhead is not None:
        if args.docx is None:
            raise AssistError(LETTERHEAD_WITHOUT_DOCX)
        return Path(args.letterhead)
    from assist.settings import load_settings

    configured = load_settings().path("letterhead")
    return configured if configured is not None and args.docx is not None else None


def _export(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.casework import export_case, load_case_note
    from assist.fsutil import output_target
    from assist.store.session import open_store_for_cli

    letterhead = letterhead_for(args)
    for target in (args.docx, args.txt):
        if target is not None:
            output_target(target)  # a device, FIFO or socket: refused before either file is written
    with open_store_for_cli(ctx.lang) as store:
        case_id = store.resolve_case_id(args.case_id)
        files = export_case(
            store, case_id, docx_path=args.docx, txt_path=args.txt, letterhead=letterhead
        )
        current = load_case_note(store, case_id)
    version = current.signed.version if current.signed else 0
    for exported in files:
        where = exported.path.resolve()
        ctx.say(
            f"Notatet (version {version}) er gemt som {exported.export_format.upper()}: {where}",
            f"The note (version {version}) was saved as {exported.export_format.upper()}: {where}",
        )
    if current.editing:
        ctx.say(
            f"Bemærk: rettelserne til version {current.version} er ikke underskrevet og ikke med.",
            f"Note: the changes for version {current.version} are not signed and not included.",
        )
    return 0
