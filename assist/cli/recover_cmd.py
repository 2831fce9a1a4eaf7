"""`assist recover`: keep what a crash left of interrupted recordings, and say what was found."""

from __future__ import annotations

import argparse

from assist.cli.context import CliContext, Subparsers


def register(subparsers: Subparsers) -> None:
    recover = subparsers.add_parser(
        "recover", help="red afbrudte optagelser / recover interrupted recordings"
    )
    recover.add_argument("--json", action="store_true")
    recover.set_defaults(handler=_recover)


def _recover(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.store.recover import recover_recordings
    from assist.store.session import open_store_for_cli

    with open_store_for_cli(ctx.lang) as store:
        found = recover_recordings(store)
    if args.json:
        ctx.print_json([r.to_dict() for r in found])
        return 0
    if not found:
        ctx.say("Ingen afbrudte optagelser.", "No interrupted recordings.")
    for item in found:
        problem = item.problem or "-"
        if item.action == "deleted_orphan":
            ctx.say(
                f"{item.recording_id}: hører ikke længere til en sag (nøglen er slettet); "
                "filen er slettet.",
                f"{item.recording_id}: no longer belongs to a case (its key is gone); "
                "the file was deleted.",
            )
        else:
            ctx.say(
                f"{item.recording_id} (sag {item.case_id}): {item.duration_s:.1f} s bevaret, "
                f"markeret ufuldstændig ({problem}).",
                f"{item.recording_id} (case {item.case_id}): {item.duration_s:.1f} s kept, "
                f"marked incomplete ({problem}).",
            )
    return 0
