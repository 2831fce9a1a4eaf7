"""Every setting Assist has, described once: the CLI, the desktop app, the policy templates in
`packaging/` and the README's policy list are all made from `SETTINGS`.

A setting's `scope` says where IT may set it: `machine` settings only in the machine policy
(HKLM, `/etc/assist/policy.json`), `user` settings in the machine or the user policy (HKCU).
`user_may_change` says whether `assist config set` (and the app's settings page) may change it;
`lockable` whether a policy value locks it. `fail_closed` is the value a security setting takes
when its policy value is malformed: a broken allow-list allows nothing instead of everything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from assist.errors import EXIT_USAGE, Language, Msg

SettingType = Literal["bool", "int", "text", "path", "enum", "list"]
Scope = Literal["machine", "user"]
# One setting's value once validated; `list` settings hold a tuple, "no list" is None.
Value = bool | int | str | tuple[str, ...] | None

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Setting:
    key: str  # also the registry value name and the policy.json key
    type: SettingType
    default: Value
    label_da: str
    label_en: str
    help_da: str
    help_en: str
    scope: Scope
    user_may_change: bool
    lockable: bool
    env: str | None = None  # the ASSIST_* variable that overrides it (development, tests)
    choices: tuple[str, ...] = ()  # enum values
    labels_da: tuple[str, ...] = ()  # enum value labels, in the order of `choices`
    labels_en: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    item_pattern: str | None = None  # list items must match (e.g. a SHA-256)
    fail_closed: Value = None
    security: bool = False

    def label(self, lang: Language) -> str:
        return self.label_en if lang == "en" else self.label_da

    def help(self, lang: Language) -> str:
        return self.help_en if lang == "en" else self.help_da


BAD_BOOL = Msg(
    "settings.bad_bool",
    da="'{key}' skal være sand eller falsk (1/0, true/false, ja/nej), ikke '{value}'.",
    en="'{key}' must be true or false (1/0, true/false, yes/no), not '{value}'.",
    exit_code=EXIT_USAGE,
)
BAD_INT = Msg(
    "settings.bad_int",
    da="'{key}' skal være et helt tal fra {minimum} til {maximum}, ikke '{value}'.",
    en="'{key}' must be a whole number from {minimum} to {maximum}, not '{value}'.",
    exit_code=EXIT_USAGE,
)
BAD_CHOICE = Msg(
    "settings.bad_choice",
    da="'{key}' skal være en af {choices}, ikke '{value}'.",
    en="'{key}' must be one of {choices}, not '{value}'.",
    exit_code=EXIT_USAGE,
)
BAD_TEXT = Msg(
    "settings.bad_text",
    da="'{key}' skal være en tekst på én linje (højst 500 tegn).",
    en="'{key}' must be text on one line (at most 500 characters).",
    exit_code=EXIT_USAGE,
)
BAD_LIST_ITEM = Msg(
    "settings.bad_list_item",
    da="'{key}' må kun indeholde SHA-256-værdier (64 tegn 0-9, a-f); '{value}' er ikke en.",
    en="'{key}' may only hold SHA-256 values (64 characters 0-9, a-f); '{value}' is not one.",
    exit_code=EXIT_USAGE,
)
BAD_LIST = Msg(
    "settings.bad_list",
    da="'{key}' skal være en liste af tekster (adskilt med komma eller semikolon).",
    en="'{key}' must be a list of texts (separated by commas or semicolons).",
    exit_code=EXIT_USAGE,
)


class SettingValueError(ValueError):
    """A value the schema refuses, with the message to show (in either language)."""

    def __init__(self, msg: Msg, **params: object) -> None:
        super().__init__(msg.code)
        self.msg = msg
        self.params = params

    def message(self, lang: Language = "da") -> str:
        return self.msg.render(lang, self.params)


_TRUE = {"1", "true", "yes", "ja", "on", "sand"}
_FALSE = {"0", "false", "no", "nej", "off", "falsk"}
_MAX_TEXT = 500


def parse_value(setting: Setting, raw: object) -> Value:
    """`raw` (from a policy file, the registry, a user file or the command line) as the
    setting's value; SettingValueError with the schema's message if it does not fit."""
    shown = str(raw)[:80]
    if setting.type == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int) and raw in (0, 1):  # REG_DWORD
            return bool(raw)
        if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        raise SettingValueError(BAD_BOOL, key=setting.key, value=shown)
    if setting.type == "int":
        number: int | None = None
        if isinstance(raw, int) and not isinstance(raw, bool):
            number = raw
        elif isinstance(raw, str) and re.fullmatch(r"\s*-?\d{1,9}\s*", raw):
            number = int(raw)
        low = setting.minimum if setting.minimum is not None else 0
        high = setting.maximum if setting.maximum is not None else 2**31 - 1
        if number is None or not low <= number <= high:
            raise SettingValueError(
                BAD_INT, key=setting.key, value=shown, minimum=low, maximum=high
            )
        return number
    if setting.type == "enum":
        if isinstance(raw, str) and raw.strip() in setting.choices:
            return raw.strip()
        raise SettingValueError(
            BAD_CHOICE, key=setting.key, value=shown, choices=", ".join(setting.choices)
        )
    if setting.type in ("text", "path"):
        if not isinstance(raw, str) or len(raw) > _MAX_TEXT or any(c in raw for c in "\r\n\0"):
            raise SettingValueError(BAD_TEXT, key=setting.key)
        return raw.strip()
    return _parse_list(setting, raw)


def _parse_list(setting: Setting, raw: object) -> tuple[str, ...]:
    if isinstance(raw, str):
        items = [part.strip() for part in re.split(r"[,;\n]", raw)]
    elif isinstance(raw, (list, tuple)) and all(isinstance(item, str) for item in raw):
        items = [item.strip() for item in raw]
    else:
        raise SettingValueError(BAD_LIST, key=setting.key)
    found = [item.lower() if setting.item_pattern == "sha256" else item for item in items if item]
    for item in found:
        if setting.item_pattern == "sha256" and not _SHA256.match(item):
            raise SettingValueError(BAD_LIST_ITEM, key=setting.key, value=item[:80])
    return tuple(dict.fromkeys(found))


def format_value(value: Value) -> str:
    """A value as `config show` prints it and `config set` takes it back."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


