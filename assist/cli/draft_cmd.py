"""`assist draft TRANSCRIPT.json | --typed NOTES.txt | --case ID`: a checkable note draft.

From a file it touches no store; with `--case` it drafts from the case's transcript (or typed
notes given with `--typed`, saved into the case first) and saves the draft as the case's note.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from assist.cli.context import CliContext, Subparsers
from assist.errors import EXIT_USAGE, AssistError, Msg

if TYPE_CHECKING:
    from assist.drafting.types import Draft, Template
    from assist.jobs.draft import DraftResult
    from assist.transcript import Transcript

INPUT_REQUIRED = Msg(
    "draft.input_required",
    da="Angiv enten en transskription (JSON) eller --typed med en fil med skrevne noter.",
    en="Give either a transcript (JSON) or --typed with a file of typed notes.",
    exit_code=EXIT_USAGE,
)
INPUT_MISSING = Msg(
    "draft.input_missing",
    da="Filen '{path}' findes ikke eller kan ikke læses.",
    en="The file '{path}' does not exist or cannot be read.",
)
CASE_AND_TRANSCRIPT = Msg(
    "draft.case_and_transcript",
    da="Brug enten --case eller en transskriptionsfil, ikke begge.",
    en="Use either --case or a transcript file, not both.",
    exit_code=EXIT_USAGE,
)
INVALID_JSON = Msg(
    "draft.invalid_json",
    da="Filen '{path}' er ikke gyldig JSON (linje {line}). Brug en transskription fra "
    "'assist transcribe --json', eller --typed for skrevne noter.",
    en="The file '{path}' is not valid JSON (line {line}). Use a transcript from "
    "'assist transcribe --json', or --typed for typed notes.",
)
NOT_TEXT = Msg(
    "draft.not_text",
    da="Filen '{path}' er ikke tekst i UTF-8.",
    en="The file '{path}' is not UTF-8 text.",
)
JSON_CONSTANT = Msg(
    "draft.json_constant",
    da="Filen '{path}' er ikke gyldig JSON: {constant} er ikke et tal i JSON. Brug en "
    "transskription fra 'assist transcribe --json'.",
    en="The file '{path}' is not valid JSON: {constant} is not a number in JSON. Use a "
    "transcript from 'assist transcribe --json'.",
)
JSON_TOO_DEEP = Msg(
    "draft.json_too_deep",
    da="Filen '{path}' er ikke en transskription: dens JSON er indlejret for dybt.",
    en="The file '{path}' is not a transcript: its JSON is nested too deeply.",
)


class _NotJsonNumber(ValueError):
    """NaN, Infinity and -Infinity: Python's json reads them, JSON has no such numbers."""


def _refuse_constant(name: str) -> object:
    raise _NotJsonNumber(name)


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "draft",
        help="skriv et udkast til et notat / draft a note from a transcript or typed notes",
    )
    parser.add_argument(
        "transcript",
        nargs="?",
        type=Path,
        metavar="TRANSCRIPT.json",
        help="transskription fra 'assist transcribe --json' / transcript JSON",
    )
    parser.add_argument(
        "--typed", type=Path, metavar="NOTES.txt", help="skrevne noter / typed notes"
    )
    parser.add_argument(
        "--case", dest="case_id", metavar="ID", help="skriv udkastet i en sag / draft into a case"
    )
    parser.add_argument("--template", default=None, help="skabelon-id (default: journalnotat)")
    parser.add_argument(
        "--engine",
        default="auto",
        choices=("auto", "structured", "llm"),
        help="udkastsmotor / drafting engine (auto: sprogmodel kun hvis godkendt / LLM only "
        "if qualified)",
    )
    parser.add_argument("--model", default=None, help="sprogmodel-id / LLM model id")
    parser.add_argument("--json", action="store_true", help="maskinlæsbart / machine-readable")
    parser.add_argument("--output", type=Path, help="skriv til fil / write to a file")
    parser.set_defaults(handler=handle_draft)


