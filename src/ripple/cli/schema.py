"""``ripple schema``: the JSON Schema of an input file kind, for an editor to validate YAML
with, or the reference of every kind as Markdown (``docs/formats.md``)."""

from __future__ import annotations

import argparse
import json

from ripple.errors import RippleInputError
from ripple.report.json_out import write_text
from ripple.schemas import KINDS, kind


def add_schema_command(commands: argparse._SubParsersAction) -> None:
    schema = commands.add_parser("schema", help="the JSON Schema of an input file (or every "
                                 "field of every file as Markdown)")
    schema.add_argument("kind", nargs="?", metavar="KIND",
                        help=f"one of {', '.join(KINDS)}")
    schema.add_argument("--markdown", action="store_true",
                        help="instead: the reference of every kind (docs/formats.md)")
    schema.add_argument("-o", "--output", default="-", help="the file to write ('-': stdout)")
    schema.set_defaults(run=_schema)


def _schema(args: argparse.Namespace) -> int:
    if args.markdown == (args.kind is not None):
        raise RippleInputError(f"give a KIND ({', '.join(KINDS)}) or --markdown")
    if args.markdown:
        from ripple.report.formats_doc import formats_markdown

        write_text(formats_markdown().rstrip("\n"), args.output)
    else:
        write_text(json.dumps(kind(args.kind).json_schema(), indent=2), args.output)
    return 0
