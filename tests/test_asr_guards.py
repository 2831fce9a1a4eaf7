"""Hallucination guards and confidences, on engine output alone (no model needed)."""

from __future__ import annotations

from assist.asr.engine import EngineSegment, EngineWord
from assist.asr.guards import guard_segment


def seg(
    text: str,
    *,
    avg_logprob: float = -0.2,
    no_speech_prob: float = 0.05,
    word_probability: float | None = 0.9,
) -> EngineSegment:
    tokens = text.split()
    words = (
        tuple(
            EngineWord(i * 0.3, i * 0.3 + 0.25, f" {token}", word_probability)
            for i, token in enumerate(tokens)
        )
        if word_probability is not None
        else ()
    )
    return EngineSegment(
        0.0, len(tokens) * 0.3, f" {text}", avg_logprob, no_speech_prob, 1.5, words
    )


def test_ordinary_speech_passes_unchanged() -> None:
    kept = guard_segment(seg("Borgeren fortalte om sin nye lejlighed."), None)
    assert kept is not None
    assert kept.text == "Borgeren fortalte om sin nye lejlighed."
    assert kept.flags == ()
    assert kept.confidence == 0.9


def test_subtitle_credit_alone_is_dropped() -> None:
    assert guard_segment(seg("Undertekster af Nicolai Winther"), None) is None
    assert guard_segment(seg("Tak fordi du så med!"), None) is None
    assert guard_segment(seg("Thanks for watching."), None) is None


def test_known_phrase_inside_real_speech_is_kept_but_flagged() -> None:
    kept = guard_segment(
        seg("Hun sagde at hun havde set filmen og tak fordi du så med i går til mødet"), None
    )
    assert kept is not None
    assert "possible_hallucination" in kept.flags


def test_music_markers_are_dropped() -> None:
    assert guard_segment(seg("♪ ♪"), None) is None
    assert guard_segment(seg("[Musik]"), None) is None


def test_segment_whisper_scores_as_not_speech_is_dropped() -> None:
    assert guard_segment(seg("Ja.", no_speech_prob=0.9, avg_logprob=-1.4), None) is None
    # Either score alone is not enough: quiet but clear speech must survive.
    assert guard_segment(seg("Ja.", no_speech_prob=0.9, avg_logprob=-0.3), None) is not None


def test_repetition_loop_is_cut_to_one_copy_with_words_kept_consistent() -> None:
    looped = "jeg ved det ikke " + "og så og så " * 6 + "slut"
    kept = guard_segment(seg(looped), None)
    assert kept is not None
    assert kept.text == "jeg ved det ikke og så slut"
    assert "repetition" in kept.flags
    assert [w.text.strip() for w in kept.words] == kept.text.split()


def test_loop_detection_without_word_timestamps() -> None:
    kept = guard_segment(seg("nej " * 10, word_probability=None), None)
    assert kept is not None and kept.text == "nej"
    assert kept.flags == ("repetition",)


def test_a_short_natural_repeat_is_not_a_loop() -> None:
    kept = guard_segment(seg("nej nej nej det gør jeg ikke"), None)
    assert kept is not None and kept.flags == ()


def test_segment_repeating_the_previous_one_is_dropped_only_when_long() -> None:
    text = "det vil vi se på i næste uge"
    assert guard_segment(seg(text), "det vil vi se på i næste uge") is None
    assert guard_segment(seg("ja tak"), "ja tak") is not None  # people do say that twice


def test_low_confidence_is_flagged_and_confidence_falls_back_to_logprob() -> None:
    unsure = guard_segment(seg("måske noget om huslejen", word_probability=0.3), None)
    assert unsure is not None and "low_confidence" in unsure.flags
    no_words = guard_segment(seg("noget", word_probability=None, avg_logprob=-0.1), None)
    assert no_words is not None
    assert 0.89 < no_words.confidence < 0.91  # exp(-0.1)
