"""Note templates are TOML data files: the built-in ones here, an administrator's in a directory.

A template file (`<id>.toml`):

    id = "journalnotat"                      # lowercase letters, digits, "_"; = the file name
    title_da = "Journalnotat (samtale med borger)"
    title_en = "Journal note (conversation with a citizen)"

    [[sections]]
    id = "situation"
    title_da = "Borgerens situation"
    title_en = "The citizen's situation"
    professional_only = false                # true: never filled by a machine (needs prompt_da)
    prompt_da = ""                           # shown in an empty professional-only section
    fill = "plain"                           # plain | quote (citizen's own words) | agreements
    fallback = false                         # exactly one section gets what no cue places
    cues = ["helbred", "økonomi", "@beløb"]  # word beginnings and phrases that place a sentence
    avoid = []                               # phrases that keep a sentence out of this section

Administrators put their own files in the `template_dir` setting's folder; a file with the
id of a built-in template replaces it. Invalid files are refused with the file, and what is wrong.

The professional's own assessment is never filled by a machine, whatever a file says: a section
with the id `faglig_vurdering` or the title "Faglig vurdering" / "Professional assessment" must
say `professional_only = true` (`is_professional_section`), or the file is refused; the drafting
pipeline leaves such sections empty even for a template built in code.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assist.drafting.types import Template, TemplateSection
from assist.errors import EXIT_USAGE, AssistError, Msg

BUILTIN_DIR = Path(__file__).parent / "templates"
DEFAULT_TEMPLATE = "journalnotat"
FILL_KINDS = ("plain", "quote", "agreements")
SPECIAL_CUES = ("@dato", "@tid", "@beløb", "@ønske", "@spørgsmål")

UNKNOWN_TEMPLATE = Msg(
    "templates.unknown",
    da="Skabelonen '{template_id}' findes ikke. Kendte skabeloner: {known}.",
    en="There is no template '{template_id}'. Known templates: {known}.",
    exit_code=EXIT_USAGE,
)
INVALID_TEMPLATE = Msg(
    "templates.invalid",
    da="Skabelonfilen '{path}' er ugyldig: {reason}",
    en="The template file '{path}' is invalid: {reason}",
)
TEMPLATE_DIR_MISSING = Msg(
    "templates.dir_missing",
    da="Skabelonmappen '{path}' (indstillingen template_dir) findes ikke eller er ikke en mappe.",
    en="The template directory '{path}' (the template_dir setting) does not exist or is not a "
    "folder.",
)

_ID = re.compile(r"^[a-z0-9_]{1,40}$")
PROFESSIONAL_SECTION_IDS = frozenset({"faglig_vurdering"})
_PROFESSIONAL_TITLES = frozenset({"faglig vurdering", "professional assessment"})
_TEMPLATE_KEYS = {"id", "title_da", "title_en", "sections"}
_SECTION_KEYS = {
    "id", "title_da", "title_en", "professional_only", "prompt_da", "fill", "fallback", "cues",
    "avoid",
}  # fmt: skip


@dataclass(frozen=True)
class SectionSpec(TemplateSection):
    """A template section with the hints the structured drafter uses to fill it."""

    fill: str = "plain"
    fallback: bool = False
    cues: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()


def is_professional_section(section: TemplateSection) -> bool:
    """The professional's own section: marked so, or by its id or title, whatever else it says."""
    titles = {" ".join(t.split()).casefold() for t in (section.title_da, section.title_en)}
    return (
        section.professional_only
        or section.section_id in PROFESSIONAL_SECTION_IDS
        or bool(titles & _PROFESSIONAL_TITLES)
    )


@dataclass(frozen=True)
class TemplateInfo:
    template: Template
    origin: str  # "builtin" or "admin"
    path: Path


def configured_template_dir(env: Mapping[str, str] | None = None) -> Path | None:
    """The municipality's template folder (the `template_dir` setting), None for none."""
    from assist.settings import load_settings

    return load_settings(env).path("template_dir")


def configured_default_template(env: Mapping[str, str] | None = None) -> str:
    """The template for a note whose case names none (the `default_template` setting)."""
    from assist.settings import load_settings

    return load_settings(env).text("default_template") or DEFAULT_TEMPLATE


def load_template_infos(extra_dir: Path | None = None) -> dict[str, TemplateInfo]:
    """Built-in templates, then the administrator's (which replace built-ins of the same id)."""
    found: dict[str, TemplateInfo] = {}
    for path in sorted(BUILTIN_DIR.glob("*.toml")):
        found[path.stem] = TemplateInfo(parse_template_file(path), "builtin", path)
    if extra_dir is not None:
        if not extra_dir.is_dir():
            raise AssistError(TEMPLATE_DIR_MISSING, path=str(extra_dir))
        for path in sorted(extra_dir.glob("*.toml")):
            found[path.stem] = TemplateInfo(parse_template_file(path), "admin", path)
    return found


