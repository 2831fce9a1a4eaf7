"""`assist process AUDIO`: the main job. Transcribe a recording into a case and draft its note.

The audio file stays where it is (Assist does not copy it); the transcript and the draft are
sealed into a new (or given) case, where the caseworker edits, signs and exports the note.
Nothing is written until both are ready: a job that fails (a missing file, noise, silence,
Ctrl+C, ...) leaves the store as it was. It creates no case, and leaves a given `--case` alone.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from assist.cli.argtypes import case_title
from assist.cli.context import CliContext, Subparsers


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "process",
        help="transskribér en lydfil til en sag og lav et udkast / transcribe into a case, draft",
        description="Transskribér en optagelse lokalt, gem den krypteret i en sag, og lav et "
        "udkast til notatet. / Transcribe a recording locally into an encrypted case and "
        "draft its note.",
    )
    parser.add_argument("audio", type=Path, metavar="AUDIO", help="lydfil / audio file")
    parser.add_argument("--case", dest="case_id", metavar="ID", help="eksisterende sag / case")
    parser.add_argument(
        "--title", type=case_title, default=None, help="sagens titel (ny sag) / case title"
    )
    parser.add_argument("--template", default=None, help="skabelon-id (default: journalnotat)")
    parser.add_argument("--model", default=None, help="talemodel-id / speech model id")
    parser.add_argument("--language", default="da", help="talesprog (standard: da) / language")
    parser.add_argument(
        "--engine",
        default="auto",
        choices=("auto", "structured", "llm"),
        help="udkastsmotor / drafting engine",
    )
    parser.add_argument("--llm-model", default=None, help="sprogmodel-id / LLM model id")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.asr.languages import check_language
    from assist.asr.transcribe import TRANSCRIBE_STAGE
    from assist.cancel import Progress
    from assist.cli.draft_cmd import report_draft
    from assist.drafting.render import render_text
    from assist.drafting.templates import (
        configured_default_template,
        configured_template_dir,
        get_template,
    )
    from assist.jobs.engines import EngineHub
    from assist.jobs.events import SegmentCommitted, Stage
    from assist.jobs.transcribe import transcribe_into_case
    from assist.paths import data_dir
    from assist.store.session import open_store_for_cli

    language = check_language(args.language)
    template_dir = configured_template_dir()
    template = get_template(args.template or configured_default_template(), template_dir)
    # One model in memory at a time: the language model loads only after the speech model went.
    with EngineHub(exclusive=True) as engines:
        engine = engines.asr(args.model)  # a missing model fails before the store is unlocked
        # Open (and unlock) the store before the slow part, so a wrong passphrase fails at once.
        with open_store_for_cli(ctx.lang) as store:
            given = store.resolve_case_id(args.case_id) if args.case_id else None
            job = transcribe_into_case(
                store,
                given,
                args.audio,
                engines,
                language,
                args.title,
                template,
                asr_model=args.model,
                engine_choice=args.engine,
                llm_model=args.llm_model,
                template_dir=template_dir,
            )
            started = time.monotonic()
            tty = ctx.stderr.isatty()
            duration_s, segments = 0.0, 0
            while True:
                try:
                    event = next(job)
                except StopIteration as finished:
                    done = finished.value
                    break
                if isinstance(event, SegmentCommitted):
                    segments += 1
                elif isinstance(event, Progress) and event.stage == TRANSCRIBE_STAGE:
                    duration_s = event.total or 0.0
                    if event.fraction is not None and tty:
                        print(f"\r{event.fraction:4.0%}", end="", file=ctx.stderr, flush=True)
                elif isinstance(event, Stage) and event.name == "draft.choose":
                    transcribe_s = time.monotonic() - started
                    ctx.say(
                        f"Transskriberet {duration_s:.0f} s lyd på {transcribe_s:.1f} s med "
                        f"{engine.model_id}: {segments} segmenter.",
                        f"Transcribed {duration_s:.0f} s of audio in {transcribe_s:.1f} s "
                        f"with {engine.model_id}: {segments} segments.",
                    )
            report_draft(ctx, done.drafted)
    case_id, draft = done.case_id, done.drafted.draft
    ctx.print("")
    ctx.print(render_text(draft, template, ctx.lang).rstrip("\n"))
    ctx.print("")
    ctx.say(
        f"Resultatet er gemt krypteret i sag {case_id} i {data_dir()}.\n"
        f"  Se og ret notatet:  assist note show {case_id}  /  assist note edit {case_id} ...\n"
        f"  Underskriv:         assist sign {case_id} --signer \"Fornavn Efternavn\"\n"
        f"  Eksportér:          assist export {case_id} --docx notat.docx",
        f"The result is stored encrypted in case {case_id} in {data_dir()}.\n"
        f"  Review and edit:    assist note show {case_id}  /  assist note edit {case_id} ...\n"
        f"  Sign:               assist sign {case_id} --signer \"First Last\"\n"
        f"  Export:             assist export {case_id} --docx note.docx",
    )
    return 0
