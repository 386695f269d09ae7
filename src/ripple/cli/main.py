"""The ``ripple`` command line. Thin: parsing, then one library call per command (the sparsity
commands are in :mod:`ripple.cli.sparsity`)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from rich.table import Table

from ripple import __version__
from ripple.budget import DEFAULT_MAX_LOG_GB, DEFAULT_MAX_MACS, SimulationLimits
from ripple.cli import flags
from ripple.cli.common import (
    densities_option,
    json_only,
    print_notes,
    report_html_option,
    skip_unsupported_option,
    workload_and_arch,
)
from ripple.cli.convert import add_convert_command
from ripple.cli.explore import add_explore_command
from ripple.cli.init import add_init_command
from ripple.cli.mapping_show import add_mapping_commands
from ripple.cli.outputs import check_outputs
from ripple.cli.progress import progress_bar
from ripple.cli.schema import add_schema_command
from ripple.cli.sparsity import add_sparsity_commands, compare_sparsity
from ripple.errors import NothingToDo, RippleInputError
from ripple.lazy import lazy_module
from ripple.report.console import output_console
from ripple.resources import limited

# Loaded when a command runs, not for --help (docs/architecture.md: start-up).
api = lazy_module("ripple.api")
report = lazy_module("ripple.report")
workloads_report = lazy_module("ripple.report.workloads")


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


def _workload(args: argparse.Namespace) -> int:
    imported = api.describe_workload(args.spec, args.skip_unsupported)
    if json_only(args, workloads_report.workload_document(imported.value, imported.notes)):
        return 0
    output_console().print(workloads_report.workload_table(imported.value, imported.notes))
    return 0


def _zoo_list(args: argparse.Namespace) -> int:
    table = Table(title="Ripple zoo (batch 1)")
    for column in ("name", "MAC layers", "MACs", "dense MACs"):
        table.add_column(column, justify="left" if column == "name" else "right")
    for net in api.zoo_networks():
        table.add_row(net.name, str(len(net.mac_layers)), f"{net.macs:,}", f"{net.dense_macs:,}")
    output_console().print(table)
    return 0


def _zoo_export(args: argparse.Namespace) -> int:
    net = api.export_zoo(args.name, args.output)
    print(f"wrote {args.output}: {net.name}, {len(net.mac_layers)} MAC layers, "
          f"{net.dense_macs:,} dense MACs")
    return 0


def _demo(args: argparse.Namespace) -> int:
    results = api.seed_case()
    written = api.seed_case_animation(Path(args.out) / "seed_event_driven_vs_scatter.gif")
    if json_only(args, {"seed_case": [r.to_dict() for r in results]}):
        return 0
    console = output_console()
    console.print(report.comparison_table(results,
                                          "Seed case: 5x5 input, 8 filters 3x3, K over 8 NPEs"))
    console.print()
    ws, scatter, event = results
    invalid = scatter.macs_issued - scatter.macs_valid
    console.print(
        f"The input-indexed nest as ZigZag counts it ([b]{scatter.mapping_name}[/b]) issues "
        f"every (input, tap) pair: {scatter.macs_issued:,} MACs, {invalid:,} of them into "
        f"outputs outside the {event.layer.OY}x{event.layer.OX} image, and {scatter.latency.total}"
        f" cycles for {scatter.energy_pj:,.2f} pJ.\nThe event-driven nest "
        f"([b]{event.mapping_name}[/b]) issues only valid pairs: {event.macs_issued:,} MACs, "
        f"{event.latency.total} cycles, {event.energy_pj:,.2f} pJ; each input is read once "
        f"({_reads(event, 'I')} input reads against {_reads(ws, 'I')} for "
        f"{ws.mapping_name}).\nOutput (k, 0, 0) of the event-driven run is final at cycle "
        f"{int(event.ready[0, 0, 0, 0])}, the last is final at cycle "
        f"{int(event.ready.max())}; at most {event.peak_live_psums} partial sums are live."
    )
    console.print(f"\nwrote the animation of the event-driven and scatter runs: {written}",
                  highlight=False)
    return 0


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


def _compare(args: argparse.Namespace) -> int:
    from ripple.arch import load_architecture

    imported = api.import_workload_for(args.network, args.arch,
                                       skip_unsupported=args.skip_unsupported)
    workload, arch = imported.value, load_architecture(args.arch)
    dataflows = args.dataflows.split(",")
    if args.density or args.digits:
        return compare_sparsity(args, workload, arch, dataflows)
    total = len(workload.mac_layers) * len(dataflows)
    with progress_bar(args, "comparing", total, "layers") as bar:
        results = api.compare_dataflows(workload, arch, dataflows, bar.advance)
    if args.plot:
        from ripple.viz import compare as plots

        plots.comparison_figures(results, args.plot)
    if json_only(args, {"comparison": [r.to_dict() for r in results]}):
        return 0
    output_console().print(report.dataflow_table(results))
    print_notes(imported.notes)
    return 0


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


def _report(args: argparse.Namespace) -> int:
    from ripple.report.html import load_result, write_report

    write_report([load_result(path) for path in args.results], args.output)
    print(f"wrote the report of {len(args.results)} result(s): {args.output}")
    return 0


def _reads(result: object, operand: str) -> int:
    accesses = result.accesses  # type: ignore[attr-defined]
    return sum(per[operand].reads for per in accesses.values() if operand in per)


def build_parser() -> argparse.ArgumentParser:
    parser = flags.OneLineParser(
        prog="ripple", description="Exact models, a reference simulator and design-space "
        "exploration of event-driven and classic DNN accelerator dataflows.")
    parser.add_argument("--version", action="version", version=f"ripple {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

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

    wl = commands.add_parser("workload", help="show a workload's layers, shapes and MACs")
    wl.add_argument("spec", help="Ripple YAML, an .onnx model, or zoo:NAME")
    skip_unsupported_option(wl)
    wl.add_argument("--json", metavar="FILE", help="write the workload as JSON ('-': stdout)")
    wl.set_defaults(run=_workload)

    zoo = commands.add_parser("zoo", help="the built-in networks").add_subparsers(
        dest="zoo_command", required=True)
    zoo.add_parser("list", help="list the networks and their MACs").set_defaults(run=_zoo_list)
    export = zoo.add_parser("export", help="write a network as an ONNX model")
    export.add_argument("name", help="network name (see 'ripple zoo list')")
    export.add_argument("output", metavar="FILE", help="the .onnx file to write")
    export.set_defaults(run=_zoo_export)

    cmp = commands.add_parser("compare", help="one workload under several dataflows")
    cmp.add_argument("-w", "-n", "--workload", "--network", dest="network", required=True,
                     help="workload: Ripple YAML, ONNX file, or zoo:NAME")
    cmp.add_argument("-a", "--arch", required=True, help="architecture YAML")
    skip_unsupported_option(cmp)
    cmp.add_argument("--dataflows", default="ws,os,is,rs,ed",
                     help="comma-separated presets (ws, os, is, rs, ed or full names)")
    cmp.add_argument("--density", action="append", metavar="[LAYER:]OP=VALUE",
                     help="compare dense with these densities (as in evaluate: numbers, .npy "
                          "tensors or a .yaml table; repeatable); the event-driven dataflow "
                          "skips zero inputs")
    cmp.add_argument("--digits", action="store_true",
                     help="compare dense with the densities measured on the LeNet-5 trained on "
                          "scikit-learn's digits (the test images)")
    cmp.add_argument("--json", metavar="FILE", help="write the results as JSON ('-': stdout)")
    cmp.add_argument("--plot", metavar="DIR", help="write figures (PNG and SVG) into DIR")
    report_html_option(cmp)
    flags.resource_options(cmp)
    cmp.set_defaults(run=_compare)

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

    add_explore_command(commands)

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

    add_sparsity_commands(commands)
    add_convert_command(commands)
    add_schema_command(commands)
    add_mapping_commands(commands)
    add_init_command(commands)

    rep = commands.add_parser("report", help="one self-contained HTML report of result JSON "
                              "files (tables, figures, the mapspace of an exploration)")
    rep.add_argument("results", nargs="+", metavar="RESULT.json",
                     help="JSON written by --json of evaluate, simulate, compare, explore, "
                          "multicore or sparsity")
    rep.add_argument("-o", "--output", required=True, metavar="FILE.html",
                     help="the HTML file to write")
    rep.set_defaults(run=_report)

    demo = commands.add_parser("demo", help="the seed case: three dataflows side by side")
    demo.add_argument("--json", metavar="FILE", help="also write the three results as JSON")
    demo.add_argument("--out", metavar="DIR", default="ripple-demo",
                      help="folder for the animation (default: ./ripple-demo)")
    demo.set_defaults(run=_demo)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, as Ctrl-C is: every ``with`` block on the way out
    cleans up (a MAC log's partial file, temporary folders, a progress bar)."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    main_thread = threading.current_thread() is threading.main_thread()  # signals go there
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    try:
        check_outputs(args)  # before the work, not after it
        with limited(getattr(args, "max_memory", None), getattr(args, "force", False)):
            return int(args.run(args))
    except RippleInputError as exc:
        print(f"ripple: error: {exc}", file=sys.stderr)
        return 2
    except NothingToDo as exc:
        print(f"ripple: {exc}")
        return 0
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: one line, the shell's status
        terminated = isinstance(exc, Terminated)
        print(f"ripple: {'terminated' if terminated else 'interrupted'}", file=sys.stderr)
        return 128 + (signal.SIGTERM if terminated else signal.SIGINT)
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
