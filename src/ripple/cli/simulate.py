"""``ripple simulate``: one mapping run MAC by MAC on real tensors, checked against a golden
convolution."""

from __future__ import annotations

import argparse
import sys

from ripple.budget import DEFAULT_MAX_LOG_GB, DEFAULT_MAX_MACS, SimulationLimits
from ripple.cli import flags
from ripple.cli.common import json_only, print_notes, report_html_option, workload_and_arch
from ripple.cli.progress import progress_bar
from ripple.errors import RippleInputError
from ripple.lazy import lazy_module
from ripple.report.console import output_console

api = lazy_module("ripple.api")  # loaded when the command runs, not for --help
report = lazy_module("ripple.report")


def add_simulate_command(commands: argparse._SubParsersAction) -> None:
    sim = commands.add_parser("simulate", help="run one mapping MAC by MAC on real tensors "
                              "and check the output against a golden convolution")
    workload_and_arch(sim, "architecture YAML", required=False)
    which = sim.add_mutually_exclusive_group(required=True)
    which.add_argument("-m", "--mapping", help="mapping YAML")
    which.add_argument("--dataflow", metavar="PRESET",
                       help="instead of -m: the preset's mapping (ws, os, is, rs, ed)")
    which.add_argument("--timeloop", nargs=4, metavar=("PROBLEM", "ARCH", "ERT", "MAPPING"),
                       help="Timeloop's problem, architecture, energy reference table and "
                            "mapping instead of -w -a -m, under Timeloop's conventions")
    sim.add_argument("--layer", help="layer name, when the workload has several")
    sim.add_argument("--inputs", metavar="X.npy", help="input tensor [N, C, IY, IX] (integers); "
                     "default: seeded random")
    sim.add_argument("--weights", metavar="W.npy",
                     help="weight tensor [K, C/G, FY, FX] (integers); default: seeded random")
    sim.add_argument("--seed", type=flags.seed, default=0, help="seed of the random tensors")
    sim.add_argument("--log", metavar="FILE", help="write every issued MAC to FILE (.csv or "
                     ".parquet)")
    sim.add_argument("--animate", metavar="FILE", help="write an animation of the run (.gif, or "
                     ".mp4 with ffmpeg)")
    sim.add_argument("--plot", metavar="DIR",
                     help="write NPE utilisation and output readiness figures into DIR")
    sim.add_argument("--max-macs", type=flags.positive_count, default=DEFAULT_MAX_MACS, metavar="N",
                     help=f"refuse a layer of more MACs (default {DEFAULT_MAX_MACS:,}: a few "
                          "minutes); the estimate of time, memory and log size is in the error")
    sim.add_argument("--max-log-gb", type=flags.positive_size, default=DEFAULT_MAX_LOG_GB,
                     metavar="N",
                     help=f"refuse a MAC log larger than this (default {DEFAULT_MAX_LOG_GB:g} GB)")
    sim.add_argument("--json", metavar="FILE", help="write the JSON result to FILE ('-': stdout)")
    report_html_option(sim)
    flags.resource_options(sim)
    sim.set_defaults(run=_simulate)


def _simulate(args: argparse.Namespace) -> int:
    given = [flag for flag, value in (("-w", args.workload), ("-a", args.arch)) if value]
    if args.timeloop and given:
        raise RippleInputError(f"--timeloop names the workload and the architecture; leave out "
                               f"{' and '.join(given)}")
    if not args.timeloop and len(given) < 2:
        raise RippleInputError("give -w WORKLOAD and -a ARCH (or --timeloop PROBLEM ARCH ERT "
                               "MAPPING)")
    with progress_bar(args, "simulating", None, "MACs (two passes)") as bar:
        run = api.simulate_files(args.workload, args.arch, args.mapping, args.layer,
                                 dataflow=args.dataflow, timeloop=args.timeloop,
                                 inputs=args.inputs,
                                 weights=args.weights, seed=args.seed, log=args.log,
                                 animate=args.animate, plot=args.plot,
                                 skip_unsupported=args.skip_unsupported,
                                 limits=SimulationLimits(args.max_macs, args.max_log_gb),
                                 progress=bar.advance, on_total=bar.set_total)
    if not json_only(args, run.to_dict()):
        console = output_console()
        console.print(report.layer_table(run.result))
        verdict = "passed" if run.match else "FAILED"
        console.print(f"golden check {verdict}: max abs error {run.max_abs_error}",
                      highlight=False)
        if args.workload and args.arch:
            print_notes(api.import_workload_for(args.workload, args.arch,
                                                skip_unsupported=args.skip_unsupported).notes)
        for what, path in (("MAC log", args.log), ("animation", args.animate),
                           ("figures", args.plot)):
            if path is not None:
                console.print(f"wrote the {what}: {path}", highlight=False)
    if not run.match:
        print(f"ripple: golden check failed: the simulated output differs from the golden "
              f"convolution (max abs error {run.max_abs_error})", file=sys.stderr)
        return 1
    return 0
