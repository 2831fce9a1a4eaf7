"""Sample drafts and notes shared by the tests/test_signoff_*.py and tests/test_export_*.py files.

No tests live here. The draft mimics what the LLM drafter yields for a follow-up conversation:
three generated sections, one flagged sentence per kind, and an empty "Faglig vurdering".
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from assist.drafting.types import (
    Draft,
    DraftSection,
    DraftSentence,
    Flag,
    Template,
    TemplateSection,
)
from assist.signoff import CaseMeta, NoteToSign, note_from_draft

SIGNER = "Anne Marie Hansen"
# 10:15 Danish winter time is 09:15 UTC.
SIGNED_AT = datetime(2026, 11, 28, 10, 15, 42, 123456, tzinfo=timezone(timedelta(hours=1)))

PRACTICE_SENTENCE = "Hun har været i praktik 3 dage om ugen."
FULL_TIME_SENTENCE = "Hun ønsker ikke at starte på fuld tid endnu."
MEETING_SENTENCE = "Næste møde holdes den 12. december 2026."

TEMPLATE = Template(
    "opfoelgning",
    "Opfølgningsnotat",
    "Follow-up note",
    (
        TemplateSection("formaal", "Formål med samtalen", "Purpose"),
        TemplateSection("forloeb", "Samtalens forløb", "Course of the conversation"),
        TemplateSection("aftaler", "Aftaler", "Agreements"),
        TemplateSection(
            "vurdering", "Faglig vurdering", "Professional assessment", professional_only=True
        ),
    ),
)

CARE_TEMPLATE = Template(
    "plejenotat",
    "Plejenotat",
    "Care note",
    (TemplateSection("observation", "Observationer", "Observations"),),
)


def sample_draft(engine: str = "llm", model: str = "gemma-3-270m-q4km") -> Draft:
    return Draft(
        template_id="opfoelgning",
        engine=engine,
        model=model,
        model_sha256="ab" * 32 if engine == "llm" else "",
        sections=(
            DraftSection(
                "formaal",
                "Formål med samtalen",
                True,
                (DraftSentence("Opfølgning på borgerens forløb i jobcentret.", (0,)),),
            ),
            DraftSection(
                "forloeb",
                "Samtalens forløb",
                True,
                (
                    DraftSentence("Borgeren har haft det bedre siden sidste møde.", (1, 2)),
                    DraftSentence(
                        PRACTICE_SENTENCE, (3,), (Flag("f1", "unsupported_number", "3"),)
                    ),
                    DraftSentence(FULL_TIME_SENTENCE, (4,), (Flag("f2", "negation_mismatch"),)),
                ),
            ),
            DraftSection(
                "aftaler",
                "Aftaler",
                True,
                (DraftSentence(MEETING_SENTENCE, (5,), (Flag("f3", "unsupported_date"),)),),
            ),
            DraftSection("vurdering", "Faglig vurdering", False, ()),
        ),
    )


def sample_meta(template_id: str = "opfoelgning", title: str = "Opfølgningsnotat") -> CaseMeta:
    return CaseMeta(
        template_id=template_id,
        note_title=title,
        meeting_date=date(2026, 11, 27),
        case_reference="SAG-2026-04711",
        participants=("Anne Marie Hansen (sagsbehandler)", "Borgeren", "Bisidder"),
        transcript_model="whisper-base-ct2",
    )


def sample_note(engine: str = "llm") -> NoteToSign:
    """The draft as proposed plus the caseworker's assessment; flags f1..f3 still stand."""
    note = note_from_draft(sample_draft(engine), sample_meta(), TEMPLATE)
    return note.with_section_text(
        "vurdering", "Borgeren er i positiv udvikling. Praktikken bør fortsætte."
    )
