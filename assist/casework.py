"""A case's note from draft to export: the case store joined with sign-off, for CLI and app.

    current = load_case_note(store, case_id)          # the note as the caseworker sees it now
    sections = load_note_sources(store, case_id)      # each draft sentence: segments, flags
    current = edit_note_text(store, case_id, text)    # a whole edited text (SIGN's editable form)
    current = edit_section(store, case_id, "faglig_vurdering", "...")
    outcome = sign_case(store, case_id, "Anne Hansen", {"f1"})   # then retention runs
    files = export_case(store, case_id, docx_path=Path("notat.docx"), txt_path=None)

What the store keeps and how the note is rebuilt from it:
- The draft row holds the machine draft (`Draft.to_dict()`) and the caseworker's working text in
  SIGN's editable format. The note's facts (`CaseMeta`) are not stored with the draft: they come
  from the case (title as case reference, participants, date of the first recording or of the
  case) and the transcript's model (id and hash, sealed with the transcript:
  `store.transcript_model`), so a fix to the case shows in the note until it is signed.
- A signed version is SIGN's record (`signed_note_to_dict`) plus `transcript_model_sha256`, and
  keeps its own facts. Editing after signing starts a new version (`start_new_version`); the draft
  JSON then carries `WORKING_VERSION_KEY` = the version being written, which autosave keeps.
- The draft model's hash is read from the draft JSON, or else from the case's "drafted" audit
  event (`save_draft(..., model_sha256=...)` audits it but does not put it in the JSON).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Set
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from assist.drafting.types import Draft, Template
from assist.errors import EXIT_USAGE, AssistError, Msg
from assist.fsutil import atomic_write_text
from assist.signoff import (
    CaseMeta,
    NoteToSign,
    SignedNote,
    from_editable_text,
    note_from_draft,
    resolve_flags,
    sign_note,
    signed_note_from_dict,
    signed_note_to_dict,
    start_new_version,
    to_editable_text,
)
from assist.signoff.docx_export import EXPORT_UNWRITABLE, render_docx
from assist.signoff.sign import NOT_SIGNED
from assist.signoff.sources import FlagView as FlagView  # re-exported: CaseNote.flags holds them
from assist.signoff.sources import SectionSources, flag_views, note_sources
from assist.signoff.txt_export import render_txt
from assist.store.cases import CaseStore
from assist.store.retention import RetentionPolicy, RetentionReport, apply_retention
from assist.store.values import CaseInfo

WORKING_VERSION_KEY = "assist_working_version"

NO_DRAFT = Msg(
    "casework.no_draft",
    da="Sagen '{case_id}' har intet udkast endnu. Lav et med 'assist draft --case {case_id}'.",
    en="The case '{case_id}' has no draft yet. Make one with 'assist draft --case {case_id}'.",
)
DRAFT_UNREADABLE = Msg(
    "casework.draft_unreadable",
    da="Det gemte udkast i sagen '{case_id}' kan ikke læses ({reason}). Lav et nyt udkast.",
    en="The stored draft of the case '{case_id}' cannot be read ({reason}). Make a new draft.",
)
ALREADY_SIGNED = Msg(
    "casework.already_signed",
    da="Notatet er allerede underskrevet (version {version}). Vil du rette det, så start en ny "
    "version med 'assist note edit {case_id} --new-version ...'.",
    en="The note is already signed (version {version}). To correct it, start a new version "
    "with 'assist note edit {case_id} --new-version ...'.",
)
HEADING_IN_TEXT = Msg(
    "casework.heading_in_text",
    da="Teksten til afsnittet '{section_id}' indeholder en linje, der ligner en "
    "afsnitsoverskrift ('## ... [#...]'). Skriv linjen om.",
    en="The text for the section '{section_id}' contains a line that looks like a section "
    "heading ('## ... [#...]'). Rephrase that line.",
)
AUTOSAVE_SIGNED = Msg(
    "casework.autosave_signed",
    da="Teksten er ikke gemt: notatet i sagen '{case_id}' er underskrevet (status: {state}, "
    "version {version}) og kan ikke ændres. Start en ny version for at rette det.",
    en="The text was not saved: the note of the case '{case_id}' is signed (state: {state}, "
    "version {version}) and cannot change. Start a new version to correct it.",
)
SAME_EXPORT_PATH = Msg(
    "casework.same_export_path",
    da="DOCX og TXT kan ikke gemmes i den samme fil '{path}'.",
    en="DOCX and TXT cannot be saved to the same file '{path}'.",
    exit_code=EXIT_USAGE,
)
NOTHING_TO_EXPORT = Msg(
    "casework.nothing_to_export",
    da="Angiv hvor notatet skal gemmes: --docx FIL og/eller --txt FIL.",
    en="Say where to save the note: --docx FILE and/or --txt FILE.",
    exit_code=EXIT_USAGE,
)


@dataclass(frozen=True)
class CaseNote:
    case: CaseInfo
    note: NoteToSign  # the working note, or the latest signed version's text when not editing
    editing: bool  # False: the latest version is signed and no new version was started
    signed: SignedNote | None  # the latest signed version
    revision: int  # the draft row's revision (0 if only a signed note exists)
    transcript_model_sha256: str
    flags: tuple[FlagView, ...]

    @property
    def case_id(self) -> str:
        return self.case.case_id

    @property
    def version(self) -> int:
        return self.note.version if self.editing or self.signed is None else self.signed.version

    @property
    def open_flags(self) -> tuple[FlagView, ...]:
        return tuple(f for f in self.flags if f.resolution == "open")

    @property
    def text(self) -> str:
        return to_editable_text(self.note)


@dataclass(frozen=True)
class SignOutcome:
    signed: SignedNote
    version: int
    retention: RetentionReport | None  # None if the retention run failed (`retention_error`)
    retention_error: AssistError | None = None


@dataclass(frozen=True)
class ExportedFile:
    export_format: Literal["docx", "txt"]
    path: Path
    sha256: str


# ---- reading ------------------------------------------------------------------------------------


def load_case_note(store: CaseStore, case_id: str, template_dir: Path | None = None) -> CaseNote:
    """The note of a case as it stands (AssistError "casework.no_draft" if there is none)."""
    case = store.get_case(case_id)
    stored = store.load_draft(case_id)
    record = store.load_signed_note(case_id)
    signed = signed_note_from_dict(record.note) if record is not None else None
    if stored is None and signed is None:
        raise AssistError(NO_DRAFT, case_id=case_id)
    working = int(stored.draft.get(WORKING_VERSION_KEY, 1)) if stored is not None else 0
    editing = signed is None or working > signed.version
    if record is not None and signed is not None:
        # A signed version keeps its own facts; a new version carries them forward.
        base = start_new_version(signed)
        transcript_sha = str(record.note.get("transcript_model_sha256", ""))
    else:
        assert stored is not None
        transcript_model, transcript_sha = _transcript_model(store, case_id)
        draft = _draft_of(store, case_id, stored.draft)
        template = _template_or_none(draft.template_id, template_dir)
        meta = case_meta(case, draft, template, transcript_model)
        base = note_from_draft(draft, meta, template)
    note = base
    if editing and stored is not None and stored.text.strip():
        note = from_editable_text(base, stored.text)
    if editing:
        resolutions = resolve_flags(
            note.draft, note.sections, frozenset(), note.acknowledged_before
        )
    else:
        assert signed is not None
        resolutions = signed.flag_resolutions
    return CaseNote(
        case=case,
        note=note,
        editing=editing,
        signed=signed,
        revision=stored.revision if stored is not None else 0,
        transcript_model_sha256=transcript_sha,
        flags=flag_views(note.draft, resolutions),
    )


def load_note_sources(
    store: CaseStore, case_id: str, current: CaseNote | None = None
) -> tuple[SectionSources, ...]:
    """Per section, the draft's sentences with the transcript segments they rest on (id, times,
    text; only the id once the transcript is gone) and their flags. Pass `current` if loaded."""
    current = current if current is not None else load_case_note(store, case_id)
    return note_sources(current.note, current.flags, store.load_transcript(case_id))


def case_meta(
    case: CaseInfo, draft: Draft, template: Template | None, transcript_model: str
) -> CaseMeta:
    """The facts printed in (and hashed with) the note, taken from the case."""
    return CaseMeta(
        template_id=draft.template_id,
        note_title=template.title_da if template is not None else draft.template_id,
        meeting_date=meeting_date(case),
        case_reference=case.title,
        participants=case.participants,
        transcript_model=transcript_model,
    )


def meeting_date(case: CaseInfo) -> date:
    """The local date of the first recording, or of the case's creation without one."""
    starts = sorted(r.started_at for r in case.recordings if r.started_at)
    stamp = starts[0] if starts else case.created_at
    return datetime.fromisoformat(stamp).astimezone().date()


