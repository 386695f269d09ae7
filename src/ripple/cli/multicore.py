"""``ripple multicore``: a workload scheduled on several cores."""

from __future__ import annotations

import argparse

from ripple.cli import flags
from ripple.cli.common import json_only, print_notes, report_html_option, workload_and_arch
from ripple.cli.progress import progress_bar
from ripple.lazy import lazy_module
from ripple.report.console import output_console

api = lazy_module("ripple.api")  # loaded when the command runs, not for --help


def add_multicore_command(commands: argparse._SubParsersAction) -> None:
    mc = commands.add_parser("multicore", help="schedule a workload on several cores: "
                             "layer by layer, fused tiles, or event-driven rows")
    workload_and_arch(mc, "multi-core architecture YAML (Ripple's or Stream's), or one core's "
                      "(Ripple's or a ZigZag accelerator)")
    mc.add_argument("--mode", choices=("layer", "fused", "event"), default="event",
                    help="layer: whole layers; fused: row tiles after whole producer tiles; "
                         "event: rows start on finalised producer rows (default)")
    mc.add_argument("--partition", metavar="FILE",
                    help="splits (channels/rows/both), core allocation, row blocks per layer and "
                         "fused stacks")
    mc.add_argument("--dataflow", metavar="PRESET", help="preset of every tile (ws, os, is, "
                    "rs, ed); best: each tile's best preset (default); explore: each tile's "
                    "explored mapping")
    mc.add_argument("--objective", choices=("latency", "energy", "edp"), default="latency",
                    help="what each tile's mapping and the kept schedule minimise")
    mc.add_argument("--budget", type=flags.positive_count, default=0, metavar="N",
                    help="search the layers' cores and splits: at most N allocations besides "
                         "the given one (default: no search)")
    mc.add_argument("--rows-per-tile", type=flags.positive_count, metavar="N",
                    help="output rows per tile in the fused and event modes (default 4)")
    mc.add_argument("--json", metavar="FILE", help="write the result as JSON ('-': stdout)")
    mc.add_argument("--plot", metavar="DIR", help="write the Gantt chart (PNG and SVG) into DIR")
    mc.add_argument("--trace", metavar="FILE.json", help="write a Perfetto (Chrome trace-event) "
                    "JSON of the schedule")
    report_html_option(mc)
    flags.resource_options(mc)
    mc.set_defaults(run=_multicore)


def _multicore(args: argparse.Namespace) -> int:
    from ripple.multicore.run import progress_steps
    from ripple.report.multicore import multicore_table

    imported = api.import_workload_for(args.workload, args.arch,
                                       skip_unsupported=args.skip_unsupported)
    network = imported.value
    steps = progress_steps(network, args.mode, args.dataflow)
    with progress_bar(args, "scheduling", steps, "steps") as bar:
        result = api.multicore_files(network, args.arch, mode=args.mode,
                                     partition=args.partition, dataflow=args.dataflow,
                                     rows_per_tile=args.rows_per_tile,
                                     objective=args.objective, budget=args.budget,
                                     plot=args.plot,
                                     trace=args.trace, progress=bar.advance)
    document = result.to_dict()
    if imported.notes:
        document["imported"] = [*imported.notes, *document.get("imported", [])]
    if json_only(args, document):
        return 0
    console = output_console()
    console.print(multicore_table(result))
    print_notes((*imported.notes, *result.machine.notes))
    for what, path in (("Gantt chart", args.plot), ("Perfetto trace", args.trace)):
        if path is not None:
            console.print(f"wrote the {what}: {path}", highlight=False)
    return 0
