"""The transcript editor: speaker labels, text edits, find/replace, uncertain words, playback
from memory, a 2-hour transcript, keyboard and accessibility."""

from __future__ import annotations

import math
import struct
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtGui import QTextCharFormat
from PySide6.QtWidgets import QApplication, QLineEdit
from ui_accessibility import tab_order, unnamed_controls

from assist.transcript import Segment, Transcript, Word
from ui import playback
from ui.context import AppServices
from ui.transcript_model import SPEAKER_COLUMN, TEXT_COLUMN, TIME_COLUMN, UNCERTAIN_ROLE
from ui.transcript_view import TranscriptView

# pytest-qt's Qt message capture is a Python handler; the ffmpeg backend logs warnings from
# its own threads, and a warning arriving while pytest-qt swaps the handler between tests
# called a freed handler (a segfault in about one run in five). The app installs no handler.
pytestmark = pytest.mark.no_qt_log

RECORDED_S = 40
SEGMENTS = (
    Segment(0, 0.0, 5.0, "Hvordan går det med ryggen?", 0.9),
    Segment(
        1,
        12.0,
        20.0,
        "Ryggen gør ondt, og ryggen er stiv.",
        0.6,
        (
            Word(12.0, 12.5, " Ryggen", 0.31),
            Word(12.5, 13.0, " gør", 0.95),
            Word(13.0, 13.5, " ondt,", 0.92),
        ),
    ),
    Segment(2, 20.0, 30.0, "Vi taler om det igen.", 0.9),
    Segment(3, 30.0, 38.0, "Tak for i dag.", 0.9),
)


def _tone(seconds: float) -> bytes:
    samples = int(seconds * 16_000)
    return b"".join(struct.pack("<h", int(2000 * math.sin(i / 8))) for i in range(samples))



def _case(
    services: AppServices, segments: tuple[Segment, ...] = SEGMENTS, *, audio: bool = True
) -> str:
    store = services.store
    case_id = store.create_case(
        title="J.nr. 1", participants=["Hanne Jensen"], consent="given", consent_by="Borger B"
    )
    if audio:
        recording = store.start_recording(case_id, transcript_model="asr")
        recording.write(_tone(RECORDED_S))
        recording.stop()
    duration = segments[-1].end_s if segments else 0.0
    store.save_transcript(
        case_id, Transcript("da", duration, "asr", segments), model_sha256="ab" * 32
    )
    return case_id


def _view(qtbot, services: AppServices, case_id: str) -> TranscriptView:  # type: ignore[no-untyped-def]
    view = TranscriptView(services)
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    view.set_case(case_id)
    qtbot.waitUntil(lambda: view.model.rowCount() > 0 and view.model.editable, timeout=5000)
    return view


def _stored(services: AppServices, case_id: str) -> tuple[Segment, ...]:
    transcript = services.store.load_transcript(case_id)
    assert transcript is not None
    return transcript.segments


def _select_rows(view: TranscriptView, rows: list[int]) -> None:
    selection = view.table.selectionModel()
    selection.clearSelection()
    for row in rows:
        selection.select(
            view.model.index(row, TIME_COLUMN),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    selection.setCurrentIndex(
        view.model.index(rows[-1], TIME_COLUMN), QItemSelectionModel.SelectionFlag.NoUpdate
    )


def _saved(qtbot, view: TranscriptView) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not view.saving and "Saved" in view.save_status.text(), timeout=5000)


# ---- speakers -------------------------------------------------------------------------------


def test_set_speaker_on_two_segments_is_stored_and_shown(qtbot, services: AppServices) -> None:
    case_id = _case(services)
    view = _view(qtbot, services, case_id)
    _select_rows(view, [0, 2])
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # Citizen
    _saved(qtbot, view)
    assert [s.speaker for s in _stored(services, case_id)] == ["Citizen", "", "Citizen", ""]
    qtbot.waitUntil(lambda: view.model.index(2, SPEAKER_COLUMN).data() == "Citizen")
    # A typed name from the speaker combo, for another segment.
    _select_rows(view, [1])
    view.speaker_combo.setCurrentText("Hanne Jensen")
    qtbot.mouseClick(view.set_speaker_button, Qt.MouseButton.LeftButton)
    _saved(qtbot, view)
    assert [s.speaker for s in _stored(services, case_id)] == [
        "Citizen",
        "Hanne Jensen",
        "Citizen",
        "",
    ]
    # The case's participants are offered as speakers.
    choices = [view.speaker_combo.itemText(i) for i in range(view.speaker_combo.count())]
    assert choices[:3] == ["Citizen", "Adviser", "Hanne Jensen"]


