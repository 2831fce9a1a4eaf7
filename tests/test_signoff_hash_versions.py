"""The text hash, the edit ratio, versions after signing, and storing signed notes as dicts."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_signoff_samples import (
    CARE_TEMPLATE,
    PRACTICE_SENTENCE,
    SIGNED_AT,
    SIGNER,
    sample_meta,
    sample_note,
)

from assist.errors import AssistError
from assist.signoff import (
    blank_note,
    canonical_bytes,
    normalize_text,
    note_from_dict,
    note_to_dict,
    sign_note,
    signed_note_from_dict,
    signed_note_to_dict,
    start_new_version,
    text_sha256,
)


def _signed(note=None, **kwargs):
    return sign_note(note or sample_note(), SIGNER, "all", SIGNED_AT, **kwargs)


def _with_assessment(text: str):
    return sample_note().with_section_text("vurdering", text)


# --- hash --------------------------------------------------------------------------------------


def test_same_text_gives_the_same_hash_whoever_signs_whenever() -> None:
    first = _signed()
    second = sign_note(sample_note(), "Bo Jensen", "all", SIGNED_AT + timedelta(days=3))
    assert first.text_sha256 == second.text_sha256
    assert len(first.text_sha256) == 64


def test_hash_is_sha256_of_the_documented_canonical_json() -> None:
    signed = _signed()
    raw = canonical_bytes(signed.meta, signed.sections)
    assert hashlib.sha256(raw).hexdigest() == signed.text_sha256
    document = json.loads(raw.decode("utf-8"))
    assert document["format"] == "assist-note/1"
    assert document["date"] == "2026-11-27"
    assert document["case_reference"] == "SAG-2026-04711"
    assert [s["id"] for s in document["sections"]] == ["formaal", "forloeb", "aftaler", "vurdering"]


def test_whitespace_noise_does_not_change_the_hash() -> None:
    clean = _with_assessment("Første linje.\nAnden linje.\n\nNyt afsnit.")
    noisy = _with_assessment(
        "\r\n  Første\u00a0 linje.  \r\nAnden\tlinje.\r\n\r\n\r\n\u200bNyt afsnit. \n\n"
    )
    assert _signed(clean).text_sha256 == _signed(noisy).text_sha256
    assert _signed(noisy).sections[-1].text == "Første linje.\nAnden linje.\n\nNyt afsnit."


@pytest.mark.parametrize(
    "changed",
    [
        "Første linje.\nAnden linje.\n\nNyt afsnit!",  # punctuation
        "første linje.\nAnden linje.\n\nNyt afsnit.",  # case
        "Første linje.\nAnden linje.\nNyt afsnit.",  # a paragraph break is content
        "Første linje. Anden linje.\n\nNyt afsnit.",  # so is a line break
    ],
)
def test_any_real_change_changes_the_hash(changed: str) -> None:
    base = _signed(_with_assessment("Første linje.\nAnden linje.\n\nNyt afsnit."))
    assert _signed(_with_assessment(changed)).text_sha256 != base.text_sha256


def test_hash_covers_metadata_and_section_boundaries() -> None:
    note = sample_note()
    base = text_sha256(note.meta, note.sections)
    other_case = dataclasses.replace(note.meta, case_reference="SAG-2026-04712")
    assert text_sha256(other_case, note.sections) != base
    # The same characters split differently between sections are a different note.
    at_end = note.with_section_text("formaal", note.section("formaal").text + " Ekstra.")
    at_start = note.with_section_text("forloeb", "Ekstra. " + note.section("forloeb").text)
    assert text_sha256(at_end.meta, at_end.sections) != text_sha256(
        at_start.meta, at_start.sections
    )


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80), st.sampled_from([" ", "  ", "\t", "\u00a0", "\r\n", "\n"]))
def test_normalisation_is_idempotent_and_ignores_trailing_whitespace(text: str, noise: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert normalize_text(text + noise) == normalize_text(text)


# --- edit ratio --------------------------------------------------------------------------------


def test_unchanged_draft_has_edit_ratio_zero_and_own_assessment_does_not_count() -> None:
    signed = _signed()
    assert signed.edit_ratio == 0.0
    assert signed.edits.ratio_of("forloeb") == 0.0
    assert signed.edits.ratio_of("vurdering") == 1.0  # entirely the caseworker's own text


def test_one_changed_word_in_a_section_gives_one_over_its_token_count() -> None:
    note = sample_note()
    tokens_in_formaal = 7  # "Opfølgning på borgerens forløb i jobcentret ."
    changed = note.with_section_text("formaal", "Opfølgning på borgerens forløb i kommunen.")
    signed = _signed(changed)
    assert signed.edits.ratio_of("formaal") == pytest.approx(1 / tokens_in_formaal, abs=1e-4)
    drafted_tokens = sum(e.draft_tokens for e in signed.edits.sections if e.machine_drafted)
    assert signed.edit_ratio == pytest.approx(1 / drafted_tokens, abs=1e-4)


def test_rewritten_section_has_ratio_one_and_overall_lies_between() -> None:
    note = sample_note().with_section_text("aftaler", "Ingen konkrete aftaler blev indgået")
    signed = _signed(note)
    assert signed.edits.ratio_of("aftaler") == 1.0
    assert 0.0 < signed.edit_ratio < 1.0


def test_a_note_without_machine_text_counts_as_fully_human() -> None:
    note = blank_note(CARE_TEMPLATE, sample_meta("plejenotat", "Plejenotat"))
    signed = _signed(note.with_section_text("observation", "Borgeren sov godt."))
    assert signed.edit_ratio == 1.0


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="abcæøå .,\n", max_size=120))
def test_edit_ratio_stays_between_zero_and_one(text: str) -> None:
    signed = _signed(sample_note().with_section_text("forloeb", text))
    assert 0.0 <= signed.edit_ratio <= 1.0
    assert 0.0 <= signed.edits.ratio_of("forloeb") <= 1.0


# --- versions ----------------------------------------------------------------------------------


def test_a_new_version_supersedes_the_signed_one_and_leaves_it_untouched() -> None:
    first = _signed()
    draft_v2 = start_new_version(first)
    draft_v2 = draft_v2.with_section_text("aftaler", "Næste møde holdes den 14. december 2026.")
    second = sign_note(draft_v2, SIGNER, set(), SIGNED_AT + timedelta(hours=2))
    assert (second.version, second.supersedes) == (2, first.text_sha256)
    assert second.text_sha256 != first.text_sha256
    assert first.sections[2].text == "Næste møde holdes den 12. december 2026."
    # Edits are still measured against the original machine draft, not against version 1.
    assert second.edits.ratio_of("aftaler") > 0.0


def test_flags_acknowledged_in_version_one_stay_acknowledged_but_fixed_ones_can_return() -> None:
    note = sample_note()
    note = note.with_section_text(
        "forloeb", note.section("forloeb").text.replace(PRACTICE_SENTENCE, "")
    )
    first = sign_note(note, SIGNER, {"f2", "f3"}, SIGNED_AT)
    assert sign_note(start_new_version(first), SIGNER, set(), SIGNED_AT).version == 2
    reinserted = start_new_version(first).with_section_text(
        "forloeb", first.sections[1].text + " " + PRACTICE_SENTENCE
    )
    with pytest.raises(AssistError) as caught:
        sign_note(reinserted, SIGNER, set(), SIGNED_AT)
    assert caught.value.params["flag_ids"] == "f1"


# --- stored form -------------------------------------------------------------------------------


def test_signed_note_survives_a_json_round_trip() -> None:
    signed = _signed(sample_note().with_section_text("vurdering", ""), allow_empty_assessment=True)
    stored = json.dumps(signed_note_to_dict(signed), ensure_ascii=False)
    assert signed_note_from_dict(json.loads(stored)) == signed


def test_a_stored_signed_note_edited_behind_assists_back_is_refused() -> None:
    data = signed_note_to_dict(_signed())
    data["sections"][1]["text"] = data["sections"][1]["text"].replace("3 dage", "4 dage")
    with pytest.raises(AssistError) as caught:
        signed_note_from_dict(data)
    assert caught.value.code == "signoff.text_changed"


def test_a_malformed_stored_note_gives_a_clear_error() -> None:
    data = signed_note_to_dict(_signed())
    del data["signer"]
    with pytest.raises(AssistError) as caught:
        signed_note_from_dict(data)
    assert caught.value.code == "signoff.invalid_record"


def test_a_note_in_progress_survives_a_json_round_trip() -> None:
    note = start_new_version(_signed())
    assert note_from_dict(json.loads(json.dumps(note_to_dict(note)))) == note
