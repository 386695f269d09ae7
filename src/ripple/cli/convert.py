"""``ripple convert``: another tool's specification written as Ripple's own file, to read and
edit (docs/zigzag.md, "A ZigZag accelerator as a Ripple architecture")."""

from __future__ import annotations

import argparse
import sys

import yaml

from ripple.report.json_out import write_text


def add_convert_command(commands: argparse._SubParsersAction) -> None:
    convert = commands.add_parser("convert", help="write another tool's accelerator as a "
                                  "Ripple architecture YAML")
    convert.add_argument("--from", dest="tool", choices=("zigzag",), required=True,
                         help="the tool the file comes from")
    convert.add_argument("spec", help="the file to convert (a ZigZag accelerator YAML)")
    convert.add_argument("-o", "--output", required=True,
                         help="the Ripple architecture YAML to write ('-': stdout)")
    convert.set_defaults(run=_convert)


def _convert(args: argparse.Namespace) -> int:
    from ripple.arch.zigzag_import import import_zigzag_architecture

    imported = import_zigzag_architecture(args.spec)
    header = [f"# converted by 'ripple convert --from zigzag' from {args.spec}"]
    header += [f"# note: {note}" for note in imported.notes]
    document = imported.value.model_dump(mode="json", exclude_defaults=True)
    write_text("\n".join(header) + "\n" + yaml.safe_dump(document, sort_keys=False).rstrip(),
               args.output)
    if args.output != "-":
        print(f"wrote {args.output}", file=sys.stderr)
    return 0
