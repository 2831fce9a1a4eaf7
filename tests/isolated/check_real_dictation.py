"""Dictation as a care worker does it: the dictation window, a real QAudioSource on a private
PulseAudio server's virtual microphone, real Danish speech played into it by `paplay` while F8
is held, the real whisper model in its worker process, F8 released, clean text at the cursor.

Slow and needs the models; runs in a process of its own (`tests/test_isolated.py`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pulse_support import PulseServer, play_to_end, virtual_microphone
from pulse_support import pulse as pulse  # fixtures, used by name
from pulse_support import pulse_server as pulse_server
from pulse_support import real_services as real_services
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from assist.casework import load_case_note
from assist.settings import set_user_value
from ui.context import AppServices
from ui.dictation_window import DictationWindow

pytestmark = [pytest.mark.models, pytest.mark.slow]

# "dan havde lavet en flot tegning af en sol og en måne med hat og tre øjne som blev hængt op i
# skolen så alle kunne se den" (NST, one speaker, 16 kHz; ../shared/fixtures/danish-speech).
CLIP = "u0042010.wav"
# Words whisper base hears right in this clip through the audio path (the end-to-end check's
# experience with the same clip), matched at the start of a word; one may be missed.
HEARD_WORDS = ("tegning", "sol", "hat", "skolen")


@pytest.fixture
def services(real_services: AppServices) -> AppServices:
    return real_services


def f8(window: DictationWindow, kind: QEvent.Type) -> None:
    event = QKeyEvent(kind, Qt.Key.Key_F8, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)


def test_held_f8_over_real_speech_gives_clean_text_with_its_audio(
    qtbot: Any, services: AppServices, pulse: tuple[PulseServer, str], danish_speech: Path
) -> None:
    server, _ = pulse
    device_id = virtual_microphone(qtbot, services)
    set_user_value(services.settings, "microphone", device_id)  # chosen once in Settings
    services.reload_settings()
    window = DictationWindow(services)
    qtbot.addWidget(window)
    window.show()
    window.give_consent()
    window.editor.setPlainText("Fru Hansen: ")
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)

    f8(window, QEvent.Type.KeyPress)
    qtbot.waitUntil(lambda: window.state_label.text() == "● Listening", timeout=60_000)
    play_to_end(qtbot, server, danish_speech / CLIP, timeout_ms=60_000)
    qtbot.wait(400)  # the sound server's last buffer reaches the capture
    with qtbot.waitSignal(window.text_inserted, timeout=60_000) as inserted:
        f8(window, QEvent.Type.KeyRelease)
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=30_000)

    text = window.editor.toPlainText()
    dictated = str(inserted.args[0]).strip()
    assert text.startswith("Fru Hansen: ") and text.endswith(dictated)  # at the cursor
    heard = [w for w in HEARD_WORDS if re.search(rf"\b{w}", dictated.lower())]
    assert len(heard) >= len(HEARD_WORDS) - 1, dictated
    assert not re.search(r"\btre øjne\b", dictated.lower()), dictated  # "3 øjne" if heard
    print(f"dictated: {dictated!r}; release to text {window.last_release_to_text_s:.2f} s")

    case_id = window.case_id
    assert case_id is not None
    (recording,) = services.store.recordings(case_id)
    assert recording.has_audio and recording.duration_s > 5.0
    transcript = services.store.load_transcript(case_id)
    assert transcript is not None and transcript.segments
    assert all(0.0 <= s.start_s <= recording.duration_s for s in transcript.segments)

    window.editor.setPlainText(dictated)  # the caseworker keeps the dictated text as it is
    window.save_as_note()
    qtbot.waitUntil(lambda: services.store.load_draft(case_id) is not None, timeout=10_000)
    note = load_case_note(services.store, case_id)
    assert not [f for f in note.open_flags if f.kind == "no_source"]  # every sentence cites
