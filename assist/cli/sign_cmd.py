"""`assist sign ID --signer NAME [--acknowledge FLAG_ID ... | --acknowledge-all]`.

Signs the case's working note (SIGN's rules: a real full name, every flag fixed or acknowledged,
a professional assessment unless `--no-assessment`), stores it as the next version and then runs
the retention policy, which by default deletes the case's audio once the note is signed.
"""

from __future__ import annotations

import argparse
from typing import Literal

from assist.cli.context import CliContext, Subparsers


def register(subparsers: Subparsers) -> None:
    sign = subparsers.add_parser("sign", help="underskriv notatet / sign the note")
    sign.add_argument("case_id", metavar="ID")
    sign.add_argument(
        "--signer",
        default="",
        metavar="NAME",
        help="dit fulde navn / your full name (IT may set it: setting signer_name_source)",
    )
    which = sign.add_mutually_exclusive_group()
    which.add_argument(
        "--acknowledge",
        action="extend",
        nargs="+",
        default=[],
        metavar="FLAG_ID",
        help="kvittér for markeringer du har tjekket / acknowledge flags you checked",
    )
    which.add_argument(
        "--acknowledge-all",
        action="store_true",
        help="kvittér for alle markeringer / acknowledge every flag",
    )
    sign.add_argument(
        "--no-assessment",
        action="store_true",
        help="notatet har bevidst ingen faglig vurdering / the note has no assessment on purpose",
    )
    sign.set_defaults(handler=_sign)


def acknowledged_ids(values: list[str], everything: bool) -> set[str] | Literal["all"]:
    """`--acknowledge f1 f2`, `--acknowledge f1,f2` and repeated options all work."""
    if everything:
        return "all"
    return {part.strip() for value in values for part in value.split(",") if part.strip()}


def _sign(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.casework import load_case_note, sign_case
    from assist.cli.note_cmd import print_flags
    from assist.errors import AssistError
    from assist.signoff.sign import OPEN_FLAGS
    from assist.signoff.statement import danish_time
    from assist.store.session import open_store_for_cli

    acknowledged = acknowledged_ids(args.acknowledge, args.acknowledge_all)
    with open_store_for_cli(ctx.lang) as store:
        case_id = store.resolve_case_id(args.case_id)
        try:
            outcome = sign_case(
                store,
                case_id,
                args.signer,
                acknowledged,
                allow_empty_assessment=args.no_assessment,
            )
        except AssistError as error:
            if error.msg != OPEN_FLAGS:
                raise
            ctx.error(error.message(ctx.lang))
            current = load_case_note(store, case_id)
            still_open = tuple(
                f
                for f in current.open_flags
                if acknowledged != "all" and f.flag_id not in acknowledged
            )
            print_flags(still_open, ctx, stream=ctx.stderr)
            return error.exit_code
    signed = outcome.signed
    ctx.say(
        f"Notatet er underskrevet af {signed.signer} (version {outcome.version}, "
        f"{danish_time(signed.signed_at_local)}).",
        f"The note was signed by {signed.signer} (version {outcome.version}, "
        f"{signed.signed_at_local}).",
    )
    if signed.flag_resolutions:
        fixed = sum(r.resolution == "fixed" for r in signed.flag_resolutions)
        acknowledged_count = len(signed.flag_resolutions) - fixed
        ctx.say(
            f"Markeringer: {fixed} rettet, {acknowledged_count} kvitteret.",
            f"Flags: {fixed} fixed, {acknowledged_count} acknowledged.",
        )
    ctx.say(f"Tekstens SHA-256: {signed.text_sha256}", f"Text SHA-256: {signed.text_sha256}")
    ctx.say(
        f"Eksportér det med 'assist export {case_id} --docx FIL'.",
        f"Export it with 'assist export {case_id} --docx FILE'.",
    )
    if outcome.retention is not None:
        if outcome.retention.audio_deleted:
            ctx.say(
                f"Lyd slettet efter sletteregler: {outcome.retention.audio_deleted} optagelse(r).",
                f"Audio deleted by the retention policy: "
                f"{outcome.retention.audio_deleted} recording(s).",
            )
    elif outcome.retention_error is not None:
        ctx.error(outcome.retention_error.message(ctx.lang))
        ctx.say(
            "Sletning af lyd lykkedes ikke nu; den sker ved næste start eller "
            "'assist retention run'.",
            "Deleting the audio did not succeed now; it happens at the next start or with "
            "'assist retention run'.",
        )
    return 0
