"""A whole case through the public core API alone, as the desktop app will drive it: create,
record from a file source with a live transcript, draft, edit with autosave, sign, export."""

from __future__ import annotations

import re
from pathlib import Path

import docx
from helpers.store_support import make_keys, open_store

from assist.asr.engine import FakeAsrEngine
from assist.asr.live import LiveTranscriber
from assist.audio.source import file_source
from assist.casework import export_case, load_case_note, sign_case
from assist.jobs.draft import draft_case
from assist.jobs.engines import EngineHub
from assist.jobs.events import Event, Level, Saved, SectionDrafted, SegmentCommitted, throttled
from assist.jobs.recording import CaseTarget, RecordingSession
from assist.signoff.editable import to_editable_text
from assist.store.autosave import DraftAutosaver

SAMPLE = Path(__file__).parent / "fixtures" / "sample-da.wav"
ASSESSMENT = "Borgeren har brug for hjælp til at søge om boligstøtte."


def _drive(job):  # type: ignore[no-untyped-def]
    events: list[Event] = []
    while True:
        try:
            events.append(next(job))
        except StopIteration as finished:
            return events, finished.value


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_whole_case_through_the_public_jobs_api(tmp_path: Path) -> None:
    loads: list[str | None] = []

    def load_asr(model: str | None) -> FakeAsrEngine:
        loads.append(model)
        return FakeAsrEngine()

    with open_store(tmp_path / "data", make_keys()) as store, EngineHub(
        load_asr=load_asr
    ) as engines:
        changes: list[str] = []
        store.subscribe(lambda change: changes.append(change.kind))
        case_id = store.create_case(
            title="J.nr. 27.12.04-G01", consent="given", consent_by="Borger B",
            note_type="journalnotat",
        )  # fmt: skip

        session = RecordingSession(
            file_source(SAMPLE),
            case=CaseTarget(store, case_id, "fake-asr", "ab" * 32),
            live=lambda: LiveTranscriber(engines.asr(None)),
        )
        events, recorded = _drive(throttled(session.run()))
        segments = [e for e in events if isinstance(e, SegmentCommitted)]
        assert len(segments) == 5 and all(e.case_id == case_id for e in segments)
        assert any(isinstance(e, Level) for e in events)
        assert events[-1] == Saved(case_id, "recording")
        assert recorded.duration_s > 38 and recorded.segments

        events, drafted = _drive(draft_case(store, case_id, engines, "structured"))
        assert [e for e in events if isinstance(e, SectionDrafted)]
        assert any(isinstance(e, Saved) and e.what == "draft" for e in events)
        assert drafted.draft.engine == "structured"

        clock = Clock()
        autosaver = DraftAutosaver(store, case_id, clock=clock)
        text = to_editable_text(load_case_note(store, case_id).note)
        edited = re.sub(
            r"(## Faglig vurdering \[#faglig_vurdering\]\n)", rf"\1{ASSESSMENT}\n", text
        )
        autosaver.edit(edited)
        clock.now = 2.0
        assert autosaver.tick()
        note = load_case_note(store, case_id)
        assessment = next(s for s in note.note.sections if s.section_id == "faglig_vurdering")
        assert assessment.text.strip() == ASSESSMENT

        outcome = sign_case(store, case_id, "Anne Hansen", "all")
        assert outcome.signed.signer == "Anne Hansen"
        export_case(store, case_id, docx_path=tmp_path / "n.docx", txt_path=tmp_path / "n.txt")
        text_export = (tmp_path / "n.txt").read_text(encoding="utf-8")
        assert ASSESSMENT in text_export and "Anne Hansen" in text_export
        document = "\n".join(p.text for p in docx.Document(str(tmp_path / "n.docx")).paragraphs)
        assert ASSESSMENT in document and "Anne Hansen" in document
        assert store.get_case(case_id).state == "exported"

    assert loads == [None]  # one speech engine for the whole case
    for kind in ("case_created", "segments_added", "draft_saved", "signed", "exported"):
        assert kind in changes, (kind, changes)
