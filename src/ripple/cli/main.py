"""The ``ripple`` command line. Thin: parsing, then one library call per command. The larger
commands have a module of their own in this folder (evaluate, simulate, explore, multicore,
sparsity, convert, ...); the small ones are here."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from rich.table import Table

from ripple import __version__
from ripple.cli import flags
from ripple.cli.common import (
    density_options,
    json_only,
    print_notes,
    report_html_option,
    skip_unsupported_option,
)
from ripple.cli.convert import add_convert_command
from ripple.cli.evaluate import add_evaluate_command
from ripple.cli.explore import add_explore_command
from ripple.cli.init import add_init_command
from ripple.cli.mapping_show import add_mapping_commands
from ripple.cli.multicore import add_multicore_command
from ripple.cli.outputs import check_outputs
from ripple.cli.progress import progress_bar
from ripple.cli.schema import add_schema_command
from ripple.cli.simulate import add_simulate_command
from ripple.cli.sparsity import add_sparsity_commands, compare_sparsity
from ripple.errors import NothingToDo, RippleInputError
from ripple.lazy import lazy_module
from ripple.report.console import output_console
from ripple.resources import limited

# Loaded when a command runs, not for --help (docs/architecture.md: start-up).
api = lazy_module("ripple.api")
report = lazy_module("ripple.report")
workloads_report = lazy_module("ripple.report.workloads")


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

    add_evaluate_command(commands)

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
    density_options(cmp, "compare dense with", "; the event-driven dataflow skips zero inputs")
    cmp.add_argument("--json", metavar="FILE", help="write the results as JSON ('-': stdout)")
    cmp.add_argument("--plot", metavar="DIR", help="write figures (PNG and SVG) into DIR")
    report_html_option(cmp)
    flags.resource_options(cmp)
    cmp.set_defaults(run=_compare)

    add_simulate_command(commands)

    add_explore_command(commands)

    add_multicore_command(commands)

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