def _transcript_model(store: CaseStore, case_id: str) -> tuple[str, str]:
    # Kept with the transcript in the sealed store (live segments included); not the audit trail.
    return store.transcript_model(case_id)


def _draft_of(store: CaseStore, case_id: str, data: dict[str, Any]) -> Draft:
    try:
        draft = Draft.from_dict(data)
    except (KeyError, TypeError, ValueError) as error:
        raise AssistError(DRAFT_UNREADABLE, case_id=case_id, reason=type(error).__name__) from None
    if draft.model_sha256 or draft.model in ("", "none"):
        return draft
    audited = ""
    for event in store.audit_events(case_id):
        if event.event == "drafted" and event.payload.get("model") == draft.model:
            audited = str(event.payload.get("model_sha256", ""))
    return replace(draft, model_sha256=audited)


def _template_or_none(template_id: str, template_dir: Path | None) -> Template | None:
    from assist.drafting.templates import configured_template_dir, get_template

    try:
        return get_template(template_id, template_dir or configured_template_dir())
    except AssistError:
        # A template removed since drafting: the note still works, professional-only sections
        # are then the ones the drafter left empty on purpose.
        return None


# ---- the first draft ---------------------------------------------------------------------------


def save_generated_draft(
    store: CaseStore, case_id: str, draft: Draft, template_dir: Path | None = None
) -> CaseNote:
    """Store a drafter's (verified) draft as the case's working note, audited as "drafted".

    What `assist draft --case` and the app call: `store.save_draft(case_id, draft.to_dict(),
    to_editable_text(note), generated=True, model_sha256=draft.model_sha256)` with the note
    built from the case's facts (the JSON carries the model hash). Refused once the note is signed.
    """
    record = store.load_signed_note(case_id)
    if record is not None:
        raise AssistError(ALREADY_SIGNED, version=record.version, case_id=case_id)
    case = store.get_case(case_id)
    transcript_model, _ = _transcript_model(store, case_id)
    template = _template_or_none(draft.template_id, template_dir)
    note = note_from_draft(draft, case_meta(case, draft, template, transcript_model), template)
    store.save_draft(
        case_id,
        draft.to_dict(),
        to_editable_text(note),
        generated=True,
        model_sha256=draft.model_sha256,
    )
    return load_case_note(store, case_id, template_dir)


