"""`assist config show [--json] | set KEY VALUE | reset KEY`: the settings in force.

`show` lists every setting with its value, where it came from (policy, env, user, machine,
default) and whether IT policy locks it, then any problem found in a policy or settings file.
`set` and `reset` change the user's own settings file (atomically) and refuse what policy locks
or what only IT may set, naming the policy.
"""

from __future__ import annotations

import argparse

from assist.cli.context import CliContext, Subparsers

SOURCE_DA = {
    "policy": "politik",
    "env": "miljø",
    "user": "bruger",
    "machine": "maskine",
    "default": "standard",
}


def register(subparsers: Subparsers) -> None:
    config = subparsers.add_parser("config", help="indstillinger og IT-politik / settings")
    commands = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    show = commands.add_parser("show", help="vis alle indstillinger / show every setting")
    show.add_argument("--json", action="store_true", help="maskinlæsbart / machine-readable")
    show.set_defaults(handler=_show)
    set_ = commands.add_parser("set", help="sæt din egen værdi / set your own value")
    set_.add_argument("key", metavar="KEY")
    set_.add_argument("value", metavar="VALUE")
    set_.set_defaults(handler=_set)
    reset = commands.add_parser("reset", help="fjern din egen værdi / remove your own value")
    reset.add_argument("key", metavar="KEY")
    reset.set_defaults(handler=_reset)


def _show(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.settings import load_settings
    from assist.settings.schema import format_value

    settings = load_settings()
    if args.json:
        ctx.print_json(settings.as_json(ctx.lang))
        return 0
    for effective in settings:
        item = effective.setting
        source = effective.source
        lock_da = " LÅST" if effective.locked else ""
        lock_en = " LOCKED" if effective.locked else ""
        value = format_value(effective.value) or "-"
        origin = f" ({effective.origin})" if effective.origin else ""
        ctx.say(
            f"{item.key:<28} {value:<24} {SOURCE_DA[source]}{origin}{lock_da}",
            f"{item.key:<28} {value:<24} {source}{origin}{lock_en}",
        )
        ctx.say(f"    {item.label('da')}", f"    {item.label('en')}")
    for problem in settings.problems:
        ctx.warn(f"Advarsel: {problem.message('da')}", f"Warning: {problem.message('en')}")
    ctx.say(
        f"Dine egne indstillinger: {settings.sources.user_path}",
        f"Your own settings: {settings.sources.user_path}",
    )
    return 0


def _set(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.settings import load_settings, set_user_value
    from assist.settings.schema import format_value

    value = set_user_value(load_settings(), args.key, args.value, ctx.lang)
    after = load_settings()[args.key]
    shown = format_value(value) or "-"
    ctx.say(f"{args.key} = {shown} (gemt som din indstilling)", f"{args.key} = {shown} (saved)")
    if after.source != "user":
        ctx.warn(
            f"Bemærk: {after.origin} bestemmer stadig værdien ({format_value(after.value)}).",
            f"Note: {after.origin} still decides the value ({format_value(after.value)}).",
        )
    return 0


def _reset(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.settings import load_settings, reset_user_value
    from assist.settings.schema import format_value

    reset_user_value(load_settings(), args.key)
    after = load_settings()[args.key]
    shown = format_value(after.value) or "-"
    source = after.source
    ctx.say(f"{args.key} = {shown} ({SOURCE_DA[source]})", f"{args.key} = {shown} ({source})")
    return 0
