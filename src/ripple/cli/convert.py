"""``ripple convert``: another tool's specification written as Ripple's own file, to read and
edit, and a Ripple file written back as another tool's (docs/zigzag.md, "A ZigZag accelerator
as a Ripple architecture", "Back to ZigZag", "Mapping hints").

Which kind of file is told by its content: a ZigZag accelerator is a mapping with
``operational_array``, a ZigZag mapping file a list of entries; a Ripple architecture has
``levels``, Ripple's constraints do not."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

import yaml

from ripple.report.json_out import write_text

if TYPE_CHECKING:
    from ripple.imported import Imported


def add_convert_command(commands: argparse._SubParsersAction) -> None:
    convert = commands.add_parser("convert", help="write a ZigZag accelerator or mapping file "
                                  "as Ripple's architecture or constraints YAML, or back")
    direction = convert.add_mutually_exclusive_group(required=True)
    direction.add_argument("--from", dest="source_tool", choices=("zigzag",),
                           help="the tool the file comes from (written as Ripple's file)")
    direction.add_argument("--to", dest="target_tool", choices=("zigzag",),
                           help="the tool to write a Ripple file for")
    convert.add_argument("spec", help="the file to convert: with --from a ZigZag accelerator "
                                      "or mapping file, with --to a Ripple architecture or "
                                      "constraints file")
    convert.add_argument("-w", "--workload", help="with --from and a ZigZag mapping file: the "
                         "workload whose layers take its entries (as ZigZag picks them)")
    convert.add_argument("-o", "--output", required=True,
                         help="the YAML file to write ('-': stdout)")
    convert.set_defaults(run=_convert)


def _convert(args: argparse.Namespace) -> int:
    if args.source_tool:
        document, how = _from_zigzag(args), "--from zigzag"
    else:
        document, how = _to_zigzag(args.spec), "--to zigzag"
    header = [f"# converted by 'ripple convert {how}' from {args.spec}"]
    header += [f"# note: {note}" for note in document.notes]
    write_text("\n".join(header) + "\n" + yaml.safe_dump(document.value,
                                                         sort_keys=False).rstrip(), args.output)
    if args.output != "-":
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _from_zigzag(args: argparse.Namespace) -> Imported[Any]:
    # imported here, not at the top: ``ripple --help`` does not load the models
    from ripple.arch.zigzag_import import import_zigzag_architecture
    from ripple.dse.zigzag_hints import zigzag_mapping_file
    from ripple.errors import RippleInputError
    from ripple.imported import Imported

    if not zigzag_mapping_file(args.spec):
        imported = import_zigzag_architecture(args.spec)
        return Imported(imported.value.model_dump(mode="json", exclude_defaults=True),
                        imported.notes)
    if args.workload is None:
        raise RippleInputError("a ZigZag mapping file picks an entry per layer: give the "
                               "workload with -w", source=args.spec)
    from ripple.api import exploration_constraints
    from ripple.workload import load_any_workload

    network = load_any_workload(args.workload)
    rules = exploration_constraints(args.spec, args.workload, network, network.mac_layers)
    return Imported(rules.value.model_dump(mode="json", exclude_defaults=True), rules.notes)


def _to_zigzag(spec: str) -> Imported[Any]:
    from ripple.arch import is_zigzag_accelerator, load_architecture
    from ripple.arch.zigzag_export import zigzag_accelerator
    from ripple.dse.constraints import load_constraints
    from ripple.dse.zigzag_hints import zigzag_mapping_entries
    from ripple.specio import read_peer_yaml

    data, _ = read_peer_yaml(spec, "ZigZag")
    if is_zigzag_accelerator(spec) or (isinstance(data, dict) and "levels" in data):
        return zigzag_accelerator(load_architecture(spec), spec)
    return zigzag_mapping_entries(load_constraints(spec))
