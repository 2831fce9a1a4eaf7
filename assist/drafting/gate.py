"""The qualification gate: may this language model draft Danish journal notes at all?

Assist runs a handful of short, invented Danish conversations through the real `LlmDrafter`
(prompts, citations and parsing included) and scores the sentences deterministically: the facts,
amounts, dates and negations must come through, cited to the right segment, and nothing may be
added or inverted ("har svært ved at betale huslejen" must never become "har betalt huslejen").
A model passes only if every probe passes. The probes contain no real citizen's words, so the
report may keep the model's sentences for IT to read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from assist.cancel import CancelToken
from assist.drafting.llm_drafter import LlmDrafter
from assist.drafting.types import Template, TemplateSection
from assist.engines.worker import EngineCrashed
from assist.llm.engine import LlmEngine
from assist.transcript import Transcript

GATE_VERSION = 1
_MAX_TOKENS = 160
_ANSWER_CHARS_KEPT = 600
NEGATION = r"\b(?:ikke|ingen|intet|aldrig|hverken)\b"
_HARD_TO_PAY = (
    r"(?:svært|vanskeligt|vanskeligheder|problemer|udfordringer|besvær) (?:ved|med) at "
    r"(?:betale|få betalt)"
)


@dataclass(frozen=True)
class Fact:
    """Something the draft must say, in a sentence citing `segment_id`; `pattern` is a regex."""

    label: str
    pattern: str
    segment_id: int


@dataclass(frozen=True)
class Forbidden:
    """Something the draft must never say (an inversion or an invention); `pattern` is a regex."""

    label: str
    pattern: str


@dataclass(frozen=True)
class Probe:
    probe_id: str
    lines: tuple[str, ...]
    section: TemplateSection
    facts: tuple[Fact, ...] = ()
    # Every sentence mentioning one of these words must also carry a negation.
    negated_topics: tuple[str, ...] = ()
    forbidden: tuple[Forbidden, ...] = ()
    # True when the honest answer is to write nothing (the topic never came up).
    expect_nothing: bool = False

    def transcript(self) -> Transcript:
        return Transcript.from_typed_notes("\n".join(self.lines))


_CONTENT = TemplateSection(
    "samtale", "Samtalens indhold", "What was said", prompt_da="Hvad borgeren fortalte."
)
_ECONOMY = TemplateSection(
    "oekonomi",
    "Økonomi",
    "Finances",
    prompt_da="Borgerens økonomi: indtægter, udgifter og gæld.",
)
_JUDGEMENT = TemplateSection(
    "vurdering", "Faglig vurdering", "Professional assessment", professional_only=True
)

PROBES: tuple[Probe, ...] = (
    Probe(
        "husleje",
        (
            "Jeg har svært ved at betale huslejen for tiden.",
            "Huslejen er på 6.500 kroner om måneden.",
            "Jeg har ikke fået hjælp fra kommunen før.",
        ),
        _CONTENT,
        facts=(
            Fact("svært ved at betale", _HARD_TO_PAY, 0),
            Fact("6.500 kroner", r"\b6\.?500\b", 1),
            Fact("ikke fået hjælp", NEGATION + r"[^.]*\bhjælp", 2),
        ),
        negated_topics=("hjælp",),
        forbidden=(
            Forbidden("har betalt", r"\bhar betalt\b"),
            Forbidden("uden problemer", r"\buden problemer\b"),
            Forbidden("har råd", r"\bhar råd\b"),
        ),
    ),
    Probe(
        "moede",
        (
            "Vi aftaler et nyt møde den 14. marts klokken 10.",
            "Borgeren ønsker ikke at have sin søster med til mødet.",
        ),
        _CONTENT,
        facts=(
            Fact("14. marts", r"\b14\.? marts\b|\b14/3\b|\b14\.0?3\b", 0),
            Fact("klokken 10", r"\b(?:klokken|kl\.?) ?10\b|\b10[:.]00\b", 0),
            Fact("ikke søsteren med", NEGATION + r"[^.]*\bsøster", 1),
        ),
        negated_topics=("søster",),
    ),
    Probe(
        "helbred",
        (
            "Jeg har haft ondt i ryggen i tre måneder.",
            "Jeg har ikke været til lægen endnu.",
            "Jeg kan højst arbejde 10 timer om ugen.",
        ),
        _CONTENT,
        facts=(
            Fact("ondt i ryggen", r"\bryg", 0),
            Fact("tre måneder", r"\b(?:tre|3) måneder\b", 0),
            Fact("ikke været til lægen", NEGATION + r"[^.]*\blæge", 1),
            Fact("højst 10 timer", r"\b(?:højst|maksimalt|max\.?|op til) (?:arbejde )?10 timer", 2),
        ),
        negated_topics=("læge",),
        forbidden=(
            Forbidden("mindst 10 timer", r"\b(?:mindst|mere end|over) (?:arbejde )?10\b"),
            Forbidden("fuld tid", r"\bfuld tid\b"),
        ),
    ),
    Probe(
        "intet_om_oekonomi",
        (
            "Vi talte mest om, hvordan det går med datterens skole.",
            "Hun er glad for sin nye klasse.",
        ),
        _ECONOMY,
        forbidden=(
            Forbidden("beløb", r"\bkr\b|kroner|\d"),
            Forbidden("gæld", r"gæld"),
            Forbidden("indtægt", r"indtægt|\bløn|ydelse"),
        ),
        expect_nothing=True,
    ),
)

_NUMBER_WORDS = {
    "en": 1, "et": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "syv": 7, "otte": 8,
    "ni": 9, "ti": 10, "elleve": 11, "tolv": 12,
}  # fmt: skip
_MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
    "oktober", "november", "december",
)  # fmt: skip
_NUMERAL = re.compile(r"\d+(?:[.,:/]\d+)*")
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")


def numbers_in(text: str) -> set[int]:
    """Integers a reader sees in Danish text: '6.500' is 6500, '14/3' and '10.00' are two."""
    found: set[int] = set()
    for numeral in _NUMERAL.findall(text):
        if _THOUSANDS.fullmatch(numeral):
            found.add(int(numeral.replace(".", "")))
        else:
            found.update(int(part) for part in re.split(r"[.,:/]", numeral) if part)
    return found


def _allowed_numbers(text: str) -> set[int]:
    words = re.findall(r"\w+", text.lower())
    allowed = numbers_in(text) | {0}
    allowed |= {_NUMBER_WORDS[w] for w in words if w in _NUMBER_WORDS}
    allowed |= {i + 1 for i, month in enumerate(_MONTHS) if month in words}
    return allowed


@dataclass(frozen=True)
class ProbeResult:
    probe_id: str
    problems: tuple[str, ...]
    sentences: tuple[str, ...] = ()
    answer: str = ""

    @property
    def passed(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.probe_id,
            "passed": self.passed,
            "problems": list(self.problems),
            "sentences": list(self.sentences),
            "answer": self.answer[:_ANSWER_CHARS_KEPT],
        }


@dataclass(frozen=True)
class Qualification:
    passed: bool
    report: dict[str, Any] = field(default_factory=dict)


def score_probe(
    probe: Probe, sentences: Iterable[tuple[str, tuple[int, ...]]], *, filled_professional: bool
) -> tuple[str, ...]:
    """Problem codes for one probe's drafted (text, sources) sentences; empty means it passed."""
    drafted = [(" ".join(text.lower().split()), set(sources)) for text, sources in sentences]
    problems: list[str] = []
    if filled_professional:
        problems.append("professional_section_filled")
    if not drafted and not probe.expect_nothing:
        problems.append("no_cited_sentences")
    for fact in probe.facts:
        if not any(re.search(fact.pattern, t) and fact.segment_id in s for t, s in drafted):
            problems.append(f"missing:{fact.label}")
    for topic in probe.negated_topics:
        if any(re.search(rf"\b{topic}", t) and not re.search(NEGATION, t) for t, _ in drafted):
            problems.append(f"lost_negation:{topic}")
    for forbidden in probe.forbidden:
        if any(re.search(forbidden.pattern, t) for t, _ in drafted):
            problems.append(f"forbidden:{forbidden.label}")
    allowed = _allowed_numbers(" ".join(probe.lines))
    invented = sorted({n for t, _ in drafted for n in numbers_in(t)} - allowed)
    problems.extend(f"invented_number:{n}" for n in invented)
    return tuple(problems)