def load_input(transcript_path: Path | None, typed_path: Path | None) -> Transcript:
    """The transcript to draft from, from a transcript JSON file or a typed-notes file.

    The one place transcripts are read from files: JSON is checked against the transcript schema
    (`Transcript.from_file_data`), and both kinds for characters the exports cannot carry."""
    from assist.textcheck import BAD_CHAR_IN_FILE, check_text
    from assist.transcript import Transcript

    if (transcript_path is None) == (typed_path is None):
        raise AssistError(INPUT_REQUIRED)
    path = transcript_path or typed_path
    assert path is not None
    try:
        raw = path.read_bytes()
    except OSError:
        raise AssistError(INPUT_MISSING, path=str(path)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AssistError(NOT_TEXT, path=str(path)) from None
    if typed_path is not None:
        check_text(text, BAD_CHAR_IN_FILE, path=str(path))
        return Transcript.from_typed_notes(text)
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except _NotJsonNumber as error:
        raise AssistError(JSON_CONSTANT, path=str(path), constant=str(error)) from None
    except json.JSONDecodeError as error:
        raise AssistError(INVALID_JSON, path=str(path), line=error.lineno) from None
    except RecursionError:
        raise AssistError(JSON_TOO_DEEP, path=str(path)) from None
    return Transcript.from_file_data(data, source=str(path))


def handle_draft(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.fsutil import check_output_path

    if args.output is not None:
        check_output_path(args.output)  # before any drafting
    if args.case_id is not None:
        return _draft_case(args, ctx)
    from assist.drafting.templates import (
        configured_default_template,
        configured_template_dir,
        get_template,
    )

    transcript = load_input(args.transcript, args.typed)
    template_id = args.template or configured_default_template()
    template = get_template(template_id, configured_template_dir())
    draft = draft_and_report(ctx, transcript, template, args.engine, args.model)
    _output(args, ctx, draft, template)
    return 0


def draft_and_report(
    ctx: CliContext, transcript: Transcript, template: Template, engine: str, model: str | None
) -> Draft:
    """Draft with the chosen engine (`assist.jobs.draft.draft_transcript`); say on stderr when
    `auto` fell back to the structured one, also when the language model's worker crashed while
    drafting (`llm` then fails instead)."""
    from assist.jobs.draft import draft_transcript
    from assist.jobs.engines import EngineHub
    from assist.jobs.events import run

    with EngineHub() as engines:
        result = run(draft_transcript(transcript, template, engines, engine, model))
    report_draft(ctx, result)
    return result.draft


def report_draft(ctx: CliContext, result: DraftResult) -> None:
    """The notes of a DraftResult on stderr: a crash recovered from, a fallback."""
    for line in result.notices(ctx.lang):
        ctx.error(line)


def _draft_case(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.drafting.templates import configured_template_dir
    from assist.jobs.draft import draft_case
    from assist.jobs.engines import EngineHub
    from assist.jobs.events import run
    from assist.store.session import open_store_for_cli

    if args.transcript is not None:
        raise AssistError(CASE_AND_TRANSCRIPT)
    typed = load_input(None, args.typed) if args.typed is not None else None
    template_dir = configured_template_dir()
    with open_store_for_cli(ctx.lang) as store, EngineHub() as engines:
        case_id = store.resolve_case_id(args.case_id)
        job = draft_case(
            store,
            case_id,
            engines,
            args.engine,
            args.model,
            template_dir,
            typed,
            template_id=args.template,
        )
        result = run(job)
        report_draft(ctx, result)
        draft, template = result.draft, result.template
    _output(args, ctx, draft, template)
    if not args.json:
        ctx.say(
            f"Udkastet er gemt i sagen {case_id}. Ret det med 'assist note edit {case_id}', "
            f"og underskriv med 'assist sign {case_id} --signer \"Fornavn Efternavn\"'.",
            f"The draft is saved in case {case_id}. Edit it with 'assist note edit {case_id}', "
            f"and sign with 'assist sign {case_id} --signer \"First Last\"'.",
        )
    return 0


def _output(args: argparse.Namespace, ctx: CliContext, draft: Draft, template: Template) -> None:
    from assist.drafting.render import render_text
    from assist.fsutil import write_output_text

    if args.json:
        output = json.dumps(draft.to_dict(), ensure_ascii=False, indent=2) + "\n"
    else:
        output = render_text(draft, template, ctx.lang)
    if args.output is not None:
        write_output_text(args.output, output)
        ctx.say(f"Udkastet er gemt i {args.output}.", f"The draft was saved to {args.output}.")
    elif args.json:
        ctx.print_json(draft.to_dict())
    else:
        ctx.print(output.rstrip("\n"))
