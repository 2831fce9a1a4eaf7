"""Open the user's case store the standard way (data directory + keys), for the CLI and app."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Mapping

from assist.errors import EXIT_USAGE, AssistError, Language, Msg
from assist.paths import data_dir
from assist.secure.keys import (
    ASK_NEW,
    MIN_PASSPHRASE_CHARS,
    PROMPT_NEW_PASSPHRASE,
    PROMPT_PASSPHRASE,
    KeyringBackend,
    load_keys,
)
from assist.store.cases import CaseStore, open_case_store


def open_default_store(
    env: Mapping[str, str] | None = None,
    *,
    backend: KeyringBackend | None = None,
    ask_passphrase: Callable[[str], str] | None = None,
) -> CaseStore:
    """The case store in `assist.paths.data_dir(env)` (the `data_dir` setting), unlocked with
    `assist.secure.keys.load_keys` (credential store, or ASSIST_PASSPHRASE / `ask_passphrase`).
    A change in the IT policy in force since the last opening is audited here."""
    from assist.settings import load_settings
    from assist.settings.rules import audit_policy

    directory = data_dir(env)
    keys = load_keys(directory, env, backend=backend, ask_passphrase=ask_passphrase)
    store = open_case_store(directory, keys)
    try:
        audit_policy(store, load_settings(env))
    except BaseException:
        store.close()
        raise
    return store


PASSPHRASES_DIFFER = Msg(
    "store.passphrases_differ",
    da="De to adgangsfraser er ikke ens. Intet er oprettet.",
    en="The two passphrases differ. Nothing was created.",
    exit_code=EXIT_USAGE,
)


def terminal_passphrase_prompt(lang: Language) -> Callable[[str], str] | None:
    """A passphrase prompt on the terminal (asks twice for a new one), or None without one."""
    if not sys.stdin.isatty():
        return None

    def ask(purpose: str) -> str:
        if purpose == ASK_NEW:
            first = getpass.getpass(
                PROMPT_NEW_PASSPHRASE.render(lang, {"min_chars": MIN_PASSPHRASE_CHARS})
            )
            again = getpass.getpass(PROMPT_PASSPHRASE.render(lang, {}))
            if first != again:
                raise AssistError(PASSPHRASES_DIFFER)
            return first
        return getpass.getpass(PROMPT_PASSPHRASE.render(lang, {}))

    return ask


def open_store_for_cli(lang: Language, env: Mapping[str, str] | None = None) -> CaseStore:
    """`open_default_store` with a terminal passphrase prompt when there is a terminal."""
    return open_default_store(env, ask_passphrase=terminal_passphrase_prompt(lang))
