"""Draft sentences whose numbers, dates, times, amounts or names rest on a word the recogniser
was unsure of are flagged "uncertain_word", naming the words; confident or ordinary words not."""

from __future__ import annotations

import pytest

from assist.drafting.render import render_text
from assist.drafting.templates import get_template
from assist.drafting.types import Draft, DraftSection, DraftSentence
from assist.drafting.verify import UNCERTAIN_WORD, UNCERTAIN_WORD_BELOW, verify_draft
from assist.transcript import Segment, Transcript, Word

LOW = 0.3
SURE = 0.95


def _segment(segment_id: int, words: list[tuple[str, float]]) -> Segment:
    """A segment as the recogniser writes it: each word with a leading space."""
    built = tuple(
        Word(segment_id * 5.0 + i * 0.3, segment_id * 5.0 + i * 0.3 + 0.25, f" {text}", conf)
        for i, (text, conf) in enumerate(words)
    )
    text = "".join(w.text for w in built).strip()
    confidence = sum(c for _, c in words) / len(words)
    return Segment(segment_id, segment_id * 5.0, segment_id * 5.0 + 4.5, text, confidence, built)


def _said(sentence: str, uncertain: dict[str, float] | None = None) -> list[tuple[str, float]]:
    """The sentence's words, all confident except those named in `uncertain`."""
    return [(w, (uncertain or {}).get(w, SURE)) for w in sentence.split()]


def _heard(line: str) -> list[tuple[str, float]]:
    """ "word:confidence word:confidence ..." as a word list."""
    return [(w, float(c)) for w, c in (item.rsplit(":", 1) for item in line.split())]


# Two segments of tests/fixtures/sample-da.wav as the README's demo run recognised them.
DEMO_PERSKONE = (
    "Han:0.92 løber:0.76 i:0.23 det:0.54 lille:0.82 køkken:0.74 for:0.83 at:0.85 sige:0.71 "
    "tak:0.69 for:0.92 kaffet:0.73 til:0.88 Pierskone,:0.38 med:0.58 hun:0.70 var:0.72 "
    "ikke:0.94 til:0.74 at:0.97 se.:0.92"
)
DEMO_TI_MAANEDER = (
    "Gardene:0.48 lukket:0.83 for:0.93 gennemgående:0.74 færdselt:0.51 10:0.58 måneder:0.88 "
    "i:0.38 mord,:0.59 men:0.69 man:0.98 kan:0.98 køre:0.78"
)


def _transcript(*segments: Segment) -> Transcript:
    return Transcript("da", 5.0 * len(segments), "test", segments)


def _draft(*sentences: tuple[str, tuple[int, ...]]) -> Draft:
    section = DraftSection(
        "s", "S", True, tuple(DraftSentence(text, sources) for text, sources in sentences)
    )
    return Draft("journalnotat", "structured", "none", (section,))


def _word_flags(draft: Draft, transcript: Transcript) -> list[str]:
    return [f.detail for f in verify_draft(draft, transcript).flags if f.kind == UNCERTAIN_WORD]


@pytest.mark.parametrize(
    ("said", "uncertain", "drafted", "detail"),
    [
        # a number
        ("Hun har to børn.", {"to": LOW}, "Hun har 2 børn.", '"to" (0.30)'),
        ("Huslejen er 4000 om måneden.", {"4000": 0.41}, "Huslejen er 4.000.", '"4000" (0.41)'),
        # an amount: one word of several carries it
        (
            "Hun får fire tusind kroner om måneden.",
            {"fire": 0.42},
            "Hun får 4.000 kr. om måneden.",
            '"fire" (0.42)',
        ),
        # a date, by its day or by its month
        (
            "Vi mødes den tolvte december igen.",
            {"tolvte": 0.2},
            "Næste møde er 12. december.",
            '"tolvte" (0.20)',
        ),
        (
            "Vi mødes den tolvte december igen.",
            {"december": 0.33},
            "Næste møde er 12. december.",
            '"december" (0.33)',
        ),
        # a weekday
        ("Hun kommer på mandag.", {"mandag.": 0.4}, "Hun kommer mandag.", '"mandag" (0.40)'),
        # a time
        (
            "Mødet er klokken ti i morgen.",
            {"ti": 0.5},
            "Mødet er i morgen kl. 10.00.",
            '"ti" (0.50)',
        ),
        # a name in the middle of a sentence, and a known first name at the start
        (
            "Han sagde tak for kaffe til Pierskone, men hun var der ikke.",
            {"Pierskone,": 0.38},
            "Han takkede Pierskone for kaffen.",
            '"Pierskone" (0.38)',
        ),
        ("Mette kommer i morgen.", {"Mette": 0.45}, "Mette kommer i morgen.", '"Mette" (0.45)'),
        # a genitive in the draft rests on the name too
        (
            "Hun bor hos Jesper nu.",
            {"Jesper": 0.3},
            "Hun bor i Jespers lejlighed.",
            '"Jesper" (0.30)',
        ),
    ],
)
def test_a_fact_on_an_uncertain_word_is_flagged_with_the_word(
    said: str, uncertain: dict[str, float], drafted: str, detail: str
) -> None:
    transcript = _transcript(_segment(0, _said(said, uncertain)))
    assert _word_flags(_draft((drafted, (0,))), transcript) == [detail]


