"""Sample drafts for the casework and sign/export tests, saved the way `assist draft --case` does.

The draft is a real structured draft of typed notes with one sentence planted the way a language
model might invent it ("fem børn" where the notes say three), verified by the real verifier, and
labelled as an LLM draft so that model ids and hashes travel all the way to the DOCX.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from assist.drafting.pipeline import build_draft
from assist.drafting.structured import StructuredDrafter
from assist.drafting.templates import get_template
from assist.drafting.types import Draft, DraftSentence
from assist.drafting.verify import verify_draft
from assist.jobs.events import run
from assist.signoff import CaseMeta, note_from_draft, to_editable_text
from assist.store import CaseStore
from assist.transcript import Transcript

NOTES = (
    "Borgeren fortalte at hun har tre børn og bor alene.\n\n"
    "Hun får 4.500 kr. om måneden i boligstøtte. Hendes cpr er 010203-1234.\n\n"
    "Vi aftalte et nyt møde den 3. marts kl. 10.\n\n"
    "Borgeren ønsker hjælp til at søge job."
)
INVENTED = "Hun har fem børn."
CPR_SENTENCE = "Hendes cpr er 010203-1234."
LLM_MODEL = "gemma-3-270m-q4km"
LLM_SHA = "ab" * 32
ASR_MODEL = "whisper-base-ct2"
ASR_SHA = "cd" * 32
ASSESSMENT = "Borgeren er motiveret; jobcentret bør støtte hende med et praktikforløb."


def sample_transcript(model: str = ASR_MODEL) -> Transcript:
    return replace(Transcript.from_typed_notes(NOTES), model=model)


def sample_draft(transcript: Transcript | None = None) -> Draft:
    """An "LLM" draft with flags: cpr (source and draft) and an unsupported number."""
    transcript = transcript or sample_transcript()
    draft = run(build_draft(StructuredDrafter(), transcript, get_template("journalnotat")))
    sections = []
    for section in draft.sections:
        if section.section_id == "situation":
            planted = DraftSentence(INVENTED, (0,))
            section = replace(section, sentences=(*section.sentences, planted))
        sections.append(section)
    llm_draft = replace(
        draft, sections=tuple(sections), engine="llm", model=LLM_MODEL, model_sha256=LLM_SHA
    )
    return verify_draft(llm_draft, transcript)


def flag_ids(draft: Draft, kind: str) -> list[str]:
    return [f.flag_id for f in draft.flags if f.kind == kind]


def save_draft_like_the_draft_command(store: CaseStore, case_id: str) -> Draft:
    """What the lead's `assist draft --case ID` does: transcript, then the draft and its text."""
    transcript = sample_transcript()
    store.save_transcript(case_id, transcript, model_sha256=ASR_SHA)
    draft = sample_draft(transcript)
    template = get_template(draft.template_id)
    meta = CaseMeta(draft.template_id, template.title_da, date.today(), "")
    note = note_from_draft(draft, meta, template)
    store.save_draft(
        case_id,
        draft.to_dict(),
        to_editable_text(note),
        generated=True,
        model_sha256=draft.model_sha256,
    )
    return draft