def run_probe(engine: LlmEngine, probe: Probe, cancel: CancelToken | None = None) -> ProbeResult:
    answers: list[str] = []
    drafter = LlmDrafter(
        engine,
        "probe",
        "",
        max_tokens=_MAX_TOKENS,
        on_answer=lambda _section, text: answers.append(text),
    )
    template = Template("gate", "Kvalifikation", "Qualification", (probe.section, _JUDGEMENT))
    draft = drafter.draft_note(probe.transcript(), template, cancel)
    generated = [s for s in draft.sections if s.generated]
    professional = [s for s in draft.sections if not s.generated]
    sentences = [(sen.text, sen.sources) for sec in generated for sen in sec.sentences]
    problems = score_probe(
        probe, sentences, filled_professional=any(s.sentences for s in professional)
    )
    return ProbeResult(probe.probe_id, problems, tuple(t for t, _ in sentences), "\n".join(answers))


def qualify(
    engine: LlmEngine,
    cancel: CancelToken | None = None,
    probes: Iterable[Probe] = PROBES,
) -> Qualification:
    """Run every probe; the model passes only if all of them pass."""
    results = [run_probe(engine, probe, cancel) for probe in probes]
    passed = bool(results) and all(r.passed for r in results)
    report = {
        "gate_version": GATE_VERSION,
        "passed": passed,
        "outcome": "passed" if passed else "failed",
        "probes_passed": sum(r.passed for r in results),
        "probes_total": len(results),
        "model_name": engine.metadata.get("general.name", ""),
        "probes": [r.to_dict() for r in results],
    }
    return Qualification(passed=passed, report=report)


