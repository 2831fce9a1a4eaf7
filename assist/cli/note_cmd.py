"""`assist note show|edit`: read and correct a case's note before (or after) signing.

The note is shown and edited in SIGN's editable text format (one "## Title [#id]" marker line
per section). `note show` lists the draft's flags after the text; `--text-only` prints just the
text, ready for an editor and `note edit --file`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from assist.cli.context import CliContext, Subparsers
from assist.errors import EXIT_USAGE, AssistError, Msg

if TYPE_CHECKING:
    from assist.casework import CaseNote, FlagView

# The line that starts the flag list in `note show`; an edited file that contains it is refused,
# because everything after the last marker would otherwise become section text.
FLAGS_HEADING = {"da": "#### Markeringer i udkastet", "en": "#### Flags in the draft"}
RESOLUTION_WORDS = {
    "da": {"open": "åben", "fixed": "rettet", "acknowledged": "kvitteret"},
    "en": {"open": "open", "fixed": "fixed", "acknowledged": "acknowledged"},
}

EDIT_INPUT_UNREADABLE = Msg(
    "casework.edit_input_unreadable",
    da="Filen '{path}' findes ikke eller kan ikke læses.",
    en="The file '{path}' does not exist or cannot be read.",
)
EDIT_INPUT_NOT_TEXT = Msg(
    "casework.edit_input_not_text",
    da="Den rettede tekst i '{path}' er ikke tekst i UTF-8.",
    en="The edited text in '{path}' is not UTF-8 text.",
)
EDIT_INPUT_HAS_FLAG_LIST = Msg(
    "casework.edit_input_has_flag_list",
    da="Den rettede tekst indeholder markeringslisten fra 'assist note show'. Hent teksten med "
    "'assist note show ID --text-only', og ret i den.",
    en="The edited text contains the flag list from 'assist note show'. Get the text with "
    "'assist note show ID --text-only' and edit that.",
)
EDIT_HOW = Msg(
    "casework.edit_how",
    da="Angiv enten --file FIL (hele notatet, '-' for standard-input) eller --section ID med "
    "--text TEKST eller --file FIL.",
    en="Give either --file FILE (the whole note, '-' for standard input) or --section ID with "
    "--text TEXT or --file FILE.",
    exit_code=EXIT_USAGE,
)


def register(subparsers: Subparsers) -> None:
    note = subparsers.add_parser("note", help="vis og ret notatet / show and edit the note")
    commands = note.add_subparsers(dest="note_command", metavar="ACTION", required=True)

    show = commands.add_parser("show", help="vis notatet og markeringer / show note and flags")
    show.add_argument("case_id", metavar="ID")
    output = show.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="maskinlæsbart / machine-readable")
    output.add_argument(
        "--text-only",
        action="store_true",
        help="kun den redigerbare tekst / only the editable text (for note edit --file)",
    )
    show.set_defaults(handler=_show)

    edit = commands.add_parser("edit", help="ret notatet / edit the note")
    edit.add_argument("case_id", metavar="ID")
    edit.add_argument(
        "--file",
        metavar="PATH",
        help="rettet tekst ('-' = standard-input); med --section kun afsnittets tekst / edited "
        "text ('-' = stdin); with --section only that section's text",
    )
    edit.add_argument("--section", metavar="SECTION_ID", help="ret ét afsnit / edit one section")
    edit.add_argument("--text", metavar="TEXT", help="afsnittets nye tekst / the section's text")
    edit.add_argument(
        "--new-version",
        action="store_true",
        help="ret et underskrevet notat som ny version / correct a signed note as a new version",
    )
    edit.set_defaults(handler=_edit)


def _show(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.casework import load_case_note
    from assist.store.session import open_store_for_cli

    with open_store_for_cli(ctx.lang) as store:
        current = load_case_note(store, store.resolve_case_id(args.case_id))
    if args.json:
        ctx.print_json(note_json(current))
        return 0
    ctx.print(current.text.rstrip("\n"))
    if args.text_only:
        return 0
    ctx.print("")
    ctx.print(FLAGS_HEADING[ctx.lang])
    _print_status(current, ctx)
    print_flags(current.flags, ctx)
    return 0


def _print_status(current: CaseNote, ctx: CliContext) -> None:
    if not current.editing:
        ctx.say(
            f"Status: underskrevet, version {current.version}. Ret med --new-version.",
            f"Status: signed, version {current.version}. Correct with --new-version.",
        )
        return
    words = RESOLUTION_WORDS[ctx.lang]
    counts = {key: sum(f.resolution == key for f in current.flags) for key in words}
    ctx.say(
        f"Status: kladde til version {current.version} (gemt {current.revision} gang(e)); "
        f"{counts['open']} åben(e), {counts['fixed']} rettet, "
        f"{counts['acknowledged']} kvitteret før.",
        f"Status: draft of version {current.version} (saved {current.revision} time(s)); "
        f"{counts['open']} open, {counts['fixed']} fixed, "
        f"{counts['acknowledged']} acknowledged before.",
    )


def print_flags(
    flags: tuple[FlagView, ...], ctx: CliContext, *, stream: TextIO | None = None
) -> None:
    """One line per flag: id, kind (detail), resolution, section and the sentence."""
    stream = stream or ctx.stdout
    if not flags:
        ctx.write(stream, "  " + ("(ingen markeringer)" if ctx.lang == "da" else "(no flags)"))
    words = RESOLUTION_WORDS[ctx.lang]
    for flag in flags:
        detail = f" ({flag.detail})" if flag.detail else ""
        ctx.write(
            stream,
            f"  {flag.flag_id}  {flag.kind}{detail}  [{words[flag.resolution]}]  "
            f"{flag.section_id}: {flag.sentence}",
        )


def note_json(current: CaseNote) -> dict[str, Any]:
    from assist.signoff.serial import meta_to_dict
    from assist.signoff.sources import note_sources

    note = current.note
    sourced = note_sources(note, current.flags)  # segment ids only: no transcript is loaded
    sections = []
    for section, found in zip(note.sections, sourced, strict=True):
        sentences = [
            {
                "text": sentence.text,
                "sources": list(sentence.source_ids),
                "notes": [n.note_id for n in sentence.notes],
                "flags": [_flag_json(f) for f in sentence.flags],
            }
            for sentence in found.sentences
        ]
        sections.append(
            {
                "id": section.section_id,
                "title": section.title,
                "professional_only": section.professional_only,
                "text": section.text,
                "draft_sentences": sentences,
            }
        )
    draft = note.draft
    return {
        "case_id": current.case_id,
        "case_state": current.case.state,
        "status": "editing" if current.editing else "signed",
        "version": current.version,
        "supersedes": note.supersedes
        if current.editing or current.signed is None
        else current.signed.supersedes,
        "revision": current.revision,
        "meta": meta_to_dict(note.meta),
        "engine": draft.engine if draft else "none",
        "model": draft.model if draft else "none",
        "model_sha256": draft.model_sha256 if draft else "",
        "sections": sections,
        "flags": [_flag_json(f) for f in current.flags],
        "fixed_flags": [f.flag_id for f in current.flags if f.resolution == "fixed"],
        "acknowledged_flags": [f.flag_id for f in current.flags if f.resolution == "acknowledged"],
        "open_flags": [f.flag_id for f in current.flags if f.resolution == "open"],
        "text": current.text,
    }


def _flag_json(flag: FlagView) -> dict[str, Any]:
    return {
        "id": flag.flag_id,
        "kind": flag.kind,
        "detail": flag.detail,
        "section_id": flag.section_id,
        "sentence": flag.sentence,
        "resolution": flag.resolution,
    }


def _edit(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.casework import edit_note_text, edit_section
    from assist.store.session import open_store_for_cli

    if args.section is None:
        if args.file is None or args.text is not None:
            raise AssistError(EDIT_HOW)
    elif (args.file is None) == (args.text is None):
        raise AssistError(EDIT_HOW)
    from assist.textcheck import check_note_text, check_section_text

    text = args.text if args.text is not None else read_edit_input(args.file)
    # Checked as typed, before the editable format's parser turns a vertical tab or form feed
    # into a line break: the message names the section and the line within it.
    if args.section is None:
        check_note_text(text)
    else:
        check_section_text(args.section, text)
    if any(line.strip() in FLAGS_HEADING.values() for line in text.splitlines()):
        raise AssistError(EDIT_INPUT_HAS_FLAG_LIST)
    with open_store_for_cli(ctx.lang) as store:
        case_id = store.resolve_case_id(args.case_id)
        if args.section is None:
            current = edit_note_text(store, case_id, text, new_version=args.new_version)
        else:
            current = edit_section(store, case_id, args.section, text, new_version=args.new_version)
    open_count = len(current.open_flags)
    ctx.say(
        f"Notatet er gemt (version {current.version}, gemt {current.revision} gang(e)). "
        f"Åbne markeringer: {open_count}.",
        f"The note was saved (version {current.version}, saved {current.revision} time(s)). "
        f"Open flags: {open_count}.",
    )
    return 0


def read_edit_input(path_text: str) -> str:
    if path_text == "-":
        data = sys.stdin.buffer.read()
        where = "stdin"
    else:
        try:
            data = Path(path_text).read_bytes()
        except OSError:
            raise AssistError(EDIT_INPUT_UNREADABLE, path=path_text) from None
        where = path_text
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AssistError(EDIT_INPUT_NOT_TEXT, path=where) from None
