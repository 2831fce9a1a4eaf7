"""A private PulseAudio server with a virtual microphone, for tests that record through a real
QAudioSource (field notes: a null sink, a virtual source on its monitor, since Qt hides
monitors), fed with real Danish speech by `paplay`.

QtMultimedia connects to the sound server the first time it is used in a process and aborts the
process when that server goes away, so these tests live in `tests/isolated/` and each file runs
in a process of its own (`tests/test_isolated.py`). Import the fixtures into the test module:
`from pulse_support import pulse, pulse_server` (and `real_services` for the real engines).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ui.context import AppServices

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
    # Only what points Qt at the server: HOME stays (the default model folder depends on it).
    for_qt = {name: server.env[name] for name in ("PULSE_SERVER", "PULSE_RUNTIME_PATH")}
    saved = {name: os.environ.get(name) for name in for_qt}
    server.start()
    os.environ.update(for_qt)
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


def play_to_end(qtbot: Any, server: PulseServer, wav: Path, timeout_ms: int = 90_000) -> None:
    """Play `wav` into the virtual microphone and wait until paplay has played all of it."""
    player = server.play(wav)
    try:
        qtbot.waitUntil(lambda: player.poll() is not None, timeout=timeout_ms)
    finally:
        if player.poll() is None:
            player.kill()
            player.wait(5)
    assert player.returncode == 0


@pytest.fixture
def real_services(
    asr_model: Any, tmp_path: Path, pulse: tuple[PulseServer, str], qapp: Any
) -> Iterator[AppServices]:
    """A temporary case store with the real engines (the installed models, in workers) and the
    real microphone backend on the private server."""
    from ui_support import make_services

    from assist.jobs.engines import EngineHub
    from ui.app import preload_job_modules
    from ui.audio import QtMicrophoneBackend

    preload_job_modules()  # as `assist gui` does before its window shows
    built = make_services(tmp_path / "app", microphones=QtMicrophoneBackend())
    built.engines.close()
    built.engines = EngineHub(exclusive=True)
    try:
        yield built
    finally:
        built.runner.shutdown()
        from PySide6.QtWidgets import QApplication

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
