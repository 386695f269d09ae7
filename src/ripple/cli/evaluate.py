"""``ripple evaluate``: one mapping of one layer (Ripple's, ZigZag's or Timeloop's files), or
every layer under a dataflow preset."""

from __future__ import annotations

import argparse

from ripple.cli import flags
from ripple.cli.common import (
    densities_option,
    json_only,
    print_notes,
    report_html_option,
    skip_unsupported_option,
)
from ripple.cli.progress import progress_bar
from ripple.errors import RippleInputError
from ripple.lazy import lazy_module
from ripple.report.console import output_console

api = lazy_module("ripple.api")  # loaded when the command runs, not for --help
report = lazy_module("ripple.report")


def add_evaluate_command(commands: argparse._SubParsersAction) -> None:
    ev = commands.add_parser("evaluate", help="evaluate one mapping of one layer")
    ev.add_argument("-w", "--workload",
                    help="workload: Ripple YAML, an .onnx model, or zoo:NAME")
    ev.add_argument("-a", "--arch", help="architecture YAML")
    ev.add_argument("-m", "--mapping", help="mapping YAML")
    ev.add_argument("--zigzag", nargs=3, metavar=("ACCEL", "WORKLOAD", "MAPPING"),
                    help="ZigZag's accelerator, workload and mapping files instead of -w -a -m")
    ev.add_argument("--timeloop", nargs=4, metavar=("PROBLEM", "ARCH", "ERT", "MAPPING"),
                    help="Timeloop's problem, architecture, energy reference table and mapping "
                         "instead of -w -a -m: evaluated dense under Timeloop's conventions")
    ev.add_argument("--sparse-opt", metavar="FILE",
                    help="with --timeloop: Sparseloop's sparse_optimizations file (compressed "
                         "formats, gating/skipping), under the problem's densities and "
                         "Timeloop's latency (docs/sparseloop.md)")
    ev.add_argument("--boundary", choices=("filter", "scatter"),
                    help="with --zigzag, for input-indexed nests: filter (default) issues only "
                         "valid pairs, scatter is ZigZag's count")
    ev.add_argument("--dataflow", metavar="PRESET",
                    help="instead of -m: every MAC layer under a preset (ws, os, is, rs, ed)")
    ev.add_argument("--layer", help="layer name, when the workload has several")
    skip_unsupported_option(ev)
    ev.add_argument("--density", action="append", metavar="[LAYER:]OP=VALUE",
                    help="density of operand I, W or O (a number, or a .npy tensor to measure), "
                         "for every layer or for LAYER, or a .yaml table; repeatable. Used when "
                         "the architecture skips or gates zero operands (mac.sparsity) or "
                         "stores them compressed (formats): expected counts")
    ev.add_argument("--json", metavar="FILE", help="write the JSON result to FILE ('-': stdout)")
    report_html_option(ev)
    flags.resource_options(ev)
    ev.set_defaults(run=_evaluate)


def _evaluate(args: argparse.Namespace) -> int:
    notes: tuple[str, ...] = ()
    if args.sparse_opt and not args.timeloop:
        raise RippleInputError("--sparse-opt applies to --timeloop (Sparseloop's sparse "
                               "optimisations of a Timeloop specification)",
                               source=args.sparse_opt)
    if args.zigzag:
        accelerator, workload, mapping = args.zigzag
        imported = api.evaluate_zigzag(accelerator, workload, mapping,
                                       boundary=args.boundary or "filter", layer=args.layer)
        result, notes = imported.value, imported.notes
    elif args.timeloop:
        imported = api.evaluate_timeloop_files(*args.timeloop, sparse_opt=args.sparse_opt)
        result, notes = imported.value, imported.notes
    elif args.dataflow:
        return _evaluate_network(args)
    else:
        missing = [flag for flag, value in (("-w", args.workload), ("-a", args.arch),
                                            ("-m", args.mapping)) if value is None]
        if missing:
            raise RippleInputError(f"give {', '.join(missing)} (or --dataflow PRESET instead of "
                                   "-m, or --zigzag ACCEL WORKLOAD MAPPING, or --timeloop "
                                   "PROBLEM ARCH ERT MAPPING)")
        if args.boundary:
            raise RippleInputError("--boundary applies to --zigzag; a Ripple mapping states "
                                   "its boundary")
        result = api.evaluate_files(args.workload, args.arch, args.mapping, args.layer,
                                    densities_option(args), args.skip_unsupported)
        notes = api.import_workload_for(args.workload, args.arch,
                                        skip_unsupported=args.skip_unsupported).notes
    if json_only(args, result.to_dict()):
        return 0
    console = output_console()
    console.print(report.layer_table(result))
    for note in notes:
        console.print(f"note: {note}", highlight=False)
    return 0


def _evaluate_network(args: argparse.Namespace) -> int:
    """Every MAC layer (or the one named by --layer) under a dataflow preset."""
    if args.mapping:
        raise RippleInputError("give either -m MAPPING or --dataflow PRESET, not both")
    if args.workload is None or args.arch is None:
        raise RippleInputError("--dataflow needs -w WORKLOAD and -a ARCH")
    imported = api.import_workload_for(args.workload, args.arch,
                                       skip_unsupported=args.skip_unsupported)
    network = imported.value
    layers = 1 if args.layer else len(network.mac_layers)
    with progress_bar(args, "evaluating", layers, "layers") as bar:
        result = api.evaluate_network(network, args.arch, args.dataflow, args.layer,
                                      densities_option(args), bar.advance)
    if json_only(args, result.to_dict()):
        return 0
    output_console().print(report.dataflow_table([result]))
    print_notes(imported.notes)
    return 0
