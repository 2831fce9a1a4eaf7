"""`assist case new|list|show|consent|delete`: the encrypted case store from the command line."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from assist.cli.context import CliContext

if TYPE_CHECKING:
    from assist.store.cases import CaseStore


def register(subparsers: Any) -> None:
    case = subparsers.add_parser("case", help="sager / cases (encrypted case store)")
    commands = case.add_subparsers(dest="case_command", metavar="ACTION", required=True)

    new = commands.add_parser("new", help="opret en sag / create a case (prints its id)")
    new.add_argument("--title", default="", help="titel / title")
    new.add_argument(
        "--consent",
        choices=["given", "refused", "not-asked"],
        default="not-asked",
        help="samtykke til optagelse / consent to recording",
    )
    new.add_argument("--consent-by", metavar="NAME", help="hvem gav samtykke / who consented")
    new.add_argument("--note-type", default="", metavar="ID", help="notattype (skabelon-id)")
    new.add_argument(
        "--participant",
        action="append",
        default=[],
        metavar="NAME",
        help="deltager (kan gentages) / participant (repeatable)",
    )
    new.add_argument("--json", action="store_true")
    new.set_defaults(handler=_new)

    listing = commands.add_parser("list", help="vis sager / list cases")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)

    show = commands.add_parser("show", help="vis en sag / show a case")
    show.add_argument("case_id", metavar="ID")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)

    consent = commands.add_parser("consent", help="registrér samtykke / record consent")
    consent.add_argument("case_id", metavar="ID")
    which = consent.add_mutually_exclusive_group(required=True)
    for flag in ("given", "refused", "not-asked", "withdrawn"):
        which.add_argument(f"--{flag}", dest="status", action="store_const", const=flag)
    consent.add_argument("--by", metavar="NAME", help="hvem / who")
    consent.set_defaults(handler=_consent)

    delete = commands.add_parser("delete", help="slet en sag for altid / delete a case for good")
    delete.add_argument("case_id", metavar="ID")
    delete.set_defaults(handler=_delete)


def _store(ctx: CliContext) -> CaseStore:
    from assist.store.session import open_store_for_cli

    return open_store_for_cli(ctx.lang)


def _new(args: argparse.Namespace, ctx: CliContext) -> int:
    with _store(ctx) as store:
        case_id = store.create_case(
            title=args.title,
            note_type=args.note_type,
            participants=args.participant,
            consent=args.consent,
            consent_by=args.consent_by,
        )
        if args.json:
            ctx.print_json(store.get_case(case_id).to_dict())
        else:
            ctx.print(case_id)
    return 0


def _list(args: argparse.Namespace, ctx: CliContext) -> int:
    with _store(ctx) as store:
        cases = store.list_cases()
    if args.json:
        ctx.print_json([c.to_dict() for c in cases])
        return 0
    if not cases:
        ctx.say("Ingen sager.", "No cases.")
    for case in cases:
        ctx.print(f"{case.case_id}  {case.state:<8}  {case.created_at}  {case.title}")
    return 0


def _show(args: argparse.Namespace, ctx: CliContext) -> int:
    with _store(ctx) as store:
        case = store.get_case(store.resolve_case_id(args.case_id))
    if args.json:
        ctx.print_json(case.to_dict())
        return 0
    yes_no = {True: ("ja", "yes"), False: ("nej", "no")}
    states_da = {"draft": "kladde", "signed": "underskrevet", "exported": "eksporteret"}
    recording_da = {"recording": "optager", "stopped": "stoppet", "recovered": "genskabt"}
    consent_da = {
        "given": "givet",
        "refused": "afvist",
        "not-asked": "ikke spurgt",
        "withdrawn": "trukket tilbage",
    }
    consent_by = f" ({case.consent.by})" if case.consent.by else ""
    ctx.print(f"{case.case_id}  {case.title}")
    ctx.say(f"  tilstand: {states_da.get(case.state, case.state)}", f"  state: {case.state}")
    ctx.say(f"  notattype: {case.note_type or '-'}", f"  note type: {case.note_type or '-'}")
    if case.participants:
        names = ", ".join(case.participants)
        ctx.say(f"  deltagere: {names}", f"  participants: {names}")
    ctx.say(
        f"  samtykke: {consent_da.get(case.consent.status, case.consent.status)}{consent_by}",
        f"  consent: {case.consent.status}{consent_by}",
    )
    ctx.say(
        f"  oprettet: {case.created_at}, ændret: {case.updated_at}",
        f"  created: {case.created_at}, changed: {case.updated_at}",
    )
    for name, value in (
        ("transskription/transcript", case.has_transcript),
        ("udkast/draft", case.has_draft),
        ("underskrevet/signed note", case.has_signed_note),
    ):
        da, en = name.split("/")
        ctx.say(f"  {da}: {yes_no[value][0]}", f"  {en}: {yes_no[value][1]}")
    for rec in case.recordings:
        whole = ("hel", "complete") if rec.complete else ("ufuldstændig", "incomplete")
        ctx.say(
            f"  optagelse {rec.recording_id}: {rec.duration_s:.1f} s, {whole[0]}, "
            f"{recording_da.get(rec.state, rec.state)}",
            f"  recording {rec.recording_id}: {rec.duration_s:.1f} s, {whole[1]}, {rec.state}",
        )
    return 0


def _consent(args: argparse.Namespace, ctx: CliContext) -> int:
    with _store(ctx) as store:
        case_id = store.resolve_case_id(args.case_id)
        if args.status == "withdrawn":
            deleted = store.withdraw_consent(case_id, args.by)
            ctx.say(
                f"Samtykke trukket tilbage; lyd fra {deleted} optagelse(r) er slettet.",
                f"Consent withdrawn; audio of {deleted} recording(s) deleted.",
            )
        else:
            store.set_consent(case_id, args.status, args.by)
            ctx.say(f"Samtykke registreret: {args.status}.", f"Consent recorded: {args.status}.")
    return 0


def _delete(args: argparse.Namespace, ctx: CliContext) -> int:
    with _store(ctx) as store:
        case_id = store.resolve_case_id(args.case_id)
        erased = store.delete_case(case_id)
    ctx.say(f"Sagen {case_id} er slettet for altid.", f"The case {case_id} is deleted for good.")
    if not erased:
        ctx.say(
            "Et andet Assist-vindue holder databasen åben; de krypterede rester fjernes helt, "
            "når det lukkes.",
            "Another Assist window holds the database open; the encrypted remains are removed "
            "completely when it closes.",
        )
    return 0
