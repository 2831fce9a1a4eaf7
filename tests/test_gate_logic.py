"""The qualification gate's scoring, with a fake engine giving faithful or broken answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assist.drafting.gate import PROBES, numbers_in, qualify, qualify_installed, summary
from assist.llm.engine import LlmEngine
from assist.llm.fake import FakeLlmEngine

FAITHFUL = {
    "husleje": (
        "Borgeren oplyser, at hun har svært ved at betale huslejen for tiden [S0].\n"
        "Huslejen er 6.500 kr. om måneden [S1].\n"
        "Borgeren har ikke tidligere fået hjælp fra kommunen [S2]."
    ),
    "moede": (
        "Der er aftalt et nyt møde den 14. marts kl. 10.00 [S0].\n"
        "Borgeren ønsker ikke, at søsteren deltager i mødet [S1]."
    ),
    "helbred": (
        "Borgeren har haft ondt i ryggen i tre måneder [S0].\n"
        "Borgeren har endnu ikke været til lægen [S1].\n"
        "Borgeren kan højst arbejde 10 timer om ugen [S2]."
    ),
    "intet_om_oekonomi": "INGEN",
}
# The same facts in other words, the way a different good model might write them.
REWORDED = {
    "husleje": (
        "- Borgeren har økonomiske vanskeligheder med at betale sin husleje [S0].\n"
        "- Huslejen udgør 6500 kr. månedligt [S1].\n"
        "- [S2] Borgeren har aldrig tidligere modtaget hjælp fra kommunen."
    ),
    "moede": (
        "Nyt møde er aftalt til den 14. marts klokken 10 [S0]. "
        "Borgeren ønsker ikke, at hendes søster deltager [S1]."
    ),
    "helbred": (
        "Borgeren har i 3 måneder haft ondt i ryggen [S0]\n"
        "Borgeren har endnu ikke været hos lægen [S1]\n"
        "Borgeren kan maksimalt arbejde 10 timer om ugen [S2]"
    ),
    "intet_om_oekonomi": "Økonomien blev ikke drøftet.",
}
# The probe each prompt belongs to, recognised by a phrase of its transcript.
MARKERS = {
    "husleje": "huslejen for tiden",
    "moede": "14. marts klokken 10",
    "helbred": "ondt i ryggen",
    "intet_om_oekonomi": "datterens skole",
}


def answering(answers: dict[str, str]) -> Callable[[str], str]:
    def respond(prompt: str) -> str:
        probe = next(p for p, marker in MARKERS.items() if marker in prompt)
        return answers[probe]

    return respond


def engine_for(answers: dict[str, str]) -> FakeLlmEngine:
    return FakeLlmEngine([answering(answers)] * len(PROBES))


def failing_problems(answers: dict[str, str]) -> dict[str, list[str]]:
    result = qualify(engine_for(answers))
    assert not result.passed
    assert result.report["passed"] is False
    return {p["id"]: p["problems"] for p in result.report["probes"] if not p["passed"]}


@pytest.mark.parametrize("answers", [FAITHFUL, REWORDED], ids=["faithful", "reworded"])
def test_a_faithful_model_passes(answers: dict[str, str]) -> None:
    result = qualify(engine_for(answers))
    assert result.passed, summary(result.report)
    assert result.report["probes_passed"] == result.report["probes_total"] == len(PROBES)


def test_the_measured_270m_inversion_fails() -> None:
    inverted = dict(
        FAITHFUL, husleje=FAITHFUL["husleje"].replace("har svært ved at betale", "har betalt")
    )
    problems = failing_problems(inverted)
    assert problems == {"husleje": [r"missing:svært ved at betale", "forbidden:har betalt"]}


def test_a_lost_negation_fails() -> None:
    answers = dict(FAITHFUL, moede=FAITHFUL["moede"].replace("ønsker ikke, at", "ønsker, at"))
    problems = failing_problems(answers)
    assert set(problems) == {"moede"}
    assert "lost_negation:søster" in problems["moede"]
    assert "missing:ikke søsteren med" in problems["moede"]


def test_an_invented_number_fails() -> None:
    answers = dict(FAITHFUL, husleje=FAITHFUL["husleje"] + "\nHun skylder 7.000 kr. [S1].")
    assert failing_problems(answers) == {"husleje": ["invented_number:7000"]}


def test_a_changed_limit_fails() -> None:
    answers = dict(FAITHFUL, helbred=FAITHFUL["helbred"].replace("højst", "mindst"))
    assert set(failing_problems(answers)["helbred"]) == {
        "missing:højst 10 timer",
        "forbidden:mindst 10 timer",
    }


def test_a_fact_cited_to_the_wrong_segment_fails() -> None:
    answers = dict(FAITHFUL, husleje=FAITHFUL["husleje"].replace("måneden [S1]", "måneden [S2]"))
    assert failing_problems(answers) == {"husleje": ["missing:6.500 kroner"]}


def test_inventing_finances_when_none_were_discussed_fails() -> None:
    answers = dict(FAITHFUL, intet_om_oekonomi="Borgeren har en gæld på 20.000 kr. [S0].")
    problems = failing_problems(answers)["intet_om_oekonomi"]
    assert {"forbidden:gæld", "forbidden:beløb", "invented_number:20000"} <= set(problems)


def test_echoing_the_prompt_without_citations_fails_every_content_probe() -> None:
    echo = {p: "Du hjælper en sagsbehandler i en dansk kommune.\n- Skriv kun det, der bliver sagt."
            for p in FAITHFUL}  # fmt: skip
    problems = failing_problems(echo)
    assert set(problems) == {"husleje", "moede", "helbred"}
    assert all("no_cited_sentences" in found for found in problems.values())


def test_numbers_are_read_the_danish_way() -> None:
    assert numbers_in("6.500 kr. den 14/3 kl. 10.00, 12,5 timer") == {6500, 14, 3, 10, 0, 12, 5}


class FakeStore:
    def __init__(self) -> None:
        self.resolved: list[tuple[str, str | None]] = []
        self.recorded: list[tuple[str, bool, dict[str, Any]]] = []

    def resolve(self, model_id: str, kind: str | None = None) -> Any:
        self.resolved.append((model_id, kind))
        return type("Installed", (), {"path": Path("/models/x.gguf")})()

    def record_qualification(self, model_id: str, passed: bool, report: dict[str, Any]) -> None:
        self.recorded.append((model_id, passed, report))


@pytest.mark.parametrize(
    ("answers", "passed"), [(FAITHFUL, True), ({p: "" for p in FAITHFUL}, False)]
)
def test_qualify_installed_loads_from_the_store_and_records_the_verdict(
    answers: dict[str, str], passed: bool
) -> None:
    store = FakeStore()
    loaded: list[Path] = []
    engine = engine_for(answers)
    closed: list[bool] = []
    engine.close = lambda: closed.append(True)  # type: ignore[attr-defined]

    def factory(path: Path) -> LlmEngine:
        loaded.append(path)
        return engine

    result = qualify_installed(store, "my-llm", engine_factory=factory)
    assert result.passed is passed
    assert store.resolved == [("my-llm", "llm")]
    assert loaded == [Path("/models/x.gguf")]
    assert store.recorded == [("my-llm", passed, result.report)]
    assert closed == [True]
