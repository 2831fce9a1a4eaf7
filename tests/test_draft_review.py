"""Flags checked and sections accepted one by one while editing, kept with the working draft."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.store_support import make_keys, open_store
from test_casework_samples import ASSESSMENT, save_draft_like_the_draft_command

from assist.casework import edit_note_text, edit_section, load_case_note, sign_case
from assist.draft_review import (
    accept_section,
    acknowledge_flag,
    load_review,
    reviewed_flags,
)
from assist.errors import AssistError
from assist.store import CaseStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CaseStore]:
    with open_store(tmp_path / "data", make_keys()) as opened:
        yield opened


def _case(store: CaseStore) -> str:
    case_id = store.create_case(title="J.nr. 1", consent="given", consent_by="Borger B")
    save_draft_like_the_draft_command(store, case_id)
    return case_id


def test_an_acknowledged_flag_is_closed_and_signing_accepts_it(store: CaseStore) -> None:
    case_id = _case(store)
    current = load_case_note(store, case_id)
    open_ids = [f.flag_id for f in current.open_flags]
    assert len(open_ids) >= 2
    text_before = store.load_draft(case_id).text  # type: ignore[union-attr]

    review = acknowledge_flag(store, case_id, open_ids[0])
    assert review.acknowledged == {open_ids[0]}
    assert store.load_draft(case_id).text == text_before  # type: ignore[union-attr]
    reloaded = load_review(store, case_id)
    assert reloaded == review
    flags = {f.flag_id: f.resolution for f in reviewed_flags(current.note, reloaded)}
    assert flags[open_ids[0]] == "acknowledged"
    assert all(flags[i] == "open" for i in open_ids[1:])

    for flag_id in open_ids[1:]:
        review = acknowledge_flag(store, case_id, flag_id)
    edit_section(store, case_id, "faglig_vurdering", ASSESSMENT)
    outcome = sign_case(store, case_id, "Anne Hansen", load_review(store, case_id).acknowledged)
    assert {r.flag_id for r in outcome.signed.flag_resolutions if r.resolution == "acknowledged"}
    assert outcome.version == 1


def test_an_unknown_flag_or_section_is_refused(store: CaseStore) -> None:
    case_id = _case(store)
    with pytest.raises(AssistError) as unknown_flag:
        acknowledge_flag(store, case_id, "f999")
    assert unknown_flag.value.code == "signoff.unknown_flags"
    with pytest.raises(AssistError) as unknown_section:
        accept_section(store, case_id, "nowhere")
    assert unknown_section.value.code == "signoff.unknown_section"
    assert load_review(store, case_id).acknowledged == frozenset()


def test_accepted_sections_survive_autosave_and_edits(store: CaseStore) -> None:
    case_id = _case(store)
    accept_section(store, case_id, "situation")
    edit_section(store, case_id, "faglig_vurdering", ASSESSMENT)
    text = load_case_note(store, case_id).text
    edit_note_text(store, case_id, text)
    assert load_review(store, case_id).accepted_sections == {"situation"}


def test_a_signed_note_refuses_a_review_and_a_new_version_starts_empty(store: CaseStore) -> None:
    case_id = _case(store)
    accept_section(store, case_id, "situation")
    edit_section(store, case_id, "faglig_vurdering", ASSESSMENT)
    sign_case(store, case_id, "Anne Hansen", "all")
    with pytest.raises(AssistError) as signed:
        accept_section(store, case_id, "situation")
    assert signed.value.code == "casework.already_signed"

    edit_note_text(store, case_id, load_case_note(store, case_id).text, new_version=True)
    review = load_review(store, case_id)
    assert review.version == 2 and review.accepted_sections == frozenset()
