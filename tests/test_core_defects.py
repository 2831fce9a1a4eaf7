"""Core API defects for the desktop app: autosave goes through the note rules; a live
recording keeps its speech model (id and hash) in the sealed store data."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers.store_support import T0, MovableClock, make_keys, open_store
from test_casework_samples import (
    ASR_MODEL,
    ASR_SHA,
    ASSESSMENT,
    sample_draft,
    sample_transcript,
    save_draft_like_the_draft_command,
)

import assist.store
from assist.asr import model as asr_model
from assist.asr.engine import FakeAsrEngine
from assist.casework import (
    edit_note_text,
    edit_section,
    export_case,
    load_case_note,
    sign_case,
)
from assist.casework import save_generated_draft as save_generated
from assist.drafting.types import Draft
from assist.errors import AssistError
from assist.signoff import signed_note_from_dict
from assist.store import CaseStore, DraftAutosaver, StoredSignedNote
from assist.transcript import Segment

SIGNER = "Anne Hansen"
SAMPLE_WAV = Path(__file__).parent / "fixtures" / "sample-da.wav"


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def store(tmp_path: Path) -> CaseStore:
    with open_store(tmp_path / "data", make_keys(), MovableClock(T0)) as opened:
        yield opened


def _case(store: CaseStore) -> str:
    return store.create_case(
        title="J.nr. 7", participants=["Anne Hansen"], consent="given", consent_by="B"
    )


def _code(call: object) -> str:
    with pytest.raises(AssistError) as caught:
        call()  # type: ignore[operator]
    return caught.value.code


# ---- 1. autosave goes through the note rules ----------------------------------------------------


def test_autosave_on_a_signed_note_is_refused_and_names_the_state(store: CaseStore) -> None:
    case_id = _case(store)
    save_draft_like_the_draft_command(store, case_id)
    edit_section(store, case_id, "faglig_vurdering", ASSESSMENT)
    sign_case(store, case_id, SIGNER, "all")
    before = store.load_draft(case_id)
    saver = DraftAutosaver(store, case_id, clock=FakeClock())
    signed_text = load_case_note(store, case_id).text
    saver.edit(signed_text.replace(ASSESSMENT, ASSESSMENT + " Tilføjet efter underskrift."))
    with pytest.raises(AssistError) as caught:
        saver.flush()
    assert caught.value.code == "casework.autosave_signed"
    message = caught.value.message("en")
    assert "signed" in message and "new version" in message
    assert "underskrevet" in caught.value.message("da")
    assert saver.dirty  # the caseworker's typing is not dropped: the app can still offer it
    assert store.load_draft(case_id) == before  # nothing stored that would be ignored


def test_autosave_text_above_the_first_heading_is_refused_and_the_note_still_opens(
    store: CaseStore,
) -> None:
    case_id = _case(store)
    save_draft_like_the_draft_command(store, case_id)
    text = load_case_note(store, case_id).text
    saver = DraftAutosaver(store, case_id, clock=FakeClock())
    saver.edit("En løs linje over første overskrift\n" + text)
    assert _code(saver.flush) == "signoff.edited_text_outside"
    assert load_case_note(store, case_id).text == text  # still opens, unchanged
    edit_note_text(store, case_id, text)  # and can still be edited


def test_autosave_stores_a_valid_edit_that_opens_again(store: CaseStore) -> None:
    case_id = _case(store)
    save_draft_like_the_draft_command(store, case_id)
    text = load_case_note(store, case_id).text
    marker = "## Faglig vurdering [#faglig_vurdering]"
    assert marker in text
    edited = text.replace(marker, marker + "\nSkrevet i appen.")
    saver = DraftAutosaver(store, case_id, clock=FakeClock())
    saver.edit(edited)
    assert saver.flush() and not saver.dirty and saver.last_revision is not None
    note = load_case_note(store, case_id)
    assert "Skrevet i appen." in note.note.section("faglig_vurdering").text


def test_autosave_keeps_a_new_version_in_progress(store: CaseStore) -> None:
    case_id = _case(store)
    save_draft_like_the_draft_command(store, case_id)
    edit_section(store, case_id, "faglig_vurdering", ASSESSMENT)
    sign_case(store, case_id, SIGNER, "all")
    started = edit_section(store, case_id, "naeste_skridt", "Opfølgning.", new_version=True)
    saver = DraftAutosaver(store, case_id, clock=FakeClock())
    saver.edit(started.text.replace("Opfølgning.", "Opfølgning i maj."))
    assert saver.flush()
    current = load_case_note(store, case_id)
    assert current.editing and current.version == 2
    assert current.note.section("naeste_skridt").text == "Opfølgning i maj."


# ---- 2. live recordings keep their speech model ---------------------------------------------


def _record_live(store: CaseStore, case_id: str, **model: str) -> None:
    recording = store.start_recording(case_id, **model)
    recording.write(bytes(32_000))
    recording.on_segment(Segment(0, 0.0, 1.0, "Borgeren fortæller om sin situation.", 0.9))
    recording.on_segment(Segment(1, 1.0, 2.0, "Hun vil gerne i praktik.", 0.9))
    recording.stop()


def test_a_live_recording_keeps_its_model_id_and_hash_into_note_and_signed_version(
    store: CaseStore, tmp_path: Path
) -> None:
    case_id = _case(store)
    _record_live(store, case_id, transcript_model=ASR_MODEL, transcript_model_sha256=ASR_SHA)
    transcript = store.load_transcript(case_id)
    assert transcript is not None and transcript.model == ASR_MODEL
    assert store.transcript_model(case_id) == (ASR_MODEL, ASR_SHA)
    current = save_generated(store, case_id, sample_draft(transcript))
    assert (current.note.meta.transcript_model, current.transcript_model_sha256) == (
        ASR_MODEL,
        ASR_SHA,
    )
    edit_section(store, case_id, "faglig_vurdering", ASSESSMENT)
    signed = sign_case(store, case_id, SIGNER, "all").signed
    assert signed.meta.transcript_model == ASR_MODEL
    record = store.load_signed_note(case_id)
    assert record is not None and record.note["transcript_model_sha256"] == ASR_SHA
    (docx,) = export_case(store, case_id, docx_path=tmp_path / "notat.docx")
    with zipfile.ZipFile(docx.path) as archive:
        properties = archive.read("docProps/custom.xml").decode("utf-8")
    assert ASR_MODEL in properties and ">live<" not in properties


def test_the_model_hash_comes_from_the_sealed_transcript_not_the_audit_trail(
    store: CaseStore,
) -> None:
    case_id = _case(store)
    store.save_transcript(case_id, sample_transcript(), model_sha256=ASR_SHA)
    # A later audit event (it records, it is no data source) does not change what is stored.
    store.record_event(
        "transcribed", case_id, model=ASR_MODEL, model_sha256="ee" * 32, segments=1, duration_s=1
    )
    assert store.transcript_model(case_id) == (ASR_MODEL, ASR_SHA)


def test_an_older_store_without_the_stored_hash_reads_as_before(store: CaseStore) -> None:
    case_id = _case(store)
    store.save_transcript(case_id, sample_transcript(), model_sha256=ASR_SHA)
    # A header written by the development version before the hash was kept with it.
    with store._write() as conn:
        header = {"language": "da", "duration_s": 3.0, "model": ASR_MODEL}
        conn.execute(
            "UPDATE transcript_meta SET sealed = ? WHERE case_id = ?",
            (store._seal_json(case_id, "transcript_meta", header), case_id),
        )
        store._update_manifest(conn, case_id, transcript=True)
    assert store.transcript_model(case_id) == (ASR_MODEL, ASR_SHA)  # from the "transcribed" event
    # Live segments from before (no model kept) still read as "live".
    other = _case(store)
    _record_live(store, other)
    assert store.transcript_model(other) == ("live", "")


def test_record_command_passes_the_speech_model_and_hash_into_the_case(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assist.cli import main
    from assist.models import store as model_store

    engine = FakeAsrEngine()
    monkeypatch.setattr(asr_model, "load_engine", lambda *args, **kwargs: engine)
    resolved = SimpleNamespace(model_id=ASR_MODEL, sha256=ASR_SHA)
    fake_models = SimpleNamespace(resolve=lambda model_id, kind: resolved)
    monkeypatch.setattr(model_store, "open_store", lambda *args, **kwargs: fake_models)
    new_case = ["case", "new", "--title", "J.nr. 9", "--consent", "given", "--consent-by", "B"]
    assert main(new_case) == 0
    case_id = capsys.readouterr().out.strip()
    code = main(["record", "--case", case_id, "--input", str(SAMPLE_WAV), "--live", "--json"])
    _, err = capsys.readouterr()
    assert code == 0, err
    from assist.store.session import open_store_for_cli

    with open_store_for_cli("en") as opened:
        assert opened.transcript_model(case_id) == (ASR_MODEL, ASR_SHA)
    assert main(["case", "show", case_id, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["has_transcript"] is True


def test_the_audio_path_never_waits_for_a_busy_store(tmp_path: Path) -> None:
    # Signing runs retention under the store's lock; the recorder's consent check must not
    # wait for it (measured before: 124-241 ms stalls of write(); bench/audio_path_wait.py).
    import threading
    import time

    with open_store(tmp_path / "d", make_keys()) as store:
        case_id = store.create_case(title="J.nr. 1", consent="given", consent_by="Borger B")
        recording = store.start_recording(case_id)
        recording.consent_check_s = 0.0
        held, release = threading.Event(), threading.Event()

        def busy_store() -> None:
            with store._lock:  # what a long retention run does
                held.set()
                release.wait(5)

        worker = threading.Thread(target=busy_store)
        worker.start()
        held.wait(5)
        assert store.consent_status_if_free(case_id) is None
        started = time.monotonic()
        recording.write(bytes(3200))
        assert time.monotonic() - started < 0.5  # did not wait for the 5 s lock
        release.set()
        worker.join()
        assert store.consent_status_if_free(case_id) == "given"
        recording.stop()


# ---- defect 4: one name per signed note, one serialisation of a draft ----------------------------


def test_a_draft_round_trips_through_its_own_dict_hash_included() -> None:
    draft = sample_draft()
    data = draft.to_dict()
    assert data["model_sha256"] == draft.model_sha256 != ""
    assert Draft.from_dict(json.loads(json.dumps(data))) == draft
    # A draft stored before the hash was in the JSON reads with none.
    older = {k: v for k, v in data.items() if k != "model_sha256"}
    assert Draft.from_dict(older).model_sha256 == ""


def test_the_signed_record_keeps_the_draft_hash_in_its_ai_draft(store: CaseStore) -> None:
    case_id = _case(store)
    draft = save_draft_like_the_draft_command(store, case_id)
    edit_section(store, case_id, "faglig_vurdering", ASSESSMENT)
    sign_case(store, case_id, SIGNER, "all")
    record = store.load_signed_note(case_id)
    assert isinstance(record, StoredSignedNote)
    assert record.note["ai_draft"] == draft.to_dict()
    assert signed_note_from_dict(record.note).ai_draft == draft
    assert not hasattr(assist.store, "SignedNote")
