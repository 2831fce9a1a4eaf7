"""The core jobs on fake engines: their events in order, cancel at every step, their results,
and the engine hub that keeps models loaded across jobs."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers.store_support import T0, MovableClock, make_keys, open_store

from assist.asr.engine import EngineSegment, EngineWord, FakeAsrEngine
from assist.asr.transcribe import TRANSCRIBE_STAGE
from assist.cancel import CancelToken, Progress
from assist.drafting.llm_drafter import LlmDrafter
from assist.drafting.pipeline import build_draft
from assist.drafting.select import NOTE_FALLBACK_UNQUALIFIED
from assist.drafting.structured import StructuredDrafter
from assist.drafting.templates import get_template
from assist.drafting.types import Draft, DraftEvent, Template
from assist.engines.worker import EngineCrashed
from assist.errors import AssistError, Cancelled
from assist.jobs.draft import CRASH_FALLBACK, DraftResult, draft_case, draft_transcript
from assist.jobs.engines import EngineHub
from assist.jobs.events import Event, Saved, SectionDrafted, SegmentCommitted, Stage, run
from assist.jobs.retention import retention_job
from assist.jobs.transcribe import CaseTranscribed, transcribe_file_job, transcribe_into_case
from assist.llm.fake import FakeLlmEngine
from assist.models.store import DEFAULT_LLM_MODEL
from assist.store import CaseStore, RetentionPolicy
from assist.transcript import Transcript

SAMPLE_WAV = Path(__file__).parent / "fixtures" / "sample-da.wav"
NOTES = (
    "Borgeren fortalte, at huslejen er svær at betale.\n"
    "Vi aftalte et nyt møde den 14. marts.\n"
    "Borgeren vil søge om boligstøtte."
)


def _words(text: str, start: float) -> tuple[EngineWord, ...]:
    return tuple(
        EngineWord(start + i * 0.4, start + i * 0.4 + 0.3, f" {w}", 0.8)
        for i, w in enumerate(text.split())
    )


def _spoken(*lines: str) -> list[EngineSegment]:
    return [
        EngineSegment(3.0 * i, 3.0 * i + 2.5, f" {line}", -0.2, 0.02, 1.3, _words(line, 3.0 * i))
        for i, line in enumerate(lines)
    ]


SPEECH = _spoken(*NOTES.splitlines())


@dataclass(frozen=True)
class _Installed:
    model_id: str = "fake-llm"
    sha256: str = "ab" * 32
    path: Path = Path("fake.gguf")
    fit_for_drafting: bool = True


class _Models:
    """A model store: an ASR model and an LLM (qualified or not)."""

    def __init__(self, fit: bool = True) -> None:
        self.fit = fit

    def resolve(self, model_id: str, kind: str | None = None) -> _Installed:
        if kind == "asr":
            return _Installed(model_id=model_id, sha256="cd" * 32)
        return _Installed(model_id=model_id, fit_for_drafting=self.fit)


class _Closing(FakeAsrEngine):
    def __init__(self, script: list[list[EngineSegment]] | None = None) -> None:
        super().__init__(script, model_id="fake-asr")
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


class _ClosingLlm(LlmDrafter):
    closed = 0

    def close(self) -> None:
        type(self).closed += 1
        super().close()


class _Crashing(StructuredDrafter):
    """An LLM drafter whose worker dies after its first section."""

    engine = "llm"
    model = "fake-llm"
    model_sha256 = "ab" * 32

    def draft(
        self, transcript: Transcript, template: Template, cancel: CancelToken | None = None
    ) -> Iterator[DraftEvent]:
        for event in super().draft(transcript, template, cancel):
            yield event
            raise EngineCrashed("llm", "crashed", signal_name="SIGSEGV")


class Hub:
    """An EngineHub on fakes that counts what it loads."""

    def __init__(
        self, *, fit: bool = True, crash: bool = False, exclusive: bool = False, hears: bool = True
    ) -> None:
        self.hears = hears
        self.asr_loads: list[str | None] = []
        self.llm_loads: list[str] = []
        self.asr_engines: list[_Closing] = []
        self.crash = crash
        self.hub = EngineHub(
            load_asr=self._load_asr,
            load_llm=self._load_llm,
            open_models=lambda: _Models(fit),
            exclusive=exclusive,
        )

    def _load_asr(self, model: str | None) -> _Closing:
        self.asr_loads.append(model)
        engine = _Closing([list(SPEECH) for _ in range(10)] if self.hears else None)
        self.asr_engines.append(engine)
        return engine

    def _load_llm(self, installed: Any) -> Any:
        self.llm_loads.append(installed.model_id)
        if self.crash:
            return _Crashing()
        engine = FakeLlmEngine([lambda _prompt: "Huslejen er svær at betale [S0]."] * 5000)
        return _ClosingLlm(engine, installed.model_id, installed.sha256)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CaseStore]:
    case_store = open_store(tmp_path / "data", make_keys(), MovableClock())
    try:
        yield case_store
    finally:
        case_store.close()


@pytest.fixture
def hub() -> Iterator[Hub]:
    fakes = Hub()
    with fakes.hub:
        yield fakes


def drive(
    job: Generator[Event, None, Any], cancel: CancelToken | None = None, after: int = -1
) -> tuple[list[Event], Any]:
    """(events, result); the token is cancelled once `after` events have come."""
    events: list[Event] = []
    while True:
        try:
            event = next(job)
        except StopIteration as finished:
            return events, finished.value
        events.append(event)
        if cancel is not None and len(events) == after:
            cancel.cancel()


def state(store: CaseStore) -> tuple[object, ...]:
    """What a job could have changed in the store."""
    cases = store.list_cases()
    return (
        [(c.case_id, c.state, c.updated_at) for c in cases],
        [(e.event, e.case_id) for e in store.audit_events()],
        [(store.load_transcript(c.case_id), store.load_draft(c.case_id)) for c in cases],
    )


def kinds(events: list[Event]) -> list[str]:
    """The events in order, repeats of a kind folded: "Stage:audio.decode", "Progress", ..."""
    named: list[str] = []
    for event in events:
        if isinstance(event, Stage):
            name = f"Stage:{event.name}"
        elif isinstance(event, Saved):
            name = f"Saved:{event.what}"
        else:
            name = type(event).__name__
        if not named or named[-1] != name or name.startswith(("Stage", "Saved")):
            named.append(name)
    return named


def cancel_everywhere(
    make: Callable[[CancelToken], Generator[Event, None, Any]], store: CaseStore | None
) -> int:
    """Cancel after each event in turn: Cancelled and an untouched store until the job starts
    writing (its first Saved event), a finished job after that. Returns the steps tried."""
    after = 0
    while True:
        after += 1
        before = state(store) if store is not None else None
        cancel = CancelToken()
        try:
            events, result = drive(make(cancel), cancel, after)
        except Cancelled:
            if store is not None:
                assert state(store) == before, f"cancelled after event {after} changed the store"
            continue
        assert result is not None
        if after > len(events):
            return after - 1  # never cancelled: every step was tried
        saved = [i for i, e in enumerate(events) if isinstance(e, Saved)]
        assert saved and saved[0] < after, f"cancel after event {after} was not honoured"


# ---- transcribe_file_job ------------------------------------------------------------------------


def test_transcribe_file_job_yields_decode_progress_and_segments_and_returns_the_transcript() -> (
    None
):
    engine = FakeAsrEngine([list(SPEECH)], model_id="fake-base")
    events, transcript = drive(transcribe_file_job(SAMPLE_WAV, engine, "da"))
    assert kinds(events)[:3] == ["Stage:audio.decode", "Progress", "SegmentCommitted"]
    assert events[-1] == Progress(TRANSCRIBE_STAGE, transcript.duration_s, transcript.duration_s)
    committed = [e for e in events if isinstance(e, SegmentCommitted)]
    assert [e.segment for e in committed] == list(transcript.segments)
    assert all(e.case_id is None for e in committed)
    assert isinstance(transcript, Transcript) and transcript.model == "fake-base"
    assert [s.text for s in transcript.segments] == NOTES.splitlines()
    assert transcript.duration_s == pytest.approx(38.72, abs=0.01)


def test_a_loader_is_called_only_after_the_audio_decoded(tmp_path: Path) -> None:
    loads: list[str] = []

    def loader() -> FakeAsrEngine:
        loads.append("load")
        return FakeAsrEngine([list(SPEECH)])

    not_audio = tmp_path / "noter.wav"
    not_audio.write_text("ikke lyd", encoding="utf-8")
    with pytest.raises(AssistError):
        run(transcribe_file_job(not_audio, loader, "da"))
    assert loads == []
    events, _ = drive(transcribe_file_job(SAMPLE_WAV, loader, "da"))
    assert kinds(events)[:3] == ["Stage:audio.decode", "Stage:model.load", "Progress"]
    assert loads == ["load"]


def test_transcribe_file_job_stops_at_every_step_when_cancelled() -> None:
    steps = cancel_everywhere(
        lambda cancel: transcribe_file_job(SAMPLE_WAV, FakeAsrEngine([list(SPEECH)]), "da", cancel),
        None,
    )
    assert steps >= 8


# ---- build_draft --------------------------------------------------------------------------------


def test_build_draft_yields_each_section_in_template_order_and_returns_the_verified_draft() -> None:
    template = get_template("journalnotat")
    events, draft = drive(
        build_draft(StructuredDrafter(), Transcript.from_typed_notes(NOTES), template, case_id="c")
    )
    drafted = [e for e in events if isinstance(e, SectionDrafted)]
    assert [e.section.section_id for e in drafted] == [s.section_id for s in template.sections]
    assert all(e.case_id == "c" for e in drafted)
    assert isinstance(draft, Draft) and draft.engine == "structured"
    assert [s.section_id for s in draft.sections] == [s.section_id for s in template.sections]
    assessment = next(e.section for e in drafted if e.section.section_id == "faglig_vurdering")
    assert assessment.generated is False and assessment.sentences == ()


def test_build_draft_stops_at_every_step_when_cancelled() -> None:
    template = get_template("journalnotat")
    steps = cancel_everywhere(
        lambda cancel: build_draft(
            StructuredDrafter(), Transcript.from_typed_notes(NOTES), template, cancel
        ),
        None,
    )
    assert steps >= len(template.sections)


# ---- draft_transcript / draft_case --------------------------------------------------------------


def test_draft_transcript_loads_a_qualified_model_and_drafts_with_it(hub: Hub) -> None:
    template = get_template("journalnotat")
    events, result = drive(
        draft_transcript(Transcript.from_typed_notes(NOTES), template, hub.hub, "auto", None)
    )
    assert kinds(events)[:3] == ["Stage:draft.choose", "Stage:model.load", "Progress"]
    assert isinstance(result, DraftResult) and result.engine == "llm"
    assert result.note is None and result.notices("da") == () and result.template == template
    assert sum(isinstance(e, SectionDrafted) for e in events) == len(template.sections)


def test_an_unqualified_model_falls_back_with_the_note_as_data() -> None:
    fakes = Hub(fit=False)
    with fakes.hub:
        events, result = drive(
            draft_transcript(
                Transcript.from_typed_notes(NOTES), get_template("journalnotat"), fakes.hub
            )
        )
    assert "Stage:model.load" not in kinds(events) and fakes.llm_loads == []
    assert result.engine == "structured" and result.note == NOTE_FALLBACK_UNQUALIFIED
    assert result.note_params == {"model_id": DEFAULT_LLM_MODEL}
    assert "ikke godkendt" in result.notices("da")[0]
    with pytest.raises(AssistError, match="qualification"):
        run(draft_transcript(Transcript.from_typed_notes(NOTES), result.template, fakes.hub, "llm"))


def test_a_crashed_model_falls_back_under_auto_and_is_dropped_from_the_hub() -> None:
    fakes = Hub(crash=True)
    template = get_template("journalnotat")
    with fakes.hub:
        events, result = drive(
            draft_transcript(Transcript.from_typed_notes(NOTES), template, fakes.hub, "auto")
        )
        assert fakes.hub.loaded == ()  # the dead worker is not handed to the next job
        assert "Stage:draft.fallback" in kinds(events)
        assert result.engine == "structured" and result.note == CRASH_FALLBACK
        assert isinstance(result.crash, EngineCrashed)
        notices = result.notices("en")
        assert "SIGSEGV" in notices[0] and "structured extraction" in notices[1]
        with pytest.raises(EngineCrashed):
            run(draft_transcript(Transcript.from_typed_notes(NOTES), template, fakes.hub, "llm"))
    assert fakes.llm_loads == [DEFAULT_LLM_MODEL] * 2


def test_draft_case_saves_typed_notes_and_the_draft_and_says_so(store: CaseStore, hub: Hub) -> None:
    case_id = store.create_case(title="Demo")
    typed = Transcript.from_typed_notes(NOTES)
    events, result = drive(draft_case(store, case_id, hub.hub, "structured", None, None, typed))
    assert kinds(events)[0] == "Stage:draft.choose"
    assert kinds(events)[-2:] == ["Saved:transcript", "Saved:draft"]
    assert events[-1] == Saved(case_id, "draft")
    assert result.case_id == case_id and result.engine == "structured"
    assert all(e.case_id == case_id for e in events if isinstance(e, SectionDrafted))
    stored = store.load_draft(case_id)
    assert stored is not None and stored.draft["engine"] == "structured"
    loaded = store.load_transcript(case_id)
    assert loaded is not None and [s.text for s in loaded.segments] == NOTES.splitlines()


def test_draft_case_without_a_transcript_refuses_and_writes_nothing(
    store: CaseStore, hub: Hub
) -> None:
    case_id = store.create_case(title="Demo")
    before = state(store)
    with pytest.raises(AssistError, match="no transcript"):
        run(draft_case(store, case_id, hub.hub, "structured"))
    assert state(store) == before


def test_draft_case_stops_at_every_step_and_leaves_the_case_as_it_was(
    store: CaseStore, hub: Hub
) -> None:
    case_id = store.create_case(title="Demo")
    typed = Transcript.from_typed_notes(NOTES)
    steps = cancel_everywhere(
        lambda cancel: draft_case(store, case_id, hub.hub, "auto", None, None, typed, cancel),
        store,
    )
    assert steps > len(get_template("journalnotat").sections)


# ---- transcribe_into_case -----------------------------------------------------------------------


def test_transcribe_into_case_makes_the_case_with_transcript_and_draft(
    store: CaseStore, hub: Hub
) -> None:
    template = get_template("journalnotat")
    job = transcribe_into_case(
        store, None, SAMPLE_WAV, hub.hub, "da", "Demo", template, engine_choice="structured"
    )
    events, done = drive(job)
    assert kinds(events)[:4] == [
        "Stage:audio.decode",
        "Stage:model.load",
        "Progress",
        "SegmentCommitted",
    ]
    assert "Stage:draft.choose" in kinds(events)
    assert kinds(events)[-3:] == ["Saved:case", "Saved:transcript", "Saved:draft"]
    assert isinstance(done, CaseTranscribed) and done.created
    assert all(isinstance(e, Saved) and e.case_id == done.case_id for e in events[-3:])
    (case,) = store.list_cases()
    assert case.case_id == done.case_id and case.title == "Demo"
    assert store.transcript_model(done.case_id) == ("fake-asr", "cd" * 32)
    assert done.drafted.case_id == done.case_id and done.drafted.engine == "structured"
    assert store.load_draft(done.case_id) is not None


def test_transcribe_into_a_given_case_fills_it(store: CaseStore, hub: Hub) -> None:
    case_id = store.create_case(title="Givet")
    events, done = drive(
        transcribe_into_case(store, case_id, SAMPLE_WAV, hub.hub, engine_choice="structured")
    )
    assert done.case_id == case_id and not done.created
    assert "Saved:case" not in kinds(events)
    assert store.load_transcript(case_id) is not None and len(store.list_cases()) == 1


def test_transcribe_into_case_stops_at_every_step_and_leaves_the_store_as_it_was(
    store: CaseStore, hub: Hub
) -> None:
    given = store.create_case(title="Givet")
    for case_id in (None, given):
        steps = cancel_everywhere(
            lambda cancel, case_id=case_id: transcribe_into_case(
                store, case_id, SAMPLE_WAV, hub.hub, cancel=cancel, engine_choice="auto"
            ),
            store,
        )
        assert steps > 10
    assert hub.asr_loads == [None]  # one speech model for every run


def test_a_failure_while_saving_removes_the_case_the_job_made(
    store: CaseStore, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("assist.casework.save_generated_draft", disk_full)
    with pytest.raises(OSError, match="disk full"):
        run(transcribe_into_case(store, None, SAMPLE_WAV, hub.hub, engine_choice="structured"))
    assert store.list_cases() == []


def test_silence_writes_nothing(store: CaseStore, tmp_path: Path) -> None:
    import wave

    silence = tmp_path / "stille.wav"
    with wave.open(str(silence), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(16_000)
        handle.writeframes(bytes(16_000 * 2 * 3))
    before = state(store)
    fakes = Hub(hears=False)  # the fake hears nothing in silence
    with fakes.hub, pytest.raises(AssistError, match="empty"):
        run(transcribe_into_case(store, None, silence, fakes.hub, engine_choice="structured"))
    assert state(store) == before


def test_a_signed_case_is_refused_before_the_slow_part(store: CaseStore, hub: Hub) -> None:
    from assist.casework import sign_case

    case_id = store.create_case(title="Givet")
    run(draft_case(store, case_id, hub.hub, "structured", typed=Transcript.from_typed_notes(NOTES)))
    sign_case(store, case_id, "Anne Hansen", "all", allow_empty_assessment=True)
    with pytest.raises(AssistError, match="transcript"):
        run(transcribe_into_case(store, case_id, SAMPLE_WAV, hub.hub))
    assert hub.asr_loads == []


# ---- retention_job ------------------------------------------------------------------------------


def test_retention_job_runs_the_policy_and_stops_before_deleting_when_cancelled(
    tmp_path: Path,
) -> None:
    clock = MovableClock(T0)
    store = open_store(tmp_path / "data", make_keys(), clock)
    try:
        store.create_case(title="Gammel")
        clock.advance(days=31)
        before = state(store)
        cancel = CancelToken()
        with pytest.raises(Cancelled):
            drive(retention_job(store, RetentionPolicy(), None, cancel), cancel, 1)
        assert state(store) == before and len(store.list_cases()) == 1
        events, report = drive(retention_job(store, RetentionPolicy(), None))
        assert events == [Stage("retention.run")]
        assert report.cases_purged_unsigned == 1 and store.list_cases() == []
    finally:
        store.close()


# ---- EngineHub ----------------------------------------------------------------------------------


def test_the_hub_loads_each_engine_once_across_jobs_and_closes_them(store: CaseStore) -> None:
    fakes = Hub()
    _ClosingLlm.closed = 0
    with fakes.hub as engines:
        first = run(transcribe_into_case(store, None, SAMPLE_WAV, engines, engine_choice="auto"))
        second = run(transcribe_into_case(store, None, SAMPLE_WAV, engines, engine_choice="auto"))
        again = run(draft_case(store, first.case_id, engines, "auto"))
        assert first.case_id != second.case_id
        assert {first.drafted.engine, second.drafted.engine, again.engine} == {"llm"}
        assert fakes.asr_loads == [None] and fakes.llm_loads == [DEFAULT_LLM_MODEL]
        assert engines.loaded == ("asr", "llm")
        assert fakes.asr_engines[0].closed == 0 and _ClosingLlm.closed == 0
    assert engines.loaded == ()
    assert fakes.asr_engines[0].closed == 1 and _ClosingLlm.closed == 1
    with pytest.raises(RuntimeError):
        engines.asr()


def test_an_exclusive_hub_keeps_one_model_in_memory(store: CaseStore) -> None:
    fakes = Hub(exclusive=True)
    _ClosingLlm.closed = 0
    with fakes.hub as engines:
        run(transcribe_into_case(store, None, SAMPLE_WAV, engines, engine_choice="auto"))
        assert engines.loaded == ("llm",) and fakes.asr_engines[0].closed == 1
        engines.asr()
        assert engines.loaded == ("asr",) and _ClosingLlm.closed == 1
    assert fakes.asr_loads == [None, None]


def test_asking_for_another_model_replaces_the_loaded_one() -> None:
    fakes = Hub()
    with fakes.hub as engines:
        first = engines.asr("a")
        assert engines.asr("a") is first
        engines.asr("b")
        assert fakes.asr_loads == ["a", "b"] and fakes.asr_engines[0].closed == 1
        assert engines.asr_model_sha256("b") == "cd" * 32
