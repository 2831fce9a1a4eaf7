"""A draft as readable text: Danish headings, [kilde: 1,2] markers (a meeting note the
caseworker typed: "notat:3") and flag markers."""

from __future__ import annotations

from assist.drafting.types import Draft, Flag, Template
from assist.errors import Language

FLAG_LABELS: dict[str, tuple[str, str]] = {
    "no_source": ("uden kilde i transskriptionen", "no source in the transcript"),
    "unsupported_number": ("tal findes ikke i kilden", "number not in the source"),
    "unsupported_date": ("dato findes ikke i kilden", "date not in the source"),
    "unsupported_time": ("klokkeslæt findes ikke i kilden", "time not in the source"),
    "unsupported_amount": ("beløb findes ikke i kilden", "amount not in the source"),
    "unsupported_name": ("navn findes ikke i kilden", "name not in the source"),
    "negation_mismatch": ("nægtelse afviger fra kilden", "negation differs from the source"),
    "cpr": ("indeholder et CPR-nummer", "contains a CPR number"),
    "uncertain_source": ("kilden er usikkert genkendt", "the source was recognised with doubt"),
    "uncertain_word": (
        "usikkert genkendt ord i kilden, tjek optagelsen",
        "word recognised with doubt, check the recording",
    ),
}


def flag_label(flag: Flag, lang: Language = "da") -> str:
    da, en = FLAG_LABELS.get(flag.kind, (flag.kind, flag.kind))
    label = en if lang == "en" else da
    return f"{label}: {flag.detail}" if flag.detail else label


def engine_line(draft: Draft, lang: Language = "da") -> str:
    if draft.engine == "structured":
        return (
            "Udkast lavet af: struktureret udtræk (ingen sprogmodel)"
            if lang == "da"
            else "Drafted by: structured extraction (no language model)"
        )
    return (
        f"Udkast lavet af: sprogmodel {draft.model}"
        if lang == "da"
        else f"Drafted by: language model {draft.model}"
    )


def render_text(draft: Draft, template: Template, lang: Language = "da") -> str:
    """The draft for reading in a terminal or a plain-text file."""
    prompts = {s.section_id: s.prompt_da for s in template.sections}
    title = template.title(lang)
    lines = [title, engine_line(draft, lang), ""]
    for section in draft.sections:
        lines.append(f"## {section.title}")
        if not section.generated and not section.sentences:
            prompt = prompts.get(section.section_id) or ""
            lines.append(f"[{prompt}]" if prompt else "[Udfyldes af sagsbehandleren]")
        elif not section.sentences:
            lines.append(
                "[Intet i kilden til dette afsnit]" if lang == "da" else "[Nothing in the source]"
            )
        for sentence in section.sentences:
            cited = [str(i) for i in sentence.sources] + [f"notat:{n}" for n in sentence.notes]
            sources = ",".join(cited) or "-"
            line = f"- {sentence.text} [kilde: {sources}]"
            for flag in sentence.flags:
                line += f" [!{flag.flag_id} {flag_label(flag, lang)}]"
            lines.append(line)
        lines.append("")
    flagged = len(draft.flags)
    if flagged:
        lines.append(
            f"{flagged} markering(er) skal ses af et menneske før underskrift."
            if lang == "da"
            else f"{flagged} flag(s) need a human look before signing."
        )
    return "\n".join(lines).rstrip() + "\n"