# ---- editing ------------------------------------------------------------------------------------


def edit_note_text(
    store: CaseStore, case_id: str, text: str, *, new_version: bool = False
) -> CaseNote:
    """Replace the working text with an edited editable-format text (validated by SIGN)."""
    current = _editable(store, case_id, new_version)
    edited = from_editable_text(current.note, text)
    return _save(store, current, edited)


def autosave_note_text(store: CaseStore, case_id: str, text: str) -> int:
    """What `DraftAutosaver` saves: the whole working text, checked like `edit_note_text`, so
    stored text always opens again. Refused on a signed note (AssistError
    "casework.autosave_signed", naming the state; the app then offers a new version) and on
    text SIGN does not accept (e.g. "signoff.edited_text_outside"). Before any draft exists
    the text is kept as it is (the draft replaces it). Returns the draft row's new revision."""
    stored = store.load_draft(case_id)
    if store.load_signed_note(case_id) is None and (stored is None or not stored.draft):
        return store.save_draft_text(case_id, text)
    current = load_case_note(store, case_id)
    if not current.editing:
        assert current.signed is not None
        state = store.get_case(case_id).state
        raise AssistError(
            AUTOSAVE_SIGNED, case_id=case_id, state=state, version=current.signed.version
        )
    edited = from_editable_text(current.note, text)
    return store.save_draft_text(case_id, to_editable_text(edited))


def edit_section(
    store: CaseStore, case_id: str, section_id: str, text: str, *, new_version: bool = False
) -> CaseNote:
    """Replace one section's text (e.g. the professional assessment)."""
    current = _editable(store, case_id, new_version)
    edited = current.note.with_section_text(section_id, text)
    try:
        # A line in the text that reads as a section marker would split the note on reload.
        from_editable_text(current.note, to_editable_text(edited))
    except AssistError:
        raise AssistError(HEADING_IN_TEXT, section_id=section_id) from None
    return _save(store, current, edited)