def test_rename_applies_everywhere(qtbot, services: AppServices) -> None:
    case_id = _case(services)
    view = _view(qtbot, services, case_id)
    view.set_speaker([0, 3], "Citizen")
    view.set_speaker([1], "Adviser")
    _saved(qtbot, view)
    qtbot.waitUntil(lambda: view.rename_button.isEnabled())
    dialog = view.open_rename_dialog()
    assert dialog is not None
    dialog.old.setCurrentText("Citizen")
    qtbot.keyClicks(dialog.new, "Ole Hansen")
    qtbot.keyClick(dialog.new, Qt.Key.Key_Return)  # the dialog's default button: OK
    _saved(qtbot, view)
    assert [s.speaker for s in _stored(services, case_id)] == [
        "Ole Hansen",
        "Adviser",
        "",
        "Ole Hansen",
    ]
    qtbot.waitUntil(lambda: view.model.index(3, SPEAKER_COLUMN).data() == "Ole Hansen")


def test_speaker_cell_edited_in_place(qtbot, services: AppServices) -> None:
    case_id = _case(services)
    view = _view(qtbot, services, case_id)
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(2, SPEAKER_COLUMN))
    qtbot.keyClick(view.table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert editor is not None and editor.accessibleName() in ("Speaker", "")
    line = editor if isinstance(editor, QLineEdit) else editor.findChild(QLineEdit)
    assert line is not None
    line.selectAll()
    qtbot.keyClicks(line, "Adviser")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    _saved(qtbot, view)
    assert _stored(services, case_id)[2].speaker == "Adviser"


# ---- text -----------------------------------------------------------------------------------


def test_edit_text_in_place_is_stored_and_shown(qtbot, services: AppServices) -> None:
    case_id = _case(services)
    view = _view(qtbot, services, case_id)
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(1, TEXT_COLUMN))
    qtbot.keyClick(view.table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit) and editor.accessibleName() == "Segment text"
    assert editor.text() == SEGMENTS[1].text  # the raw text, without the [?] marks
    editor.selectAll()
    qtbot.keyClicks(editor, "Nakken gør ondt.")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    _saved(qtbot, view)
    assert _stored(services, case_id)[1].text == "Nakken gør ondt."
    qtbot.waitUntil(lambda: view.model.index(1, TEXT_COLUMN).data() == "Nakken gør ondt.")


def test_a_refused_edit_says_why_and_shows_what_the_core_kept(qtbot, services: AppServices) -> None:
    case_id = _case(services)
    view = _view(qtbot, services, case_id)
    view.edit_text(0, "Skjult\x07tegn")
    qtbot.waitUntil(lambda: view.banner.isVisible(), timeout=5000)
    assert "Segment 0" in view.banner.text() and "Not saved" in view.save_status.text()
    qtbot.waitUntil(lambda: view.model.index(0, TEXT_COLUMN).data() == SEGMENTS[0].text)
    assert _stored(services, case_id)[0].text == SEGMENTS[0].text


def test_a_signed_case_cannot_be_edited(qtbot, services: AppServices) -> None:
    case_id = _case(services)
    services.store.save_signed_note(case_id, {"v": 1}, "Notat.", signer="Anne")
    view = TranscriptView(services)
    qtbot.addWidget(view)
    view.show()
    view.set_case(case_id)
    qtbot.waitUntil(lambda: view.model.rowCount() == len(SEGMENTS))
    assert not view.model.editable
    assert not view.model.flags(view.model.index(0, TEXT_COLUMN)) & Qt.ItemFlag.ItemIsEditable
    assert not view.set_speaker_button.isEnabled() and "Signed" in view.save_status.text()


# ---- find and replace ---------------------------------------------------------------------


