"""`assist retention run [--now ISO-8601]`: delete what the retention policy says is due."""

from __future__ import annotations

import argparse

from assist.cli.argtypes import iso_time
from assist.cli.context import CliContext, Subparsers


def register(subparsers: Subparsers) -> None:
    retention = subparsers.add_parser("retention", help="sletteregler / retention")
    commands = retention.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    run = commands.add_parser("run", help="slet det der er forfaldent / delete what is due")
    run.add_argument(
        "--now", type=iso_time, metavar="ISO-8601", help="som om klokken var / as if it were"
    )
    run.add_argument("--json", action="store_true")
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.jobs.events import run
    from assist.jobs.retention import retention_job
    from assist.settings.rules import configured_retention
    from assist.store.session import open_store_for_cli

    now = args.now  # a datetime (argtypes.iso_time) or None
    with open_store_for_cli(ctx.lang) as store:
        report = run(retention_job(store, configured_retention(), now))
    if args.json:
        ctx.print_json(report.to_dict())
    else:
        ctx.say(
            f"Lyd slettet fra {report.audio_deleted} optagelse(r); "
            f"{report.cases_purged_unsigned} uunderskrevne og "
            f"{report.cases_purged_exported} eksporterede sag(er) slettet.",
            f"Audio deleted from {report.audio_deleted} recording(s); "
            f"{report.cases_purged_unsigned} unsigned and "
            f"{report.cases_purged_exported} exported case(s) deleted.",
        )
    if report.cases_skipped_recording:
        ctx.warn(
            f"{report.cases_skipped_recording} sag(er) optages lige nu og blev ikke slettet; "
            "de er ladt urørt til en senere kørsel.",
            f"{report.cases_skipped_recording} case(s) are being recorded right now and were "
            "not deleted; they are left for a later run.",
        )
    return 0
