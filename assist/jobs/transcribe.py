"""Transcription as jobs: an audio file into a transcript, and into a case with its draft.

    transcript = run(transcribe_file_job(path, engine, "da"))
    done = run(transcribe_into_case(store, None, path, engines, "da", "Demo", template))

`transcribe_into_case` is what `assist process` does: transcribe, draft, and only then write
the case, the transcript and the draft. A job that fails or is cancelled before that (a missing
file, noise, silence, a crash, Ctrl+C, ...) leaves the store as it was: it creates no case and
leaves a given case alone; a failure while writing removes the case the job made.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from assist.asr.engine import AsrEngine
from assist.cancel import CancelToken, Progress
from assist.drafting.types import Template
from assist.errors import AssistError
from assist.jobs.draft import DraftResult
from assist.jobs.engines import EngineHub
from assist.jobs.events import Job, Saved, SegmentCommitted, Stage, checking
from assist.transcript import Segment, Transcript

if TYPE_CHECKING:
    from assist.store.cases import CaseStore


@dataclass(frozen=True)
class CaseTranscribed:
    """What `transcribe_into_case` made and saved."""

    case_id: str
    created: bool  # True: the job made the case; False: it filled the given one
    transcript: Transcript
    drafted: DraftResult


def transcribe_file_job(
    path: Path,
    engine: AsrEngine | Callable[[], AsrEngine],
    language: str = "da",
    cancel: CancelToken | None = None,
    *,
    check: Callable[[], Iterator[Progress]] | None = None,
) -> Job[Transcript]:
    """Decode `path` and transcribe it; returns the whole Transcript.

    Yields Stage("audio.decode"), Stage("model.load") when `engine` is a loader (called only
    after the audio decoded, so bad input fails before a model loads), the transcriber's
    Progress, and SegmentCommitted(None, segment) for each segment as it is final. `check`
    (the hub's `check_steps`) runs before the load, as Stage("model.check") and its Progress:
    verifying a large model's hashes the first time takes minutes."""
    from assist.asr.languages import check_language
    from assist.asr.transcribe import transcribe
    from assist.audio.decode import decode_audio
    from assist.audio.sink import SAMPLE_RATE

    language = check_language(language)
    cancel = cancel or CancelToken()
    yield Stage("audio.decode")
    cancel.raise_if_cancelled()
    audio = decode_audio(path)
    cancel.raise_if_cancelled()
    if check is not None:
        yield from checking(check(), cancel)
    if callable(engine):
        yield Stage("model.load")
        cancel.raise_if_cancelled()
        asr = engine()
    else:
        asr = engine
    segments: list[Segment] = []
    for item in transcribe(audio, asr, language=language, cancel=cancel):
        if isinstance(item, Segment):
            segments.append(item)
            yield SegmentCommitted(None, item)
        else:
            yield item
        cancel.raise_if_cancelled()
    return Transcript(
        language=language,
        duration_s=audio.size / SAMPLE_RATE,
        model=asr.model_id,
        segments=tuple(segments),
    )


def transcribe_into_case(
    store: CaseStore,
    case_id: str | None,
    path: Path,
    engines: EngineHub,
    language: str = "da",
    title: str | None = None,
    template: Template | None = None,
    cancel: CancelToken | None = None,
    *,
    asr_model: str | None = None,
    engine_choice: str = "auto",
    llm_model: str | None = None,
    template_dir: Path | None = None,
) -> Job[CaseTranscribed]:
    """Transcribe `path`, draft its note, then save both into `case_id` (None: a new case with
    `title`, of the note type `template`). Events: those of `transcribe_file_job` (segments as
    SegmentCommitted(None, ...): they are saved at the end), then those of `draft_transcript`,
    then Saved(case_id, "case") for a new case, Saved(case_id, "transcript") and
    Saved(case_id, "draft") once all is written."""
    from assist import casework
    from assist.drafting.templates import configured_default_template, get_template
    from assist.jobs import draft as drafting

    cancel = cancel or CancelToken()
    template = template or get_template(configured_default_template(), template_dir)
    if case_id is not None:
        check_case_takes_a_transcript(store, case_id)  # before the slow part
    transcript = yield from transcribe_file_job(
        path,
        lambda: engines.asr(asr_model),
        language,
        cancel,
        check=lambda: engines.check_steps("asr", asr_model),
    )
    asr_sha256 = engines.asr_model_sha256(transcript.model)
    # Drafting fails on an empty transcript (silence, noise): still nothing written.
    drafted = yield from drafting.draft_transcript(
        transcript, template, engines, engine_choice, llm_model, cancel
    )
    cancel.raise_if_cancelled()
    # From here on the job runs to its end: a cancel would leave half a save behind.
    created: str | None = None
    try:
        if case_id is None:
            created = store.create_case(title=title or "", note_type=template.template_id)
        target = case_id or created
        assert target is not None
        store.save_transcript(target, transcript, model_sha256=asr_sha256)
        casework.save_generated_draft(store, target, drafted.draft, template_dir)
    except BaseException:
        if created is not None:  # the case this job made goes again
            with contextlib.suppress(AssistError):
                store.delete_case(created)
        raise
    if created is not None:
        yield Saved(target, "case")
    yield Saved(target, "transcript")
    yield Saved(target, "draft")
    drafted = replace(drafted, case_id=target)
    return CaseTranscribed(target, created is not None, transcript, drafted)


def check_case_takes_a_transcript(store: CaseStore, case_id: str) -> None:
    """Refuse a case that cannot take a new transcript (it is signed or exported)."""
    from assist.store.base import WRONG_STATE

    case = store.get_case(case_id)
    if case.state != "draft":
        raise AssistError(WRONG_STATE, case_id=case_id, state=case.state, action="transcript")
