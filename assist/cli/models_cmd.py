"""`assist models list|install|import|remove|verify`: the model store from the command line."""

from __future__ import annotations

import argparse
import contextlib
import importlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from assist.cancel import Progress
from assist.cli.context import CliContext, Subparsers
from assist.errors import AssistError

if TYPE_CHECKING:
    from assist.models.registry import ImportedModel
    from assist.models.store import ModelStatus, ModelStore

FIT_NAMES = {
    "transcription": ("transskription", "transcription"),
    "drafting": ("kladder", "drafting"),
    "danish_production": ("dansk i drift", "Danish in production"),
}
STATE_NAMES = {
    None: ("klar", "ready"),
    "not_installed": ("ikke installeret", "not installed"),
    "missing_file": ("fil mangler", "file missing"),
    "unreadable": ("kan ikke læses", "unreadable"),
    "size_mismatch": ("ÆNDRET (størrelse)", "CHANGED (size)"),
    "hash_mismatch": ("ÆNDRET (kontrolsum)", "CHANGED (checksum)"),
    "record_tampered": ("REGISTRERING ÆNDRET UDEN OM ASSIST", "RECORD TAMPERED WITH"),
    "record_unverified": ("kan ikke kontrolleres", "cannot be checked"),
}
# A qualification verdict whose record does not verify (the model is then not qualified).
VERDICT_PROBLEMS = {
    "tampered": (
        "KVALIFIKATIONEN ER ÆNDRET UDEN OM ASSIST, ikke kvalificeret",
        "QUALIFICATION RECORD TAMPERED WITH, not qualified",
    ),
    "other_key": (
        "kvalifikation skrevet med en anden nøgle, ikke kvalificeret",
        "qualification signed with another key, not qualified",
    ),
    "locked": (
        "kvalifikationen kan ikke kontrolleres uden nøglen, ikke kvalificeret",
        "qualification cannot be checked without the key, not qualified",
    ),
}


def register(subparsers: Subparsers) -> None:
    models = subparsers.add_parser("models", help="modeller: vis, installér, importér, kontrollér")
    commands = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    listing = commands.add_parser("list", help="vis kendte modeller / list models")
    listing.add_argument("--json", action="store_true", help="maskinlæsbart / machine-readable")
    listing.set_defaults(handler=run_list)

    install = commands.add_parser(
        "install", help="installér de indbyggede modeller / install the embedded models"
    )
    install.add_argument("model_ids", nargs="*", metavar="ID", help="kun disse / only these")
    install.add_argument("--no-qualify", action="store_true", help="spring kvalifikation over")
    install.set_defaults(handler=run_install)

    importing = commands.add_parser(
        "import", help="registrér en model fra IT / register a model from IT"
    )
    importing.add_argument("path", type=Path, help="CTranslate2 Whisper-mappe eller .gguf-fil")
    importing.add_argument("--id", required=True, dest="model_id", help="nyt model-id")
    importing.add_argument("--kind", required=True, choices=["asr", "llm"])
    importing.add_argument("--copy", action="store_true", help="kopiér ind i modelmappen")
    importing.add_argument("--replace", action="store_true", help="erstat en importeret model")
    importing.add_argument("--licence", default="", help="modellens licens / the model's licence")
    importing.add_argument("--no-qualify", action="store_true", help="spring kvalifikation over")
    importing.set_defaults(handler=run_import)

    remove = commands.add_parser(
        "remove", help="afregistrér en importeret model / unregister an imported model"
    )
    remove.add_argument("model_id", metavar="ID")
    remove.set_defaults(handler=run_remove)

    qualify = commands.add_parser(
        "qualify",
        help="kør kvalifikationstesten igen / run the qualification test again",
        description="Kør kvalifikationstesten (igen) på en sprogmodel, også efter et nedbrud. / "
        "Run the drafting qualification test (again) on a language model, also after a crash.",
    )
    qualify.add_argument("model_id", metavar="ID")
    qualify.set_defaults(handler=run_qualify)

    verify = commands.add_parser("verify", help="kontrollér modelfiler / verify model files")
    verify.add_argument("model_id", nargs="?", metavar="ID")
    verify.add_argument("--full", action="store_true", help="læs alle filer igen / re-read all")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=run_verify)


def _open() -> ModelStore:
    from assist.cli import configured_language
    from assist.models.store import open_store
    from assist.store.session import terminal_passphrase_prompt

    # The registry is checked with the case store's key; with a passphrase, Assist may ask.
    return open_store(ask_passphrase=terminal_passphrase_prompt(configured_language()))


