"""The dictation window with a fake microphone and a scripted fake engine: the hold key with
auto-repeat, the button, max length and silence stops, insertion at the cursor, consent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers.fake_microphone import FakeMicrophoneBackend
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QApplication, QWidget
from ui_accessibility import tab_order, unnamed_controls
from ui_support import make_services

import ui.dictation_window as dictation_window
from assist.asr.engine import EngineSegment, EngineWord, FakeAsrEngine, Samples
from assist.asr.live import EnergySpeechDetector, SpeechDetector
from ui.context import AppServices
from ui.dictation_window import DictationWindow

SECOND = 32_000  # bytes of 16 kHz mono s16le


def speech(seconds: float) -> bytes:
    samples = np.random.default_rng(3).uniform(-0.3, 0.3, int(seconds * 16_000))
    return (samples * 32767).astype("<i2").tobytes()


def silence(seconds: float) -> bytes:
    return bytes(int(seconds * SECOND))


class FakeEngine(FakeAsrEngine):
    """Scripted answers; loudness as voice activity (the random "speech" here is loud); and
    the window's phase at each call, to tell work during the hold from work after it."""

    def __init__(self, script: list[list[EngineSegment]]) -> None:
        super().__init__(script)
        self.window: DictationWindow | None = None
        self.phases_at_call: list[dictation_window.Phase] = []

    def speech_detector(self, min_pause_s: float) -> SpeechDetector:
        return EnergySpeechDetector(min_pause_s)

    def transcribe(
        self, audio: Samples, language: str, *, speech_only: bool = True
    ) -> Iterator[EngineSegment]:
        if self.window is not None:
            self.phases_at_call.append(self.window._phase)
        return super().transcribe(audio, language, speech_only=speech_only)


def scripted(*texts: str) -> FakeEngine:
    script = []
    for text in texts:
        words = tuple(
            EngineWord(i * 0.4, i * 0.4 + 0.3, " " + w, 0.95) for i, w in enumerate(text.split())
        )
        script.append([EngineSegment(0.0, 0.4 * len(words), " " + text, -0.2, 0.01, 1.2, words)])
    return FakeEngine(script)


Build = Callable[..., tuple[AppServices, DictationWindow, FakeMicrophoneBackend]]
engines: list[FakeEngine] = []  # the fake engine of each window `build` made, in order


@pytest.fixture
def build(tmp_path: Path, qtbot: Any) -> Iterator[Build]:
    made: list[AppServices] = []
    engines.clear()

    def make(
        pcm: bytes, texts: tuple[str, ...] = ("Hun sov godt.",), *, consent: bool = True
    ) -> tuple[AppServices, DictationWindow, FakeMicrophoneBackend]:
        backend = FakeMicrophoneBackend(pcm=pcm)
        engine = scripted(*texts)
        engines.append(engine)
        services = make_services(
            tmp_path / f"s{len(made)}", microphones=backend, load_asr=lambda model: engine
        )
        made.append(services)
        window = DictationWindow(services)
        engine.window = window
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window._model is not None)  # the engine is loaded at open
        if consent:
            window.give_consent()
        return services, window, backend

    try:
        yield make
    finally:
        for services in made:
            services.close()


def key(widget: QWidget, kind: QEvent.Type, *, repeat: bool = False) -> None:
    event = QKeyEvent(kind, Qt.Key.Key_F8, Qt.KeyboardModifier.NoModifier, "", repeat)
    QApplication.sendEvent(widget, event)


def press(widget: QWidget, *, repeat: bool = False) -> None:
    key(widget, QEvent.Type.KeyPress, repeat=repeat)


def release(widget: QWidget, *, repeat: bool = False) -> None:
    key(widget, QEvent.Type.KeyRelease, repeat=repeat)


def wait_idle(qtbot: Any, window: DictationWindow) -> None:
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=10_000)


