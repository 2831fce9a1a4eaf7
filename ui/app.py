"""Start the desktop app: `assist gui [--demo] [--screenshot PATH --view VIEW]`.

The window appears first; the case store opens right after (asking for the passphrase in a
dialog where there is no credential store), and models load in their workers only when a job
first needs them. `--demo` uses a throwaway demo store (unless ASSIST_DATA_DIR points at one)
holding a fictional demo case. `--screenshot` renders one view to a PNG and exits (offscreen if
there is no display).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

VIEWS = (
    "cases", "record", "notes", "transcript", "draft", "sign", "settings", "about", "dictation"
)  # fmt: skip
DEMO_PASSPHRASE = "assist-demo-only"
DEMO_TRANSCRIPT = Path(__file__).parent / "demo" / "demo_meeting.json"
EXIT_NO_DISPLAY = 3
DEMO_TITLE = "Demo: boligstøtte og huslejerestance"
DEMO_NOTES_TITLE = "Demo: telefonsamtale (skrevne noter)"
DEMO_NOTES = (
    "Borgeren ringede om sin ansøgning om hjælp til tandbehandling.\n"
    "Hun har fået et overslag på 8.400 kr. fra tandlægen.\n"
    "Jeg forklarede, at vi skal have overslaget og de seneste tre lønsedler.\n"
    "Hun sender dem senest fredag den 4. december."
)
# What a transcription and a draft import on first use (measured with sys.modules before/after).
JOB_MODULES = (
    "av",
    "av.subtitles.stream",
    "importlib.resources",
    "assist.audio.decode",
    "assist.jobs.transcribe",
    "assist.asr.model",
    "assist.engines.asr_worker",
    "assist.engines.llm_worker",
    "assist.models.store",
    "assist.drafting.select",
    "assist.drafting.structured",
    "assist.drafting.pipeline",
)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="assist gui", description="Assist desktop app")
    parser.add_argument("--demo", action="store_true", help="demo store with a demo case")
    parser.add_argument("--screenshot", type=Path, metavar="PATH", help="render a view to PNG")
    parser.add_argument("--view", choices=VIEWS, default="cases", help="view for --screenshot")
    parser.add_argument("--lang", choices=("da", "en"), help="language (default: setting)")
    parser.add_argument("--high-contrast", action="store_true", help="high-contrast colours")
    parser.add_argument("--dictation", action="store_true", help="open the dictation window")
    return parser.parse_args(list(argv))


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal")):
        return True
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.screenshot is not None and not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if not has_display():
        print(
            "Ingen skærm fundet (DISPLAY er ikke sat); Assists vindue kan ikke vises. Brug "
            "kommandolinjen ('assist --help'), eller 'assist gui --screenshot FIL'.\n"
            "No display found (DISPLAY is not set); Assist's window cannot be shown.",
            file=sys.stderr,
        )
        return EXIT_NO_DISPLAY
    if args.demo:
        _use_demo_store()

    from PySide6.QtWidgets import QApplication

    from assist.settings import load_settings

    lang = args.lang or ("en" if load_settings().text("ui_language") == "en" else "da")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName("Assist")
    app.setOrganizationName("Assist")
    from ui.i18n import install_translators
    from ui.theme import apply_theme

    apply_theme(app, high_contrast=args.high_contrast or None)
    translators = install_translators(app, lang)  # kept alive until exit
    preload_job_modules()
    services = open_services(lang, demo=args.demo)
    if services is None:
        return 1
    from ui.main_window import MainWindow

    window = MainWindow(services, housekeeping=args.screenshot is None)
    window.resize(1280, 800)
    if args.dictation and args.screenshot is None:
        window.open_dictation()  # care staff: the compact window only; the main one stays hidden
    else:
        window.show()
    try:
        if args.screenshot is not None:
            from ui.screenshot import render_view

            return render_view(window, args.view, args.screenshot)
        return app.exec()
    finally:
        services.close()
        del translators


def preload_job_modules() -> None:
    """Import what the first jobs import (PyAV for decoding audio, the drafting pipeline) now,
    before the window shows: an import holds the interpreter lock, and done by a job's thread
    mid-work it froze the window for 90-170 ms."""
    import importlib

    for name in JOB_MODULES:
        importlib.import_module(name)


def _use_demo_store() -> None:
    """A demo store the demo passphrase opens: ASSIST_DATA_DIR if set (`make run` sets it),
    else a fresh temporary folder."""
    if not os.environ.get("ASSIST_DATA_DIR"):
        os.environ["ASSIST_DATA_DIR"] = tempfile.mkdtemp(prefix="assist-demo-")
    os.environ.setdefault("ASSIST_KEY_SOURCE", "passphrase")
    os.environ.setdefault("ASSIST_PASSPHRASE", DEMO_PASSPHRASE)


def open_services(lang: str, *, demo: bool = False):  # type: ignore[no-untyped-def]
    """The app's services over the user's case store; None if it cannot be opened (the reason
    is shown in a message box)."""
    from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox

    from assist.errors import AssistError
    from assist.jobs.engines import EngineHub
    from assist.store.session import open_default_store
    from ui.audio import QtMicrophoneBackend
    from ui.context import AppServices, ChangeRelay
    from ui.jobs import JobRunner

    def ask_passphrase(purpose: str) -> str:
        from assist.secure.keys import ASK_NEW

        title = "Assist"
        prompt = (
            "Vælg en adgangsfrase til dine data (mindst 12 tegn):"
            if purpose == ASK_NEW and lang == "da"
            else "Choose a passphrase for your data (at least 12 characters):"
            if purpose == ASK_NEW
            else "Adgangsfrase:"
            if lang == "da"
            else "Passphrase:"
        )
        text, ok = QInputDialog.getText(None, title, prompt, QLineEdit.EchoMode.Password)
        return text if ok else ""

    try:
        store = open_default_store(ask_passphrase=ask_passphrase)
    except AssistError as error:
        QMessageBox.critical(None, "Assist", error.message(lang))  # type: ignore[arg-type]
        return None
    if demo:
        ensure_demo_case(store)
    return AppServices(
        store=store,
        engines=EngineHub(exclusive=True),
        runner=JobRunner(),
        microphones=QtMicrophoneBackend(),
        changes=ChangeRelay(store),
        lang=lang,  # type: ignore[arg-type]
    )


def ensure_demo_case(store):  # type: ignore[no-untyped-def]
    """A fictional demo meeting with a transcript, notes typed during it and a structured draft
    (no model needed)."""
    import json

    from assist.jobs.draft import draft_case
    from assist.jobs.engines import EngineHub
    from assist.jobs.events import run
    from assist.transcript import Transcript
    from assist.typed_notes import save_typed_notes

    titles = {case.title: case.case_id for case in store.list_cases()}
    if DEMO_NOTES_TITLE not in titles:
        notes_case = store.create_case(
            title=DEMO_NOTES_TITLE, note_type="journalnotat", consent="refused"
        )
        save_typed_notes(store, notes_case, DEMO_NOTES)
    if DEMO_TITLE in titles:
        return titles[DEMO_TITLE]
    case_id = store.create_case(
        title=DEMO_TITLE,
        note_type="journalnotat",
        participants=("Ahmad Karimi (borger)", "Birgitte (bisidder)", "Anne Hansen (rådgiver)"),
        consent="given",
        consent_by="Ahmad Karimi",
    )
    data = json.loads(DEMO_TRANSCRIPT.read_text(encoding="utf-8"))
    transcript = Transcript.from_dict(data, source="demo")
    store.save_transcript(case_id, transcript)
    # The caseworker's notes typed during the meeting are stored apart from what was said.
    for note in transcript.notes:
        store.add_meeting_note(case_id, note.at_s, note.text)
    with EngineHub() as engines:
        run(draft_case(store, case_id, engines, "structured"))
    return case_id


if __name__ == "__main__":
    raise SystemExit(main())
