"""The Danish WER normaliser: numbers as spoken words, case and punctuation folded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assist.asr.normalize import normalize_danish, number_to_danish


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (0, "nul"),
        (1, "en"),
        (10, "ti"),
        (17, "sytten"),
        (20, "tyve"),
        (21, "enogtyve"),
        (50, "halvtreds"),
        (75, "femoghalvfjerds"),
        (99, "nioghalvfems"),
        (100, "hundrede"),
        (250, "to hundrede og halvtreds"),
        (1000, "tusind"),
        (1005, "tusind og fem"),
        (2024, "to tusind og fireogtyve"),
        (12500, "tolv tusind fem hundrede"),
        (1_000_000, "en million"),
        (3_200_000, "tre millioner to hundrede tusind"),
    ],
)
def test_numbers_in_danish_words(value: int, words: str) -> None:
    assert number_to_danish(value) == words


def test_reference_style_and_whisper_style_meet() -> None:
    reference = "tester en to tre fire fem seks syv otte"
    whisper = "Tester: 1, 2, 3, 4, 5, 6, 7, 8."
    assert normalize_danish(whisper) == reference


def test_thousands_dots_decimal_commas_and_percent() -> None:
    assert normalize_danish("12.500 kr.") == "tolv tusind fem hundrede kr"
    assert normalize_danish("2,5%") == "to komma fem procent"


def test_danish_letters_survive_and_case_folds() -> None:
    assert normalize_danish("GÅ Over Broen, Ærø-Øen!") == "gå over broen ærø øen"


@given(st.integers(min_value=0, max_value=999_999_999))
def test_every_number_spells_to_digit_free_words(value: int) -> None:
    words = number_to_danish(value)
    assert words and not any(ch.isdigit() for ch in words)
    assert normalize_danish(str(value)) == words