def json_value(value: Value) -> bool | int | str | list[str] | None:
    return list(value) if isinstance(value, tuple) else value


def _s(key: str, type_: SettingType, default: Value, **fields: object) -> Setting:
    return Setting(key=key, type=type_, default=default, **fields)  # type: ignore[arg-type]


SETTINGS: tuple[Setting, ...] = (
    _s(
        "model_dir",
        "path",
        "",
        label_da="Modelmappe",
        label_en="Model folder",
        help_da="Mappen med de installerede tale- og sprogmodeller. Tom: brugerens egen "
        "programdatamappe (…/Assist/models).",
        help_en="The folder with the installed speech and language models. Empty: the user's "
        "own application data folder (…/Assist/models).",
        scope="machine",
        user_may_change=True,
        lockable=True,
        env="ASSIST_MODEL_DIR",
    ),
    _s(
        "allowed_models",
        "list",
        None,
        label_da="Tilladte modeller (SHA-256)",
        label_en="Allowed models (SHA-256)",
        help_da="Kun modeller, hvis hovedfil har en af disse SHA-256-værdier, må bruges. Ikke "
        "sat: alle verificerede modeller. En fejl i listen tillader ingen modeller.",
        help_en="Only models whose main file has one of these SHA-256 values may be used. Not "
        "set: every verified model. A mistake in the list allows no model at all.",
        scope="machine",
        user_may_change=False,
        lockable=True,
        item_pattern="sha256",
        fail_closed=(),
        security=True,
    ),
    _s(
        "allow_model_import",
        "bool",
        True,
        label_da="Brugere må importere modeller",
        label_en="Users may import models",
        help_da="Om brugeren selv må importere en tale- eller sprogmodel fra en mappe.",
        help_en="Whether users may import a speech or language model from a folder themselves.",
        scope="machine",
        user_may_change=False,
        lockable=True,
        fail_closed=False,
        security=True,
    ),
    _s(
        "allow_llm_drafting",
        "bool",
        True,
        label_da="Udkast med sprogmodel tilladt",
        label_en="Drafting with a language model",
        help_da="Om en lokal sprogmodel må skrive udkast. Slået fra: kun den regelbaserede "
        "udkastsskriver, der alene bruger sætninger fra udskriften.",
        help_en="Whether a local language model may write drafts. Off: only the rule-based "
        "drafter, which uses sentences from the transcript alone.",
        scope="machine",
        user_may_change=False,
        lockable=True,
        fail_closed=False,
        security=True,
    ),
    _s(
        "asr_model",
        "text",
        "whisper-base-ct2",
        label_da="Talemodel",
        label_en="Speech model",
        help_da="Id for den talemodel, der transskriberer (se 'assist models list').",
        help_en="The id of the speech model that transcribes (see 'assist models list').",
        scope="user",
        user_may_change=True,
        lockable=True,
        env="ASSIST_ASR_MODEL",
    ),
    _s(
        "llm_model",
        "text",
        "gemma-3-270m-q4km",
        label_da="Sprogmodel",
        label_en="Language model",
        help_da="Id for den sprogmodel, der skriver udkast (se 'assist models list').",
        help_en="The id of the language model that writes drafts (see 'assist models list').",
        scope="user",
        user_may_change=True,
        lockable=True,
        env="ASSIST_LLM_MODEL",
    ),
    _s(
        "engine_threads",
        "int",
        0,
        label_da="Tråde til modellerne",
        label_en="Threads for the models",
        help_da="Hvor mange CPU-tråde tale- og sprogmodellen bruger. 0: Assist vælger efter "
        "antallet af kerner.",
        help_en="How many CPU threads the speech and language models use. 0: Assist chooses by "
        "the number of cores.",
        scope="machine",
        user_may_change=True,
        lockable=True,
        env="ASSIST_ENGINE_THREADS",
        minimum=0,
        maximum=64,
    ),
    _s(
        "audio_review_days",
        "int",
        0,
        label_da="Lyd gemmes efter underskrift (dage)",
        label_en="Audio kept after signing (days)",
        help_da="Dage, lyden gemmes efter at notatet er underskrevet, så det kan efterprøves. "
        "0: lyden slettes ved underskrift.",
        help_en="Days the audio is kept after the note is signed, so it can be checked. 0: the "
        "audio is deleted at signing.",
        scope="machine",
        user_may_change=False,
        lockable=True,
        minimum=0,
        maximum=90,
    ),
    _s(
        "unsigned_case_days",
        "int",
        30,
        label_da="Uunderskrevne sager slettes efter (dage)",
        label_en="Unsigned cases deleted after (days)",
        help_da="Dage efter sidste ændring, hvorefter en sag uden underskrevet notat slettes.",
        help_en="Days after the last change after which a case without a signed note is deleted.",
        scope="machine",
        user_may_change=False,
        lockable=True,
        minimum=1,
        maximum=365,
    ),
    _s(
        "exported_case_days",
        "int",
        30,
        label_da="Eksporterede sager slettes efter (dage)",
        label_en="Exported cases deleted after (days)",
        help_da="Dage efter eksport, hvorefter en underskrevet sag slettes (notatet er da i "
        "fagsystemet).",
        help_en="Days after export after which a signed case is deleted (the note is then in "
        "the case system).",
        scope="machine",
        user_may_change=False,
        lockable=True,
        minimum=1,
        maximum=365,
    ),
    _s(
        "data_dir",
        "path",
        "",
        label_da="Datamappe",
        label_en="Data folder",
        help_da="Mappen med de krypterede sager. Tom: brugerens egen programdatamappe "
        "(…/Assist/data). Skal være lokal og kun brugerens.",
        help_en="The folder with the encrypted cases. Empty: the user's own application data "
        "folder (…/Assist/data). Must be local and the user's own.",
        scope="user",
        user_may_change=True,
        lockable=True,
        env="ASSIST_DATA_DIR",
    ),
    _s(
        "default_template",
        "text",
        "journalnotat",
        label_da="Standardskabelon",
        label_en="Default template",
        help_da="Skabelonen for nye notater (se 'assist templates list').",
        help_en="The template for new notes (see 'assist templates list').",
        scope="user",
        user_may_change=True,
        lockable=True,
        env="ASSIST_DEFAULT_TEMPLATE",
    ),
    _s(
        "template_dir",
        "path",
        "",
        label_da="Kommunens skabelonmappe",
        label_en="The municipality's template folder",
        help_da="En mappe med kommunens egne skabeloner (.toml). Tom: kun de indbyggede.",
        help_en="A folder with the municipality's own templates (.toml). Empty: built-in only.",
        scope="machine",
        user_may_change=False,
        lockable=True,
        env="ASSIST_TEMPLATE_DIR",
    ),
    _s(
        "ui_language",
        "enum",
        "da",
        label_da="Sprog",
        label_en="Language",
        help_da="Sproget i Assists vinduer og beskeder.",
        help_en="The language of Assist's windows and messages.",
        scope="user",
        user_may_change=True,
        lockable=True,
        env="ASSIST_LANG",
        choices=("da", "en"),
        labels_da=("Dansk", "Engelsk"),
        labels_en=("Danish", "English"),
    ),
    _s(
        "letterhead",
        "path",
        "",
        label_da="Brevpapir (.docx/.dotx)",
        label_en="Letterhead (.docx/.dotx)",
        help_da="Kommunens brevpapir, som eksporterede notater skrives på. Tom: et neutralt "
        "dokument.",
        help_en="The municipality's letterhead that exported notes are written on. Empty: a "
        "plain document.",
        scope="machine",
        user_may_change=True,
        lockable=True,
        env="ASSIST_LETTERHEAD",
    ),
    _s(
        "signer_name_source",
        "enum",
        "typed",
        label_da="Underskriverens navn",
        label_en="The signer's name",
        help_da="Hvor navnet ved underskrift kommer fra: skrevet af brugeren, brugerens navn i "
        "Windows/systemet, eller et fast navn sat af IT (signer_name).",
        help_en="Where the name at signing comes from: typed by the user, the user's name in "
        "Windows/the system, or a fixed name set by IT (signer_name).",
        scope="user",
        user_may_change=False,
        lockable=True,
        choices=("typed", "os_user", "fixed"),
        labels_da=("Skrives ved underskrift", "Brugerens navn i systemet", "Fast navn"),
        labels_en=("Typed at signing", "The user's name in the system", "Fixed name"),
    ),
    _s(
        "signer_name",
        "text",
        "",
        label_da="Fast underskrivernavn",
        label_en="Fixed signer name",
        help_da="Navnet, der bruges ved underskrift, når navnet er fast (signer_name_source).",
        help_en="The name used at signing when the name is fixed (signer_name_source).",
        scope="user",
        user_may_change=False,
        lockable=True,
    ),
    _s(
        "typed_notes_without_consent",
        "bool",
        True,
        label_da="Skrevne noter uden samtykke til optagelse",
        label_en="Typed notes without consent to record",
        help_da="Om rådgiveren må skrive noter fra et møde, hvor borgeren ikke har givet "
        "samtykke til optagelse.",
        help_en="Whether the caseworker may type notes from a meeting where the citizen did not "
        "consent to recording.",
        scope="machine",
        user_may_change=False,
        lockable=True,
        fail_closed=False,
        security=True,
    ),
    _s(
        "microphone",
        "text",
        "",
        label_da="Mikrofon",
        label_en="Microphone",
        help_da="Mikrofonen, der optages fra. Tom: systemets standardmikrofon.",
        help_en="The microphone to record from. Empty: the system's default microphone.",
        scope="user",
        user_may_change=True,
        lockable=False,
    ),
)

BY_KEY: Mapping[str, Setting] = {setting.key: setting for setting in SETTINGS}


def check_schema(settings: tuple[Setting, ...] = SETTINGS) -> list[str]:
    """What is wrong with the schema itself (a test keeps this empty)."""
    problems: list[str] = []
    for setting in settings:
        if not _KEY.match(setting.key):
            problems.append(f"{setting.key}: key must be lower-case letters, digits, underscore")
        texts = {
            "label_da": setting.label_da,
            "label_en": setting.label_en,
            "help_da": setting.help_da,
            "help_en": setting.help_en,
        }
        for name, text in texts.items():
            if not text.strip():
                problems.append(f"{setting.key}: {name} is empty")
        if setting.type == "enum" and not (
            setting.choices
            and len(setting.labels_da) == len(setting.labels_en) == len(setting.choices)
        ):
            problems.append(f"{setting.key}: enum needs choices with Danish and English labels")
        if setting.default is not None:
            try:
                parse_value(setting, setting.default)
            except SettingValueError:
                problems.append(f"{setting.key}: default does not fit its own type")
        if setting.security and setting.fail_closed is None and setting.type != "list":
            problems.append(f"{setting.key}: a security setting needs a fail-closed value")
    return problems
