"""`assist retention run [--now ISO-8601]`: delete what the retention policy says is due."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from assist.cli.context import CliContext
from assist.errors import EXIT_USAGE, AssistError, Msg

BAD_NOW = Msg(
    "store.bad_now",
    da="'{value}' er ikke et tidspunkt i ISO 8601 (fx 2026-12-01T09:00:00+01:00).",
    en="'{value}' is not an ISO 8601 time (e.g. 2026-12-01T09:00:00+01:00).",
    exit_code=EXIT_USAGE,
)


def register(subparsers: Any) -> None:
    retention = subparsers.add_parser("retention", help="sletteregler / retention")
    commands = retention.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    run = commands.add_parser("run", help="slet det der er forfaldent / delete what is due")
    run.add_argument("--now", metavar="ISO-8601", help="som om klokken var / as if it were")
    run.add_argument("--json", action="store_true")
    run.set_defaults(handler=_run)


def _parse_now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise AssistError(BAD_NOW, value=value) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _run(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.store.retention import RetentionPolicy, apply_retention
    from assist.store.session import open_store_for_cli

    now = _parse_now(args.now)
    with open_store_for_cli(ctx.lang) as store:
        report = apply_retention(store, RetentionPolicy(), now)
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
    return 0
