"""Editing a note as one text file and reading it back."""

from __future__ import annotations

import pytest
from test_signoff_samples import PRACTICE_SENTENCE, SIGNED_AT, SIGNER, sample_note

from assist.errors import AssistError
from assist.signoff import sign_note
from assist.signoff.editable import from_editable_text, to_editable_text


def test_unedited_text_reads_back_to_the_same_note() -> None:
    note = sample_note()
    assert from_editable_text(note, to_editable_text(note)) == note


def test_edits_land_in_their_sections_and_hash_like_direct_edits() -> None:
    note = sample_note()
    text = to_editable_text(note).replace(PRACTICE_SENTENCE, "Hun har været i praktik 2 dage.")
    text = text.replace(
        "## Faglig vurdering [#vurdering]\n",
        "## Faglig vurdering [#vurdering]\n# Ikke en kommentar her.\n\n\n",
    )
    edited = from_editable_text(note, text.replace("\n", "\r\n"))
    assert "praktik 2 dage" in edited.section("forloeb").text
    assert edited.section("vurdering").text.startswith("# Ikke en kommentar her.\n\nBorgeren")
    assert edited.section("formaal") == note.section("formaal")
    direct = note.with_section_text(
        "forloeb",
        note.section("forloeb").text.replace(PRACTICE_SENTENCE, "Hun har været i praktik 2 dage."),
    ).with_section_text("vurdering", edited.section("vurdering").text)
    signed_from_file = sign_note(edited, SIGNER, {"f2", "f3"}, SIGNED_AT)
    signed_direct = sign_note(direct, SIGNER, {"f2", "f3"}, SIGNED_AT)
    assert signed_from_file.text_sha256 == signed_direct.text_sha256


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda t: t.replace("## Aftaler [#aftaler]\n", ""), "signoff.edited_section_missing"),
        (lambda t: t + "\n## Aftaler [#aftaler]\nIgen.\n", "signoff.edited_section_twice"),
        (lambda t: t + "\n## Andet [#andet]\nx\n", "signoff.edited_unknown_section"),
        (lambda t: "Løs tekst\n" + t, "signoff.edited_text_outside"),
    ],
)
def test_broken_structure_is_refused(change, code: str) -> None:
    note = sample_note()
    with pytest.raises(AssistError) as caught:
        from_editable_text(note, change(to_editable_text(note)))
    assert caught.value.code == code
