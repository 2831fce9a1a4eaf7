"""`assist templates list|show|check`: the note templates, built-in and the administrator's."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assist.cli.context import CliContext, Subparsers

if TYPE_CHECKING:
    from assist.drafting.templates import TemplateInfo


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "templates", help="notatskabeloner / note templates (list, show, check)"
    )
    actions = parser.add_subparsers(dest="templates_action", metavar="ACTION")
    listing = actions.add_parser("list", help="vis skabeloner / list templates")
    listing.add_argument("--json", action="store_true", help="maskinlæsbart / machine-readable")
    listing.set_defaults(handler=_list)
    show = actions.add_parser("show", help="vis én skabelons afsnit / show one template")
    show.add_argument("template_id", metavar="ID")
    show.add_argument("--json", action="store_true", help="maskinlæsbart / machine-readable")
    show.set_defaults(handler=_show)
    check = actions.add_parser(
        "check", help="kontrollér en mappe med egne skabeloner / validate a template folder"
    )
    check.add_argument(
        "directory", nargs="?", type=Path, help="mappe / folder (default: ASSIST_TEMPLATE_DIR)"
    )
    check.set_defaults(handler=_check)
    parser.set_defaults(handler=_list, json=False)


def _template_json(info: TemplateInfo) -> dict[str, Any]:
    template = info.template
    return {
        "id": template.template_id,
        "title_da": template.title_da,
        "title_en": template.title_en,
        "origin": info.origin,
        "path": str(info.path),
        "sections": [
            {
                "id": s.section_id,
                "title_da": s.title_da,
                "title_en": s.title_en,
                "professional_only": s.professional_only,
                "generated": not s.professional_only,
            }
            for s in template.sections
        ],
    }


def _list(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.drafting.templates import configured_template_dir, load_template_infos

    infos = load_template_infos(configured_template_dir())
    if getattr(args, "json", False):
        ctx.print_json([_template_json(info) for info in infos.values()])
        return 0
    for template_id, info in infos.items():
        title = info.template.title(ctx.lang)
        origin = "" if info.origin == "builtin" else ("  (IT)" if ctx.lang == "da" else "  (admin)")
        ctx.print(f"{template_id:<16} {title}{origin}")
    return 0


def _show(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.drafting.templates import configured_template_dir, get_template, load_template_infos

    extra = configured_template_dir()
    template = get_template(args.template_id, extra)
    info = load_template_infos(extra)[args.template_id]
    if args.json:
        ctx.print_json(_template_json(info))
        return 0
    ctx.print(template.title(ctx.lang))
    for section in template.sections:
        title = section.title(ctx.lang)
        mark = ""
        if section.professional_only:
            mark = "  (udfyldes af fagpersonen)" if ctx.lang == "da" else "  (professional only)"
        ctx.print(f"  {section.section_id:<20} {title}{mark}")
    return 0


def _check(args: argparse.Namespace, ctx: CliContext) -> int:
    from assist.drafting.templates import configured_template_dir, load_template_infos

    directory = args.directory or configured_template_dir()
    if directory is None:
        ctx.say(
            "Ingen mappe angivet, og ASSIST_TEMPLATE_DIR er ikke sat; de indbyggede skabeloner "
            "er i orden.",
            "No folder given and ASSIST_TEMPLATE_DIR is not set; the built-in templates are fine.",
        )
        load_template_infos(None)
        return 0
    infos = load_template_infos(directory)
    own = sorted(tid for tid, info in infos.items() if info.origin == "admin")
    ctx.say(
        f"{len(own)} skabelon(er) i {directory} er gyldige: {', '.join(own) or '-'}",
        f"{len(own)} template(s) in {directory} are valid: {', '.join(own) or '-'}",
    )
    return 0