def load_templates(extra_dir: Path | None = None) -> dict[str, Template]:
    return {tid: info.template for tid, info in load_template_infos(extra_dir).items()}


def get_template(template_id: str, extra_dir: Path | None = None) -> Template:
    templates = load_templates(extra_dir)
    if template_id not in templates:
        raise AssistError(UNKNOWN_TEMPLATE, template_id=template_id, known=", ".join(templates))
    return templates[template_id]


def parse_template_file(path: Path) -> Template:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise AssistError(INVALID_TEMPLATE, path=str(path), reason=f"TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise AssistError(INVALID_TEMPLATE, path=str(path), reason=type(error).__name__) from None
    try:
        template = template_from_dict(data)
    except ValueError as error:
        raise AssistError(INVALID_TEMPLATE, path=str(path), reason=str(error)) from None
    if template.template_id != path.stem:
        reason = f"id '{template.template_id}' skal være det samme som filnavnet '{path.stem}'"
        raise AssistError(INVALID_TEMPLATE, path=str(path), reason=reason)
    return template


def template_from_dict(data: Mapping[str, Any]) -> Template:
    """Validate a parsed template; ValueError says (in Danish and English) what is wrong."""
    unknown = set(data) - _TEMPLATE_KEYS
    if unknown:
        raise ValueError(f"ukendte felter / unknown keys: {', '.join(sorted(unknown))}")
    template_id = _text(data, "id")
    if not _ID.match(template_id):
        raise ValueError(f"id '{template_id}': kun a-z, 0-9 og _ / only a-z, 0-9 and _")
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise ValueError("mindst ét [[sections]] kræves / at least one [[sections]] is required")
    sections = tuple(_section(raw, index) for index, raw in enumerate(raw_sections, start=1))
    ids = [s.section_id for s in sections]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"afsnit med samme id / duplicate section ids: {', '.join(duplicates)}")
    fallbacks = [s for s in sections if isinstance(s, SectionSpec) and s.fallback]
    if len(fallbacks) > 1:
        raise ValueError("højst ét afsnit må have fallback = true / at most one fallback section")
    if all(s.professional_only for s in sections):
        raise ValueError("mindst ét afsnit skal kunne udfyldes / no section can be drafted")
    return Template(
        template_id=template_id,
        title_da=_text(data, "title_da"),
        title_en=_text(data, "title_en"),
        sections=sections,
    )


def _section(raw: object, index: int) -> SectionSpec:
    where = f"afsnit {index} / section {index}"
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: skal være en tabel / must be a table")
    unknown = set(raw) - _SECTION_KEYS
    if unknown:
        raise ValueError(f"{where}: ukendte felter / unknown keys: {', '.join(sorted(unknown))}")
    try:
        section_id = _text(raw, "id")
        if not _ID.match(section_id):
            raise ValueError(f"id '{section_id}': kun a-z, 0-9 og _ / only a-z, 0-9 and _")
        professional_only = _flag(raw, "professional_only")
        title_da, title_en = _text(raw, "title_da"), _text(raw, "title_en")
        named = TemplateSection(section_id, title_da, title_en)
        if is_professional_section(named) and not professional_only:
            raise ValueError(
                f"'{section_id}' ({title_da}) er fagpersonens egen vurdering og skal have "
                "professional_only = true; en maskine udfylder den aldrig / is the "
                "professional's own assessment and must have professional_only = true; no "
                "machine ever fills it"
            )
        prompt_da = _text(raw, "prompt_da", required=professional_only)
        fill = _text(raw, "fill", required=False) or "plain"
        if fill not in FILL_KINDS:
            raise ValueError(f"fill '{fill}': brug / use {', '.join(FILL_KINDS)}")
        cues = _phrases(raw, "cues")
        for cue in cues:
            if cue.startswith("@") and cue not in SPECIAL_CUES:
                raise ValueError(f"ukendt cue / unknown cue '{cue}' ({', '.join(SPECIAL_CUES)})")
        return SectionSpec(
            section_id=section_id,
            title_da=title_da,
            title_en=title_en,
            professional_only=professional_only,
            prompt_da=prompt_da,
            fill=fill,
            fallback=_flag(raw, "fallback"),
            cues=cues,
            avoid=_phrases(raw, "avoid"),
        )
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def _text(data: Mapping[str, Any], key: str, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise ValueError(f"'{key}' skal være tekst / must be text")
    if required and not value.strip():
        raise ValueError(f"'{key}' mangler / is missing")
    return value.strip()


def _flag(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"'{key}' skal være true eller false / must be true or false")
    return value


def _phrases(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"'{key}' skal være en liste af tekster / must be a list of texts")
    return tuple(v.strip().lower() for v in value)