class _ProgressPrinter:
    """Progress on stderr: one line per 10% (every 2% on a terminal, rewritten in place)."""

    def __init__(self, ctx: CliContext) -> None:
        self.ctx = ctx
        self.tty = ctx.stderr.isatty()
        self.step = 2 if self.tty else 10
        self.last: tuple[str, int] | None = None

    def show(self, progress: Progress) -> None:
        fraction = progress.fraction
        percent = int((fraction or 0.0) * 100)
        shown = (progress.stage, percent - percent % self.step)
        if shown == self.last:
            return
        self.last = shown
        megabytes = progress.done / (1024 * 1024)
        line = f"{progress.stage}: {percent:3d}% ({megabytes:.0f} MB)"
        if self.tty:
            end = "\n" if percent >= 100 else ""
            print("\r" + line, end=end, file=self.ctx.stderr, flush=True)
        else:
            print(line, file=self.ctx.stderr, flush=True)


def _fit_text(status: ModelStatus, lang: str) -> str:
    index = 1 if lang == "en" else 0
    names = [FIT_NAMES.get(key, (key, key))[index] for key, ok in status.fit.items() if ok]
    if not names:
        names.append("kun test" if index == 0 else "testing only")
    if status.kind == "llm":
        verdict_problem = VERDICT_PROBLEMS.get(status.qualification_outcome or "")
        if verdict_problem is not None:
            names.append(verdict_problem[index])
        elif status.qualified is True:
            names.append("kvalificeret" if index == 0 else "qualified")
        elif status.qualification_outcome == "crashed":
            signal = status.qualification_signal
            names.append(
                f"gik ned ved kvalifikation ({signal})" if index == 0 else f"crashed ({signal})"
            )
        elif status.qualified is False:
            names.append("ikke kvalificeret" if index == 0 else "not qualified")
    return ", ".join(names)


def run_list(args: argparse.Namespace, ctx: CliContext) -> int:
    store = _open()
    statuses = store.statuses()
    if args.json:
        ctx.print_json([s.as_json() for s in statuses])
        return 0
    _print_table(ctx, store, statuses)
    return 0


def _print_table(ctx: CliContext, store: ModelStore, statuses: Iterable[ModelStatus]) -> None:
    index = 1 if ctx.lang == "en" else 0
    headers = (
        ("MODEL", "TYPE", "STATUS", "EGNET TIL", "LICENS")
        if index == 0
        else ("MODEL", "KIND", "STATE", "FIT FOR", "LICENCE")
    )
    rows = [
        (
            s.model_id,
            s.kind,
            STATE_NAMES[s.problem][index],
            _fit_text(s, ctx.lang),
            s.licence.split(" (")[0],
        )
        for s in statuses
    ]
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        ctx.print("  ".join(cells).rstrip())
    ctx.say(f"\nModelmappe: {store.root}", f"\nModel folder: {store.root}")
    for s in statuses:
        note = s.notes_en if ctx.lang == "en" else s.notes_da
        ctx.print(f"\n{s.model_id}: {s.path}")
        if note:
            ctx.print(f"  {note}")


