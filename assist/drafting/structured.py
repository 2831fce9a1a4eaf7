"""The structured drafter: no language model, only selection, cleaning and normalisation.

Every sentence of the draft is a sentence of the transcript, cleaned of fillers and false starts
(cleaning.py), with dates, times and amounts written the way a journal note writes them
(danish_dates.py). Its sources are the segments it was cut from, so grounding holds by
construction. Sentences are placed in the template's sections by the cues in the template file;
what no cue places goes to the template's fallback section. Professional-only sections stay empty.

Notes the caseworker typed during the meeting are placed the same way, each sentence of a note
kept (the caseworker chose to write it), cited as the note and marked as the caseworker's
("Sagsbehandlerens notat: ..."); within a section, sentences follow the meeting's timeline.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from assist.cancel import CancelToken, Progress
from assist.drafting.agreements import render_agreement
from assist.drafting.cleaning import SourceSentence, split_sentences, usable_segments, words_of
from assist.drafting.danish_dates import extract_facts, normalise_danish
from assist.drafting.meeting_notes import as_segment, labelled, split_sources
from assist.drafting.speakers import label_quote
from assist.drafting.templates import SectionSpec
from assist.drafting.types import (
    DraftEvent,
    DraftSection,
    DraftSentence,
    Template,
    TemplateSection,
)
from assist.transcript import Segment, Transcript


# Words that carry no content on their own: a sentence of only these ("Ja, det gør jeg.") is
# a back-channel, not something for the note.
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP_WORDS = _words(
    """
    ja nej okay ok godt fint tak det den der de dem er var har havde jo så lige nu også bare
    rigtigt rigtig præcis nå mm jamen men og eller jeg du vi han hun man mig dig os ham hende
    sig gør gjorde skal kan vil må en et i på til af for med om at som hvad hvor hvordan hvorfor
    hvem hvis ikke meget lidt sige siger sagt lyder fordi her dér altid aldrig ingen noget nogen
    andet mere mest helt godt hej farvel velkommen endnu ellers
    """
)
_FIRST_PERSON = frozenset({"jeg", "mig", "min", "mit", "mine"})
_SECOND_PERSON = frozenset({"du", "dig", "din", "dit", "dine"})
_WISH = re.compile(
    r"\bjeg (?:vil gerne|vil helst|vil ikke|ønsker|håber|drømmer|gad|vil bare)\b", re.IGNORECASE
)
_NAME_INSIDE = re.compile(r"(?<=[\w,] )[A-ZÆØÅ]\w+")
# Courtesies and reactions of the interviewer ("Det lyder hårdt.", "Tak fordi du fortæller det"):
# short sentences that carry no fact about the citizen.
_COURTESY = re.compile(
    r"^(?:og |men |ja,? )?(?:det lyder|det forstår jeg|det er flot|det er godt|det er vigtigt at"
    r" vide|det synes jeg|tak(?: for| fordi)?|godt|fint|super|dejligt|selvfølgelig)\b",
    re.IGNORECASE,
)
_COURTESY_MAX_WORDS = 8
_SPECIAL_WEIGHTS = {"@dato": 0.5, "@tid": 0.5, "@beløb": 1.0, "@ønske": 2.0, "@spørgsmål": 1.0}
# How many earlier sentences an echo ("Den niende juni klokken ti.") is compared with.
_ECHO_WINDOW = 3


@dataclass(frozen=True)
class _Candidate:
    order: int
    text: str
    sources: tuple[int, ...]
    fact_kinds: frozenset[str]
    content: frozenset[str]


@dataclass(frozen=True)
class _CompiledSection:
    section: TemplateSection
    fill: str
    fallback: bool
    cue_patterns: tuple[tuple[re.Pattern[str], float], ...]
    specials: tuple[str, ...]
    avoid: re.Pattern[str] | None


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    # A cue matches at the start of a word: "aftal" matches "aftalte" and "aftalen".
    words = [re.escape(w) for w in phrase.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words), re.IGNORECASE)


def _phrase_weight(cue: str) -> float:
    # A phrase ("mødet handler om") says more than a topic word ("husleje"), which a sentence
    # about several topics can match many times.
    return 1.0 + 2.0 * (len(cue.split()) - 1)


def _compile(section: TemplateSection) -> _CompiledSection:
    spec = section if isinstance(section, SectionSpec) else None
    cues = spec.cues if spec else ()
    patterns = tuple(
        (_phrase_pattern(cue), _phrase_weight(cue)) for cue in cues if not cue.startswith("@")
    )
    avoid = spec.avoid if spec else ()
    return _CompiledSection(
        section=section,
        fill=spec.fill if spec else "plain",
        fallback=spec.fallback if spec else False,
        cue_patterns=patterns,
        specials=tuple(cue for cue in cues if cue.startswith("@")),
        avoid=re.compile("|".join(_phrase_pattern(a).pattern for a in avoid), re.IGNORECASE)
        if avoid
        else None,
    )


def _score(compiled: _CompiledSection, candidate: _Candidate) -> float:
    if compiled.avoid is not None and compiled.avoid.search(candidate.text):
        return -1.0
    score = sum(
        weight for pattern, weight in compiled.cue_patterns if pattern.search(candidate.text)
    )
    for special in compiled.specials:
        weight = _SPECIAL_WEIGHTS[special]
        if (
            (special == "@dato" and candidate.fact_kinds & {"date", "weekday"})
            or (special == "@tid" and "time" in candidate.fact_kinds)
            or (special == "@beløb" and "amount" in candidate.fact_kinds)
            or (special == "@ønske" and _WISH.search(candidate.text))
            or (special == "@spørgsmål" and candidate.text.endswith("?"))
        ):
            score += weight
    return score


def _written(order: int, text: str, sources: tuple[int, ...]) -> _Candidate:
    """`text` as a note writes it (normalised, capitalised), with what placing it looks at."""
    text = normalise_danish(text)
    text = text[:1].upper() + text[1:]
    fact_kinds = frozenset(fact.kind for fact in extract_facts(text))
    content = frozenset(w for w in words_of(text) if w not in _STOP_WORDS)
    return _Candidate(order, text, sources, fact_kinds, content)


def _candidate(order: int, sentence: SourceSentence) -> _Candidate | None:
    """The sentence as it may appear in a note, or None if it carries nothing for a note."""
    if not sentence.text:
        return None
    written = _written(order, sentence.text, sentence.sources)
    text, fact_kinds, content = written.text, written.fact_kinds, written.content
    has_fact = bool(fact_kinds - {"number"}) or ("number" in fact_kinds and bool(content))
    if not has_fact and (not content or (len(content) < 2 and len(words_of(text)) <= 2)):
        return None
    # A courtesy that names someone ("Tak, Emma.") still tells who was there.
    named = bool(_NAME_INSIDE.search(text))
    short = len(words_of(text)) <= _COURTESY_MAX_WORDS
    if not fact_kinds and not named and short and _COURTESY.search(text):
        return None
    if text.endswith("?") and len(content) < 2 and not fact_kinds and not _NAME_INSIDE.search(text):
        return None  # a question with nothing specific in it: the answer is what matters
    return written


def _is_echo(candidate: _Candidate, recent: list[_Candidate]) -> bool:
    """A repetition of something just said ("Den niende juni klokken ti. Det skriver jeg ned.")."""
    said_before: set[str] = set()
    for earlier in recent:
        said_before |= earlier.content
    return bool(candidate.content) and candidate.content <= said_before


def _note_candidate(order: int, sentence: SourceSentence) -> _Candidate | None:
    """A sentence of a typed meeting note: kept whenever it has a word (no courtesy filter)."""
    if not words_of(sentence.text):
        return None
    return _written(order, sentence.text, sentence.sources)


def _render(candidate: _Candidate, fill: str, segments: dict[int, Segment]) -> str:
    if all(i < 0 for i in candidate.sources):
        return labelled(candidate.text)  # the caseworker's own words, never quoted as said
    words = set(words_of(candidate.text))
    if fill == "quote" and words & _FIRST_PERSON and not words & _SECOND_PERSON:
        cited = [segments[i] for i in candidate.sources if i in segments]
        return label_quote(f"»{candidate.text}«", cited)
    if fill == "agreements":
        return render_agreement(candidate.text)
    return candidate.text


def sections_by_cues(template: Template, texts: Sequence[str]) -> list[str]:
    """For each text (a sentence someone dictated or wrote), the id of the template section its
    cues place it in, as the drafter places sentences (the fallback section when none fits)."""
    compiled = [_compile(s) for s in template.sections if not s.professional_only]
    if not compiled:
        raise ValueError(f"template {template.template_id} has no section a machine may fill")
    fallback = next((c for c in compiled if c.fallback), compiled[0])
    placed = []
    for order, text in enumerate(texts):
        candidate = _written(order, text, ())
        placed.append(_best_section(candidate, compiled, fallback).section.section_id)
    return placed


def _best_section(
    candidate: _Candidate, fillable: Sequence[_CompiledSection], fallback: _CompiledSection
) -> _CompiledSection:
    """The section whose cues score the sentence highest; the fallback when none scores."""
    best, best_score = fallback, 0.0
    for section in fillable:
        score = _score(section, candidate)
        if score > best_score:
            best, best_score = section, score
    return best


class StructuredDrafter:
    """A `Drafter` that only selects, cleans and normalises what was said."""

    engine = "structured"
    model = "none"
    model_sha256 = ""

    def close(self) -> None:
        pass  # nothing loaded

    def draft(
        self, transcript: Transcript, template: Template, cancel: CancelToken | None = None
    ) -> Iterator[DraftEvent]:
        cancel = cancel or CancelToken()
        total = len(template.sections)
        yield Progress("draft.select", 0, total)
        sentences = split_sentences(usable_segments(transcript.segments))
        notes = [as_segment(note) for note in transcript.notes]
        by_id = {segment.segment_id: segment for segment in (*transcript.segments, *notes)}
        compiled = [_compile(section) for section in template.sections]
        fillable = [c for c in compiled if not c.section.professional_only]
        fallback = next((c for c in fillable if c.fallback), fillable[0] if fillable else None)
        placed: dict[str, list[_Candidate]] = {c.section.section_id: [] for c in compiled}

        def place(candidate: _Candidate) -> None:
            if fallback is not None:
                best = _best_section(candidate, fillable, fallback)
                placed[best.section.section_id].append(candidate)

        kept: list[_Candidate] = []
        for order, sentence in enumerate(sentences):
            if order % 50 == 0:
                cancel.raise_if_cancelled()
            candidate = _candidate(order, sentence)
            if candidate is None or _is_echo(candidate, kept[-_ECHO_WINDOW:]):
                continue
            kept.append(candidate)
            place(candidate)
        # Note by note: a note without a full stop must not run on into the next one.
        note_sentences = [sentence for note in notes for sentence in split_sentences([note])]
        for order, sentence in enumerate(note_sentences, start=len(sentences)):
            candidate = _note_candidate(order, sentence)
            if candidate is not None:
                place(candidate)

        def timeline(candidate: _Candidate) -> tuple[float, int]:
            starts = [by_id[i].start_s for i in candidate.sources if i in by_id]
            return (min(starts, default=0.0), candidate.order)

        for done, section in enumerate(compiled):
            cancel.raise_if_cancelled()
            yield Progress("draft.section", done, total)
            if section.section.professional_only:
                yield DraftSection(section.section.section_id, section.section.title_da, False)
                continue
            drafted = tuple(
                DraftSentence(
                    _render(c, section.fill, by_id),
                    split_sources(c.sources)[0],
                    notes=split_sources(c.sources)[1],
                )
                for c in sorted(placed[section.section.section_id], key=timeline)
            )
            yield DraftSection(section.section.section_id, section.section.title_da, True, drafted)
        yield Progress("draft.section", total, total)
