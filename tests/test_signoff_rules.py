"""Sign-off refuses what a signer must not approve, and records what was approved."""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import datetime

import pytest
from test_signoff_samples import (
    CARE_TEMPLATE,
    FULL_TIME_SENTENCE,
    MEETING_SENTENCE,
    PRACTICE_SENTENCE,
    SIGNED_AT,
    SIGNER,
    sample_meta,
    sample_note,
)

from assist.errors import AssistError
from assist.signoff import blank_note, sign_note, validate_signer
from assist.signoff.flags import sentence_appears


def _refusal(note, signer=SIGNER, acknowledged=frozenset(), **kwargs) -> AssistError:
    with pytest.raises(AssistError) as caught:
        sign_note(note, signer, acknowledged, SIGNED_AT, **kwargs)
    return caught.value


def _edit(note, section_id: str, old: str, new: str):
    return note.with_section_text(section_id, note.section(section_id).text.replace(old, new))


# --- flags -------------------------------------------------------------------------------------


def test_unacknowledged_flags_refuse_signing_and_name_the_flags() -> None:
    error = _refusal(sample_note())
    assert error.code == "signoff.open_flags"
    assert error.params == {"count": 3, "flag_ids": "f1, f2, f3"}
    assert "f1, f2, f3" in error.message("da") and "f1, f2, f3" in error.message("en")


def test_one_flag_left_open_still_refuses() -> None:
    error = _refusal(sample_note(), acknowledged={"f1", "f3"})
    assert error.params["flag_ids"] == "f2"


def test_flags_acknowledged_by_id_or_all_allow_signing() -> None:
    for acknowledged in ({"f1", "f2", "f3"}, "all"):
        signed = sign_note(sample_note(), SIGNER, acknowledged, SIGNED_AT)
        assert [(r.flag_id, r.resolution) for r in signed.flag_resolutions] == [
            ("f1", "acknowledged"),
            ("f2", "acknowledged"),
            ("f3", "acknowledged"),
        ]


def test_editing_a_flagged_sentence_fixes_its_flag() -> None:
    note = _edit(sample_note(), "forloeb", "3 dage", "2 dage")
    signed = sign_note(note, SIGNER, {"f2", "f3"}, SIGNED_AT)
    resolutions = {r.flag_id: r.resolution for r in signed.flag_resolutions}
    assert resolutions == {"f1": "fixed", "f2": "acknowledged", "f3": "acknowledged"}


def test_deleting_a_flagged_sentence_fixes_its_flag() -> None:
    note = _edit(sample_note(), "aftaler", MEETING_SENTENCE, "")
    error = _refusal(note)
    assert error.params["flag_ids"] == "f1, f2"


@pytest.mark.parametrize(
    "disguise",
    [
        PRACTICE_SENTENCE.upper(),  # case is not a fix
        PRACTICE_SENTENCE.replace(" ", "   "),  # nor is whitespace
        PRACTICE_SENTENCE.rstrip("."),  # nor dropping the full stop
        PRACTICE_SENTENCE.rstrip(".") + ", og hun trives.",  # nor extending the sentence
        unicodedata.normalize("NFD", PRACTICE_SENTENCE),  # nor decomposed letters
    ],
)
def test_cosmetic_changes_do_not_fix_a_flag(disguise: str) -> None:
    note = _edit(sample_note(), "forloeb", PRACTICE_SENTENCE, disguise)
    assert _refusal(note, acknowledged={"f2", "f3"}).params["flag_ids"] == "f1"


def test_moving_a_flagged_sentence_to_another_section_does_not_fix_it() -> None:
    note = _edit(sample_note(), "aftaler", MEETING_SENTENCE, "")
    note = note.with_section_text("formaal", note.section("formaal").text + " " + MEETING_SENTENCE)
    assert _refusal(note, acknowledged={"f1", "f2"}).params["flag_ids"] == "f3"


def test_sentence_matching_respects_word_boundaries() -> None:
    assert sentence_appears("Ja.", "ja, tak")
    assert not sentence_appears("Ja.", "jakob kom")
    assert not sentence_appears(FULL_TIME_SENTENCE, "hun ønsker ikke at starte på fuld tidsjob")


def test_acknowledging_an_unknown_flag_is_refused() -> None:
    error = _refusal(sample_note(), acknowledged={"f1", "f2", "f3", "f9"})
    assert error.code == "signoff.unknown_flags"
    assert error.params["flag_ids"] == "f9"