def run_install(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.models.install import install_models

    store = _open()
    printer = _ProgressPrinter(ctx)
    # closing(): on Ctrl-C the generator is closed at once, which removes its temporary file.
    with contextlib.closing(install_models(store, args.model_ids or None)) as steps:
        for item in steps:
            if isinstance(item, Progress):
                printer.show(item)
            elif item.already_installed:
                ctx.say(
                    f"{item.model_id}: allerede installeret og kontrolleret ({item.path})",
                    f"{item.model_id}: already installed and verified ({item.path})",
                )
            else:
                ctx.say(
                    f"{item.model_id}: installeret og kontrolleret ({item.path})",
                    f"{item.model_id}: installed and verified ({item.path})",
                )
    if not args.no_qualify:
        for status in store.statuses():
            wanted = not args.model_ids or status.model_id in args.model_ids
            unjudged = status.kind == "llm" and status.verified and status.qualified is None
            if wanted and status.origin == "catalog" and unjudged:
                _qualify(ctx, store, status.model_id)
    return 0


def run_import(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.models.importing import import_model

    store = _open()
    printer = _ProgressPrinter(ctx)
    steps = import_model(
        store,
        args.path,
        args.model_id,
        args.kind,
        copy=args.copy,
        replace=args.replace,
        licence=args.licence,
    )
    model: ImportedModel | None = None
    with contextlib.closing(steps):
        for item in steps:
            if isinstance(item, Progress):
                printer.show(item)
            else:
                model = item
    assert model is not None  # import_model always ends with the registered model
    count, where = len(model.files), model.directory
    ctx.say(
        f"{model.model_id}: registreret ({model.kind}, {count} filer i {where})",
        f"{model.model_id}: registered ({model.kind}, {count} files in {where})",
    )
    if model.kind == "llm" and args.no_qualify:
        ctx.say(
            "Modellen er ikke kvalificeret til kladder (--no-qualify).",
            "The model is not qualified for drafting (--no-qualify).",
        )
    elif model.kind == "llm":
        _qualify(ctx, store, model.model_id)
    return 0


def run_remove(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.models.importing import remove_imported

    model = remove_imported(_open(), args.model_id)
    if model.copied:
        ctx.say(
            f"{model.model_id}: fjernet, og kopien i {model.directory} er slettet.",
            f"{model.model_id}: removed, and the copy in {model.directory} was deleted.",
        )
    else:
        ctx.say(
            f"{model.model_id}: fjernet fra registret; filerne i {model.directory} er urørte.",
            f"{model.model_id}: removed from the registry; the files in {model.directory} "
            "are untouched.",
        )
    return 0


def run_qualify(args: argparse.Namespace, ctx: CliContext) -> int:
    store = _open()
    store.resolve(args.model_id, "llm")  # unknown, not installed, changed or not an LLM: says so
    _qualify(ctx, store, args.model_id)
    return 0 if store.status(args.model_id).qualified else 1


def _qualify(ctx: CliContext, store: ModelStore, model_id: str) -> None:
    """Run the drafting gate on a language model, if the gate is part of this build."""
    try:
        # The gate belongs to the LLM engineer and may not exist in every build yet.
        gate = importlib.import_module("assist.drafting.gate")
        qualify_installed = gate.qualify_installed
    except (ImportError, AttributeError):
        ctx.say(
            f"{model_id}: kvalifikationstesten findes ikke i denne version; "
            "modellen er ikke godkendt til kladder.",
            f"{model_id}: the qualification test is not in this version; "
            "the model is not approved for drafting.",
        )
        return
    try:
        store.require_registry_key()  # the verdict must be signed: know that before the gate
    except AssistError as error:
        ctx.error(error.message(ctx.lang))
        ctx.say(
            f"{model_id}: kvalifikationstesten er sprunget over; modellen bruges ikke til kladder.",
            f"{model_id}: the qualification test was skipped; the model is not used for drafting.",
        )
        return
    ctx.say(f"{model_id}: kører kvalifikationstest ...", f"{model_id}: running qualification ...")
    try:
        qualify_installed(store, model_id)
    except AssistError as error:
        # The model itself is in place; only the verdict is missing, so say so and go on.
        ctx.error(error.message(ctx.lang))
    except Exception as error:  # e.g. llama.cpp missing: fail closed, the model stays unqualified
        kind = type(error).__name__
        ctx.error(
            f"{model_id}: qualification could not run ({kind})."
            if ctx.lang == "en"
            else f"{model_id}: kvalifikationstesten kunne ikke køre ({kind})."
        )
    verdict = store.qualification(model_id)
    report = verdict["report"] if verdict else {}
    counts = f"{report.get('probes_passed', '?')}/{report.get('probes_total', '?')}"
    if report.get("outcome") == "crashed":
        signal = report.get("signal", "")
        ctx.say(
            f"{model_id}: sprogmodellen gik ned under kvalifikationstesten ({signal}) og bruges "
            f"ikke til kladder; Assist kører videre. Prøv igen: assist models qualify {model_id}",
            f"{model_id}: the language model crashed during the qualification test ({signal}) "
            f"and is not used for drafting; Assist carries on. Retry: assist models qualify "
            f"{model_id}",
        )
    elif verdict is None:
        ctx.say(
            f"{model_id}: ikke kvalificeret; bruges ikke til kladder.",
            f"{model_id}: not qualified; not used for drafting.",
        )
    elif verdict.get("passed"):
        ctx.say(
            f"{model_id}: bestod kvalifikationen ({counts} prøver).",
            f"{model_id}: passed qualification ({counts} probes).",
        )
    else:
        ctx.say(
            f"{model_id}: bestod ikke kvalifikationen ({counts} prøver); bruges ikke til kladder.",
            f"{model_id}: did not pass qualification ({counts} probes); not used for drafting.",
        )


def run_verify(args: argparse.Namespace, ctx: CliContext) -> int:
    store = _open()
    printer = _ProgressPrinter(ctx)
    ids = [args.model_id] if args.model_id else None
    results: list[ModelStatus] = []
    for item in store.verify(ids, full=args.full):
        if isinstance(item, Progress):
            printer.show(item)
        else:
            results.append(item)
    if args.json:
        ctx.print_json([s.as_json() for s in results])
    else:
        index = 1 if ctx.lang == "en" else 0
        for s in results:
            detail = f" ({s.problem_file})" if s.problem_file else ""
            ctx.print(f"{s.model_id}: {STATE_NAMES[s.problem][index]}{detail}")
    # Not installed is not a verification failure; a changed or missing file is.
    broken = [s for s in results if s.problem not in (None, "not_installed")]
    if args.model_id and results and results[0].problem == "not_installed":
        return 1
    return 1 if broken else 0
