"""`assist audit verify|show`: the hash-chained audit trail (what happened, never what was said)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from assist.cli.context import CliContext, Subparsers
from assist.errors import AssistError

if TYPE_CHECKING:
    from assist.store.cases import CaseStore


def register(subparsers: Subparsers) -> None:
    audit = subparsers.add_parser("audit", help="revisionsspor / audit trail")
    commands = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = commands.add_parser("verify", help="kontrollér kæden / verify the chain")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=_verify)
    show = commands.add_parser("show", help="vis hændelser / list events")
    show.add_argument("--case", metavar="ID", help="kun én sag / one case only")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)


def _store(ctx: CliContext) -> CaseStore:
    from assist.store.session import open_store_for_cli

    return open_store_for_cli(ctx.lang)


def _verify(args: argparse.Namespace, ctx: CliContext) -> int:
    with _store(ctx) as store:
        report = store.verify_audit()
    if args.json:
        ctx.print_json(report.to_dict())
    elif report.ok:
        ctx.say(
            f"Revisionssporet er intakt ({report.events} hændelser).",
            f"The audit trail is intact ({report.events} events).",
        )
    else:
        ctx.error(
            f"REVISIONSSPORET ER BRUDT ({report.events} hændelser): " + ", ".join(report.problems)
            if ctx.lang == "da"
            else f"THE AUDIT TRAIL IS BROKEN ({report.events} events): "
            + ", ".join(report.problems)
        )
    return 0 if report.ok else 3


def _show(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.store.base import CASE_NOT_FOUND

    with _store(ctx) as store:
        # A deleted case's id no longer resolves, but its events stay: accept the id as typed.
        case_id = args.case
        if case_id is not None:
            try:
                case_id = store.resolve_case_id(case_id)
            except AssistError as error:
                if error.msg != CASE_NOT_FOUND:
                    raise  # several cases start with what was typed
                case_id = case_id.strip().lower()
                if not case_id or not store.audit_events(case_id):
                    raise  # never a case, not even a deleted one: say so
        events = store.audit_events(case_id)
    if args.json:
        ctx.print_json([e.to_dict() for e in events])
        return 0
    for event in events:
        details = " ".join(f"{k}={v}" for k, v in sorted(event.payload.items()))
        ctx.print(
            f"{event.seq:>5}  {event.at}  {event.case_id or '-':<12}  {event.event}  {details}"
        )
    return 0
