"""`assist record`: record audio and transcribe it live, segment by segment.

For now the audio comes from a file (`--input`), played in real time with `--realtime` through
the same path a microphone uses. The recording itself is the core job `RecordingSession`
(assist/jobs/recording.py), the same one the desktop app runs; this is argument parsing and
rendering of its events.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assist.cli.argtypes import block_ms
from assist.cli.context import CliContext, Subparsers

if TYPE_CHECKING:
    from assist.asr.engine import AsrEngine
    from assist.jobs.recording import CaseTarget, RecordingResult, RecordingSession


def register(subparsers: Subparsers) -> None:
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
    """Parse, build the recording job, render its events. Into a case (`--case`), the encrypted
    audio and each committed live segment are saved as they come, so a crash loses at most the
    last second of audio and none of the committed transcript."""
    from assist.asr.languages import check_language
    from assist.audio.decode import iter_pcm_chunks

    language = check_language(args.language)
    _check_input(args.input, iter_pcm_chunks)  # before a model loads or a recording row exists
    if args.case_id is None:
        return _record(args, ctx, language, case=None)
    from assist.jobs.recording import CaseTarget
    from assist.models.store import configured_model_id, open_store
    from assist.store.session import open_store_for_cli

    model = None
    if args.live:
        model = open_store().resolve(args.model or configured_model_id("asr"), "asr")
    with open_store_for_cli(ctx.lang) as store:
        case = CaseTarget(
            store,
            store.resolve_case_id(args.case_id),
            transcript_model=model.model_id if model else "none",
            transcript_model_sha256=model.sha256 if model else "",
        )
        return _record(args, ctx, language, case=case)


def _record(
    args: argparse.Namespace, ctx: CliContext, language: str, *, case: CaseTarget | None
) -> int:
    from assist.asr.live import LiveTranscriber
    from assist.asr.model import load_engine
    from assist.audio.source import file_source
    from assist.jobs.recording import RecordingSession

    engines: list[AsrEngine] = []

    def make_live() -> LiveTranscriber:  # called once consent is checked
        engines.append(load_engine(args.model))
        return LiveTranscriber(engines[0], language=language)

    source = file_source(args.input, block_s=args.block_ms / 1000, realtime=args.realtime)
    session = RecordingSession(source, case=case, live=make_live if args.live else None)
    try:
        result = _drive(session, args, ctx)
    finally:
        for engine in engines:
            engine.close()
    _report(result, args, ctx)
    if case is not None and not args.json:
        ctx.say(
            f"Optagelsen er gemt krypteret i sag {case.case_id} ({result.duration_s:.1f} s). "
            f"Næste skridt: assist draft --case {case.case_id}",
            f"The recording is stored encrypted in case {case.case_id} "
            f"({result.duration_s:.1f} s). Next: assist draft --case {case.case_id}",
        )
    return _report_interruptions(result, ctx)


def _drive(session: RecordingSession, args: argparse.Namespace, ctx: CliContext) -> RecordingResult:
    """Run the job, printing each committed segment as it comes; Ctrl+C stops the recording
    (what was recorded is kept and transcribed to the end)."""
    from assist.asr.render import segment_line
    from assist.jobs.events import Level, SegmentCommitted

    job = session.run()
    said_recording = bool(args.json)
    while True:
        try:
            event = next(job)
        except StopIteration as finished:
            result: RecordingResult = finished.value
            return result
        try:
            if isinstance(event, Level) and not said_recording:
                said_recording = True  # the recording has started: consent was given
                ctx.say("Optager ... (Ctrl+C stopper)", "Recording ... (Ctrl+C stops)")
            elif isinstance(event, SegmentCommitted):
                segment = event.segment
                if args.json:
                    ctx.print(json.dumps(segment.to_dict(), ensure_ascii=False))
                else:
                    ctx.print(segment_line(segment, ctx.lang))
                ctx.flush()
        except KeyboardInterrupt:
            session.stop()


def _report_interruptions(result: RecordingResult, ctx: CliContext) -> int:
    """Speech recognition crashed during the recording: say so once, and what it cost."""
    if not result.interruptions:
        return 0
    ctx.error(result.interruptions[0].message(ctx.lang))
    missed_s = result.missed_s
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


def _check_input(path: Path, iter_chunks: Callable[[Path], Generator[object, None, None]]) -> None:
    """Fail on a missing, empty or non-audio file before a model loads or anything records."""
    first = iter_chunks(path)
    next(first, None)
    first.close()


def _report(result: RecordingResult, args: argparse.Namespace, ctx: CliContext) -> None:
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
