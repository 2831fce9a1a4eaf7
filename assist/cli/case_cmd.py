"""`assist case new|list|show|consent|note|delete`: the encrypted case store from the command line.

`case note ID TEXT --at 01:05` adds a note the caseworker typed during the meeting, at that time
of the recording (without --at: at the end of what is recorded so far); the drafters cite it as
a note of its own, never as something the citizen said.

`case delete` asks first, on a terminal, showing the full id, the title and what would be lost;
scripts pass `--yes` with the full id. Without a terminal and without `--yes` it refuses.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from assist.cli.argtypes import case_title, note_type, recording_time
from assist.cli.context import CliContext, Subparsers
from assist.errors import EXIT_FAILURE, EXIT_USAGE, AssistError, Msg

if TYPE_CHECKING:
    from assist.store.cases import CaseStore, DeletionImpact

DELETE_NEEDS_CONFIRMATION = Msg(
    "case.delete_needs_confirmation",
    da="Sletning af en sag kan ikke fortrydes og skal bekræftes. Kør kommandoen i en terminal "
    "for at blive spurgt, eller tilføj --yes med sagens fulde id (i scripts). Intet er slettet.",
    en="Deleting a case cannot be undone and must be confirmed. Run the command in a terminal "
    "to be asked, or add --yes with the case's full id (in scripts). Nothing was deleted.",
    exit_code=EXIT_USAGE,
)
DELETE_NEEDS_FULL_ID = Msg(
    "case.delete_needs_full_id",
    da="Med --yes skal sagens fulde id (12 tegn) angives, ikke kun '{case_id}'. Intet er slettet.",
    en="With --yes give the case's full id (12 characters), not just '{case_id}'. Nothing was "
    "deleted.",
    exit_code=EXIT_USAGE,
)
DELETE_DECLINED = Msg(
    "case.delete_declined",
    da="Sletningen er afbrudt; intet er slettet.",
    en="Deletion cancelled; nothing was deleted.",
    exit_code=EXIT_FAILURE,
)
_YES = ("ja", "j", "yes", "y")


def register(subparsers: Subparsers) -> None:
    case = subparsers.add_parser("case", help="sager / cases (encrypted case store)")
    commands = case.add_subparsers(dest="case_command", metavar="ACTION", required=True)

    new = commands.add_parser("new", help="opret en sag / create a case (prints its id)")
    new.add_argument("--title", type=case_title, default=None, help="titel / title")
    new.add_argument(
        "--consent",
        choices=["given", "refused", "not-asked"],
        default="not-asked",
        help="samtykke til optagelse / consent to recording",
    )
    new.add_argument("--consent-by", metavar="NAME", help="hvem gav samtykke / who consented")
    new.add_argument(
        "--note-type", type=note_type, default="", metavar="ID", help="notattype (skabelon-id)"
    )
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

    note = commands.add_parser(
        "note", help="tilføj et notat skrevet under mødet / add a note typed during the meeting"
    )
    note.add_argument("case_id", metavar="ID")
    note.add_argument("text", metavar="TEXT")
    note.add_argument(
        "--at",
        type=recording_time,
        default=None,
        metavar="TIME",
        help="tidspunkt i optagelsen, fx 01:05 / time in the recording, e.g. 01:05",
    )
    note.set_defaults(handler=_note)

    delete = commands.add_parser("delete", help="slet en sag for altid / delete a case for good")
    delete.add_argument("case_id", metavar="ID")
    delete.add_argument(
        "--yes",
        action="store_true",
        help="spørg ikke; kræver det fulde id / do not ask; needs the full id (scripts)",
    )
    delete.set_defaults(handler=_delete)


def _store(ctx: CliContext) -> CaseStore:
    from assist.store.session import open_store_for_cli

    return open_store_for_cli(ctx.lang)


def _new(args: argparse.Namespace, ctx: CliContext) -> int:
    with _store(ctx) as store:
        case_id = store.create_case(
            title=args.title or "",
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
        if case.damaged:  # changed beside Assist: every command on it refuses (audit verify)
            ctx.say(
                f"{case.case_id}  BESKADIGET ({case.damaged}): bruges ikke; kontakt IT",
                f"{case.case_id}  DAMAGED ({case.damaged}): not used; contact IT",
            )
            continue
        ctx.print(f"{case.case_id}  {case.state:<8}  {case.created_at}  {case.title}")
    return 0


def _show(args: argparse.Namespace, ctx: CliContext) -> int:
    with _store(ctx) as store:
        case = store.get_case(store.resolve_case_id(args.case_id))
        withdrawal = store.consent_withdrawal(case.case_id)
        store_notes = store.meeting_notes(case.case_id)
    if args.json:
        ctx.print_json(
            {
                **case.to_dict(),
                "consent_withdrawal": withdrawal.to_dict() if withdrawal else None,
                "meeting_notes": len(store_notes),
            }
        )
        return 0
    yes_no = {True: ("ja", "yes"), False: ("nej", "no")}
    states_da = {"draft": "kladde", "signed": "underskrevet", "exported": "eksporteret"}
    recording_da = {
        "recording": "optager",
        "stopped": "stoppet",
        "recovered": "genskabt",
        "deleted": "lyd slettet",
    }
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
    if withdrawal is not None:
        ctx.say(
            f"  samtykket blev trukket tilbage {withdrawal.at}: lyd fra "
            f"{withdrawal.recordings_deleted} optagelse(r), {withdrawal.segments_deleted} "
            f"segment(er) af transskriptionen og {withdrawal.sentences_removed} sætning(er) i "
            "udkastet, der byggede på dem, er slettet",
            f"  consent was withdrawn {withdrawal.at}: audio of {withdrawal.recordings_deleted} "
            f"recording(s), {withdrawal.segments_deleted} transcript segment(s) and "
            f"{withdrawal.sentences_removed} draft sentence(s) resting on them were deleted",
        )
    ctx.say(
        f"  oprettet: {case.created_at}, ændret: {case.updated_at}",
        f"  created: {case.created_at}, changed: {case.updated_at}",
    )
    notes = len(store_notes)
    if notes:
        ctx.say(f"  notater under mødet: {notes}", f"  notes typed during the meeting: {notes}")
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
            withdrawal = store.consent_withdrawal(case_id)
            segments = withdrawal.segments_deleted if withdrawal else 0
            sentences = withdrawal.sentences_removed if withdrawal else 0
            ctx.say(
                f"Samtykke trukket tilbage; lyd fra {deleted} optagelse(r), {segments} "
                f"segment(er) af transskriptionen og {sentences} sætning(er) i udkastet er "
                "slettet. Skrevne noter og dine egne sætninger er bevaret.",
                f"Consent withdrawn; audio of {deleted} recording(s), {segments} transcript "
                f"segment(s) and {sentences} draft sentence(s) deleted. Typed notes and your "
                "own sentences are kept.",
            )
        else:
            store.set_consent(case_id, args.status, args.by)
            ctx.say(f"Samtykke registreret: {args.status}.", f"Consent recorded: {args.status}.")
    return 0


def _note(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.transcript import format_time

    with _store(ctx) as store:
        case_id = store.resolve_case_id(args.case_id)
        at_s = args.at
        if at_s is None:
            at_s = sum(r.duration_s for r in store.recordings(case_id))
        added = store.add_meeting_note(case_id, at_s, args.text)
    stamp = format_time(added.at_s)
    ctx.say(
        f"Notat {added.note_id} tilføjet ved {stamp}.", f"Note {added.note_id} added at {stamp}."
    )
    return 0


def _delete(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.store.recordings import CASE_BEING_RECORDED

    typed = args.case_id.strip().lower()
    with _store(ctx) as store:
        case_id = store.resolve_case_id(typed)
        if args.yes and typed != case_id:
            raise AssistError(DELETE_NEEDS_FULL_ID, case_id=typed)
        impact = store.deletion_impact(case_id)
        if impact.being_recorded:
            raise AssistError(CASE_BEING_RECORDED, case_id=case_id)
        if not args.yes:
            if not sys.stdin.isatty():
                raise AssistError(DELETE_NEEDS_CONFIRMATION)
            if not _confirmed(ctx, impact):
                raise AssistError(DELETE_DECLINED)
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


def _confirmed(ctx: CliContext, impact: DeletionImpact) -> bool:
    """Show what would be lost and ask; True only for a typed yes ("ja"/"yes")."""
    case = impact.case
    lines = [
        (
            f'Sagen {case.case_id} "{case.title}" slettes for altid. Det kan ikke fortrydes. '
            "Dette forsvinder:",
            f'The case {case.case_id} "{case.title}" will be deleted for good. This cannot be '
            "undone. This is lost:",
        ),
        (
            "  - sagens oplysninger (titel, deltagere, samtykke)",
            "  - the case's details (title, participants, consent)",
        ),
    ]
    if impact.recordings_with_audio:
        lines.append(
            (
                f"  - lyd fra {impact.recordings_with_audio} optagelse(r) ({impact.audio_s:.0f} s)",
                f"  - audio of {impact.recordings_with_audio} recording(s) "
                f"({impact.audio_s:.0f} s)",
            )
        )
    if impact.transcript_segments:
        lines.append(
            (
                f"  - transskriptionen ({impact.transcript_segments} segmenter)",
                f"  - the transcript ({impact.transcript_segments} segments)",
            )
        )
    if impact.has_draft:
        lines.append(("  - udkastet til notatet", "  - the draft of the note"))
    if impact.signed_not_exported:
        lines.append(
            (
                f"  - et UNDERSKREVET notat ({impact.signed_versions} version(er)), som ALDRIG "
                "er eksporteret til sagssystemet",
                f"  - a SIGNED note ({impact.signed_versions} version(s)) that was NEVER "
                "exported to the case system",
            )
        )
    elif impact.signed_versions:
        lines.append(
            (
                f"  - det underskrevne notat ({impact.signed_versions} version(er); eksporteret)",
                f"  - the signed note ({impact.signed_versions} version(s); exported)",
            )
        )
    lines.append(("Skriv 'ja' for at slette: ", "Type 'yes' to delete: "))
    text = "\n".join(en if ctx.lang == "en" else da for da, en in lines)
    ctx.stderr.write(text)
    ctx.stderr.flush()
    answer = sys.stdin.readline()
    if not answer.endswith("\n"):
        ctx.stderr.write("\n")
    return answer.strip().lower() in _YES
