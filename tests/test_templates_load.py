"""Templates are data files: built-ins load, an administrator's folder adds or replaces, bad
files are refused with the file and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from assist.drafting.templates import (
    SectionSpec,
    configured_template_dir,
    get_template,
    load_template_infos,
    load_templates,
)
from assist.errors import EXIT_USAGE, AssistError

REQUIRED = {
    "journalnotat": [
        "Deltagere og anledning",
        "Borgerens situation",
        "Borgerens egne ord og ønsker",
        "Faglig vurdering",
        "Aftaler (hvem, hvad, hvornår)",
        "Næste skridt",
    ],
    "opfoelgning": ["Mål", "Status siden sidst", "Aftaler", "Næste opfølgning"],
    "boernesamtale": [
        "Rammer for samtalen",
        "Barnets fortælling med barnets egne ord",
        "Barnets ønsker",
        "Faglig vurdering",
        "Aftaler",
    ],
    "plejenotat": ["Observation", "Handling", "Opfølgning"],
}

VALID = """
id = "{id}"
title_da = "Eget notat"
title_en = "Own note"

[[sections]]
id = "forloeb"
title_da = "Forløb"
title_en = "Course"
fallback = true
cues = ["forløb", "@dato"]

[[sections]]
id = "vurdering"
title_da = "Vurdering"
title_en = "Assessment"
professional_only = true
prompt_da = "Skriv din vurdering."
"""


def test_builtin_templates_have_the_required_sections_in_order() -> None:
    templates = load_templates()
    for template_id, titles in REQUIRED.items():
        template = templates[template_id]
        assert [s.title_da for s in template.sections] == titles
        assert template.title_en and all(s.title_en for s in template.sections)


def test_professional_assessment_is_never_machine_filled_and_has_a_prompt() -> None:
    for template_id in ("journalnotat", "boernesamtale"):
        section = next(
            s for s in get_template(template_id).sections if s.section_id == "faglig_vurdering"
        )
        assert section.professional_only
        assert section.prompt_da


def test_every_builtin_template_has_one_fallback_and_cues() -> None:
    for template in load_templates().values():
        specs = [s for s in template.sections if isinstance(s, SectionSpec)]
        assert len(specs) == len(template.sections)
        assert sum(s.fallback for s in specs) == 1
        assert all(s.cues for s in specs if not s.professional_only)


def test_admin_folder_adds_and_replaces_templates(tmp_path: Path) -> None:
    (tmp_path / "eget.toml").write_text(VALID.format(id="eget"), encoding="utf-8")
    (tmp_path / "plejenotat.toml").write_text(VALID.format(id="plejenotat"), encoding="utf-8")
    infos = load_template_infos(tmp_path)
    assert infos["eget"].origin == "admin"
    assert infos["plejenotat"].origin == "admin"
    assert infos["journalnotat"].origin == "builtin"
    assert [s.section_id for s in infos["plejenotat"].template.sections] == [
        "forloeb",
        "vurdering",
    ]


def test_template_dir_comes_from_the_environment(tmp_path: Path) -> None:
    assert configured_template_dir({"ASSIST_TEMPLATE_DIR": str(tmp_path)}) == tmp_path
    assert configured_template_dir({}) is None


@pytest.mark.parametrize(
    ("text", "reason_part"),
    [
        ('id = "x"\ntitle_da = [', "TOML"),
        (VALID.format(id="x") + '\nfarve = "rød"\n', "farve"),
        (VALID.format(id="x").replace('title_da = "Eget notat"', ""), "title_da"),
        (VALID.format(id="x").replace('id = "vurdering"', 'id = "forloeb"'), "forloeb"),
        (VALID.format(id="andet"), "filnavnet"),
        (VALID.format(id="x").replace('prompt_da = "Skriv din vurdering."', ""), "prompt_da"),
        (VALID.format(id="x").replace('"@dato"', '"@vejret"'), "@vejret"),
        (VALID.format(id="x").replace("fallback = true", 'fallback = "ja"'), "fallback"),
        ('id = "x"\ntitle_da = "a"\ntitle_en = "b"\n', "sections"),
    ],
)
def test_invalid_admin_templates_are_refused_with_file_and_reason(
    tmp_path: Path, text: str, reason_part: str
) -> None:
    path = tmp_path / "x.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AssistError) as caught:
        load_templates(tmp_path)
    assert caught.value.code == "templates.invalid"
    message = caught.value.message("da")
    assert str(path) in message and reason_part in message
    assert "\n" not in message


def test_unknown_template_names_the_known_ones() -> None:
    with pytest.raises(AssistError) as caught:
        get_template("ukendt")
    assert caught.value.code == "templates.unknown"
    assert caught.value.exit_code == EXIT_USAGE
    assert "journalnotat" in caught.value.message("en")


def test_missing_admin_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(AssistError) as caught:
        load_templates(tmp_path / "findes-ikke")
    assert caught.value.code == "templates.dir_missing"
