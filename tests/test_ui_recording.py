"""The recording view with a fake microphone and fake speech engine: recording into a case, the
live transcript, pause, stop, a lost microphone, consent, engine crashes, keyboard, import."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers.fake_microphone import SAMPLE_WAV, FakeMicrophoneBackend, pcm_blocks
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QAccessible, QDropEvent
from PySide6.QtWidgets import QApplication
from ui_support import make_services

from assist.asr.engine import FakeAsrEngine
from assist.asr.live import LiveTranscriber
from assist.audio.decode import iter_pcm_chunks
from assist.audio.source import file_source
from assist.engines.worker import EngineCrashed
from assist.errors import AssistError
from assist.jobs.events import run
from assist.jobs.recording import RecordingSession
from assist.store.recordings import NO_CONSENT
from ui.audio import CaptureFormat, PcmConverter
from ui.context import AppServices
from ui.level_meter import LevelMeter
from ui.recording_view import RecordingView

SECOND = 16_000 * 2  # bytes of 16 kHz mono s16le


def sample_pcm() -> bytes:
    return b"".join(chunk.astype("<i2").tobytes() for chunk in iter_pcm_chunks(SAMPLE_WAV))


def core_segments(pcm: bytes) -> list[tuple[float, float, str]]:
    """What the fake engine makes of `pcm` live through the core alone, without the view."""
    session = RecordingSession(pcm_blocks(pcm), live=lambda: LiveTranscriber(FakeAsrEngine()))
    result = run(session.run())
    return [(s.start_s, s.end_s, s.text) for s in result.segments]


@pytest.fixture(scope="module")
def reference_segments() -> list[tuple[float, float, str]]:
    """What the fake engine makes of the whole sample through the core alone."""
    session = RecordingSession(
        file_source(SAMPLE_WAV), live=lambda: LiveTranscriber(FakeAsrEngine())
    )
    result = run(session.run())
    return [(s.start_s, s.end_s, s.text) for s in result.segments]


Build = Callable[..., AppServices]


@pytest.fixture
def build(tmp_path: Path) -> Iterator[Build]:
    made: list[AppServices] = []

    def make(
        microphones: Any = None, load_asr: Callable[[str | None], Any] | None = None
    ) -> AppServices:
        services = make_services(
            tmp_path / f"s{len(made)}", microphones=microphones, load_asr=load_asr
        )
        made.append(services)
        return services

    try:
        yield make
    finally:
        for services in made:
            services.runner.shutdown()
            QApplication.processEvents()  # the jobs' last callbacks, while the store is open
            services.close()


def new_case(services: AppServices, consent: str = "given") -> str:
    return services.store.create_case(
        title="J.nr. 27.12.04-G01",
        consent=consent,  # type: ignore[arg-type]
        consent_by="Borger B" if consent == "given" else None,
        note_type="journalnotat",
    )


def make_view(qtbot: Any, services: AppServices, case_id: str | None) -> RecordingView:
    view = RecordingView(services)
    qtbot.addWidget(view)
    view.set_case(case_id)
    return view


def wait_recording(qtbot: Any, view: RecordingView) -> None:
    qtbot.waitUntil(lambda: view.state_label.text() == "● Recording", timeout=10_000)


def stop_and_wait(qtbot: Any, view: RecordingView) -> None:
    with qtbot.waitSignal(view.recording_finished, timeout=60_000):
        view.stop_button.click()
    assert not view.is_recording()


def recorded_seconds(services: AppServices, case_id: str) -> float:
    (recording,) = services.store.recordings(case_id)
    return services.store.read_recording(recording.recording_id).duration_s


def saved_segments(services: AppServices, case_id: str) -> list[tuple[float, float, str]]:
    transcript = services.store.load_transcript(case_id)
    assert transcript is not None
    return [(s.start_s, s.end_s, s.text) for s in transcript.segments]


# ---- recording ------------------------------------------------------------------------------


def test_record_shows_live_segments_and_saves_them_in_the_case(
    qtbot: Any, build: Build, reference_segments: list[tuple[float, float, str]]
) -> None:
    # Nine seconds at real-time pace: the first utterance (0-4.5 s) is followed by a pause.
    backend = FakeMicrophoneBackend(pcm=sample_pcm()[: 9 * SECOND], realtime=True)
    services = build(backend)
    case_id = new_case(services)
    view = make_view(qtbot, services, case_id)
    with qtbot.waitSignal(view.recording_started, timeout=10_000) as started:
        view.start_button.click()
    assert started.args == [case_id]
    wait_recording(qtbot, view)
    qtbot.waitUntil(lambda: view.transcript_list.count() == 1, timeout=15_000)
    assert view.transcript_list.item(0).text() == "00:00  " + reference_segments[0][2].strip()
    assert not backend.current.stopped  # shown while the recording went on
    qtbot.waitUntil(lambda: backend.current.delivered_bytes == 9 * SECOND, timeout=15_000)
    stop_and_wait(qtbot, view)

    assert recorded_seconds(services, case_id) == pytest.approx(9.0)
    assert saved_segments(services, case_id) == core_segments(sample_pcm()[: 9 * SECOND])
    assert services.store.transcript_model(case_id) == ("whisper-base-ct2", "ab" * 32)
    assert "saved in the case (00:09)" in view.banner.text()
    assert view.transcript_list.count() == len(saved_segments(services, case_id))


def test_recording_shows_only_once_the_first_buffer_arrived(qtbot: Any, build: Build) -> None:
    backend = FakeMicrophoneBackend(held=True)
    services = build(backend)
    view = make_view(qtbot, services, new_case(services))
    view.start_button.click()
    qtbot.waitUntil(lambda: bool(backend.opened) and backend.current.waiting_for_audio)
    qtbot.wait(200)  # the job waits for audio: nothing may claim it records
    assert view.state_label.text() == "Starting microphone…"
    assert not view.pause_button.isEnabled() and view.stop_button.isEnabled()
    backend.current.release()
    wait_recording(qtbot, view)
    stop_and_wait(qtbot, view)


def test_elapsed_time_comes_from_samples_not_the_wall_clock(qtbot: Any, build: Build) -> None:
    backend = FakeMicrophoneBackend(pcm=sample_pcm()[: 5 * SECOND])
    services = build(backend)
    case_id = new_case(services)
    view = make_view(qtbot, services, case_id)
    began = time.monotonic()
    view.start_button.click()
    qtbot.waitUntil(lambda: view.elapsed_label.text() == "00:05", timeout=10_000)
    assert time.monotonic() - began < 4.5  # five seconds of audio, shown sooner
    assert "5 seconds recorded" in view.elapsed_label.accessibleDescription()
    stop_and_wait(qtbot, view)
    assert recorded_seconds(services, case_id) == pytest.approx(5.0)


def test_paused_audio_is_not_recorded(qtbot: Any, build: Build) -> None:
    pcm = sample_pcm()
    backend = FakeMicrophoneBackend(pcm=b"")
    services = build(backend)
    case_id = new_case(services)
    view = make_view(qtbot, services, case_id)
    view.start_button.click()
    qtbot.waitUntil(lambda: bool(backend.opened))
    mic = backend.current

    def deliver(part: bytes, total: int) -> None:
        mic.feed(part)
        qtbot.waitUntil(lambda: mic.delivered_bytes == total and mic.waiting_for_audio)

    deliver(pcm[: 3 * SECOND], 3 * SECOND)
    wait_recording(qtbot, view)
    view.pause_button.click()
    assert view.state_label.text() == "❚❚ Paused" and view.resume_button.isEnabled()
    deliver(pcm[3 * SECOND : 7 * SECOND], 7 * SECOND)
    assert view.elapsed_label.text() == "00:03"  # the clock stands still while paused
    view.resume_button.click()
    deliver(pcm[7 * SECOND : 9 * SECOND], 9 * SECOND)
    qtbot.waitUntil(lambda: view.elapsed_label.text() == "00:05")
    stop_and_wait(qtbot, view)
    assert recorded_seconds(services, case_id) == pytest.approx(5.0)


def test_stop_finishes_the_queued_transcript(
    qtbot: Any, build: Build, reference_segments: list[tuple[float, float, str]]
) -> None:
    services = build()
    case_id = new_case(services)
    view = make_view(qtbot, services, case_id)
    view.start_button.click()
    wait_recording(qtbot, view)
    assert view.transcript_list.count() < len(reference_segments)  # stopped mid-way
    view.stop_button.click()
    assert view.state_label.text() == "Finishing transcript…"
    assert view.is_recording()
    with qtbot.waitSignal(view.recording_finished, timeout=60_000):
        pass
    assert saved_segments(services, case_id) == reference_segments
    assert recorded_seconds(services, case_id) == pytest.approx(38.72, abs=0.01)


def test_a_lost_microphone_pauses_keeps_the_audio_and_says_so(qtbot: Any, build: Build) -> None:
    pcm = sample_pcm()
    backend = FakeMicrophoneBackend(pcm=pcm[: 4 * SECOND])
    services = build(backend)
    case_id = new_case(services)
    view = make_view(qtbot, services, case_id)
    view.start_button.click()
    qtbot.waitUntil(lambda: view.elapsed_label.text() == "00:04", timeout=10_000)
    mic = backend.current
    qtbot.waitUntil(lambda: mic.waiting_for_audio)
    # The sound server moves the stream elsewhere silently: audio keeps coming, from another
    # device. None of it may be recorded.
    backend.lose(keep_delivering=True)
    assert "microphone disappeared" in view.banner.text()
    assert view.state_label.text() == "❚❚ Paused"
    assert not view.resume_button.isEnabled() and view.stop_button.isEnabled()
    assert view.microphone_combo.findData("builtin") == -1  # the list followed the change
    mic.feed(pcm[4 * SECOND : 8 * SECOND])
    qtbot.waitUntil(lambda: mic.delivered_bytes == 8 * SECOND and mic.waiting_for_audio)
    assert view.is_recording()
    stop_and_wait(qtbot, view)
    assert recorded_seconds(services, case_id) == pytest.approx(4.0)
    assert "microphone disappeared" in view.banner.text()
    assert "saved in the case (00:04)" in view.banner.text()


def test_a_vanished_device_without_bytes_is_reported_too(qtbot: Any, build: Build) -> None:
    backend = FakeMicrophoneBackend(pcm=sample_pcm()[: 2 * SECOND])
    services = build(backend)
    case_id = new_case(services)
    view = make_view(qtbot, services, case_id)
    view.start_button.click()
    qtbot.waitUntil(lambda: view.elapsed_label.text() == "00:02", timeout=10_000)
    backend.remove_device("builtin")
    assert view.state_label.text() == "❚❚ Paused" and "disappeared" in view.banner.text()
    stop_and_wait(qtbot, view)
    assert recorded_seconds(services, case_id) == pytest.approx(2.0)


def test_no_consent_offers_nothing_to_record(qtbot: Any, build: Build) -> None:
    backend = FakeMicrophoneBackend()
    services = build(backend)
    case_id = new_case(services, consent="refused")
    view = make_view(qtbot, services, case_id)
    expected = AssistError(NO_CONSENT, case_id=case_id, status="refused").message("en")
    assert expected in view.banner.text()
    assert not view.start_button.isEnabled() and not view.import_button.isEnabled()
    view.start_recording()  # even called directly
    view.import_file(SAMPLE_WAV)
    assert not backend.opened and services.store.recordings(case_id) == []
    assert services.store.load_transcript(case_id) is None


def test_consent_changed_elsewhere_is_followed(qtbot: Any, build: Build) -> None:
    services = build()
    case_id = new_case(services)
    view = make_view(qtbot, services, case_id)
    assert view.start_button.isEnabled()
    services.store.set_consent(case_id, "refused")
    qtbot.waitUntil(lambda: not view.start_button.isEnabled())
    assert "Recording is not allowed" in view.banner.text()


def test_the_core_refusing_consent_is_shown(qtbot: Any, build: Build) -> None:
    """Consent gone between the view's look and the start: the core's refusal is shown."""
    services = build()
    case_id = new_case(services)
    view = make_view(qtbot, services, case_id)
    services.changes.blockSignals(True)  # the view does not hear of the change
    services.store.set_consent(case_id, "refused")
    view.start_button.click()
    qtbot.waitUntil(lambda: not view.is_recording(), timeout=10_000)
    services.changes.blockSignals(False)
    assert "Recording is not allowed" in view.banner.text()
    assert services.store.recordings(case_id) == []


def test_an_engine_crash_is_shown_and_the_view_stays_usable(qtbot: Any, build: Build) -> None:
    def crashing(model: str | None) -> Any:
        raise EngineCrashed("asr", "crashed", signal_name="SIGSEGV")

    services = build(load_asr=crashing)
    case_id = new_case(services)
    view = make_view(qtbot, services, case_id)
    view.start_button.click()
    qtbot.waitUntil(lambda: "Speech recognition stopped" in view.banner.text(), timeout=10_000)
    assert "Traceback" not in view.banner.text()
    assert not view.is_recording()
    assert view.start_button.isEnabled() and view.import_button.isEnabled()
    assert services.store.get_case(case_id).state == "draft"
    view.import_file(SAMPLE_WAV)  # the next job gets the same plain message
    qtbot.waitUntil(lambda: view.cancel_import_button.isHidden(), timeout=10_000)
    assert "Speech recognition stopped" in view.banner.text()


# ---- microphones, meter, keyboard, accessibility -------------------------------------------


def test_choosing_a_microphone_saves_it_and_is_used(qtbot: Any, build: Build) -> None:
    backend = FakeMicrophoneBackend(pcm=sample_pcm()[:SECOND])
    services = build(backend)
    view = make_view(qtbot, services, new_case(services))
    combo = view.microphone_combo
    assert combo.currentData() is None  # the system default
    combo.setCurrentIndex(combo.findData("usb"))
    combo.activated.emit(combo.currentIndex())
    assert services.settings.text("microphone") == "usb"
    again = make_view(qtbot, services, None)
    assert again.microphone_combo.currentData() == "usb"
    view.start_button.click()
    qtbot.waitUntil(lambda: bool(backend.opened))
    assert backend.open_requests == ["usb"]
    wait_recording(qtbot, view)
    stop_and_wait(qtbot, view)


def test_level_meter_tells_its_value_in_words() -> None:
    meter = LevelMeter()
    assert meter.accessibleName() == "Input level"
    assert meter.accessibleDescription() == "Silent"
    meter.set_level(0.1)
    assert meter.accessibleDescription() == "-20 dB"
    meter.set_level(1.0)
    assert meter.accessibleDescription() == "0 dB"


def test_start_and_stop_by_keyboard(qtbot: Any, build: Build) -> None:
    services = build()
    view = make_view(qtbot, services, new_case(services))
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    view.microphone_combo.setFocus()
    qtbot.waitUntil(lambda: view.microphone_combo.hasFocus())
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is view.start_button
    qtbot.keyClick(view.start_button, Qt.Key.Key_Space)
    wait_recording(qtbot, view)
    for _ in range(10):
        if QApplication.focusWidget() is view.stop_button:
            break
        qtbot.keyClick(QApplication.focusWidget() or view, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is view.stop_button
    with qtbot.waitSignal(view.recording_finished, timeout=60_000):
        qtbot.keyClick(view.stop_button, Qt.Key.Key_Space)


INTERACTIVE = {
    QAccessible.Role.PushButton,
    QAccessible.Role.ComboBox,
    QAccessible.Role.List,
    QAccessible.Role.ProgressBar,
    QAccessible.Role.EditableText,
}


def test_every_control_has_an_accessible_name(qtbot: Any, build: Build) -> None:
    services = build()
    view = make_view(qtbot, services, new_case(services))
    view.show()
    qtbot.waitExposed(view)
    unnamed: list[str] = []
    seen = 0

    def walk(node: Any) -> None:
        nonlocal seen
        if node.role() in INTERACTIVE:
            seen += 1
            if not node.text(QAccessible.Text.Name):
                unnamed.append(str(node.role()))
        if node.role() == QAccessible.Role.ComboBox:
            return  # its popup list is Qt's own, named by the combo box
        for index in range(node.childCount()):
            walk(node.child(index))

    walk(QAccessible.queryAccessibleInterface(view))
    assert seen >= 7 and unnamed == []
    assert view.level_meter.accessibleName() == "Input level"


# ---- import ---------------------------------------------------------------------------------


def test_importing_a_wav_saves_its_transcript_and_drafts_nothing(qtbot: Any, build: Build) -> None:
    services = build()
    case_id = new_case(services)
    view = make_view(qtbot, services, case_id)
    view.import_file(SAMPLE_WAV)
    assert view.cancel_import_button.isVisible() or not view.isVisible()
    assert not view.start_button.isEnabled()  # no recording while importing
    qtbot.waitUntil(lambda: "transcribed into the case" in view.banner.text(), timeout=30_000)
    transcript = services.store.load_transcript(case_id)
    assert transcript is not None and transcript.segments
    assert transcript.duration_s == pytest.approx(38.72, abs=0.01)
    assert view.transcript_list.count() == len(transcript.segments)
    assert services.store.load_draft(case_id) is None  # drafting is a separate step
    assert view.start_button.isEnabled()


def test_dropping_an_audio_file_imports_it(qtbot: Any, build: Build) -> None:
    services = build()
    case_id = new_case(services)
    view = make_view(qtbot, services, case_id)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(SAMPLE_WAV))])
    drop = QDropEvent(
        QPoint(5, 5), Qt.DropAction.CopyAction, data, Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    view.dropEvent(drop)
    qtbot.waitUntil(lambda: "transcribed into the case" in view.banner.text(), timeout=30_000)
    assert services.store.load_transcript(case_id) is not None


def test_cancelling_an_import_saves_nothing(qtbot: Any, build: Build) -> None:
    loading = threading.Event()
    go_on = threading.Event()

    def slow_load(model: str | None) -> FakeAsrEngine:
        loading.set()
        go_on.wait(10)
        return FakeAsrEngine()

    services = build(load_asr=slow_load)
    case_id = new_case(services)
    view = make_view(qtbot, services, case_id)
    view.import_file(SAMPLE_WAV)
    qtbot.waitUntil(loading.is_set, timeout=10_000)
    view.cancel_import_button.click()
    go_on.set()
    qtbot.waitUntil(lambda: "cancelled" in view.banner.text(), timeout=10_000)
    assert services.store.load_transcript(case_id) is None
    assert view.import_button.isEnabled() and view.cancel_import_button.isHidden()


def test_converter_makes_16k_mono_int16_from_48k_stereo_float() -> None:
    rate = 48_000
    t = np.arange(rate) / rate
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    stereo = np.stack([tone, tone], axis=1).astype("<f4").tobytes()
    converter = PcmConverter(CaptureFormat(rate, 2, "<f4"))
    # Odd chunk sizes: frames split across calls must come out whole.
    out = b"".join(converter.convert(stereo[i : i + 9_999]) for i in range(0, len(stereo), 9_999))
    samples = np.frombuffer(out, dtype="<i2").astype(np.float64) / 32767
    assert abs(samples.size - 16_000) <= 2
    assert np.max(np.abs(samples)) == pytest.approx(0.5, abs=0.01)
    expected = 0.5 * np.sin(2 * np.pi * 440 * np.arange(samples.size) / 16_000)
    assert np.max(np.abs(samples - expected)) < 0.02