def test_several_uncertain_words_are_named_in_one_flag() -> None:
    said = "Mette skylder Jesper fire tusind kroner."
    uncertain = {"Jesper": 0.31, "fire": 0.44}
    transcript = _transcript(_segment(0, _said(said, uncertain)))
    draft = _draft(("Mette skylder Jesper 4.000 kr.", (0,)))
    assert _word_flags(draft, transcript) == ['"Jesper" (0.31), "fire" (0.44)']


def test_the_flag_follows_the_cited_segment_only() -> None:
    transcript = _transcript(
        _segment(0, _said("Hun har to børn.", {"to": LOW})),
        _segment(1, _said("Hun har to hunde.")),
    )
    draft = _draft(("Hun har 2 børn.", (0,)), ("Hun har 2 hunde.", (1,)))
    checked = verify_draft(draft, transcript)
    per_sentence = [[f.kind for f in s.flags] for s in checked.sections[0].sentences]
    assert per_sentence == [[UNCERTAIN_WORD], []]


@pytest.mark.parametrize(
    ("said", "uncertain", "drafted"),
    [
        # everything said with confidence
        ("Hun har to børn og bor hos Jesper.", {}, "Hun har 2 børn og bor hos Jesper."),
        # the uncertain words are ordinary words
        ("Hun har to børn i skolen.", {"børn": LOW, "skolen.": 0.2}, "Hun har 2 børn i skolen."),
        ("Mødet er klokken ti i morgen.", {"morgen.": LOW}, "Mødet er i morgen kl. 10.00."),
        # a sentence-initial capital is not a name
        ("Gaden er lukket ti måneder.", {"Gaden": LOW}, "Gaden er lukket 10 måneder."),
        # the uncertain number is not in the drafted sentence
        ("Hun har to børn og en hund.", {"to": LOW}, "Hun har en hund."),
        # the uncertain name is not in the drafted sentence
        ("Han bor hos Jesper i Vejle.", {"Jesper": LOW}, "Han bor i Vejle."),
    ],
)
def test_confident_or_ordinary_words_give_no_flag(
    said: str, uncertain: dict[str, float], drafted: str
) -> None:
    transcript = _transcript(_segment(0, _said(said, uncertain)))
    assert _word_flags(_draft((drafted, (0,))), transcript) == []


def test_the_threshold_is_strict_and_words_at_it_are_confident() -> None:
    at = _transcript(_segment(0, _said("Hun har to børn.", {"to": UNCERTAIN_WORD_BELOW})))
    below = _transcript(_segment(0, _said("Hun har to børn.", {"to": UNCERTAIN_WORD_BELOW - 0.01})))
    draft = _draft(("Hun har 2 børn.", (0,)))
    assert _word_flags(draft, at) == []
    assert len(_word_flags(draft, below)) == 1


def test_segments_without_words_give_no_flag() -> None:
    typed = Transcript.from_typed_notes("Hun har to børn og bor hos Jesper.")
    assert _word_flags(_draft(("Hun har 2 børn og bor hos Jesper.", (0,))), typed) == []


def test_the_readme_demo_name_is_flagged_and_shown_before_signing() -> None:
    """tests/fixtures/sample-da.wav as recognised: "pers kone" heard as "Pierskone" (0.38),
    "ti måneder" as "10" (0.58), with the confidences of the README's demo run."""
    transcript = _transcript(
        _segment(0, _heard(DEMO_PERSKONE)), _segment(1, _heard(DEMO_TI_MAANEDER))
    )
    draft = _draft(
        ("Han siger tak for kaffet til Pierskone.", (0,)),
        ("Gardene lukket for gennemgående færdselt 10 måneder.", (1,)),
    )
    checked = verify_draft(draft, transcript)
    flags = [[(f.kind, f.detail) for f in s.flags] for s in checked.sections[0].sentences]
    assert flags[0] == [(UNCERTAIN_WORD, '"Pierskone" (0.38)')]
    # "10" was heard right ("ti måneder"); at 0.58 it is above the measured threshold
    # (bench/uncertain_words.py: 0.55), so it is not flagged. A threshold of 0.6 would flag it.
    assert flags[1] == []
    text = render_text(checked, get_template("journalnotat"))
    assert '"Pierskone" (0.38)' in text and "tjek optagelsen" in text
    assert "1 markering(er) skal ses af et menneske før underskrift." in text
