"""Recording as a core job: events in order, pause/resume, stop from another thread, cancel,
consent refused at the start and withdrawn during the recording."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from helpers.store_support import make_keys, open_store
from test_live_transcriber import SETTINGS, ListSink, blocks, pcm, silence, tone

from assist.asr.engine import FakeAsrEngine
from assist.asr.live import EnergySpeechDetector, LiveTranscriber
from assist.cancel import CancelToken
from assist.errors import AssistError
from assist.jobs.events import Event, Level, Saved, SegmentCommitted, run
from assist.jobs.recording import CaseTarget, RecordingResult, RecordingSession
from assist.store import CaseStore

RATE = 16_000
BLOCK = int(0.1 * RATE) * 2  # bytes in a 100 ms block
# Two utterances, then silence, 4.5 s in all.
MEETING = pcm(np.concatenate([tone(1.0), silence(1.0), tone(1.5), silence(1.0)]))


def live() -> LiveTranscriber:
    return LiveTranscriber(
        FakeAsrEngine(), detector=EnergySpeechDetector(SETTINGS.min_pause_s), settings=SETTINGS
    )


def drive(job: Iterator[Event]) -> tuple[list[Event], RecordingResult]:
    events: list[Event] = []
    while True:
        try:
            events.append(next(job))
        except StopIteration as finished:
            return events, finished.value


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CaseStore]:
    with open_store(tmp_path / "data", make_keys()) as opened:
        yield opened


def _case(store: CaseStore, consent: str = "given") -> str:
    if consent == "given":
        return store.create_case(title="x", consent="given", consent_by="Borger B")
    return store.create_case(title="x", consent=consent)  # type: ignore[arg-type]


def test_recording_into_a_case_yields_levels_segments_and_saved_last(store: CaseStore) -> None:
    case_id = _case(store)
    target = CaseTarget(store, case_id, transcript_model="fake-asr", transcript_model_sha256="ab")
    # Paced like a (fast) microphone, so recognition keeps up with it.
    session = RecordingSession(_controlled(MEETING, {}, pace_s=0.01), case=target, live=live)
    events, result = drive(session.run())
    levels = [e for e in events if isinstance(e, Level)]
    committed = [e for e in events if isinstance(e, SegmentCommitted)]
    assert len(levels) == 45  # one per 100 ms block
    assert [lv.elapsed_s for lv in levels] == pytest.approx([0.1 * (i + 1) for i in range(45)])
    assert levels[0].rms == pytest.approx(0.3 / np.sqrt(2), abs=0.01)
    assert levels[0].peak == pytest.approx(0.3, abs=0.01) and levels[-1].peak == 0.0
    assert [e.segment.text for e in committed] == ["tale 1", "tale 2"]
    assert all(e.case_id == case_id for e in committed)
    # The first utterance came while recording, before the audio ended; Saved comes last.
    assert events.index(committed[0]) < events.index(levels[-1])
    assert events[-1] == Saved(case_id, "recording")
    assert result.case_id == case_id and result.segments == tuple(e.segment for e in committed)
    assert result.duration_s == pytest.approx(4.5) and not result.stopped_early
    assert result.stop_to_final_s is not None and result.stop_to_final_s >= 0
    assert result.interruptions == () and result.missed_s == 0
    [info] = store.get_case(case_id).recordings
    assert (info.state, info.complete, info.duration_s) == ("stopped", True, 4.5)
    assert store.read_recording(info.recording_id).pcm == MEETING
    transcript = store.load_transcript(case_id)
    assert transcript is not None and [s.text for s in transcript.segments] == ["tale 1", "tale 2"]
    assert store.transcript_model(case_id)[0] == "fake-asr"
    assert "transcribed" in [e.event for e in store.audit_events(case_id)]


def test_a_session_without_a_case_records_into_its_sinks_and_saves_nothing() -> None:
    sink = ListSink()
    events, result = drive(RecordingSession(blocks(MEETING), sinks=[sink], live=live).run())
    assert bytes(sink.data) == MEETING and sink.closed
    assert not any(isinstance(e, Saved) for e in events)
    assert [s.text for s in result.segments] == ["tale 1", "tale 2"] and result.case_id is None


def test_without_live_there_is_no_transcript_and_no_waiting() -> None:
    sink = ListSink()
    result = run(RecordingSession(blocks(MEETING), sinks=[sink]).run())
    assert bytes(sink.data) == MEETING
    assert result.segments == () and result.stop_to_final_s is None


def _controlled(
    data: bytes, at: dict[int, Callable[[], None]], pace_s: float = 0.0
) -> Iterator[bytes]:
    """`data` in 100 ms blocks; before block i, `at[i]()` runs (in the job's thread)."""
    for index, block in enumerate(blocks(data)):
        if index in at:
            at[index]()
        if pace_s:
            time.sleep(pace_s)
        yield block


def test_paused_audio_is_read_but_not_recorded_and_elapsed_excludes_it(store: CaseStore) -> None:
    case_id = _case(store)
    # 1 s tone, then 2 s of another tone while paused, then 1 s silence, 1 s tone, 1 s silence.
    audio = pcm(np.concatenate([tone(1.0), tone(2.0), silence(1.0), tone(1.0), silence(1.0)]))
    hold: list[RecordingSession] = []
    at = {10: lambda: hold[0].pause(), 30: lambda: hold[0].resume()}
    session = RecordingSession(_controlled(audio, at), case=CaseTarget(store, case_id), live=live)
    hold.append(session)
    events, result = drive(session.run())
    assert result.duration_s == pytest.approx(4.0) and result.paused_s == pytest.approx(2.0)
    kept = audio[: 10 * BLOCK] + audio[30 * BLOCK :]
    [info] = store.get_case(case_id).recordings
    assert store.read_recording(info.recording_id).pcm == kept and info.duration_s == 4.0
    elapsed = [e.elapsed_s for e in events if isinstance(e, Level)]
    assert len(elapsed) == 60  # the meter goes on while paused ...
    assert elapsed[9:30] == pytest.approx([1.0] * 21)  # ... the clock does not
    assert elapsed[-1] == pytest.approx(4.0)
    # The transcript is of what was recorded: 1 s tone, 1 s silence, 1 s tone, in its own time.
    assert [(s.text, round(s.start_s, 1), round(s.end_s, 1)) for s in result.segments] == [
        ("tale 1", 0.0, 1.0),
        ("tale 2", 1.8, 3.0),
    ]


def _endless_meeting(produced: list[bytes], pace_s: float = 0.005) -> Iterator[bytes]:
    """A microphone: 1 s of speech, 1 s of silence, over and over, a block every `pace_s`."""
    pattern = list(blocks(pcm(np.concatenate([tone(1.0), silence(1.0)]))))
    index = 0
    while True:
        time.sleep(pace_s)
        block = pattern[index % len(pattern)]
        produced.append(block)
        index += 1
        yield block


Ran = tuple[list[Event], RecordingResult]


def _run_in_thread(session: RecordingSession) -> tuple[threading.Thread, list[Ran]]:
    """Run the job on a worker thread, as the app does; [(events, result)] once it ended."""
    outcome: list[Ran] = []

    def work() -> None:
        outcome.append(drive(session.run()))

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread, outcome


def _wait_for(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _utterances_in(blocks_recorded: int) -> int:
    """Speech starts in the first `blocks_recorded` blocks of `_endless_meeting`."""
    return len(range(0, blocks_recorded, 20))


def test_stop_from_another_thread_ends_within_a_second_and_keeps_everything(
    store: CaseStore,
) -> None:
    case_id = _case(store)
    produced: list[bytes] = []
    session = RecordingSession(
        _endless_meeting(produced), case=CaseTarget(store, case_id), live=live
    )
    thread, outcome = _run_in_thread(session)
    _wait_for(lambda: session.elapsed_s >= 4.5)  # mid-way through the third utterance
    asked = time.monotonic()
    session.stop()
    thread.join(5)
    assert not thread.is_alive() and time.monotonic() - asked < 1.0
    [(events, result)] = outcome
    assert result.stopped_early and events[-1] == Saved(case_id, "recording")
    [info] = store.get_case(case_id).recordings
    recorded = store.read_recording(info.recording_id).pcm
    assert recorded == b"".join(produced) and info.complete  # every block read was kept
    assert result.duration_s == pytest.approx(len(recorded) / (2 * RATE))
    # Transcribed to the end, the utterance cut short by the stop included.
    assert len(result.segments) == _utterances_in(len(produced)) >= 3
    transcript = store.load_transcript(case_id)
    assert transcript is not None and len(transcript.segments) == len(result.segments)


def test_cancel_stops_the_recording_like_stop() -> None:
    cancel = CancelToken()
    produced: list[bytes] = []
    sink = ListSink()
    session = RecordingSession(_endless_meeting(produced), sinks=[sink], live=live, cancel=cancel)
    thread, outcome = _run_in_thread(session)
    _wait_for(lambda: session.elapsed_s >= 2.5)
    cancel.cancel()
    thread.join(5)
    assert not thread.is_alive()
    [(_, result)] = outcome
    assert result.stopped_early and bytes(sink.data) == b"".join(produced) and sink.closed
    assert len(result.segments) == _utterances_in(len(produced)) >= 2


def test_closing_the_job_still_saves_the_recording_and_its_transcript(store: CaseStore) -> None:
    case_id = _case(store)
    job = RecordingSession(blocks(MEETING), case=CaseTarget(store, case_id), live=live).run()
    for _ in range(15):  # 1.5 s: the first utterance and its pause
        next(job)
    job.close()
    [info] = store.get_case(case_id).recordings
    assert (info.state, info.complete, info.duration_s) == ("stopped", True, 1.5)
    transcript = store.load_transcript(case_id)
    assert transcript is not None and [s.text for s in transcript.segments] == ["tale 1"]


@pytest.mark.parametrize("consent", ["not-asked", "refused"])
def test_consent_refused_at_the_start_records_nothing_and_loads_no_model(
    store: CaseStore, consent: str
) -> None:
    case_id = _case(store, consent)
    made: list[LiveTranscriber] = []

    def make_live() -> LiveTranscriber:
        made.append(live())
        return made[-1]

    read: list[bytes] = []
    session = RecordingSession(
        _endless_meeting(read), case=CaseTarget(store, case_id), live=make_live
    )
    job = session.run()
    with pytest.raises(AssistError) as refused:
        next(job)
    assert refused.value.code == "store.no_consent"
    assert made == [] and read == [] and store.get_case(case_id).recordings == ()
    with pytest.raises(AssistError) as again:
        next(session.run())
    assert again.value.code == "recording.already_run"


def test_consent_withdrawn_during_the_recording_stops_it_and_keeps_nothing(
    store: CaseStore,
) -> None:
    case_id = _case(store)
    audio = pcm(np.concatenate([tone(1.0), silence(1.0), tone(1.0), silence(2.0)]))

    def withdraw_now() -> None:  # what `assist case consent ID --withdrawn` or the app does
        store.withdraw_consent(case_id, by="Borger B")

    withdraw = {28: withdraw_now}  # during the second utterance
    session = RecordingSession(
        _controlled(audio, withdraw, pace_s=0.01), case=CaseTarget(store, case_id), live=live
    )
    job = session.run()
    events: list[Event] = []
    with pytest.raises(AssistError) as stopped:
        for event in job:
            events.append(event)
    assert stopped.value.code == "store.consent_withdrawn_stop"
    assert not any(isinstance(e, Saved) for e in events)
    assert [e.segment.text for e in events if isinstance(e, SegmentCommitted)] == ["tale 1"]
    [info] = store.get_case(case_id).recordings
    assert info.state == "deleted" and list(store.recordings_dir.iterdir()) == []
    transcript = store.load_transcript(case_id)
    assert transcript is None or transcript.segments == ()
