"""The plain-text export for pasting into the case system."""

from __future__ import annotations

import dataclasses

import pytest
from test_signoff_samples import CARE_TEMPLATE, SIGNED_AT, SIGNER, sample_meta, sample_note

from assist.errors import AssistError
from assist.signoff import blank_note, render_txt, sign_note, start_new_version


def _txt(note=None, **kwargs) -> str:
    return render_txt(sign_note(note or sample_note(), SIGNER, "all", SIGNED_AT, **kwargs))


def test_txt_has_headings_metadata_sections_signature_and_statement_in_order() -> None:
    text = _txt()
    expected_in_order = [
        "Opfølgningsnotat\n================",
        "Dato: 27. november 2026",
        "Sagsreference: SAG-2026-04711",
        "Deltagere: Anne Marie Hansen (sagsbehandler), Borgeren, Bisidder",
        "Formål med samtalen\n-------------------\nOpfølgning på borgerens forløb i jobcentret.",
        "Samtalens forløb\n----------------\nBorgeren har haft det bedre siden sidste møde.",
        "Faglig vurdering\n----------------\nBorgeren er i positiv udvikling.",
        "Om udarbejdelsen",
        "lokal AI-sprogmodel (gemma-3-270m-q4km",
        "lokal AI-talegenkendelse (whisper-base-ct2)",
        f"{SIGNER} har gennemgået og godkendt teksten uden at rette i udkastet",
        f"Godkendt og underskrevet af: {SIGNER}",
        "Tidspunkt: 28. november 2026 kl. 10.15 (UTC+01:00)",
        "Tidspunkt (UTC): 2026-11-28T09:15:42+00:00",
    ]
    positions = [text.index(piece) for piece in expected_in_order]
    assert positions == sorted(positions)


def test_txt_carries_the_text_hash_and_is_plain_lf_utf8() -> None:
    signed = sign_note(sample_note(), SIGNER, "all", SIGNED_AT)
    text = render_txt(signed)
    assert f"Tekstens SHA-256: {signed.text_sha256}" in text
    assert "\r" not in text and text.endswith("\n") and not text.endswith("\n\n")
    assert text.encode("utf-8").decode("utf-8") == text


def test_empty_assessment_is_clearly_marked() -> None:
    text = _txt(sample_note().with_section_text("vurdering", ""), allow_empty_assessment=True)
    assert "Faglig vurdering\n----------------\n[Ingen faglig vurdering anført" in text


def test_structured_and_human_only_notes_say_truthfully_who_wrote_them() -> None:
    structured = _txt(sample_note(engine="structured"))
    assert "regelbaseret lokalt værktøj i Assist (ingen AI-sprogmodel)" in structured
    assert "gemma" not in structured
    human = blank_note(CARE_TEMPLATE, sample_meta("plejenotat", "Plejenotat"))
    human_text = _txt(human.with_section_text("observation", "Borgeren sov godt."))
    assert "uden et udkast fra AI" in human_text
    assert "AI-sprogmodel" not in human_text and "gennemgået, rettet" not in human_text


def test_statement_says_corrected_only_when_the_draft_was_changed() -> None:
    edited = sample_note().with_section_text("formaal", "Opfølgning på praktikforløbet.")
    text = _txt(edited)
    assert f"{SIGNER} har gennemgået, rettet og godkendt teksten" in text
    # 3 of 7 tokens kept in "formaal", 38 other draft tokens unchanged: 1 - 82/87 = 5.7 %.
    assert "ændrede ca. 6 % af udkastets tekst" in text
    assert "uden at rette" not in text


def test_a_new_version_names_the_version_it_replaces() -> None:
    first = sign_note(sample_note(), SIGNER, "all", SIGNED_AT)
    second = sign_note(start_new_version(first), SIGNER, set(), SIGNED_AT)
    text = render_txt(second)
    assert "Version: 2" in text
    assert f"Erstatter version med SHA-256: {first.text_sha256}" in text


def test_txt_is_refused_for_an_unsigned_or_altered_note() -> None:
    with pytest.raises(AssistError) as unsigned:
        render_txt(sample_note())
    assert unsigned.value.code == "signoff.not_signed"
    signed = sign_note(sample_note(), SIGNER, "all", SIGNED_AT)
    altered = dataclasses.replace(signed, meta=dataclasses.replace(signed.meta, case_reference="X"))
    with pytest.raises(AssistError) as changed:
        render_txt(altered)
    assert changed.value.code == "signoff.text_changed"
