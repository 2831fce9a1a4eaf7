"""`assist transcribe AUDIO`: a Danish (by default) transcript of an audio file, on this machine."""

from __future__ import annotations

import argparse
from pathlib import Path

from assist.cli.context import CliContext, Subparsers


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "transcribe",
        help="transskribér en lydfil lokalt / transcribe an audio file locally",
        description="Transskribér en lydfil (wav, mp3, m4a, ogg/opus, webm, flac) på denne "
        "computer. / Transcribe an audio file on this computer.",
    )
    parser.add_argument("audio", type=Path, help="lydfil / audio file")
    parser.add_argument("--model", help="model-id (standard: whisper-base-ct2) / model id")
    parser.add_argument("--language", default="da", help="talesprog (standard: da) / language")
    parser.add_argument("--json", action="store_true", help="JSON på stdout / JSON output")
    parser.add_argument(
        "--output", type=Path, help="skriv resultatet til en fil / write the result to a file"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.asr.languages import check_language
    from assist.asr.render import segment_line
    from assist.cancel import Progress
    from assist.fsutil import check_output_path, write_output_text
    from assist.jobs.engines import EngineHub
    from assist.jobs.events import SegmentCommitted
    from assist.jobs.transcribe import transcribe_file_job

    language = check_language(args.language)  # before anything slow
    if args.output is not None:
        check_output_path(args.output)  # a device, FIFO, folder or missing folder: refused now
    show_progress = ctx.stderr.isatty() and not args.json
    streaming = args.output is None and not args.json
    # The recogniser's worker ends with the hub, its memory with it.
    with EngineHub() as engines:
        # The model loads only once the audio decoded: bad input fails before it.
        job = transcribe_file_job(
            args.audio,
            lambda: engines.asr(args.model),
            language,
            check=lambda: engines.check_steps("asr", args.model),
        )
        while True:
            try:
                event = next(job)
            except StopIteration as finished:
                transcript = finished.value
                break
            if isinstance(event, SegmentCommitted):
                if streaming:
                    ctx.print(segment_line(event.segment, ctx.lang))
                    ctx.flush()
            elif isinstance(event, Progress) and show_progress and event.fraction is not None:
                print(f"\r{event.fraction:4.0%}", end="", file=ctx.stderr, flush=True)
    if show_progress:
        print("\r     \r", end="", file=ctx.stderr, flush=True)
    segments = transcript.segments
    if args.json:
        text = transcript.to_json() + "\n"
    else:
        text = "".join(segment_line(s, ctx.lang) + "\n" for s in segments)
    if args.output is not None:
        write_output_text(args.output, text)
        ctx.say(f"Transskription gemt i {args.output}.", f"Transcript saved to {args.output}.")
    elif args.json:
        ctx.write(ctx.stdout, text, end="")
    if not segments:
        ctx.warn("Ingen tale fundet i lydfilen.", "No speech found in the audio file.")
    ctx.flush()
    return 0
