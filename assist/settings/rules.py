"""What the settings decide, as the core's own values and refusals: the retention policy, who
signs, whether a model may be used or imported, whether the LLM may draft, whether typed notes
need consent, and the audit event for the policy in force."""

from __future__ import annotations

import getpass
import os
import sys
from typing import TYPE_CHECKING

from assist.errors import EXIT_USAGE, AssistError, Msg
from assist.settings.effective import Settings

if TYPE_CHECKING:
    from assist.store.cases import CaseStore
    from assist.store.retention import RetentionPolicy

MODEL_NOT_ALLOWED = Msg(
    "settings.model_not_allowed",
    da="Modellen '{model_id}' er ikke på IT's liste over tilladte modeller ({origin}). Vælg en "
    "tilladt model, eller bed IT om at tilføje dens SHA-256 ({sha256}).",
    en="The model '{model_id}' is not on IT's list of allowed models ({origin}). Choose an "
    "allowed model, or ask IT to add its SHA-256 ({sha256}).",
)
IMPORT_NOT_ALLOWED = Msg(
    "settings.import_not_allowed",
    da="IT-politikken tillader ikke, at brugere importerer modeller ({origin}). Bed IT om at "
    "installere modellen.",
    en="IT policy does not let users import models ({origin}). Ask IT to install the model.",
)
LLM_NOT_ALLOWED = Msg(
    "settings.llm_not_allowed",
    da="IT-politikken tillader ikke udkast med sprogmodel ({origin}). Brug '--engine structured' "
    "(udkast alene af sætninger fra udskriften).",
    en="IT policy does not allow drafting with a language model ({origin}). Use '--engine "
    "structured' (drafts made of transcript sentences only).",
)
LLM_NOT_ALLOWED_NOTE = Msg(
    "settings.llm_not_allowed_note",
    da="Udkastet er lavet ved struktureret udtræk: IT-politikken tillader ikke sprogmodellen.",
    en="The draft was made by structured extraction: IT policy does not allow the language model.",
)
TYPED_NOTES_NEED_CONSENT = Msg(
    "settings.typed_notes_need_consent",
    da="IT-politikken kræver samtykke fra borgeren, også for skrevne noter ({origin}). "
    "Registrér samtykket først: assist case consent {case_id} --given",
    en="IT policy requires the citizen's consent for typed notes too ({origin}). Record the "
    "consent first: assist case consent {case_id} --given",
    exit_code=EXIT_USAGE,
)
SIGNER_FIXED = Msg(
    "settings.signer_fixed",
    da="Navnet ved underskrift er fastsat af IT ('{fixed}'); '{typed}' kan ikke bruges.",
    en="The name at signing is set by IT ('{fixed}'); '{typed}' cannot be used.",
    exit_code=EXIT_USAGE,
)
SIGNER_FIXED_MISSING = Msg(
    "settings.signer_fixed_missing",
    da="IT-politikken siger, at navnet ved underskrift er fast, men intet navn er sat "
    "(signer_name). Kontakt IT.",
    en="IT policy says the name at signing is fixed, but no name is set (signer_name). "
    "Contact IT.",
)
SIGNER_OS_MISSING = Msg(
    "settings.signer_os_missing",
    da="Navnet ved underskrift skal komme fra systemet, men din brugerkonto har intet fulde "
    "navn. Bed IT om at sætte det.",
    en="The name at signing must come from the system, but your user account has no full name. "
    "Ask IT to set it.",
)
SIGNER_OS_DIFFERS = Msg(
    "settings.signer_os_differs",
    da="Navnet ved underskrift er dit navn i systemet ('{os_name}'); '{typed}' kan ikke bruges.",
    en="The name at signing is your name in the system ('{os_name}'); '{typed}' cannot be used.",
    exit_code=EXIT_USAGE,
)
SIGNER_MISSING = Msg(
    "settings.signer_missing",
    da="Skriv dit fulde navn for at underskrive (--signer \"Fornavn Efternavn\").",
    en="Type your full name to sign (--signer \"First Last\").",
    exit_code=EXIT_USAGE,
)


