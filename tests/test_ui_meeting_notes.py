"""Notes the caseworker types during a meeting: the side panel of the recording view (fake
microphone, fake speech engine), the notes among the segments in the transcript view, and a
draft sentence citing a note in the draft view."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.fake_microphone import FakeMicrophone, FakeMicrophoneBackend
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication, QWidget
from ui_accessibility import tab_order, unnamed_controls
from ui_support import make_services

from assist.casework import save_generated_draft
from assist.drafting.types import Draft, DraftSection, DraftSentence
from assist.transcript import MeetingNote, Segment, Transcript
from ui.context import AppServices
from ui.draft_view import DraftView
from ui.meeting_notes_panel import MeetingNotesPanel
from ui.recording_view import RecordingView
from ui.transcript_model import NOTE_ID_ROLE, SPEAKER_COLUMN, TEXT_COLUMN, TIME_COLUMN
from ui.transcript_view import TranscriptView

SECOND = 16_000 * 2  # bytes of 16 kHz mono s16le
SILENCE = bytes(SECOND)  # the fake engine hears nothing in it: no segments get in the way


@pytest.fixture
def services(tmp_path: Path) -> Iterator[AppServices]:
    built = make_services(tmp_path, microphones=FakeMicrophoneBackend(pcm=b""))
    try:
        yield built
    finally:
        built.runner.shutdown()
        QApplication.processEvents()  # the jobs' last callbacks, while the store is open
        built.close()


def new_case(services: AppServices) -> str:
    return services.store.create_case(
        title="J.nr. 27.12.04-G01", consent="given", consent_by="Borger B", note_type="journalnotat"
    )


def recording_view(qtbot: Any, services: AppServices, case_id: str) -> RecordingView:
    view = RecordingView(services)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    view.set_case(case_id)
    return view


def microphone(services: AppServices) -> FakeMicrophone:
    backend = services.microphones
    assert isinstance(backend, FakeMicrophoneBackend)
    return backend.current


def start(qtbot: Any, view: RecordingView, services: AppServices) -> FakeMicrophone:
    """Start recording and let the first second of (silent) audio in."""
    backend = services.microphones
    assert isinstance(backend, FakeMicrophoneBackend)
    opened = len(backend.opened)
    view.start_button.click()
    qtbot.waitUntil(lambda: len(backend.opened) > opened, timeout=10_000)
    return record(qtbot, view, microphone(services), 1)


def record(qtbot: Any, view: RecordingView, mic: FakeMicrophone, seconds: int) -> FakeMicrophone:
    """`seconds` more audio, recorded to the last byte before it returns."""
    total = mic.delivered_bytes + seconds * SECOND
    mic.feed(SILENCE * seconds)
    qtbot.waitUntil(lambda: mic.delivered_bytes == total and mic.waiting_for_audio, timeout=10_000)
    qtbot.waitUntil(lambda: view.notes_panel.box.isEnabled(), timeout=10_000)
    return mic


def stop(qtbot: Any, view: RecordingView) -> None:
    with qtbot.waitSignal(view.recording_finished, timeout=60_000):
        view.stop_button.click()


def stored_notes(services: AppServices, case_id: str) -> list[tuple[float, str]]:
    return [(round(n.at_s, 1), n.text) for n in services.store.meeting_notes(case_id)]


def wait_notes(qtbot: Any, services: AppServices, case_id: str, count: int) -> None:
    qtbot.waitUntil(lambda: len(services.store.meeting_notes(case_id)) == count, timeout=10_000)


def press_enter(qtbot: Any, widget: QWidget, shift: bool = False) -> None:
    modifier = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    qtbot.keyClick(widget, Qt.Key.Key_Return, modifier)


# ---- typing notes while recording ------------------------------------------------------------


def test_notes_are_saved_encrypted_at_the_time_typing_began(
    qtbot: Any, services: AppServices, tmp_path: Path
) -> None:
    case_id = new_case(services)
    view = recording_view(qtbot, services, case_id)
    mic = start(qtbot, view, services)
    record(qtbot, view, mic, 2)  # 3 s recorded
    box = view.notes_panel.box
    qtbot.keyClicks(box, "Søster")  # begun at 3 s ...
    record(qtbot, view, mic, 2)
    qtbot.keyClicks(box, " hjælper")
    press_enter(qtbot, box)  # ... added at 5 s: it belongs at 3 s
    assert box.toPlainText() == ""
    record(qtbot, view, mic, 3)  # 8 s
    qtbot.keyClicks(box, "Husleje 4.750 kr.")
    view.notes_panel.add_button.click()
    wait_notes(qtbot, services, case_id, 2)
    assert stored_notes(services, case_id) == [(3.0, "Søster hjælper"), (8.0, "Husleje 4.750 kr.")]
    qtbot.waitUntil(lambda: len(view.notes_panel.notes_shown()) == 2)
    assert view.notes_panel.notes_shown() == ["00:03  Søster hjælper", "00:08  Husleje 4.750 kr."]
    assert view.is_recording()  # typing notes did not touch the recording
    stop(qtbot, view)

    transcript = services.store.load_transcript(case_id)
    assert transcript is not None
    assert [n.text for n in transcript.notes] == ["Søster hjælper", "Husleje 4.750 kr."]
    assert "Søster" not in transcript.text  # never mixed into what was said
    for path in (tmp_path / "data").rglob("*"):
        if path.is_file():
            assert "Søster hjælper".encode() not in path.read_bytes(), path  # encrypted at rest


def test_a_note_being_typed_is_kept_sealed_a_second_after_the_last_keystroke(
    qtbot: Any, services: AppServices
) -> None:
    case_id = new_case(services)
    view = recording_view(qtbot, services, case_id)
    mic = start(qtbot, view, services)
    record(qtbot, view, mic, 1)  # 2 s
    qtbot.keyClicks(view.notes_panel.box, "Vil ikke flytte")  # no Enter yet
    qtbot.waitUntil(lambda: services.store.note_in_progress(case_id) is not None, timeout=5000)
    kept = services.store.note_in_progress(case_id)
    assert kept is not None and (kept.at_s, kept.text) == (2.0, "Vil ikke flytte")
    assert services.store.meeting_notes(case_id) == ()  # kept, not yet a note
    press_enter(qtbot, view.notes_panel.box)
    wait_notes(qtbot, services, case_id, 1)
    assert services.store.note_in_progress(case_id) is None  # it became the note
    stop(qtbot, view)


def test_after_a_crash_the_note_being_typed_comes_back_into_the_box(
    qtbot: Any, services: AppServices
) -> None:
    case_id = new_case(services)
    services.store.keep_note_in_progress(case_id, 2.0, "Vil ikke flytte")  # as the crash left it
    panel = MeetingNotesPanel(services)  # the app opened again on the case
    qtbot.addWidget(panel)
    panel.set_case(case_id)
    qtbot.waitUntil(lambda: panel.box.toPlainText() == "Vil ikke flytte", timeout=5000)
    assert panel.box.isEnabled()  # no recording runs, yet it can be added
    panel.add_now()
    qtbot.waitUntil(lambda: stored_notes(services, case_id) == [(2.0, "Vil ikke flytte")])
    assert services.store.note_in_progress(case_id) is None


def test_enter_adds_the_note_and_shift_enter_starts_a_new_line(
    qtbot: Any, services: AppServices
) -> None:
    case_id = new_case(services)
    view = recording_view(qtbot, services, case_id)
    start(qtbot, view, services)
    box = view.notes_panel.box
    qtbot.keyClicks(box, "Søster hjælper")
    press_enter(qtbot, box, shift=True)
    qtbot.keyClicks(box, "med indkøb")
    assert box.toPlainText() == "Søster hjælper\nmed indkøb"
    assert services.store.meeting_notes(case_id) == ()
    press_enter(qtbot, box)
    wait_notes(qtbot, services, case_id, 1)
    assert stored_notes(services, case_id) == [(1.0, "Søster hjælper\nmed indkøb")]
    press_enter(qtbot, box)  # Enter on an empty box adds nothing
    qtbot.wait(50)
    assert len(services.store.meeting_notes(case_id)) == 1
    stop(qtbot, view)


def test_text_still_in_the_box_is_added_when_the_recording_stops(
    qtbot: Any, services: AppServices
) -> None:
    case_id = new_case(services)
    view = recording_view(qtbot, services, case_id)
    mic = start(qtbot, view, services)
    qtbot.keyClicks(view.notes_panel.box, "Ring til boligforeningen")
    record(qtbot, view, mic, 2)
    stop(qtbot, view)
    wait_notes(qtbot, services, case_id, 1)
    assert stored_notes(services, case_id) == [(1.0, "Ring til boligforeningen")]
    assert view.notes_panel.box.toPlainText() == ""
    assert not view.notes_panel.box.isEnabled()  # no recording: no clock for a note
    qtbot.waitUntil(lambda: view.notes_panel.notes_shown() == ["00:01  Ring til boligforeningen"])


def test_notes_of_a_second_recording_come_after_the_first_recording(
    qtbot: Any, services: AppServices
) -> None:
    case_id = new_case(services)
    view = recording_view(qtbot, services, case_id)
    mic = start(qtbot, view, services)
    record(qtbot, view, mic, 3)  # 4 s
    qtbot.keyClicks(view.notes_panel.box, "Første møde")
    press_enter(qtbot, view.notes_panel.box)
    stop(qtbot, view)
    mic = start(qtbot, view, services)  # 1 s into the second recording: 5 s on the timeline
    record(qtbot, view, mic, 1)
    qtbot.keyClicks(view.notes_panel.box, "Andet møde")
    press_enter(qtbot, view.notes_panel.box)
    wait_notes(qtbot, services, case_id, 2)
    assert stored_notes(services, case_id) == [(4.0, "Første møde"), (6.0, "Andet møde")]
    stop(qtbot, view)


def test_a_paused_recording_takes_notes_at_the_paused_time(
    qtbot: Any, services: AppServices
) -> None:
    case_id = new_case(services)
    view = recording_view(qtbot, services, case_id)
    mic = start(qtbot, view, services)
    record(qtbot, view, mic, 1)  # 2 s
    view.pause_button.click()
    mic.feed(SILENCE * 2)  # not recorded: the clock stands still
    qtbot.waitUntil(lambda: mic.delivered_bytes == 4 * SECOND and mic.waiting_for_audio)
    assert view.notes_panel.box.isEnabled()
    qtbot.keyClicks(view.notes_panel.box, "Pause: papirer")
    press_enter(qtbot, view.notes_panel.box)
    wait_notes(qtbot, services, case_id, 1)
    assert stored_notes(services, case_id) == [(2.0, "Pause: papirer")]
    stop(qtbot, view)


def test_a_refused_note_is_shown_in_the_banner_and_kept_in_the_box(
    qtbot: Any, services: AppServices
) -> None:
    case_id = new_case(services)
    view = recording_view(qtbot, services, case_id)
    start(qtbot, view, services)
    box = view.notes_panel.box
    box.setPlainText("x" * 5001)  # longer than a note may be
    press_enter(qtbot, box)
    qtbot.waitUntil(lambda: view.banner.isVisible(), timeout=10_000)
    assert "The note was not saved" in view.banner.text() and "⚠" in view.banner.text()
    assert "5000" in view.banner.text() or "5,000" in view.banner.text()
    assert "Traceback" not in view.banner.text()
    assert box.toPlainText() == "x" * 5001  # nothing typed is lost
    assert services.store.meeting_notes(case_id) == ()
    box.setPlainText("Kort notat")
    press_enter(qtbot, box)
    wait_notes(qtbot, services, case_id, 1)
    stop(qtbot, view)


def test_without_a_recording_the_box_is_closed_and_the_case_notes_stay_listed(
    qtbot: Any, services: AppServices
) -> None:
    case_id = new_case(services)
    services.store.add_meeting_note(case_id, 65.0, "Søster hjælper")
    view = recording_view(qtbot, services, case_id)
    panel = view.notes_panel
    qtbot.waitUntil(lambda: panel.notes_shown() == ["01:05  Søster hjælper"])
    assert not panel.box.isEnabled() and not panel.add_button.isEnabled()
    assert "while a recording runs" in panel.hint.text()
    services.store.add_meeting_note(case_id, 70.0, "Tilføjet andetsteds")
    qtbot.waitUntil(lambda: len(panel.notes_shown()) == 2)  # follows the store


def test_keyboard_alt_n_reaches_the_box_tab_leaves_it_esc_hands_back(
    qtbot: Any, services: AppServices
) -> None:
    case_id = new_case(services)
    view = recording_view(qtbot, services, case_id)
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    start(qtbot, view, services)
    panel: MeetingNotesPanel = view.notes_panel
    view.stop_button.setFocus()
    qtbot.keyClick(view.stop_button, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: panel.box.hasFocus())
    qtbot.keyClicks(panel.box, "Stikord")
    qtbot.keyClick(panel.box, Qt.Key.Key_Tab)
    assert panel.box.toPlainText() == "Stikord"  # Tab moved on, it typed nothing
    assert panel.add_button.hasFocus()
    panel.box.setFocus()
    qtbot.keyClick(panel.box, Qt.Key.Key_Escape)
    assert view.pause_button.hasFocus()  # back to the recording controls
    # Reachable by Tab from the live transcript, named for a screen reader.
    chain = tab_order(view)
    at = chain.index(view.transcript_list)
    assert chain[at + 1 : at + 4] == [panel.box, panel.add_button, panel.notes_list]
    assert unnamed_controls(view) == []
    stop(qtbot, view)


# ---- the transcript view ---------------------------------------------------------------------

SEGMENTS = (
    Segment(0, 0.0, 5.0, "Hvordan går det?", 0.9),
    Segment(1, 12.0, 20.0, "Min søster hjælper mig.", 0.9),
    Segment(2, 20.0, 30.0, "Vi taler om det igen.", 0.9),
)


def transcript_case(services: AppServices) -> str:
    case_id = new_case(services)
    services.store.save_transcript(
        case_id, Transcript("da", 30.0, "asr", SEGMENTS), model_sha256="ab" * 32
    )
    services.store.add_meeting_note(case_id, 25.0, "Opfølgning om to uger")
    services.store.add_meeting_note(case_id, 13.5, "Søster hjælper")
    return case_id


def transcript_view(qtbot: Any, services: AppServices, case_id: str) -> TranscriptView:
    view = TranscriptView(services)
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    view.set_case(case_id)
    qtbot.waitUntil(lambda: view.model.rowCount() == 5 and view.model.editable, timeout=5000)
    return view


def cell(view: TranscriptView, row: int, column: int, role: Any = None) -> Any:
    return view.model.index(row, column).data(role or Qt.ItemDataRole.DisplayRole)


def test_notes_stand_among_the_segments_at_their_time_marked_as_the_caseworkers(
    qtbot: Any, services: AppServices
) -> None:
    view = transcript_view(qtbot, services, transcript_case(services))
    rows = [(cell(view, r, TIME_COLUMN), cell(view, r, TEXT_COLUMN)) for r in range(5)]
    assert rows == [
        ("00:00", "Hvordan går det?"),
        ("00:12", "Min søster hjælper mig."),
        ("00:13", "✎ Note 2 · caseworker: Søster hjælper"),
        ("00:20", "Vi taler om det igen."),
        ("00:25", "✎ Note 1 · caseworker: Opfølgning om to uger"),
    ]
    assert cell(view, 2, TEXT_COLUMN, NOTE_ID_ROLE) == 2
    assert cell(view, 1, TEXT_COLUMN, NOTE_ID_ROLE) is None
    assert cell(view, 2, SPEAKER_COLUMN) == ""  # never a speaker label
    background = cell(view, 2, TEXT_COLUMN, Qt.ItemDataRole.BackgroundRole)
    assert (
        background is not None
        and cell(view, 1, TEXT_COLUMN, Qt.ItemDataRole.BackgroundRole) is None
    )
    described = cell(view, 2, TEXT_COLUMN, Qt.ItemDataRole.AccessibleDescriptionRole)
    assert "caseworker" in described
    assert [s.segment_id for s in view.model.segments] == [0, 1, 2]


def test_a_note_is_never_edited_labelled_or_replaced_as_a_segment(
    qtbot: Any, services: AppServices
) -> None:
    case_id = transcript_case(services)
    view = transcript_view(qtbot, services, case_id)
    model = view.model
    assert not model.flags(model.index(2, SPEAKER_COLUMN)) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(model.index(2, SPEAKER_COLUMN), "Borger")
    # Labelling a selection that holds a note labels only the segments.
    selection = view.table.selectionModel()
    for row in (1, 2):
        selection.select(
            model.index(row, TIME_COLUMN),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    assert view.selected_segment_ids() == [1]
    view.set_speaker(view.selected_segment_ids(), "Borger")
    qtbot.waitUntil(lambda: cell(view, 1, SPEAKER_COLUMN) == "Borger")
    assert cell(view, 2, SPEAKER_COLUMN) == ""
    # Find and replace look only at what was said.
    view.open_find()
    view.find_edit.setText("Opfølgning")
    assert view.find_status.text() == "0 found"
    assert not view.find(1)
    view.find_edit.setText("hjælper")
    assert view.find_status.text() == "1 found"
    view.replace_edit.setText("støtter")
    view.replace_all()
    qtbot.waitUntil(lambda: cell(view, 1, TEXT_COLUMN) == "Min søster støtter mig.")
    assert [n.text for n in services.store.meeting_notes(case_id)] == [
        "Opfølgning om to uger",
        "Søster hjælper",
    ]
    transcript = services.store.load_transcript(case_id)
    assert transcript is not None and len(transcript.segments) == 3


def test_a_notes_text_is_corrected_through_the_core_and_emptied_it_goes(
    qtbot: Any, services: AppServices
) -> None:
    case_id = transcript_case(services)
    view = transcript_view(qtbot, services, case_id)
    model = view.model
    assert model.flags(model.index(2, TEXT_COLUMN)) & Qt.ItemFlag.ItemIsEditable
    assert cell(view, 2, TEXT_COLUMN, Qt.ItemDataRole.EditRole) == "Søster hjælper"
    assert model.setData(model.index(2, TEXT_COLUMN), "Søster hjælper med indkøb")
    qtbot.waitUntil(
        lambda: (
            [n.text for n in services.store.meeting_notes(case_id)][1]
            == "Søster hjælper med indkøb"
        )
    )
    qtbot.waitUntil(lambda: "med indkøb" in cell(view, 2, TEXT_COLUMN) and not view.saving)
    assert [s.text for s in services.store.load_transcript(case_id).segments] == [  # type: ignore[union-attr]
        s.text for s in SEGMENTS
    ]
    model.setData(model.index(2, TEXT_COLUMN), "")
    qtbot.waitUntil(lambda: model.rowCount() == 4)
    assert services.store.meeting_notes(case_id) == (MeetingNote(1, 25.0, "Opfølgning om to uger"),)
    assert cell(view, 3, TEXT_COLUMN) == "✎ Note 1 · caseworker: Opfølgning om to uger"


def test_show_note_selects_the_note_row(qtbot: Any, services: AppServices) -> None:
    view = transcript_view(qtbot, services, transcript_case(services))
    view.show_note(1)
    assert view.table.currentIndex().row() == 4


# ---- the draft view --------------------------------------------------------------------------

NOTE_SENTENCE = "Sagsbehandlerens notat: Søster hjælper."
SAID_SENTENCE = "Borgerens søster hjælper."


def drafted_case(services: AppServices) -> str:
    case_id = transcript_case(services)
    draft = Draft(
        template_id="journalnotat",
        engine="structured",
        model="",
        model_sha256="",
        sections=(
            DraftSection(
                "situation",
                "Situation",
                True,
                (
                    DraftSentence(SAID_SENTENCE, (1,)),
                    DraftSentence(NOTE_SENTENCE, sources=(), notes=(2,)),
                ),
            ),
            DraftSection("faglig_vurdering", "Faglig vurdering", False),
        ),
    )
    save_generated_draft(services.store, case_id, draft)
    return case_id


def put_cursor_in(view: DraftView, text: str) -> None:
    editor = view.editor("situation")
    position = editor.text().index(text) + 3
    cursor = QTextCursor(editor.editor.document())
    cursor.setPosition(position)
    editor.editor.setTextCursor(cursor)


def test_a_sentence_resting_on_a_note_lists_it_apart_and_shows_it(
    qtbot: Any, services: AppServices
) -> None:
    case_id = drafted_case(services)
    view = DraftView(services)
    qtbot.addWidget(view)
    view.resize(1000, 900)
    view.show()
    view.set_case(case_id)
    qtbot.waitUntil(lambda: "situation" in view._editors, timeout=10_000)
    editor = view.editor("situation")
    qtbot.waitUntil(lambda: NOTE_SENTENCE in editor.text())

    put_cursor_in(view, NOTE_SENTENCE)
    items = [view.sources_list.item(i).text() for i in range(view.sources_list.count())]
    assert items == ["✎ Caseworker's note 2 (00:13): Søster hjælper"]
    assert "only on notes the caseworker typed" in view.sources_hint.text()
    position = editor.text().index(NOTE_SENTENCE) + 3
    tooltip = editor._tooltip(position)
    assert "No source" not in tooltip
    assert "✎ Caseworker's note 2 (00:13): Søster hjælper" in tooltip
    with qtbot.waitSignal(view.note_requested) as requested:
        view.show_source_button.click()
    assert requested.args == [2, False]

    put_cursor_in(view, SAID_SENTENCE)
    items = [view.sources_list.item(i).text() for i in range(view.sources_list.count())]
    assert items == ["[00:12–00:20] Min søster hjælper mig."]  # what was said, no note mixed in
    with qtbot.waitSignal(view.source_requested) as shown:
        view.show_source_button.click()
    assert shown.args == [1]

    transcript = transcript_view(qtbot, services, case_id)
    view.note_requested.connect(lambda note_id, play: transcript.show_note(note_id, play))
    put_cursor_in(view, NOTE_SENTENCE)
    view.show_source_button.click()
    assert transcript.table.currentIndex().row() == 2
    assert transcript.model.note(2) == MeetingNote(2, 13.5, "Søster hjælper")
    view.flush()


def test_alt_n_clashes_with_nothing_in_the_main_window(qtbot: Any, services: AppServices) -> None:
    from ui.main_window import MainWindow

    window = MainWindow(services, confirm=lambda _title, _text: True, housekeeping=False)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    refused = services.store.create_case(title="Telefon", consent="refused")
    window.cases.reload()
    window.open_case(refused)
    tabs = window.workspace.tabs
    tabs.setCurrentIndex(tabs.indexOf(window.workspace.transcript))
    tabs.tabBar().setFocus()
    qtbot.keyClick(tabs.tabBar(), Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert tabs.currentWidget() is window.workspace.typed_notes  # the "&Notes" tab still works

    case_id = new_case(services)
    window.cases.reload()
    window.open_case(case_id)
    view = window.workspace.recording
    tabs.setCurrentWidget(view)
    start(qtbot, view, services)
    view.stop_button.setFocus()
    qtbot.keyClick(view.stop_button, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: view.notes_panel.box.hasFocus())
    stop(qtbot, view)


# ---- from the panel to the DOCX ------------------------------------------------------------


def test_a_note_typed_while_recording_is_drafted_signed_and_marked_in_the_docx(
    qtbot: Any, services: AppServices, tmp_path: Path
) -> None:
    import docx
    from test_ui_draft import check_all_flags, write_assessment

    from assist.casework import export_case

    case_id = new_case(services)
    view = recording_view(qtbot, services, case_id)
    mic = start(qtbot, view, services)
    record(qtbot, view, mic, 2)
    qtbot.keyClicks(view.notes_panel.box, "Vil ikke flytte")
    press_enter(qtbot, view.notes_panel.box)
    wait_notes(qtbot, services, case_id, 1)
    stop(qtbot, view)
    said = (Segment(0, 0.0, 3.0, "Jeg har svært ved at betale huslejen.", 0.9),)
    services.store.save_transcript(case_id, Transcript("da", 3.0, "fake-asr", said))

    draft = DraftView(services)
    qtbot.addWidget(draft)
    draft.resize(1000, 900)
    draft.show()
    draft.set_case(case_id)
    draft.make_button.click()
    qtbot.waitUntil(lambda: not draft.is_busy() and "situation" in draft._editors, timeout=10_000)
    noted = "Sagsbehandlerens notat: Vil ikke flytte."
    qtbot.waitUntil(lambda: noted in draft.editor("situation").text(), timeout=5000)
    put_cursor_in(draft, noted)
    items = [draft.sources_list.item(i).text() for i in range(draft.sources_list.count())]
    assert items == ["✎ Caseworker's note 1 (00:03): Vil ikke flytte"]
    write_assessment(draft, qtbot)
    check_all_flags(draft, qtbot)
    draft.sign_button.click()
    dialog = draft.sign_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.name, "Anne Hansen")
    dialog.sign_button.click()
    qtbot.waitUntil(lambda: draft.signed_banner.isVisible(), timeout=10_000)

    path = tmp_path / "notat.docx"
    export_case(services.store, case_id, docx_path=path)
    paragraphs = [p.text for p in docx.Document(str(path)).paragraphs]
    assert any(noted in p for p in paragraphs)
    assert any("Jeg har svært ved at betale huslejen." in p for p in paragraphs)
    statement = next(p for p in paragraphs if "Første udkast" in p)
    assert "sagsbehandlerens egne notater skrevet under mødet" in statement