class _InstalledLlm(Protocol):
    @property
    def path(self) -> Path: ...

    @property
    def sha256(self) -> str: ...


class QualificationStore(Protocol):
    """The part of `assist.models.store.ModelStore` the gate uses."""

    def resolve(self, model_id: str, kind: str | None = None) -> _InstalledLlm: ...

    def record_qualification(self, model_id: str, passed: bool, report: dict[str, Any]) -> None: ...


def _load_in_worker(installed: _InstalledLlm) -> LlmEngine:
    from assist.engines.llm_worker import LlamaSpec, WorkerLlmEngine

    return WorkerLlmEngine.start(LlamaSpec(str(installed.path), installed.sha256))


def qualify_installed(
    store: QualificationStore,
    model_id: str,
    *,
    engine_factory: Callable[[Path], LlmEngine] | None = None,
    cancel: CancelToken | None = None,
) -> Qualification:
    """Load an installed model (hash-verified by the store), run the gate, record the verdict.

    The model runs in a worker process. If it crashes (on this CPU, with this file), the verdict
    is `crashed` with the signal, recorded like any other, so it is not tried at every start.
    """
    installed = store.resolve(model_id, "llm")
    try:
        engine = engine_factory(installed.path) if engine_factory else _load_in_worker(installed)
        try:
            result = qualify(engine, cancel)
        finally:
            engine.close()
    except EngineCrashed as crash:
        report: dict[str, Any] = {
            "gate_version": GATE_VERSION,
            "passed": False,
            "outcome": "crashed",
            "reason": crash.reason,
            "signal": crash.signal_name,
            "probes_passed": 0,
            "probes_total": len(PROBES),
            "probes": [],
        }
        result = Qualification(passed=False, report=report)
    store.record_qualification(model_id, result.passed, result.report)
    return result


def summary(report: Mapping[str, Any]) -> str:
    """One line for logs and the CLI: which probes failed and why (no citizen data here)."""
    failed = [f"{p['id']}: {', '.join(p['problems'])}" for p in report.get("probes", [])
              if not p.get("passed")]  # fmt: skip
    total = report.get("probes_total", 0)
    return f"{report.get('probes_passed', 0)}/{total} probes passed" + (
        "; " + "; ".join(failed) if failed else ""
    )
