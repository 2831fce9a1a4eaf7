"""`assist doctor`: what this installation uses, and whether it is ready, in one screen."""

from __future__ import annotations

import argparse
import platform
from importlib import metadata
from typing import Any

from assist import __version__, netguard
from assist.cli.context import CliContext

COMPONENTS = (
    "faster-whisper",
    "ctranslate2",
    "av",
    "llama-cpp-python",
    "python-docx",
    "cryptography",
    "keyring",
    "PySide6",
    "platformdirs",
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "doctor", help="vis modeller, nøglelager, netværk og versioner / show installation status"
    )
    parser.add_argument("--json", action="store_true", help="maskinlæsbart / machine-readable")
    parser.set_defaults(handler=run)


def _versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in COMPONENTS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def collect() -> dict[str, Any]:
    from assist.models.store import DEFAULT_ASR_MODEL, DEFAULT_LLM_MODEL, open_store
    from assist.paths import data_dir
    from assist.secure.keys import key_status

    store = open_store()
    models = [status.as_json() for status in store.statuses()]
    keys = key_status(data_dir())
    return {
        "assist": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "model_dir": str(store.root),
        "data_dir": str(data_dir()),
        "models": models,
        "default_models": {"asr": DEFAULT_ASR_MODEL, "llm": DEFAULT_LLM_MODEL},
        "keyring": {
            "backend": keys.keyring.backend_name,
            "usable": keys.keyring.usable,
            "reason": keys.keyring.reason,
            "data_protected_by": keys.slot_source,
            "forced_source": keys.forced_source,
            "passphrase_in_environment": keys.passphrase_in_env,
        },
        "network": {
            "guard_active": netguard.is_installed(),
            "offline_environment": {k: v for k, v in netguard.OFFLINE_ENVIRONMENT.items()},
        },
        "versions": _versions(),
    }


def _ready(report: dict[str, Any]) -> bool:
    asr_id = report["default_models"]["asr"]
    return any(m["id"] == asr_id and m["installed"] and m["verified"] for m in report["models"])


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    report = collect()
    ready = _ready(report)
    if args.json:
        ctx.print_json({**report, "ready": ready})
        return 0 if ready else 1
    ctx.say(
        f"Assist {report['assist']} (Python {report['python']})",
        f"Assist {report['assist']} (Python {report['python']})",
    )
    ctx.say(f"Modelmappe: {report['model_dir']}", f"Model directory: {report['model_dir']}")
    ctx.say(f"Datamappe:  {report['data_dir']}", f"Data directory:  {report['data_dir']}")
    ctx.say("Modeller:", "Models:")
    for model in report["models"]:
        if model["installed"] and model["verified"]:
            state_da, state_en = "installeret og kontrolleret", "installed and verified"
        elif model["installed"]:
            state_da, state_en = f"FEJL ({model['problem']})", f"PROBLEM ({model['problem']})"
        else:
            state_da, state_en = "ikke installeret", "not installed"
        ctx.say(
            f"  {model['id']:<24} {model['kind']:<4} {state_da}",
            f"  {model['id']:<24} {model['kind']:<4} {state_en}",
        )
    keyring = report["keyring"]
    if keyring["usable"]:
        ctx.say(
            f"Nøglelager: {keyring['backend']} (bruges til hovednøglen)",
            f"Credential store: {keyring['backend']} (holds the master key)",
        )
    else:
        ctx.say(
            f"Nøglelager: intet brugbart ({keyring['backend']}); data beskyttes med en "
            "adgangsfrase (ASSIST_PASSPHRASE eller spørgsmål ved start)",
            f"Credential store: none usable ({keyring['backend']}); data is protected by a "
            "passphrase (ASSIST_PASSPHRASE or asked at start)",
        )
    guard = "aktiv" if report["network"]["guard_active"] else "IKKE aktiv"
    guard_en = "active" if report["network"]["guard_active"] else "NOT active"
    ctx.say(
        f"Netværk: blokeret for Assist (spærre {guard}; modeller læses kun fra disk)",
        f"Network: blocked for Assist (guard {guard_en}; models load from disk only)",
    )
    ctx.say("Versioner:", "Versions:")
    for name, version in report["versions"].items():
        ctx.print(f"  {name:<18} {version or '-'}")
    if not ready:
        ctx.say(
            "Ikke klar: kør 'assist models install'.", "Not ready: run 'assist models install'."
        )
        return 1
    ctx.say("Klar.", "Ready.")
    return 0
