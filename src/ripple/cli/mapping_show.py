"""``ripple mapping show FILE``: a mapping file printed as its loop nest."""

from __future__ import annotations

import argparse


def add_mapping_commands(commands: argparse._SubParsersAction) -> None:
    mapping = commands.add_parser("mapping", help="read a mapping file").add_subparsers(
        dest="mapping_command", required=True)
    show = mapping.add_parser("show", help="print a mapping as a loop nest")
    show.add_argument("file", help="mapping YAML (e.g. written by explore --save-best)")
    show.set_defaults(run=_show)


def _show(args: argparse.Namespace) -> int:
    from ripple.mapping import load_mapping
    from ripple.mapping.show import loop_nest_text

    print(loop_nest_text(load_mapping(args.file)))
    return 0