def test_the_hold_key_records_and_auto_repeat_does_not_restart(build: Build, qtbot: Any) -> None:
    services, window, backend = build(speech(1.0), ("øh to panodiler klokken elleve",))
    window.editor.setFocus()
    press(window.editor)  # the focus is in the text box: the window still gets the key
    qtbot.waitUntil(lambda: window._phase is dictation_window.Phase.LISTENING)
    for _ in range(5):  # a held key repeats press/release pairs
        release(window.editor, repeat=True)
        press(window.editor, repeat=True)
    assert window._phase is dictation_window.Phase.LISTENING
    assert len(backend.opened) == 1 and not backend.current.stopped
    with qtbot.waitSignal(window.text_inserted, timeout=10_000):
        release(window.editor)
    assert window.editor.toPlainText() == "2 panodiler kl. 11.00."
    assert len(backend.opened) == 1
    wait_idle(qtbot, window)
    case_id = window.case_id
    assert case_id is not None
    assert services.store.get_case(case_id).note_type == "plejenotat"
    transcript = services.store.load_transcript(case_id)
    assert transcript is not None and [s.segment_id for s in transcript.segments] == [0]
    assert len(services.store.recordings(case_id)) == 1
    assert window.last_release_to_text_s is not None


def test_the_button_records_while_held(build: Build, qtbot: Any) -> None:
    _, window, backend = build(speech(1.0))
    window.talk_button.pressed.emit()
    qtbot.waitUntil(lambda: window._phase is dictation_window.Phase.LISTENING)
    with qtbot.waitSignal(window.text_inserted, timeout=10_000):
        window.talk_button.released.emit()
    assert window.editor.toPlainText() == "Hun sov godt."
    assert backend.current.stopped


def test_text_goes_in_at_the_cursor_not_at_the_end(build: Build, qtbot: Any) -> None:
    _, window, _ = build(speech(1.0), ("Hun fik to panodiler.",))
    window.editor.setPlainText("Morgenbesøg. Hun var glad.")
    cursor = window.editor.textCursor()
    cursor.setPosition(len("Morgenbesøg."))
    window.editor.setTextCursor(cursor)
    press(window)
    qtbot.waitUntil(lambda: window._phase is dictation_window.Phase.LISTENING)
    with qtbot.waitSignal(window.text_inserted, timeout=10_000):
        release(window)
    assert window.editor.toPlainText() == "Morgenbesøg. Hun fik 2 panodiler. Hun var glad."
    assert window.editor.textCursor().position() == len("Morgenbesøg. Hun fik 2 panodiler.")
    window.editor.moveCursor(QTextCursor.MoveOperation.End)


def test_a_stuck_key_stops_at_the_maximum_length(
    build: Build, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dictation_window, "MAX_UTTERANCE_S", 2.0)
    _, window, backend = build(speech(5.0))
    with qtbot.waitSignal(window.utterance_stopped, timeout=10_000) as stopped:
        press(window)
    assert stopped.args == ["max_length"]
    qtbot.waitUntil(lambda: window.editor.toPlainText() == "Hun sov godt.", timeout=10_000)
    release(window)  # the late release does nothing
    wait_idle(qtbot, window)
    assert len(backend.opened) == 1


def test_silence_after_speech_stops_the_utterance(build: Build, qtbot: Any) -> None:
    _, window, _ = build(speech(1.0) + silence(dictation_window.SILENCE_STOP_S + 1.0))
    with qtbot.waitSignal(window.utterance_stopped, timeout=10_000) as stopped:
        press(window)
    assert stopped.args == ["silence"]
    qtbot.waitUntil(lambda: window.editor.toPlainText() == "Hun sov godt.", timeout=10_000)


def test_without_consent_nothing_is_recorded_and_typing_still_works(
    build: Build, qtbot: Any
) -> None:
    services, window, backend = build(speech(1.0), consent=False)
    assert window.consent_box.isVisible()
    window.refuse_consent()
    assert not window.consent_box.isVisible()
    assert not window.talk_button.isEnabled()
    press(window)
    release(window)
    window.talk_button.pressed.emit()
    assert backend.opened == []
    assert window.case_id is not None and services.store.recordings(window.case_id) == []
    assert "consent" in window.banner.text()
    window.editor.insertPlainText("Skrevet i hånden.")
    assert window.editor.toPlainText() == "Skrevet i hånden."


def test_saving_makes_a_draft_that_cites_the_dictated_audio(build: Build, qtbot: Any) -> None:
    services, window, _ = build(speech(1.0), ("Hun fik to panodiler.",))
    press(window)
    qtbot.waitUntil(lambda: window._phase is dictation_window.Phase.LISTENING)
    with qtbot.waitSignal(window.text_inserted, timeout=10_000):
        release(window)
    wait_idle(qtbot, window)
    window.editor.appendPlainText("Skrevet selv.")
    window.save_as_note()
    case_id = window.case_id
    assert case_id is not None
    qtbot.waitUntil(lambda: services.store.load_draft(case_id) is not None, timeout=10_000)
    from assist.casework import load_note_sources

    sections = load_note_sources(services.store, case_id)
    assert sections  # the note's sentences come with their segments
    stored = services.store.load_draft(case_id)
    assert stored is not None
    sentences = stored.draft["sections"][0]["sentences"]
    assert sentences[0]["text"] == "Hun fik 2 panodiler." and sentences[0]["sources"] == [0]
    assert sentences[1]["sources"] == [] and sentences[1]["flags"][0]["kind"] == "no_source"