def _editable(store: CaseStore, case_id: str, new_version: bool) -> CaseNote:
    current = load_case_note(store, case_id)
    if current.editing:
        return current  # a new version already in progress needs no --new-version
    assert current.signed is not None
    if not new_version:
        raise AssistError(ALREADY_SIGNED, version=current.signed.version, case_id=case_id)
    return replace(current, editing=True, note=start_new_version(current.signed))


def _save(store: CaseStore, current: CaseNote, edited: NoteToSign) -> CaseNote:
    case_id = current.case_id
    stored = store.load_draft(case_id)
    draft_json: dict[str, Any] = dict(stored.draft) if stored is not None else {}
    if not draft_json and edited.draft is not None:
        draft_json = edited.draft.to_dict()  # the draft row was gone: keep the reference draft
    if current.signed is not None:
        draft_json[WORKING_VERSION_KEY] = edited.version
    store.save_draft(case_id, draft_json, to_editable_text(edited))
    return load_case_note(store, case_id)


# ---- signing ------------------------------------------------------------------------------------


def sign_case(
    store: CaseStore,
    case_id: str,
    signer: str,
    acknowledged: Set[str] | Literal["all"],
    *,
    allow_empty_assessment: bool = False,
    now: datetime | None = None,
    policy: RetentionPolicy | None = None,
) -> SignOutcome:
    """Sign the working note, store it as the next version, then apply the retention policy
    (by default the audio goes as soon as the note is signed). `signer` is the typed name; the
    `signer_name_source` setting may fix it instead (then "" is fine, and another is refused)."""
    from assist.settings import load_settings
    from assist.settings.rules import configured_retention, signer_name

    signer = signer_name(load_settings(), signer)
    current = load_case_note(store, case_id)
    if not current.editing:
        assert current.signed is not None
        raise AssistError(ALREADY_SIGNED, version=current.signed.version, case_id=case_id)
    signed = sign_note(
        current.note,
        signer,
        acknowledged,
        now or datetime.fromisoformat(store.now()).astimezone(),
        allow_empty_assessment=allow_empty_assessment,
    )
    record = {
        **signed_note_to_dict(signed),
        "transcript_model_sha256": current.transcript_model_sha256,
    }
    version = store.save_signed_note(case_id, record, render_txt(signed), signer=signed.signer)
    try:
        report = apply_retention(store, policy or configured_retention())
    except AssistError as error:
        # The note is signed and stored; a failed clean-up must not read as a failed signing.
        # The next retention run (start-up, `assist retention run`) deletes what is due.
        return SignOutcome(signed, version, None, error)
    return SignOutcome(signed, version, report)


# ---- export -------------------------------------------------------------------------------------


def latest_signed(store: CaseStore, case_id: str) -> SignedNote:
    """The latest signed version, checked against its hash; AssistError if there is none."""
    record = store.load_signed_note(case_id)
    if record is None:
        raise AssistError(NOT_SIGNED)
    return signed_note_from_dict(record.note)


def export_case(
    store: CaseStore,
    case_id: str,
    *,
    docx_path: Path | None = None,
    txt_path: Path | None = None,
    letterhead: Path | None = None,
) -> list[ExportedFile]:
    """Write the latest signed version as DOCX and/or TXT (each file whole or not at all) and
    mark the case exported once per file."""
    if docx_path is None and txt_path is None:
        raise AssistError(NOTHING_TO_EXPORT)
    if docx_path and txt_path and os.path.abspath(docx_path) == os.path.abspath(txt_path):
        raise AssistError(SAME_EXPORT_PATH, path=str(docx_path))
    signed = latest_signed(store, case_id)
    for target in (docx_path, txt_path):
        if target is not None:
            _check_writable(target)
    written: list[ExportedFile] = []
    if docx_path is not None:
        render_docx(signed, docx_path, letterhead)
        written.append(ExportedFile("docx", docx_path, _file_sha256(docx_path)))
        store.mark_exported(case_id, export_format="docx", sha256=written[-1].sha256)
    if txt_path is not None:
        text = render_txt(signed)
        try:
            atomic_write_text(txt_path, text)
        except OSError:
            raise AssistError(EXPORT_UNWRITABLE, path=str(txt_path)) from None
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        written.append(ExportedFile("txt", txt_path, digest))
        store.mark_exported(case_id, export_format="txt", sha256=digest)
    return written


def _check_writable(path: Path) -> None:
    """Refuse before anything is written: a missing folder, a folder as target, no rights."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise AssistError(EXPORT_UNWRITABLE, path=str(path))


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