def test_find_and_replace_all_by_keyboard(qtbot, services: AppServices) -> None:
    case_id = _case(services)
    view = _view(qtbot, services, case_id)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert view.find_bar.isVisible() and QApplication.focusWidget() is view.find_edit
    qtbot.keyClicks(view.find_edit, "ryggen")
    assert view.find_status.text() == "3 found"
    view.show_segment(3)  # F3 finds from the selected segment on, wrapping around
    qtbot.keyClick(view.find_edit, Qt.Key.Key_F3)
    assert view.selected_segment_ids() == [0]
    qtbot.keyClick(view.find_edit, Qt.Key.Key_F3)
    assert view.selected_segment_ids() == [1]
    qtbot.keyClick(view.find_edit, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert view.selected_segment_ids() == [0]
    assert QApplication.focusWidget() is view.find_edit  # still typing in the find field
    view.replace_edit.setFocus()
    qtbot.keyClicks(view.replace_edit, "nakken")
    view.replace_all_button.setFocus()
    qtbot.keyClick(view.replace_all_button, Qt.Key.Key_Space)
    _saved(qtbot, view)
    assert view.find_status.text() == "Replaced 3"
    texts = [s.text for s in _stored(services, case_id)]
    assert texts[:2] == ["Hvordan går det med nakken?", "nakken gør ondt, og nakken er stiv."]
    qtbot.waitUntil(lambda: "nakken" in str(view.model.index(0, TEXT_COLUMN).data()))
    qtbot.keyClick(view.find_edit, Qt.Key.Key_Escape)
    assert not view.find_bar.isVisible()


def test_replace_one_replaces_the_first_match_of_the_selected_segment(
    qtbot, services: AppServices
) -> None:
    case_id = _case(services)
    view = _view(qtbot, services, case_id)
    view.set_speaker([0], "Citizen")
    _saved(qtbot, view)
    qtbot.waitUntil(view.rename_button.isEnabled)
    view.open_find()
    view.find_edit.setText("ryggen")
    view.replace_edit.setText("nakken")
    view.show_segment(1)
    view.replace_current()
    _saved(qtbot, view)
    assert _stored(services, case_id)[1].text == "nakken gør ondt, og ryggen er stiv."


# ---- uncertain words ---------------------------------------------------------------------


def test_uncertain_words_are_marked_without_colour(qtbot, services: AppServices) -> None:
    case_id = _case(services)
    view = _view(qtbot, services, case_id)
    index = view.model.index(1, TEXT_COLUMN)
    shown = index.data()
    assert shown == "Ryggen[?] gør ondt, og ryggen er stiv."  # a symbol, not a colour
    description = index.data(Qt.ItemDataRole.AccessibleDescriptionRole)
    assert description == "Uncertain word (marked [?]): “Ryggen”"
    assert "gør" not in description
    spans = index.data(UNCERTAIN_ROLE)
    assert spans == ((0, 6),)
    # ... and the word itself is drawn with a dotted underline.
    from PySide6.QtWidgets import QStyleOptionViewItem

    option = QStyleOptionViewItem()
    option.rect = view.table.visualRect(index)
    option.font = view.table.font()
    document = view.delegate.document(shown, spans, option)
    block = document.begin()
    underlined = [
        fragment.text()
        for it in block
        if (fragment := it.fragment()).isValid()
        and fragment.charFormat().underlineStyle() == QTextCharFormat.UnderlineStyle.DotLine
    ]
    assert underlined == ["Ryggen"]
    # A certain segment has neither mark nor description.
    assert view.model.index(0, TEXT_COLUMN).data() == SEGMENTS[0].text
    assert view.model.index(0, TEXT_COLUMN).data(Qt.ItemDataRole.AccessibleDescriptionRole) is None


# ---- playback ------------------------------------------------------------------------------


def _wait_position(qtbot, view: TranscriptView, low_s: float, high_s: float) -> None:  # type: ignore[no-untyped-def]
    def inside() -> bool:
        return low_s <= view.player.player.position() / 1000 <= high_s

    if not inside():
        with qtbot.waitSignal(
            view.player.player.positionChanged,
            timeout=5000,
            check_params_cb=lambda ms: low_s <= ms / 1000 <= high_s,
        ):
            pass
    assert inside()


def _wav_files(tmp_path: Path) -> set[Path]:
    """WAV files in this test's folder (the store's data dir is in it) and directly in the
    system's temp folder (other tests' folders there are theirs)."""
    mine = {p for p in tmp_path.rglob("*") if p.suffix.lower() == ".wav"}
    return mine | set(Path(tempfile.gettempdir()).glob("*.wav"))


def test_show_segment_plays_from_its_start_in_memory(
    qtbot, services: AppServices, tmp_path: Path
) -> None:
    before = _wav_files(tmp_path)
    case_id = _case(services)
    view = _view(qtbot, services, case_id)
    view.player.prepare()  # the audio is read at the first play, or now
    qtbot.waitUntil(lambda: view.player.ready, timeout=10_000)
    view.show_segment(1, play=True)
    assert view.selected_segment_ids() == [1]
    _wait_position(qtbot, view, 12.0, 14.0)
    qtbot.waitUntil(lambda: view.player.playing)
    assert view.play_button.text() == "Pause"
    # Played from a QBuffer: no decrypted audio was written anywhere.
    assert _wav_files(tmp_path) == before
    assert not any(p.suffix == ".wav" for p in (tmp_path / "data").rglob("*"))


def test_jumps_speed_and_play_pause_by_keyboard(qtbot, services: AppServices) -> None:
    case_id = _case(services)
    view = _view(qtbot, services, case_id)
    view.player.prepare()  # the audio is read at the first play, or now
    qtbot.waitUntil(lambda: view.player.ready, timeout=10_000)
    view.show_segment(2)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    _wait_position(qtbot, view, 20.0, 22.0)
    qtbot.waitUntil(lambda: view.player.playing)
    qtbot.keyClick(view.table, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not view.player.playing)
    paused_at = view.player.position_s
    qtbot.keyClick(view.table, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    _wait_position(qtbot, view, paused_at + 4.9, paused_at + 5.1)
    qtbot.keyClick(view.table, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view.table, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    _wait_position(qtbot, view, paused_at - 5.1, paused_at - 4.9)
    # Speed, from its combo by keyboard.
    view.speed_combo.setFocus()
    qtbot.keyClick(view.speed_combo, Qt.Key.Key_Down)
    assert view.player.rate == pytest.approx(1.25)
    view.speed_combo.setCurrentIndex(view.speed_combo.findData(2.0))
    assert view.player.rate == pytest.approx(2.0)
    view.speed_combo.setCurrentIndex(view.speed_combo.findData(0.5))
    assert view.player.rate == pytest.approx(0.5)
    # Enter on a segment's time plays from it.
    view.table.setCurrentIndex(view.model.index(3, TIME_COLUMN))
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    _wait_position(qtbot, view, 30.0, 31.0)


def test_clicking_a_time_plays_from_it(qtbot, services: AppServices) -> None:
    case_id = _case(services)
    view = _view(qtbot, services, case_id)
    view.player.prepare()  # the audio is read at the first play, or now
    qtbot.waitUntil(lambda: view.player.ready, timeout=10_000)
    rect = view.table.visualRect(view.model.index(3, TIME_COLUMN))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    _wait_position(qtbot, view, 30.0, 31.5)


def test_deleted_audio_is_said_and_playback_is_off(qtbot, services: AppServices) -> None:
    case_id = _case(services)
    view = _view(qtbot, services, case_id)
    view.player.prepare()  # the audio is read at the first play, or now
    qtbot.waitUntil(lambda: view.player.ready, timeout=10_000)
    services.store.delete_audio(case_id, "retention")
    qtbot.waitUntil(lambda: view.player.availability == "gone", timeout=5000)
    assert view.audio_status.text() == "The audio was deleted after signing."
    assert not view.play_button.isEnabled() and not view.forward_button.isEnabled()
    view.show_segment(1, play=True)  # nothing to play: no error either
    assert not view.player.playing


def test_a_case_without_a_recording_has_no_playback(qtbot, services: AppServices) -> None:
    case_id = _case(services, audio=False)
    view = _view(qtbot, services, case_id)
    qtbot.waitUntil(lambda: view.player.availability == "gone")
    assert view.audio_status.text() == "This case has no recording to play."
    assert not view.play_button.isEnabled()


def test_the_audio_is_freed_when_the_case_changes(qtbot, services: AppServices) -> None:
    case_id = _case(services)
    view = _view(qtbot, services, case_id)
    view.player.prepare()  # the audio is read at the first play, or now
    qtbot.waitUntil(lambda: view.player.ready, timeout=10_000)
    assert view.player._buffer is not None and view.player._buffer.size() > RECORDED_S * 32_000
    view.set_case(None)
    assert view.player._buffer is None and not view.player.ready
    # The old player's buffer is emptied a moment after the player is gone.
    qtbot.waitUntil(lambda: not playback._RETIRED, timeout=8000)
    assert view.model.rowCount() == 0


# ---- a 2-hour meeting ----------------------------------------------------------------------


def _long_transcript(count: int = 1500) -> tuple[Segment, ...]:
    text = (
        "Jeg har været hos lægen i sidste uge, og hun sagde at ryggen skal have ro i mindst "
        "fjorten dage, før jeg kan arbejde igen"
    )
    return tuple(
        Segment(
            i,
            i * 4.8,
            i * 4.8 + 4.5,
            f"{text} ({i}).",
            0.8,
            (Word(i * 4.8, i * 4.8 + 0.3, "Jeg", 0.4 if i % 7 == 0 else 0.9),),
        )
        for i in range(count)
    )


def test_1500_segments_are_sized_lazily_and_scroll_to_the_end(qtbot, services: AppServices) -> None:
    """A 2-hour meeting's transcript: rows have their text's height without a widget per row,
    and scrolling reaches the end. How long it stalls the window is measured in
    `bench/ui_responsiveness.py` (a timed test fails on a busy machine)."""
    case_id = _case(services, _long_transcript(), audio=False)
    view = TranscriptView(services)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    view.set_case(case_id)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1500, timeout=5000)
    # Rows have their text's height (not one widget per row).
    assert view.table.rowHeight(0) > view.table.fontMetrics().height()
    assert view.table.indexWidget(view.model.index(0, TEXT_COLUMN)) is None
    assert view.model.index(0, TEXT_COLUMN).data().startswith("Jeg[?]")

    bar = view.table.verticalScrollBar()
    assert bar.maximum() > 0
    steps = {"done": False}

    def scroll() -> None:
        if bar.value() >= bar.maximum():
            steps["done"] = True
            return
        bar.setValue(bar.value() + bar.pageStep())
        QTimer.singleShot(5, scroll)

    QTimer.singleShot(0, scroll)
    qtbot.waitUntil(lambda: steps["done"], timeout=20_000)
    # Jumping to the last segment works the same.
    view.show_segment(1499)
    assert view.selected_segment_ids() == [1499]


# ---- keyboard and accessibility ------------------------------------------------------------


def test_every_control_is_named_and_reachable_by_tab(qtbot, services: AppServices) -> None:
    case_id = _case(services)
    view = _view(qtbot, services, case_id)
    view.set_speaker([0], "Citizen")
    _saved(qtbot, view)
    qtbot.waitUntil(view.rename_button.isEnabled)
    view.open_find()
    view.find_edit.setText("ryggen")
    _select_rows(view, [0])
    assert unnamed_controls(view) == []
    order = tab_order(view)
    for control in (
        view.speaker_combo,
        view.set_speaker_button,
        view.rename_button,
        view.play_button,
        view.back_button,
        view.forward_button,
        view.speed_combo,
        view.find_edit,
        view.next_button,
        view.replace_edit,
        view.replace_all_button,
        view.table,
    ):
        assert control in order, control.accessibleName() or control.objectName()
    # The editors a cell opens are named too.
    for column in (SPEAKER_COLUMN, TEXT_COLUMN):
        view.table.setFocus()
        view.table.setCurrentIndex(view.model.index(1, column))
        qtbot.keyClick(view.table, Qt.Key.Key_F2)
        assert unnamed_controls(view) == []
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    # The shortcuts are told in the tooltips.
    assert "Ctrl+Space" in view.play_button.toolTip()
    assert "Ctrl+Left" in view.back_button.toolTip()
    assert "Ctrl+Right" in view.forward_button.toolTip()
    assert "Ctrl+F" in view.find_edit.toolTip()


def test_opening_a_case_reads_no_audio_until_it_is_played(
    qtbot, services: AppServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two hours of audio are about 230 MB: opening a transcript must not load them."""
    reads: list[str] = []
    real = services.store.read_recording
    monkeypatch.setattr(
        services.store, "read_recording", lambda rid: reads.append(rid) or real(rid)
    )
    case_id = _case(services)
    view = _view(qtbot, services, case_id)
    qtbot.wait(200)
    assert reads == [] and view.player.availability == "unloaded"
    assert view.play_button.isEnabled()
    view.show_segment(1, play=True)
    qtbot.waitUntil(lambda: view.player.ready, timeout=10_000)
    assert len(reads) == 1