def retention_policy(settings: Settings) -> RetentionPolicy:
    from assist.store.retention import RetentionPolicy

    keys = ("audio_review_days", "unsigned_case_days", "exported_case_days")
    sources = {settings[key].source for key in keys}
    source = "policy" if "policy" in sources else ("machine" if "machine" in sources else "default")
    return RetentionPolicy(
        audio_review_days=settings.number("audio_review_days"),
        unsigned_case_days=settings.number("unsigned_case_days"),
        exported_case_days=settings.number("exported_case_days"),
        source=source,
    )


def configured_retention() -> RetentionPolicy:
    """The retention policy the settings in force give (IT policy, machine defaults, defaults)."""
    from assist.settings.effective import load_settings

    return retention_policy(load_settings())


def require_model_allowed(settings: Settings, model_id: str, sha256: str) -> None:
    allowed = settings.items("allowed_models")
    if allowed is not None and sha256.lower() not in allowed:
        origin = settings["allowed_models"].origin
        raise AssistError(MODEL_NOT_ALLOWED, model_id=model_id, origin=origin, sha256=sha256)


def require_import_allowed(settings: Settings) -> None:
    if not settings.flag("allow_model_import"):
        raise AssistError(IMPORT_NOT_ALLOWED, origin=settings["allow_model_import"].origin)


def require_typed_notes_allowed(settings: Settings, case_id: str, consent_status: str) -> None:
    if consent_status != "given" and not settings.flag("typed_notes_without_consent"):
        origin = settings["typed_notes_without_consent"].origin
        raise AssistError(TYPED_NOTES_NEED_CONSENT, case_id=case_id, origin=origin)


def signer_name(settings: Settings, typed: str | None, *, os_name: str | None = None) -> str:
    """The name that signs: typed, the OS account's full name, or IT's fixed name, as
    `signer_name_source` says. A typed name that contradicts a fixed or OS name is refused
    rather than silently replaced: the person signing must see whose name goes on the note."""
    source = settings.text("signer_name_source")
    typed = (typed or "").strip()
    if source == "fixed":
        fixed = settings.text("signer_name")
        if not fixed:
            raise AssistError(SIGNER_FIXED_MISSING)
        if typed and typed != fixed:
            raise AssistError(SIGNER_FIXED, fixed=fixed, typed=typed)
        return fixed
    if source == "os_user":
        found = os_display_name() if os_name is None else os_name
        if not found:
            raise AssistError(SIGNER_OS_MISSING)
        if typed and typed != found:
            raise AssistError(SIGNER_OS_DIFFERS, os_name=found, typed=typed)
        return found
    if not typed:
        raise AssistError(SIGNER_MISSING)
    return typed


def os_display_name() -> str:
    """The signed-in account's full name ("" if the system has none)."""
    if sys.platform == "win32":
        import ctypes

        size = ctypes.c_ulong(0)
        secur32 = ctypes.WinDLL("secur32")
        name_display = 3  # EXTENDED_NAME_FORMAT.NameDisplay
        secur32.GetUserNameExW(name_display, None, ctypes.byref(size))
        if size.value == 0:
            return ""
        buffer = ctypes.create_unicode_buffer(size.value)
        if not secur32.GetUserNameExW(name_display, buffer, ctypes.byref(size)):
            return ""
        return buffer.value.strip()
    import pwd

    try:
        gecos = pwd.getpwuid(os.getuid()).pw_gecos
    except KeyError:
        return ""
    full = gecos.split(",")[0].strip()
    return full if full and full != getpass.getuser() else ""


def audit_policy(store: CaseStore, settings: Settings) -> bool:
    """Append a `settings_policy` event when the policy in force differs from the last one
    audited (its hash and how many settings it sets; never its values). True if appended."""
    digest = settings.policy_sha256()
    last = store.last_audit_event("settings_policy")
    if last is not None and last.payload.get("sha256") == digest:
        return False
    store.record_event(
        "settings_policy",
        None,
        sha256=digest,
        settings=settings.policy_count(),
        problems=len(settings.problems),
    )
    return True
