"""The recording view through a real QAudioSource: a private PulseAudio server with a virtual
microphone (field notes: a null sink, a virtual source on its monitor, since Qt hides monitors),
fed with real Danish speech by `paplay` while the view records it into a case. The speech engine
is the fake one (fast); the audio path is real.

Slow (a 39 s fixture plays in real time). Runs in a process of its own (`tests/test_isolated.py`):
QtMultimedia connects to the sound server once per process.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers.fake_microphone import SAMPLE_WAV
from pulse_support import SAMPLE_S, PulseServer, play_to_end, virtual_microphone
from pulse_support import pulse as pulse
from pulse_support import pulse_server as pulse_server
from PySide6.QtWidgets import QApplication
from ui_support import make_services

from ui.context import AppServices
from ui.recording_view import RecordingView

pytestmark = pytest.mark.slow



@pytest.fixture
def services(tmp_path: Path, pulse: tuple[PulseServer, str], qapp: Any) -> Iterator[AppServices]:
    from ui.audio import QtMicrophoneBackend

    backend = QtMicrophoneBackend()
    built = make_services(tmp_path / "app", microphones=backend)
    try:
        yield built
    finally:
        built.runner.shutdown()
        QApplication.processEvents()
        built.close()


def start_recording(qtbot: Any, services: AppServices) -> tuple[RecordingView, str]:
    case_id = services.store.create_case(
        title="J.nr. 27.12.04-G01", consent="given", consent_by="Borger B"
    )
    device_id = virtual_microphone(qtbot, services)
    view = RecordingView(services)
    qtbot.addWidget(view)
    view.set_case(case_id)
    combo = view.microphone_combo
    combo.setCurrentIndex(combo.findData(device_id))
    view.start_button.click()
    qtbot.waitUntil(lambda: view.state_label.text() == "● Recording", timeout=10_000)
    return view, case_id


def test_real_capture_records_the_played_speech_into_the_case(
    qtbot: Any, services: AppServices, pulse: tuple[PulseServer, str]
) -> None:
    server, _ = pulse
    view, case_id = start_recording(qtbot, services)
    play_to_end(qtbot, server, SAMPLE_WAV)
    qtbot.wait(500)  # the sound server's last buffer reaches the capture
    with qtbot.waitSignal(view.recording_finished, timeout=60_000):
        view.stop_button.click()

    (recording,) = services.store.recordings(case_id)
    audio = services.store.read_recording(recording.recording_id)
    # The capture began before paplay did: a little silence on top of the fixture.
    assert SAMPLE_S - 1.0 < audio.duration_s < SAMPLE_S + 6.0
    samples = np.frombuffer(audio.pcm, dtype="<i2").astype(np.float64) / 32768
    assert float(np.sqrt(np.mean(samples**2))) > 0.01
    assert float(np.max(np.abs(samples))) > 0.1
    transcript = services.store.load_transcript(case_id)
    assert transcript is not None and len(transcript.segments) >= 3
    assert "saved in the case" in view.banner.text()


@pytest.mark.xfail(
    strict=False,
    reason="here Qt 6.11 neither emits audioInputsChanged nor drops the unloaded virtual source "
    "from audioInputs() (checked for 6 s), and PulseAudio moves the stream to vsink.monitor, "
    "which carries the same audio, so neither the device check nor the byte watchdog can tell",
)
def test_unloading_the_virtual_microphone_is_reported_as_lost(
    qtbot: Any, services: AppServices, pulse: tuple[PulseServer, str]
) -> None:
    server, source_module = pulse
    view, case_id = start_recording(qtbot, services)
    player = server.play(SAMPLE_WAV)
    try:
        qtbot.waitUntil(lambda: view.elapsed_label.text() >= "00:03", timeout=20_000)
        server.run("unload-module", source_module)
        lost_at = time.monotonic()
        qtbot.waitUntil(lambda: "disappeared" in view.banner.text(), timeout=8_000)
        assert time.monotonic() - lost_at < 5.0
        assert view.state_label.text() == "❚❚ Paused" and view.is_recording()
    finally:
        player.kill()
        player.wait(5)
    with qtbot.waitSignal(view.recording_finished, timeout=60_000):
        view.stop_button.click()
    (recording,) = services.store.recordings(case_id)
    assert services.store.read_recording(recording.recording_id).duration_s >= 3.0