def test_the_help_says_the_key_needs_the_window_in_focus(build: Build) -> None:
    _, window, _ = build(speech(1.0), consent=False)
    assert "only while this window is active" in window.help_label.text()
    assert "no global hotkey" in window.help_label.text()


def test_speech_is_transcribed_and_saved_while_the_key_is_held(build: Build, qtbot: Any) -> None:
    """A sentence followed by a pause is recognised during the hold, not after the release."""
    services, window, _ = build(speech(1.0) + silence(1.0), ("Hun fik to panodiler.",))
    engine = engines[-1]
    press(window)
    qtbot.waitUntil(lambda: len(engine.calls) == 1, timeout=10_000)
    case_id = window.case_id
    assert case_id is not None
    qtbot.waitUntil(lambda: services.store.load_transcript(case_id) is not None, timeout=10_000)
    assert window._phase is dictation_window.Phase.LISTENING  # still held
    assert engine.phases_at_call == [dictation_window.Phase.LISTENING]
    assert window.editor.toPlainText() == ""  # the text comes at release
    with qtbot.waitSignal(window.text_inserted, timeout=10_000):
        release(window)
    assert window.editor.toPlainText() == "Hun fik 2 panodiler."
    assert len(engine.calls) == 1  # only silence was left at release: nothing more to do
    wait_idle(qtbot, window)
    transcript = services.store.load_transcript(case_id)
    assert transcript is not None and [s.segment_id for s in transcript.segments] == [0]


def test_a_second_utterance_follows_the_first_on_the_cases_timeline(
    build: Build, qtbot: Any
) -> None:
    services, window, backend = build(speech(1.0), ("Hun sov godt.", "Hun spiste."))
    for expected in ("Hun sov godt.", "Hun sov godt. Hun spiste."):
        press(window)
        qtbot.waitUntil(lambda: window._phase is dictation_window.Phase.LISTENING)
        qtbot.waitUntil(lambda: backend.current.waiting_for_audio, timeout=10_000)
        with qtbot.waitSignal(window.text_inserted, timeout=10_000):
            release(window)
        wait_idle(qtbot, window)
        assert window.editor.toPlainText() == expected
    case_id = window.case_id
    assert case_id is not None
    first, _ = services.store.recordings(case_id)
    transcript = services.store.load_transcript(case_id)
    assert transcript is not None
    assert [s.segment_id for s in transcript.segments] == [0, 1]
    assert transcript.segments[1].start_s >= first.duration_s - 0.01


def test_a_recognition_failure_stops_the_recording_and_says_so(
    build: Build, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, window, backend = build(speech(1.0) + silence(1.0))
    engine = engines[-1]

    def crash(audio: Samples, language: str, *, speech_only: bool = True) -> Iterator[Any]:
        raise RuntimeError("the recogniser broke")

    monkeypatch.setattr(engine, "transcribe", crash)
    press(window)
    wait_idle(qtbot, window)  # ends without a release: recording stops with recognition
    assert backend.current.stopped
    assert window.banner.isVisible() and window.banner.text().startswith("⚠")
    assert "Traceback" not in window.banner.text()
    assert window.editor.toPlainText() == ""


def test_every_control_is_named_and_reachable_by_keyboard(build: Build) -> None:
    _, window, _ = build(speech(1.0), consent=False)
    assert unnamed_controls(window) == []
    order = tab_order(window)
    assert order.index(window.consent_by) < order.index(window.consent_given_button)
    assert order.index(window.consent_refused_button) < order.index(window.editor)
    assert window.talk_button not in order  # without consent it cannot be used
    window.give_consent()
    assert unnamed_controls(window) == []
    order = tab_order(window)
    assert order.index(window.editor) < order.index(window.talk_button)
    assert order.index(window.talk_button) < order.index(window.copy_button)
    assert order.index(window.copy_button) < order.index(window.save_button)
    assert window.state_label.accessibleDescription() == "Ready: hold F8 to dictate"
