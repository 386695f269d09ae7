"""``ripple convert``: another tool's specification written as Ripple's own file, to read and
edit, and a Ripple architecture written back as another tool's (docs/zigzag.md, "A ZigZag
accelerator as a Ripple architecture")."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import yaml

from ripple.arch import load_architecture
from ripple.arch.zigzag_export import zigzag_accelerator
from ripple.arch.zigzag_import import import_zigzag_architecture
from ripple.imported import Imported
from ripple.report.json_out import write_text


def add_convert_command(commands: argparse._SubParsersAction) -> None:
    convert = commands.add_parser("convert", help="write a ZigZag accelerator as a Ripple "
                                  "architecture YAML, or back")
    direction = convert.add_mutually_exclusive_group(required=True)
    direction.add_argument("--from", dest="source_tool", choices=("zigzag",),
                           help="the tool the file comes from (written as Ripple's file)")
    direction.add_argument("--to", dest="target_tool", choices=("zigzag",),
                           help="the tool to write a Ripple architecture for")
    convert.add_argument("spec", help="the file to convert (a ZigZag accelerator YAML with "
                                      "--from, a Ripple architecture YAML with --to)")
    convert.add_argument("-o", "--output", required=True,
                         help="the YAML file to write ('-': stdout)")
    convert.set_defaults(run=_convert)


def _convert(args: argparse.Namespace) -> int:
    if args.source_tool:
        imported = import_zigzag_architecture(args.spec)
        document: Imported[Any] = Imported(
            imported.value.model_dump(mode="json", exclude_defaults=True), imported.notes)
        how = "--from zigzag"
    else:
        document = zigzag_accelerator(load_architecture(args.spec), args.spec)
        how = "--to zigzag"
    header = [f"# converted by 'ripple convert {how}' from {args.spec}"]
    header += [f"# note: {note}" for note in document.notes]
    write_text("\n".join(header) + "\n" + yaml.safe_dump(document.value,
                                                         sort_keys=False).rstrip(), args.output)
    if args.output != "-":
        print(f"wrote {args.output}", file=sys.stderr)
    return 0
