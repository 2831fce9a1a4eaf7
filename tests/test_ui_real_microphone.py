"""The recording view through a real QAudioSource: a private PulseAudio server with a virtual
microphone (field notes: a null sink, a virtual source on its monitor, since Qt hides monitors),
fed with real Danish speech by `paplay` while the view records it into a case. The speech engine
is the fake one (fast); the audio path is real.

Slow (a 39 s fixture plays in real time). Run on its own: QtMultimedia connects to the sound
server the first time it is used in a process, so the private server must exist by then.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers.fake_microphone import SAMPLE_WAV
from PySide6.QtWidgets import QApplication
from test_ui_recording import FakeCatalog
from ui_support import make_services

from assist.asr.engine import FakeAsrEngine
from assist.jobs.engines import EngineHub
from ui.context import AppServices
from ui.recording_view import RecordingView

pytestmark = pytest.mark.slow

TOOLS = ("pulseaudio", "pactl", "paplay")
SAMPLE_S = 38.72


class PulseServer:
    """A PulseAudio server of this test's own, on a socket in a temporary folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket = folder / "native"
        self.env = {
            "PULSE_SERVER": f"unix:{self.socket}",
            "PULSE_RUNTIME_PATH": str(folder),
            "XDG_RUNTIME_DIR": str(folder),
            "HOME": str(folder),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, **self.env}
        # Root is refused without --system unless told otherwise; a private, anonymous socket
        # needs no cookie and no system-wide daemon.
        self.process = subprocess.Popen(
            [
                "pulseaudio",
                "--daemonize=no",
                "-n",
                "--exit-idle-time=-1",
                "--use-pid-file=no",
                "--disallow-exit",
                f"--load=module-native-protocol-unix socket={self.socket} auth-anonymous=1",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode(errors="replace")  # type: ignore[union-attr]
                pytest.skip(f"pulseaudio did not start here: {error.strip()[-300:]}")
            if self.run("info", check=False).returncode == 0:
                return
            time.sleep(0.1)
        pytest.skip("pulseaudio did not answer within 10 s")

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["pactl", *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            check=check,
            timeout=10,
        )

    def play(self, wav: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            ["paplay", "--device=vsink", str(wav)], env={**os.environ, **self.env}
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@pytest.fixture(scope="module")
def pulse_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseServer]:
    """One server for the module: Qt's sound backend connects once per process and does not
    survive its server going away."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs PulseAudio tools for a virtual microphone: missing {missing}")
    server = PulseServer(tmp_path_factory.mktemp("pulse"))
    saved = {name: os.environ.get(name) for name in server.env}
    server.start()
    os.environ.update(server.env)
    try:
        server.run("load-module", "module-null-sink", "sink_name=vsink", "rate=16000", "channels=1")
        yield server
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def pulse(pulse_server: PulseServer) -> Iterator[tuple[PulseServer, str]]:
    """The server with a fresh virtual microphone "vmic" (its module id, to pull it)."""
    source_module = pulse_server.run(
        "load-module", "module-virtual-source", "source_name=vmic", "master=vsink.monitor"
    ).stdout.strip()
    pulse_server.run("set-default-source", "vmic")
    try:
        yield pulse_server, source_module
    finally:
        pulse_server.run("unload-module", source_module, check=False)


@pytest.fixture
def services(tmp_path: Path, pulse: tuple[PulseServer, str], qapp: Any) -> Iterator[AppServices]:
    from ui.audio import QtMicrophoneBackend

    backend = QtMicrophoneBackend()
    built = make_services(tmp_path / "app", microphones=backend)
    built.engines.close()
    built.engines = EngineHub(load_asr=lambda model: FakeAsrEngine(), open_models=FakeCatalog)
    try:
        yield built
    finally:
        built.runner.shutdown()
        QApplication.processEvents()
        built.close()


def virtual_microphone(qtbot: Any, services: AppServices) -> str:
    """The id of the virtual microphone as Qt lists it."""
    found: list[str] = []

    def listed() -> bool:
        found[:] = [d.device_id for d in services.microphones.devices() if "vmic" in d.device_id]
        return bool(found)

    try:
        qtbot.waitUntil(listed, timeout=5_000)
    except Exception:
        names = [d.device_id for d in services.microphones.devices()]
        pytest.skip(
            "QtMultimedia does not see the private PulseAudio server (it connected to the sound "
            f"system earlier in this process; run this file on its own). Inputs: {names}"
        )
    return found[0]


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
    player = server.play(SAMPLE_WAV)
    try:
        qtbot.waitUntil(lambda: player.poll() is not None, timeout=90_000)
    finally:
        if player.poll() is None:
            player.kill()
    assert player.returncode == 0
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
