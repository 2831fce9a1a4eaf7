"""`assist record`: record audio and transcribe it live, segment by segment.

For now the audio comes from a file (`--input`), played in real time with `--realtime` through
the same path a microphone uses. The loop takes a list of AudioSinks and an on_segment callback,
so saving into a case (an encrypted recording sink, segments saved as they come) plugs in there.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assist.cli.argtypes import block_ms
from assist.cli.context import CliContext

if TYPE_CHECKING:
    from assist.asr.live import LiveTranscriber
    from assist.asr.session import SessionResult
    from assist.audio.sink import AudioSink
    from assist.transcript import Segment


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "record",
        help="optag og transskribér løbende / record and transcribe live",
        description="Optag lyd og transskribér den løbende. / Record audio, transcribe live.",
    )
    parser.add_argument(
        "--input", type=Path, required=True, help="lydfil som lydkilde / audio file as the source"
    )
    parser.add_argument(
        "--realtime",
        action="store_true",
        help="afspil filen i realtid som en mikrofon / play the file at real-time pace",
    )
    parser.add_argument(
        "--live", action="store_true", help="transskribér undervejs / transcribe while recording"
    )
    parser.add_argument(
        "--case",
        dest="case_id",
        metavar="ID",
        help="optag krypteret i en sag (kræver samtykke) / record encrypted into a case "
        "(needs consent)",
    )
    parser.add_argument("--json", action="store_true", help="JSON-linjer / JSON lines")
    parser.add_argument("--model", help="model-id (standard: whisper-base-ct2) / model id")
    parser.add_argument("--language", default="da", help="talesprog (standard: da) / language")
    parser.add_argument(
        "--block-ms", type=block_ms, default=100, help="blokstørrelse i ms (10-2000) / block size"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.case_id is None:
        return record(args, ctx, sinks=[], extra_on_segment=None)
    return _record_into_case(args, ctx)


def _record_into_case(args: argparse.Namespace, ctx: CliContext) -> int:
    """Encrypted audio and each committed live segment go into the case as they come, so a
    crash loses at most the last second of audio and none of the committed transcript."""
    from assist.asr.languages import check_language
    from assist.audio.decode import iter_pcm_chunks
    from assist.models.store import DEFAULT_ASR_MODEL, open_store
    from assist.store.session import open_store_for_cli

    check_language(args.language)
    _check_input(args.input, iter_pcm_chunks)  # before a recording row exists
    model = open_store().resolve(args.model or DEFAULT_ASR_MODEL, "asr") if args.live else None
    with open_store_for_cli(ctx.lang) as store:
        case_id = store.resolve_case_id(args.case_id)
        recording = store.start_recording(
            case_id,
            transcript_model=model.model_id if model else "none",
            transcript_model_sha256=model.sha256 if model else "",
        )
        try:
            code = record(args, ctx, sinks=[recording], extra_on_segment=recording.on_segment)
        finally:
            recording.stop()
        if model is not None:
            transcript = store.load_transcript(case_id)
            store.record_event(
                "transcribed",
                case_id,
                model=model.model_id,
                model_sha256=model.sha256,
                segments=len(transcript.segments) if transcript else 0,
                duration_s=round(recording.duration_s, 1),
            )
    if not args.json:
        ctx.say(
            f"Optagelsen er gemt krypteret i sag {case_id} ({recording.duration_s:.1f} s). "
            f"Næste skridt: assist draft --case {case_id}",
            f"The recording is stored encrypted in case {case_id} "
            f"({recording.duration_s:.1f} s). Next: assist draft --case {case_id}",
        )
    return code


def record(
    args: argparse.Namespace,
    ctx: CliContext,
    *,
    sinks: Sequence[AudioSink],
    extra_on_segment: Callable[[Segment], object] | None,
) -> int:
    """The recording loop behind `assist record`; `sinks` and `extra_on_segment` are where a case
    store attaches (encrypted audio, segments saved as they are committed)."""
    from assist.asr.languages import check_language
    from assist.asr.live import LiveTranscriber
    from assist.asr.model import load_engine
    from assist.asr.render import segment_line
    from assist.asr.session import run_session
    from assist.audio.decode import iter_pcm_chunks
    from assist.audio.source import file_source

    language = check_language(args.language)
    _check_input(args.input, iter_pcm_chunks)
    transcriber = None
    if args.live:
        engine = load_engine(args.model)
        transcriber = LiveTranscriber(engine, language=language)

    def on_segment(segment: Segment) -> None:
        if extra_on_segment is not None:
            extra_on_segment(segment)
        if args.json:
            ctx.print(json.dumps(segment.to_dict(), ensure_ascii=False))
        else:
            ctx.print(segment_line(segment, ctx.lang))
        ctx.flush()

    if not args.json:
        ctx.say("Optager ... (Ctrl+C stopper)", "Recording ... (Ctrl+C stops)")
    source = file_source(args.input, block_s=args.block_ms / 1000, realtime=args.realtime)
    try:
        result = run_session(source, sinks, transcriber, on_segment)
    finally:
        if transcriber is not None:
            engine.close()
    _report(result, args, ctx)
    return 0 if transcriber is None else _report_interruptions(transcriber, ctx)


def _report_interruptions(transcriber: LiveTranscriber, ctx: CliContext) -> int:
    """Speech recognition crashed during the recording: say so once, and what it cost."""
    if not transcriber.interruptions:
        return 0
    ctx.error(transcriber.interruptions[0].message(ctx.lang))
    missed_s = transcriber.missed_s
    if missed_s == 0:
        ctx.warn(
            "Talegenkendelsen blev genstartet, og hele optagelsen er transskriberet.",
            "Speech recognition was restarted, and the whole recording is transcribed.",
        )
        return 0
    ctx.warn(
        f"{missed_s:.0f} s af optagelsen kunne ikke transskriberes; lyden er gemt.",
        f"{missed_s:.0f} s of the recording could not be transcribed; the audio is kept.",
    )
    return 1


def _check_input(path: Path, iter_chunks: Callable[[Path], Any]) -> None:
    """Fail on a missing, empty or non-audio file before a model loads or anything records."""
    first = iter_chunks(path)
    next(first, None)
    first.close()


def _report(result: SessionResult, args: argparse.Namespace, ctx: CliContext) -> None:
    if args.json:
        summary: dict[str, Any] = {
            "segments": [s.to_dict() for s in result.segments],
            "duration_s": round(result.duration_s, 3),
            "stop_to_final_s": (
                None if result.stop_to_final_s is None else round(result.stop_to_final_s, 3)
            ),
            "stopped_early": result.stopped_early,
        }
        ctx.print(json.dumps(summary, ensure_ascii=False))
        return
    minutes = result.duration_s / 60
    ctx.say(f"Optagelse slut: {minutes:.1f} min.", f"Recording ended: {minutes:.1f} min.")
    if result.stop_to_final_s is not None:
        ctx.say(
            f"Transskriptionen var færdig {result.stop_to_final_s:.1f} s efter optagelsens slut "
            f"({len(result.segments)} segmenter).",
            f"The transcript was complete {result.stop_to_final_s:.1f} s after the recording "
            f"ended ({len(result.segments)} segments).",
        )
