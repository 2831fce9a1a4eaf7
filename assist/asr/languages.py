"""The languages a Whisper model can transcribe, checked before any model is loaded."""

from __future__ import annotations

from assist.errors import EXIT_USAGE, AssistError, Msg

UNKNOWN_LANGUAGE = Msg(
    "asr.unknown_language",
    da="Ukendt sprog for talegenkendelse: '{value}'. Brug en sprogkode som 'da' (dansk) "
    "eller 'en' (engelsk).",
    en="Unknown speech recognition language: '{value}'. Use a language code such as 'da' "
    "(Danish) or 'en' (English).",
    exit_code=EXIT_USAGE,
)

# Whisper's language codes (the same set faster-whisper accepts; a test keeps them in step).
_WHISPER_CODES = """
    af am ar as az ba be bg bn bo br bs ca cs cy da de el en es et eu fa fi fo fr gl gu ha haw he
    hi hr ht hu hy id is it ja jw ka kk km kn ko la lb ln lo lt lv mg mi mk ml mn mr ms mt my ne
    nl nn no oc pa pl ps pt ro ru sa sd si sk sl sn so sq sr su sv sw ta te tg th tk tl tr tt uk
    ur uz vi yi yo yue zh
"""
WHISPER_LANGUAGES = frozenset(_WHISPER_CODES.split())


def check_language(value: str) -> str:
    """The normalised language code, or AssistError for one Whisper does not know."""
    code = value.strip().lower()
    if code not in WHISPER_LANGUAGES:
        raise AssistError(UNKNOWN_LANGUAGE, value=value)
    return code