# --- signer ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "signoff.signer_empty"),
        ("   ", "signoff.signer_empty"),
        ("Anne", "signoff.signer_one_part"),
        ("A. H.", "signoff.signer_one_part"),
        ("Anne - Hansen", "signoff.signer_one_part"),
        ("0101901234", "signoff.signer_looks_like_cpr"),
        ("Anne 010190-1234", "signoff.signer_looks_like_cpr"),
        ("Anne Hansen 2", "signoff.signer_digits"),
        ("Anne\nHansen", "signoff.signer_control_chars"),
        ("Anne\tHansen", "signoff.signer_control_chars"),
        ("Anne\u200bHansen", "signoff.signer_control_chars"),
        ("Anne\x00 Hansen", "signoff.signer_control_chars"),
        ("Anne <b>Hansen</b>", "signoff.signer_characters"),
        ("Anne_Hansen Jensen", "signoff.signer_characters"),
        ("Anne " + "Hansen" * 20, "signoff.signer_too_long"),
    ],
)
def test_invalid_signer_names_are_refused(name: str, code: str) -> None:
    assert _refusal(sample_note(), signer=name, acknowledged="all").code == code


def test_refusal_never_echoes_what_was_typed_as_a_name() -> None:
    error = _refusal(sample_note(), signer="010190-1234", acknowledged="all")
    for lang in ("da", "en"):
        assert "1234" not in error.message(lang)


@pytest.mark.parametrize(
    ("typed", "recorded"),
    [
        ("Anne Hansen", "Anne Hansen"),
        ("  Anne    Hansen ", "Anne Hansen"),
        ("Anne\u00a0Hansen", "Anne Hansen"),
        ("Jens P. Ørsted", "Jens P. Ørsted"),
        ("Marie-Louise Aagaard", "Marie-Louise Aagaard"),
        ("Siobhán O'Brien", "Siobhán O'Brien"),
        (unicodedata.normalize("NFD", "Søren Ågård"), "Søren Ågård"),
    ],
)
def test_valid_signer_names_are_recorded_normalised(typed: str, recorded: str) -> None:
    assert validate_signer(typed) == recorded
    assert sign_note(sample_note(), typed, "all", SIGNED_AT).signer == recorded


# --- professional assessment, empty notes, time ------------------------------------------------


def test_empty_professional_assessment_is_refused_unless_confirmed() -> None:
    note = sample_note().with_section_text("vurdering", "  \n ")
    error = _refusal(note, acknowledged="all")
    assert error.code == "signoff.assessment_empty"
    assert error.params == {"title": "Faglig vurdering"}
    signed = sign_note(note, SIGNER, "all", SIGNED_AT, allow_empty_assessment=True)
    assert signed.empty_professional_sections == ("vurdering",)


def test_a_template_without_assessment_signs_without_confirmation() -> None:
    note = blank_note(CARE_TEMPLATE, sample_meta("plejenotat", "Plejenotat"))
    note = note.with_section_text("observation", "Borgeren sov godt og spiste morgenmad.")
    signed = sign_note(note, SIGNER, set(), SIGNED_AT)
    assert signed.empty_professional_sections == ()
    assert (signed.ai_drafted, signed.engine, signed.model) == (False, "none", "none")


def test_an_empty_note_is_refused() -> None:
    note = blank_note(CARE_TEMPLATE, sample_meta("plejenotat", "Plejenotat"))
    assert _refusal(note).code == "signoff.empty_note"


def test_signing_records_utc_time_engine_and_model() -> None:
    signed = sign_note(sample_note(), SIGNER, "all", SIGNED_AT)
    assert signed.signed_at == "2026-11-28T09:15:42+00:00"
    assert signed.signed_at_local == "2026-11-28T10:15:42+01:00"
    assert (signed.engine, signed.model, signed.model_sha256) == (
        "llm",
        "gemma-3-270m-q4km",
        "ab" * 32,
    )
    assert signed.ai_drafted and signed.version == 1 and signed.supersedes == ""


def test_signing_needs_a_timezone_aware_time() -> None:
    with pytest.raises(ValueError):
        sign_note(sample_note(), SIGNER, "all", datetime(2026, 11, 28, 10, 15))


def test_a_signed_note_cannot_be_changed_in_place() -> None:
    signed = sign_note(sample_note(), SIGNER, "all", SIGNED_AT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        signed.signer = "Someone Else"  # type: ignore[misc]
