"""`assist process AUDIO`: the main job. Transcribe a recording into a case and draft its note.

The audio file stays where it is (Assist does not copy it); the transcript and the draft are
sealed into a new (or given) case, where the caseworker edits, signs and exports the note.
Nothing is written until both are ready: a job that fails (a missing file, noise, silence,
Ctrl+C, ...) leaves the store as it was. It creates no case, and leaves a given `--case` alone.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assist.cli.argtypes import case_title
from assist.cli.context import CliContext
from assist.errors import AssistError

if TYPE_CHECKING:
    from assist.store.cases import CaseStore


def register(subparsers: Any) -> None:
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
    from assist.asr.model import load_engine
    from assist.asr.transcribe import transcribe_file
    from assist.cancel import Progress
    from assist.casework import save_generated_draft
    from assist.cli.draft_cmd import draft_and_report
    from assist.drafting.render import render_text
    from assist.drafting.templates import DEFAULT_TEMPLATE, get_template, template_dir_from_env
    from assist.models.store import open_store
    from assist.paths import data_dir
    from assist.store.session import open_store_for_cli
    from assist.transcript import Transcript

    language = check_language(args.language)
    template_dir = template_dir_from_env()
    template = get_template(args.template or DEFAULT_TEMPLATE, template_dir)
    engine = load_engine(args.model)
    try:
        asr_sha256 = open_store().resolve(engine.model_id, "asr").sha256
        # Open (and unlock) the store before the slow part, so a wrong passphrase fails at once.
        with open_store_for_cli(ctx.lang) as store:
            given = store.resolve_case_id(args.case_id) if args.case_id else None
            if given is not None:
                _check_case_takes_a_transcript(store, given)
            started = time.monotonic()
            transcript: Transcript | None = None
            tty = ctx.stderr.isatty()
            try:
                for item in transcribe_file(args.audio, engine, language=language):
                    if isinstance(item, Transcript):
                        transcript = item
                    elif isinstance(item, Progress) and item.fraction is not None and tty:
                        print(f"\r{item.fraction:4.0%}", end="", file=ctx.stderr, flush=True)
            finally:
                engine.close()  # before the language model loads: one model in memory at a time
            assert transcript is not None
            transcribe_s = time.monotonic() - started
            ctx.say(
                f"Transskriberet {transcript.duration_s:.0f} s lyd på {transcribe_s:.1f} s med "
                f"{engine.model_id}: {len(transcript.segments)} segmenter.",
                f"Transcribed {transcript.duration_s:.0f} s of audio in {transcribe_s:.1f} s "
                f"with {engine.model_id}: {len(transcript.segments)} segments.",
            )
            # Drafting fails on an empty transcript (silence, noise): still nothing written.
            draft = draft_and_report(ctx, transcript, template, args.engine, args.llm_model)
            created: str | None = None
            try:
                if given is None:
                    created = store.create_case(
                        title=args.title or "", note_type=template.template_id
                    )
                case_id = given or created
                assert case_id is not None
                store.save_transcript(case_id, transcript, model_sha256=asr_sha256)
                save_generated_draft(store, case_id, draft, template_dir)
            except BaseException:
                if created is not None:  # the case this job made goes again
                    with contextlib.suppress(AssistError):
                        store.delete_case(created)
                raise
    finally:
        engine.close()
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


def _check_case_takes_a_transcript(store: CaseStore, case_id: str) -> None:
    """Refuse a `--case` that cannot take a new transcript before the slow part starts."""
    from assist.store.base import WRONG_STATE

    case = store.get_case(case_id)
    if case.state != "draft":
        raise AssistError(WRONG_STATE, case_id=case_id, state=case.state, action="transcript")
