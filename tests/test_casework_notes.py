"""The casework core (store + sign-off) that the CLI and the desktop app share."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from helpers.store_support import T0, MovableClock, make_keys, open_store
from test_casework_samples import (
    ASR_MODEL,
    ASR_SHA,
    ASSESSMENT,
    INVENTED,
    LLM_SHA,
    flag_ids,
    sample_draft,
    sample_transcript,
    save_draft_like_the_draft_command,
)

from assist.casework import (
    WORKING_VERSION_KEY,
    edit_note_text,
    edit_section,
    export_case,
    load_case_note,
    save_generated_draft,
    sign_case,
)
from assist.errors import AssistError
from assist.store import CaseStore
from assist.store.retention import RetentionPolicy

SIGNER = "Anne Hansen"


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(T0)


@pytest.fixture
def store(tmp_path: Path, clock: MovableClock) -> CaseStore:
    with open_store(tmp_path / "data", make_keys(), clock) as opened:
        yield opened


def _case(store: CaseStore, *, audio: bool = False) -> str:
    case_id = store.create_case(
        title="J.nr. 42", participants=["Anne Hansen", "Borgeren"], consent="given", consent_by="B"
    )
    if audio:
        recording = store.start_recording(case_id, transcript_model=ASR_MODEL)
        recording.write(bytes(32_000))
        recording.stop()
    return case_id


def _code(call: object) -> str:
    with pytest.raises(AssistError) as caught:
        call()  # type: ignore[operator]
    return caught.value.code


def test_save_generated_draft_keeps_model_hash_and_takes_facts_from_the_case(
    store: CaseStore,
) -> None:
    case_id = _case(store, audio=True)
    transcript = sample_transcript()
    store.save_transcript(case_id, transcript, model_sha256=ASR_SHA)
    current = save_generated_draft(store, case_id, sample_draft(transcript))
    stored = store.load_draft(case_id)
    assert stored is not None and stored.draft["model_sha256"] == LLM_SHA
    meta = current.note.meta
    assert (meta.case_reference, meta.participants) == ("J.nr. 42", ("Anne Hansen", "Borgeren"))
    assert meta.meeting_date == T0.astimezone().date()  # the recording's local date
    assert (meta.transcript_model, current.transcript_model_sha256) == (ASR_MODEL, ASR_SHA)
    assert meta.note_title == "Journalnotat (samtale med borger)"
    assert current.editing and current.version == 1 and len(current.open_flags) == 3
    assert [e.event for e in store.audit_events(case_id)][-1] == "drafted"


def test_no_draft_and_an_unreadable_draft_are_clear_errors(store: CaseStore) -> None:
    case_id = _case(store)
    assert _code(lambda: load_case_note(store, case_id)) == "casework.no_draft"
    store.save_draft(case_id, {"engine": "llm"}, "")
    assert _code(lambda: load_case_note(store, case_id)) == "casework.draft_unreadable"


def test_rewriting_a_flagged_sentence_fixes_its_flag(store: CaseStore) -> None:
    case_id = _case(store)
    draft = save_draft_like_the_draft_command(store, case_id)
    (invented,) = flag_ids(draft, "unsupported_number")
    text = load_case_note(store, case_id).text
    current = edit_note_text(store, case_id, text.replace(INVENTED, "Hun har tre børn."))
    assert {f.flag_id: f.resolution for f in current.flags}[invented] == "fixed"
    assert invented not in {f.flag_id for f in current.open_flags}
    # Moving the sentence to another section does not fix it.
    moved = edit_section(store, case_id, "naeste_skridt", INVENTED)
    assert {f.flag_id: f.resolution for f in moved.flags}[invented] == "open"


def test_signing_applies_retention_with_the_policy_given(
    store: CaseStore, clock: MovableClock
) -> None:
    first, second = _case(store, audio=True), _case(store, audio=True)
    for case_id in (first, second):
        save_draft_like_the_draft_command(store, case_id)
        edit_section(store, case_id, "faglig_vurdering", ASSESSMENT)
    week = RetentionPolicy(audio_review_days=7, source="policy")
    outcome = sign_case(store, first, SIGNER, "all", policy=week)
    assert outcome.retention is not None and outcome.retention.audio_deleted == 0
    assert [r.has_audio for r in store.get_case(first).recordings] == [True]
    assert outcome.signed.model_sha256 == LLM_SHA and outcome.version == 1
    # A week later, signing another case runs the policy for the whole store.
    clock.advance(days=7)
    outcome = sign_case(store, second, SIGNER, "all", policy=week)
    assert outcome.retention is not None and outcome.retention.audio_deleted == 1
    assert [r.has_audio for r in store.get_case(first).recordings] == [False]
    assert [r.has_audio for r in store.get_case(second).recordings] == [True]


def test_a_new_version_survives_autosave_and_signs_as_version_two(
    store: CaseStore, tmp_path: Path
) -> None:
    case_id = _case(store)
    save_draft_like_the_draft_command(store, case_id)
    edit_section(store, case_id, "faglig_vurdering", ASSESSMENT)
    first = sign_case(store, case_id, SIGNER, "all").signed
    assert _code(lambda: edit_section(store, case_id, "naeste_skridt", "x")) == (
        "casework.already_signed"
    )
    assert _code(lambda: save_generated_draft(store, case_id, sample_draft())) == (
        "casework.already_signed"
    )
    started = edit_section(store, case_id, "naeste_skridt", "Opfølgning.", new_version=True)
    assert started.editing and started.version == 2
    # The desktop app's autosave stores only the text; the version in progress stays.
    store.save_draft_text(case_id, started.text.replace("Opfølgning.", "Opfølgning i maj."))
    stored = store.load_draft(case_id)
    assert stored is not None and stored.draft[WORKING_VERSION_KEY] == 2
    current = load_case_note(store, case_id)
    assert current.editing and current.note.supersedes == first.text_sha256
    assert current.note.section("naeste_skridt").text == "Opfølgning i maj."
    second = sign_case(store, case_id, "Bo Ibsen", frozenset(), now=T0 + timedelta(days=1))
    assert (second.version, second.signed.version) == (2, 2)
    assert second.signed.supersedes == first.text_sha256
    assert second.signed.meta == first.meta  # a correction keeps the signed facts
    assert not load_case_note(store, case_id).editing
    (written,) = export_case(store, case_id, txt_path=tmp_path / "v2.txt")
    assert "Opfølgning i maj." in written.path.read_text(encoding="utf-8")
    assert store.get_case(case_id).state == "exported"
