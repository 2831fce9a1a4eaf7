"""Typed notes in the core: stored encrypted as a transcript, policy on consent, never over a
recorded transcript."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.store_support import make_keys, open_store

from assist.errors import AssistError
from assist.jobs.draft import draft_case
from assist.jobs.engines import EngineHub
from assist.jobs.events import run
from assist.settings import load_settings
from assist.transcript import Segment, Transcript
from assist.typed_notes import load_typed_notes, save_typed_notes


def test_typed_notes_round_trip_and_draft_cites_their_lines(tmp_path: Path) -> None:
    with open_store(tmp_path / "data", make_keys()) as store:
        case_id = store.create_case(title="Telefon", consent="refused")
        assert load_typed_notes(store, case_id) == ""
        text = "Borgeren søger boligstøtte.\n\nHun har en huslejerestance på 12.000 kr."
        save_typed_notes(store, case_id, text)
        assert load_typed_notes(store, case_id) == text.replace("\n\n", "\n")
        raw = (tmp_path / "data" / "cases.sqlite3").read_bytes()
        assert "boligstøtte".encode() not in raw  # encrypted at rest
        result = run(draft_case(store, case_id, EngineHub(), "structured"))
        cited = {
            s for section in result.draft.sections for p in section.sentences for s in p.sources
        }
        assert cited <= {0, 1} and cited


def test_policy_can_require_consent_for_typed_notes(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"typed_notes_without_consent": False}))
    monkeypatch.setenv("ASSIST_POLICY_FILE", str(policy))
    with open_store(tmp_path / "data", make_keys()) as store:
        refused = store.create_case(title="Uden samtykke", consent="refused")
        with pytest.raises(AssistError) as caught:
            save_typed_notes(store, refused, "Noter.", load_settings())
        assert caught.value.code == "settings.typed_notes_need_consent"
        assert store.load_transcript(refused) is None
        given = store.create_case(title="Med samtykke", consent="given", consent_by="B")
        save_typed_notes(store, given, "Noter.", load_settings())


def test_typed_notes_never_replace_a_recorded_transcript(tmp_path: Path) -> None:
    with open_store(tmp_path / "data", make_keys()) as store:
        case_id = store.create_case(title="Optaget", consent="given", consent_by="B")
        recorded = Transcript("da", 3.0, "whisper-base-ct2", (Segment(0, 0.0, 3.0, "Hej.", 0.9),))
        store.save_transcript(case_id, recorded)
        assert load_typed_notes(store, case_id) is None
        with pytest.raises(AssistError) as caught:
            save_typed_notes(store, case_id, "Noter.")
        assert caught.value.code == "typed_notes.case_has_recording"
        assert store.load_transcript(case_id) == recorded


def test_a_character_that_cannot_be_stored_is_refused_with_its_place(tmp_path: Path) -> None:
    with open_store(tmp_path / "data", make_keys()) as store:
        case_id = store.create_case(title="x", consent="refused")
        with pytest.raises(AssistError) as caught:
            save_typed_notes(store, case_id, "Linje et\nto \x07 tre")
        assert caught.value.code == "typed_notes.bad_char"
        assert "linje 2" in caught.value.message("da")
