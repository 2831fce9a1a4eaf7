"""Engine-side post-processing that needs no model: one segment per sentence."""

from __future__ import annotations

import itertools

from assist.asr.engine import EngineSegment, EngineWord
from assist.asr.whisper_engine import WhisperSettings, split_sentences


def test_a_long_piece_becomes_one_segment_per_sentence_with_its_own_words() -> None:
    tokens = [" Hej", " med", " dig.", " Hvordan", " går", " det?", " Godt"]
    words = tuple(EngineWord(i * 1.0, i * 1.0 + 0.8, t, 0.9) for i, t in enumerate(tokens))
    piece = EngineSegment(0.0, 6.8, "".join(tokens), -0.2, 0.01, 1.3, words)
    sentences = split_sentences(piece)
    assert [s.text.strip() for s in sentences] == ["Hej med dig.", "Hvordan går det?", "Godt"]
    assert [(s.start_s, s.end_s) for s in sentences] == [(0.0, 2.8), (3.0, 5.8), (6.0, 6.8)]
    assert all(s.avg_logprob == -0.2 for s in sentences)
    assert sum(len(s.words) for s in sentences) == len(words)


def test_a_single_sentence_or_no_words_is_left_alone() -> None:
    words = (EngineWord(0.0, 0.5, " Ja.", 0.9),)
    one = EngineSegment(0.0, 0.5, " Ja.", words=words)
    assert split_sentences(one) == [one]
    bare = EngineSegment(0.0, 3.0, " Ja. Nej.")
    assert split_sentences(bare) == [bare]


def test_default_settings_guard_against_invented_text() -> None:
    settings = WhisperSettings()
    assert settings.condition_on_previous_text is False
    assert len(settings.temperatures) > 1  # fallback re-decodes loops (62% WER without, see bench)
    assert settings.word_timestamps


def test_long_audio_is_cut_into_bounded_pieces_at_quiet_moments() -> None:
    import numpy as np

    from assist.asr.whisper_engine import _PIECE_S, _pieces

    rate = 16_000
    t = np.arange(int(700 * rate)) / rate
    audio = (0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    pause_s = _PIECE_S - 5  # a pause shortly before the first limit
    audio[int(pause_s * rate) : int((pause_s + 0.2) * rate)] = 0.0
    ranges = _pieces(audio)
    assert ranges[0][0] == 0 and ranges[-1][1] == audio.size
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))  # tiles the audio
    assert all(end - start <= _PIECE_S * rate for start, end in ranges)
    assert pause_s * rate <= ranges[0][1] <= (pause_s + 0.2) * rate  # in the pause, not mid-sound
