"""`assist doctor`: what this installation uses, and whether it is ready, in one screen."""

from __future__ import annotations

import argparse
import platform
from importlib import metadata
from typing import Any

from assist import __version__, netguard
from assist.cli.context import CliContext
from assist.errors import AssistError, Language

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


def _cpu() -> dict[str, Any]:
    """This CPU's features, the baseline the LLM build needs, and what the build really uses."""
    from assist.engines import cpu
    from assist.engines.llm_worker import llama_build_info

    report: dict[str, Any] = cpu.detect().as_json()
    try:
        build = llama_build_info()
    except AssistError as error:  # not installed, or the library cannot start on this CPU
        report["llama_cpp_build"] = {"error": error.code, "message_da": error.message("da"),
                                     "message_en": error.message("en")}  # fmt: skip
    else:
        report["llama_cpp_build"] = {
            "features": sorted(build.features),
            "beyond_baseline": list(build.beyond_baseline),
        }
    report["ctranslate2"] = "chooses its CPU kernels at run time"
    return report


def collect(lang: Language = "da") -> dict[str, Any]:
    from assist.models.store import configured_model_id, open_store
    from assist.paths import data_dir
    from assist.secure.keys import key_status
    from assist.settings import load_settings

    settings = load_settings()
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
        "default_models": {"asr": configured_model_id("asr"), "llm": configured_model_id("llm")},
        "config": settings.as_json(lang),
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
        "cpu": _cpu(),
        "versions": _versions(),
    }


def _ready(report: dict[str, Any]) -> bool:
    asr_id = report["default_models"]["asr"]
    return any(m["id"] == asr_id and m["installed"] and m["verified"] for m in report["models"])


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    report = collect(ctx.lang)
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
    _say_cpu(ctx, report["cpu"])
    _say_config(ctx, report["config"])
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


def _say_config(ctx: CliContext, config: dict[str, Any]) -> None:
    entries = config["settings"]
    policy = [e for e in entries if e["source"] == "policy"]
    ctx.say(
        f"Indstillinger: {len(entries)}, heraf {len(policy)} låst af IT-politik "
        f"(politik-hash {config['policy_sha256'][:12]}; se 'assist config show')",
        f"Settings: {len(entries)}, {len(policy)} of them locked by IT policy "
        f"(policy hash {config['policy_sha256'][:12]}; see 'assist config show')",
    )
    for problem in config["problems"]:
        ctx.say(f"  Problem: {problem['message']}", f"  Problem: {problem['message']}")


def _say_cpu(ctx: CliContext, cpu: dict[str, Any]) -> None:
    if cpu["features_known"]:
        have = " ".join(name.upper() for name, present in cpu["features"].items() if present)
    else:
        have = "?"
    ctx.say(f"Processor: {cpu['model']} ({have})", f"Processor: {cpu['model']} ({have})")
    build = cpu["llama_cpp_build"]
    if "error" in build:
        ctx.say(
            f"  llama.cpp kan ikke starte: {build['message_da']}",
            f"  llama.cpp cannot start: {build['message_en']}",
        )
    else:
        used = " ".join(f.upper() for f in build["features"])
        ctx.say(f"  llama.cpp bygget til: {used}", f"  llama.cpp built for: {used}")
    if cpu["llm_supported"]:
        ctx.say(
            "  Sprogmodellen kan køre på denne processor (bærbar build: AVX2, FMA, F16C, BMI2).",
            "  The language model can run on this processor (portable build: AVX2, FMA, F16C, "
            "BMI2).",
        )
    else:
        missing = ", ".join(m.upper() for m in cpu["missing_for_llm"])
        ctx.say(
            f"  Sprogmodellen kan ikke køre her (mangler {missing}); udkast laves ved "
            "struktureret udtræk.",
            f"  The language model cannot run here (lacks {missing}); drafts are made by "
            "structured extraction.",
        )
