"""`assist transcribe AUDIO`: a Danish (by default) transcript of an audio file, on this machine."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from assist.cli.context import CliContext


def register(subparsers: Any) -> None:
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
    from assist.asr.model import load_engine
    from assist.asr.render import segment_line
    from assist.asr.transcribe import transcribe
    from assist.audio.decode import decode_audio
    from assist.audio.sink import SAMPLE_RATE
    from assist.cancel import Progress
    from assist.fsutil import check_output_path, write_output_text
    from assist.transcript import Segment, Transcript

    language = check_language(args.language)  # before anything slow
    if args.output is not None:
        check_output_path(args.output)  # a device, FIFO, folder or missing folder: refused now
    audio = decode_audio(args.audio)  # bad input fails here, before the model loads
    engine = load_engine(args.model)
    show_progress = ctx.stderr.isatty() and not args.json
    streaming = args.output is None and not args.json
    segments: list[Segment] = []
    try:
        for item in transcribe(audio, engine, language=language):
            if isinstance(item, Segment):
                segments.append(item)
                if streaming:
                    ctx.print(segment_line(item, ctx.lang))
                    ctx.flush()
            elif isinstance(item, Progress) and show_progress and item.fraction is not None:
                print(f"\r{item.fraction:4.0%}", end="", file=ctx.stderr, flush=True)
    finally:
        engine.close()  # the recogniser's worker ends here, its memory with it
    if show_progress:
        print("\r     \r", end="", file=ctx.stderr, flush=True)
    transcript = Transcript(
        language=language,
        duration_s=audio.size / SAMPLE_RATE,
        model=engine.model_id,
        segments=tuple(segments),
    )
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
