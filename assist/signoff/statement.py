"""The Danish wording every export shares: dates, the signature block and the AI statement.

The AI statement is truthful about what produced the first draft:
- engine "llm": a local AI language model (named, with its hash prefix) wrote the first draft;
- engine "structured": a rule-based local tool in Assist assembled it (no language model);
- no machine text at all: the note was written without an AI draft.
The statement says the signer reviewed, corrected and approved the text (or reviewed and approved
it unchanged, when the edit ratio is 0: "corrected" would not be true), and names
the speech recognition model when the draft was based on a recording (that is AI too).
"""

from __future__ import annotations

from datetime import date, datetime

from assist.drafting.meeting_notes import NOTE_LABEL
from assist.signoff.sign import SignedNote

_MONTHS_DA = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip

EMPTY_PROFESSIONAL_DA = "[Ingen faglig vurdering anført. Sagsbehandleren har bekræftet dette.]"
EMPTY_SECTION_DA = "[Intet anført]"


def danish_date(day: date) -> str:
    return f"{day.day}. {_MONTHS_DA[day.month - 1]} {day.year}"


def danish_time(iso: str) -> str:
    """'2026-11-28T10:15:00+01:00' -> '28. november 2026 kl. 10.15 (UTC+01:00)'."""
    moment = datetime.fromisoformat(iso)
    offset = moment.strftime("%z")
    zone = "UTC" if offset in ("", "+0000") else f"UTC{offset[:3]}:{offset[3:]}"
    return f"{danish_date(moment.date())} kl. {moment:%H.%M} ({zone})"


def meta_lines(signed: SignedNote) -> list[tuple[str, str]]:
    meta = signed.meta
    lines = [
        ("Notattype", meta.note_title),
        ("Dato", danish_date(meta.meeting_date)),
        ("Sagsreference", meta.case_reference or "(ikke angivet)"),
        ("Deltagere", ", ".join(meta.participants) or "(ikke angivet)"),
        ("Version", str(signed.version)),
    ]
    return lines


def signature_lines(signed: SignedNote) -> list[tuple[str, str]]:
    lines = [
        ("Godkendt og underskrevet af", signed.signer),
        ("Tidspunkt", danish_time(signed.signed_at_local)),
        ("Tidspunkt (UTC)", signed.signed_at),
    ]
    if signed.supersedes:
        lines.append(("Erstatter version med SHA-256", signed.supersedes))
    lines.append(("Tekstens SHA-256", signed.text_sha256))
    return lines


HASH_EXPLANATION_DA = (
    "Kontrolsummen (SHA-256) er beregnet af notattype, dato, sagsreference, deltagere og alle "
    "afsnit, som de blev godkendt. Ændres teksten bagefter, passer kontrolsummen ikke længere."
)


def ai_statement(signed: SignedNote) -> str:
    source = _source_phrase(signed.meta.transcript_model)
    source += _notes_phrase(signed, after=source)
    percent = round(signed.edit_ratio * 100)
    if not signed.ai_drafted:
        return (
            f"Notatet er skrevet af {signed.signer} uden et udkast fra AI eller andre "
            "automatiske værktøjer. Ingen tekst i notatet er maskinskrevet."
        )
    if signed.engine == "llm":
        model = signed.model + (
            f", SHA-256 {signed.model_sha256[:12]}…" if signed.model_sha256 else ""
        )
        made = f"Første udkast blev skrevet af en lokal AI-sprogmodel ({model}) på computeren"
    elif signed.engine == "structured":
        made = (
            "Første udkast blev sat sammen af et regelbaseret lokalt værktøj i Assist "
            "(ingen AI-sprogmodel) på computeren"
        )
    else:
        made = f"Første udkast blev lavet af et lokalt værktøj i Assist ({signed.engine})"
    if signed.edit_ratio == 0.0:
        review = (
            f"{signed.signer} har gennemgået og godkendt teksten uden at rette i udkastet og står "
            "inde for indholdet."
        )
    else:
        review = (
            f"{signed.signer} har gennemgået, rettet og godkendt teksten og står inde for "
            f"indholdet. Sagsbehandleren ændrede ca. {max(percent, 1)} % af udkastets tekst."
        )
    return f"{made}{source}. {review}"


def _notes_phrase(signed: SignedNote, *, after: str) -> str:
    """Notes the caseworker typed during the meeting that the draft rests on: said apart, so no
    reader takes the caseworker's words for the citizen's."""
    draft = signed.ai_draft
    cited = draft is not None and any(
        sentence.notes for section in draft.sections for sentence in section.sentences
    )
    if not cited:
        return ""
    joined = " og" if after else ", ud fra"
    return (
        f"{joined} sagsbehandlerens egne notater skrevet under mødet (sætninger, der bygger på "
        f"dem, begynder med »{NOTE_LABEL.strip()}«)"
    )


def _source_phrase(transcript_model: str) -> str:
    if not transcript_model:
        return ""
    if transcript_model == "typed":
        return ", ud fra sagsbehandlerens egne stikord"
    return (
        ", ud fra en automatisk transskription af mødet lavet med lokal AI-talegenkendelse "
        f"({transcript_model})"
    )
