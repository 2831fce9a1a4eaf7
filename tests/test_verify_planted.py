"""The grounding verifier flags what the sources do not support: the planted errors of the
evaluation set, CPR numbers, sentences without sources; and nothing in a faithful draft."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from assist.drafting.types import Draft, DraftSection, DraftSentence, Flag
from assist.drafting.verify import contains_cpr, verify_draft
from assist.transcript import Segment, Transcript

EVAL_DIR = Path(__file__).resolve().parents[1] / "bench" / "drafting_eval"
EXPECTED = {
    kind: set(flags)
    for kind, flags in tomllib.loads((EVAL_DIR / "catches.toml").read_text("utf-8")).items()
}


def _transcript(*texts: str, flags: dict[int, tuple[str, ...]] | None = None) -> Transcript:
    segments = tuple(
        Segment(i, i * 3.0, i * 3.0 + 2.5, text, 0.9, flags=(flags or {}).get(i, ()))
        for i, text in enumerate(texts)
    )
    return Transcript("da", len(texts) * 3.0, "test", segments)


def _draft(*sentences: tuple[str, tuple[int, ...]]) -> Draft:
    section = DraftSection(
        "s", "S", True, tuple(DraftSentence(text, sources) for text, sources in sentences)
    )
    return Draft("journalnotat", "llm", "test-model", (section,))


def _planted() -> list[tuple[str, dict[str, object]]]:
    cases = []
    for facts_path in sorted(EVAL_DIR.glob("*.facts.toml")):
        name = facts_path.name.removesuffix(".facts.toml")
        for item in tomllib.loads(facts_path.read_text("utf-8")).get("planted", []):
            cases.append((name, item))
    return cases


def _sources_of(transcript: Transcript, needle: str) -> tuple[int, ...]:
    """The segments that together hold `needle` (it may run across a segment boundary)."""
    spans, joined = [], ""
    for segment in transcript.segments:
        spans.append((len(joined), len(joined) + len(segment.text), segment.segment_id))
        joined += segment.text.lower() + " "
    start = joined.find(needle.lower())
    assert start >= 0, needle
    end = start + len(needle)
    return tuple(i for seg_start, seg_end, i in spans if seg_start < end and seg_end > start)


PLANTED = _planted()


def test_the_evaluation_set_has_enough_planted_errors_of_every_kind() -> None:
    kinds = [str(item["kind"]) for _, item in PLANTED]
    assert len(PLANTED) >= 40
    assert all(kinds.count(kind) >= 4 for kind in EXPECTED)


@pytest.mark.parametrize(
    ("name", "item"), PLANTED, ids=[f"{n}-{i['kind']}-{k}" for k, (n, i) in enumerate(PLANTED)]
)
def test_planted_error_is_flagged(name: str, item: dict[str, object]) -> None:
    data = json.loads((EVAL_DIR / f"{name}.json").read_text("utf-8"))
    transcript = Transcript.from_dict(data)
    sources = _sources_of(transcript, str(item["source_contains"]))
    verified = verify_draft(_draft((str(item["text"]), sources)), transcript)
    kinds = {flag.kind for flag in verified.flags}
    assert kinds & EXPECTED[str(item["kind"])], (item["text"], kinds)


def test_normalised_forms_match_spoken_forms() -> None:
    transcript = _transcript(
        "Vi ses den tolvte december klokken halv tre, og du får fire tusind kroner.",
        "Hun har to børn.",
    )
    draft = _draft(
        ("Vi ses 12. december kl. 14.30, og du får 4.000 kr.", (0,)),
        ("Hun har 2 børn.", (1,)),
    )
    assert verify_draft(draft, transcript).flags == ()


def test_paraphrase_keeping_the_negation_is_not_flagged() -> None:
    transcript = _transcript("Jeg kan ikke arbejde mere end ti timer, og jeg sover dårligt.")
    draft = _draft(("Borgeren kan ikke arbejde mere end 10 timer.", (0,)))
    assert verify_draft(draft, transcript).flags == ()


def test_flipped_negations_are_flagged_both_ways() -> None:
    transcript = _transcript("Jeg har aldrig fået hjælp.", "Jeg har fået en lejlighed.")
    draft = _draft(("Jeg har fået hjælp.", (0,)), ("Jeg har ikke fået en lejlighed.", (1,)))
    kinds = [f.kind for f in verify_draft(draft, transcript).flags]
    assert kinds == ["negation_mismatch", "negation_mismatch"]


def test_names_are_checked_mid_sentence_and_known_first_names_everywhere() -> None:
    transcript = _transcript("Med er også min kollega Birgitte fra Ældresagen.")
    draft = _draft(
        ("Med er også min kollega Bodil fra Ældresagen.", (0,)),
        ("Birgitte var med.", (0,)),
        ("Karen var med.", (0,)),
    )
    flags = verify_draft(draft, transcript).flags
    assert [(f.kind, f.detail) for f in flags] == [
        ("unsupported_name", "Bodil"),
        ("unsupported_name", "Karen"),
    ]


def test_sentences_without_sources_are_flagged() -> None:
    transcript = _transcript("Hun har ondt i ryggen.")
    draft = _draft(("Hun har ondt i ryggen.", ()), ("Hun har ondt.", (7,)))
    flags = verify_draft(draft, transcript).flags
    assert [f.kind for f in flags] == ["no_source", "no_source"]
    assert "7" in flags[1].detail


@pytest.mark.parametrize(
    "text", ["Mit CPR er 120385-1234.", "cpr 1203851234", "nummeret er 12 03 85 1234"]
)
def test_cpr_numbers_are_recognised(text: str) -> None:
    assert contains_cpr(text)


@pytest.mark.parametrize("text", ["Huslejen er 4.000 kr.", "Ring på 20 30 40 50.", "991385-1234"])
def test_other_numbers_are_not_cpr(text: str) -> None:
    assert not contains_cpr(text)


def test_cpr_in_draft_or_in_the_source_is_flagged() -> None:
    transcript = _transcript("Mit cpr-nummer er 120385-1234.", "Jeg bor i Vejle.")
    draft = _draft(("Mit cpr-nummer er 120385-1234.", (0,)), ("Jeg bor i Vejle.", (0, 1)))
    kinds = [(f.kind, f.detail) for f in verify_draft(draft, transcript).flags]
    assert ("cpr", "udkast") in kinds and ("cpr", "kilde") in kinds


def test_uncertain_sources_are_marked() -> None:
    transcript = _transcript("Hun bor i Vejle.", flags={0: ("low_confidence",)})
    flags = verify_draft(_draft(("Hun bor i Vejle.", (0,))), transcript).flags
    assert [f.kind for f in flags] == ["uncertain_source"]


def test_flag_ids_are_numbered_in_document_order_and_stable() -> None:
    transcript = _transcript("Hun har to børn.", "Han bor i Vejle.")
    draft = _draft(("Hun har tre børn.", (0,)), ("Han bor i Aarhus.", (1,)), ("Intet.", ()))
    once = verify_draft(draft, transcript)
    assert [f.flag_id for f in once.flags] == ["f1", "f2", "f3"]
    assert verify_draft(once, transcript) == once


def test_flags_of_other_origins_are_kept_and_renumbered() -> None:
    transcript = _transcript("Hun har to børn.")
    sentence = DraftSentence("Hun har tre børn.", (0,), (Flag("x9", "llm_uncertain", "model"),))
    draft = Draft("journalnotat", "llm", "m", (DraftSection("s", "S", True, (sentence,)),))
    flags = verify_draft(draft, transcript).flags
    assert [(f.flag_id, f.kind) for f in flags] == [
        ("f1", "llm_uncertain"),
        ("f2", "unsupported_number"),
    ]


def _faithful() -> list[tuple[str, dict[str, object]]]:
    cases = []
    for facts_path in sorted(EVAL_DIR.glob("*.facts.toml")):
        name = facts_path.name.removesuffix(".facts.toml")
        for item in tomllib.loads(facts_path.read_text("utf-8")).get("faithful", []):
            cases.append((name, item))
    return cases


FAITHFUL = _faithful()


@pytest.mark.parametrize(
    ("name", "item"), FAITHFUL, ids=[f"{n}-{k}" for k, (n, _) in enumerate(FAITHFUL)]
)
def test_faithful_paraphrase_is_not_flagged(name: str, item: dict[str, object]) -> None:
    """A paraphrase that keeps every fact raises nothing, except a name said only elsewhere
    (the verifier checks names against the cited segments, and says where it was said)."""
    transcript = Transcript.from_dict(json.loads((EVAL_DIR / f"{name}.json").read_text("utf-8")))
    sources = _sources_of(transcript, str(item["source_contains"]))
    flags = verify_draft(_draft((str(item["text"]), sources)), transcript).flags
    assert all(f.kind == "unsupported_name" and "nævnt andetsteds" in f.detail for f in flags), [
        (f.kind, f.detail) for f in flags
    ]


def test_a_name_said_elsewhere_is_flagged_with_that_hint() -> None:
    transcript = _transcript("Emma kom i dag.", "Jeg har ikke set min far siden sommer.")
    flags = verify_draft(
        _draft(("Emma har ikke set sin far siden sommer.", (1,))), transcript
    ).flags
    assert [(f.kind, f.detail) for f in flags] == [("unsupported_name", "Emma (nævnt andetsteds)")]


@pytest.mark.parametrize(
    ("said", "drafted", "flagged"),
    [
        ("Blodsukkeret var seks komma fire.", "Blodsukkeret var 6,4.", False),
        ("Blodsukkeret var seks komma fire.", "Blodsukkeret var 7,4.", True),
        # A decimal point as English writes it, which a language model may: compared, not missed.
        ("Blodsukkeret var seks komma fire.", "Blodsukkeret var 6.4.", False),
        ("Blodsukkeret var seks komma fire.", "Blodsukkeret var 7.4.", True),
        ("Vi ses den tolvte december.", "Vi ses den 12.12.", False),
        ("Vi ses den tolvte december.", "Vi ses den 13.12.", True),
        ("Vi ses klokken halv otte.", "Vi ses 7.30.", False),
    ],
)
def test_numbers_are_compared_whatever_notation_the_draft_uses(
    said: str, drafted: str, flagged: bool
) -> None:
    verified = verify_draft(_draft((drafted, (0,))), _transcript(said))
    kinds = [f.kind for f in verified.flags]
    assert bool([k for k in kinds if k.startswith("unsupported")]) == flagged, kinds
