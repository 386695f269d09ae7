"""``ripple explore``: the mapspace of a workload evaluated and exported row by row, with a
progress bar and the estimate said before the run (docs/exploration.md)."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import TYPE_CHECKING

from rich.console import Console

from ripple.cli import flags
from ripple.cli.common import (
    densities_of,
    density_options,
    json_only,
    print_notes,
    report_html_option,
    workload_and_arch,
)
from ripple.cli.progress import wanted
from ripple.cli.save_mappings import add_save_options, check_save_options, save_explored
from ripple.lazy import lazy_module
from ripple.report.console import output_console

api = lazy_module("ripple.api")  # loaded when the command runs, not for --help
report = lazy_module("ripple.report")

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from ripple.dse.estimate import ExplorationEstimate


def add_explore_command(commands: argparse._SubParsersAction) -> None:
    ex = commands.add_parser("explore", help="search a mapspace's optimum, or evaluate it whole "
                             "and export every row (--export)")
    workload_and_arch(ex, "architecture YAML")
    ex.add_argument("--layer", help="explore this MAC layer only (default: every MAC layer)")
    ex.add_argument("--constraints", help="constraints YAML (orders, unrollings, levels, "
                    "preset, per layer), or a ZigZag mapping file")
    ex.add_argument("--objective", choices=("energy", "latency", "edp", "pareto"),
                    default="energy")
    ex.add_argument("--export", help="FILE.parquet or FILE.csv: evaluate every mapping and "
                    "write each as a row (without it: search the optimum, pruning what "
                    "provably cannot win)")
    ex.add_argument("--sample", type=flags.positive_count, metavar="N",
                    help="only N mappings of each layer, drawn uniformly over its space")
    ex.add_argument("--seed", type=flags.seed, default=0, metavar="S",
                    help="the seed of --sample's draw (default 0)")
    ex.add_argument("--plot", metavar="DIR", help="scatter of the space with the Pareto front")
    ex.add_argument("--workers", type=flags.worker_count, default=1,
                    help=f"local worker processes, at most the processors available "
                         f"({flags.cpu_count()} here)")
    ex.add_argument("--scheduler", metavar="ADDRESS",
                    help="a Dask scheduler, tcp://HOST:PORT or tls://HOST:PORT (instead of "
                         "--workers); it exchanges pickles with this process: trusted code only")
    ex.add_argument("--tls-ca", metavar="PEM", help="with a tls:// scheduler: the CA that "
                    "signed its certificate")
    ex.add_argument("--tls-cert", metavar="PEM", help="with a tls:// scheduler: this client's "
                    "certificate (with its key, or --tls-key)")
    ex.add_argument("--tls-key", metavar="PEM", help="with a tls:// scheduler: this client's "
                    "private key")
    ex.add_argument("--resume", action="store_true", help="finish an interrupted run")
    ex.add_argument("--report", action="store_true",
                    help="what one objective's optimum loses against another's")
    ex.add_argument("--limit", type=flags.positive_count, metavar="N",
                    help="explore the first N mappings of each layer (not of the network)")
    ex.add_argument("--batch-size", type=flags.positive_count, default=16_384,
                    help="mappings per task")
    density_options(ex, "search under", ": mappings ranked by their expected sparse counts, "
                    "under the architecture's own sparsity")
    ex.add_argument("--json", metavar="FILE", help="write the findings as JSON ('-': stdout)")
    report_html_option(ex)
    add_save_options(ex)
    flags.resource_options(ex)
    ex.set_defaults(run=_explore)


def _explore(args: argparse.Namespace) -> int:
    if args.export is None:
        return _search(args)
    if args.density or args.digits:
        from ripple.errors import RippleInputError

        raise RippleInputError("an export's rows count the dense schedule; --density and "
                               "--digits rank a search (leave out --export)",
                               field="--density" if args.density else "--digits")
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from ripple.dse.cluster import SchedulerTLS

    check_save_options(args)
    columns = [TextColumn("exploring"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]} mappings/s"), TimeElapsedColumn(),
               TextColumn("ETA"), TimeRemainingColumn()]
    console = Console(stderr=True)
    with Progress(*columns, transient=True, console=console,
                  disable=not wanted(args, console)) as bar:
        task = bar.add_task("explore", total=args.limit, rate="-")

        def advance(rows: int) -> None:
            bar.advance(task, rows)
            elapsed = bar.tasks[0].elapsed or 0.0
            done = bar.tasks[0].completed
            bar.update(task, rate=f"{done / elapsed:,.0f}" if elapsed else "-")

        outcome = api.explore_files(args.workload, args.arch, constraints=args.constraints,
                                    skip_unsupported=args.skip_unsupported,
                                    layer=args.layer, export=args.export, workers=args.workers,
                                    scheduler=args.scheduler, resume=args.resume,
                                    limit=args.limit, batch_size=args.batch_size,
                                    progress=advance,
                                    on_estimate=lambda cost: _announce(args, bar, task, cost),
                                    tls=SchedulerTLS(args.tls_ca, args.tls_cert, args.tls_key),
                                    sample=_sample(args))
    if args.plot:
        from ripple.viz.explore import mapspace_scatter

        for layer in outcome.layers:
            mapspace_scatter(outcome.run, outcome.title, layer, args.plot)
    document = outcome.document(args.objective, report=args.report, front=bool(args.save_front))
    save_explored(args, document)
    if not json_only(args, document):
        output_console().print(report.explore_summary(document))
        print_notes(document.get("imported", []))
    if outcome.run.complete:
        return 0
    stopped = outcome.run.stopped_by or signal.SIGINT
    print(f"ripple: {'terminated' if stopped == signal.SIGTERM else 'interrupted'} (the export "
          "is partial: --resume finishes it)", file=sys.stderr)
    return 128 + stopped  # as a shell reports a run stopped by that signal


def _announce(args: argparse.Namespace, bar: Progress, task: TaskID,
              cost: ExplorationEstimate) -> None:
    """Before the run: the size of the space, on stdout with the summary to come (not beside
    a JSON document there)."""
    bar.update(task, total=cost.explored)
    if args.json != "-":
        Console().print(f"exploring: {cost.describe()}", highlight=False, soft_wrap=True)


#: What only an exhaustive run (--export) does: the argument's attribute and its flag.
EXPORT_ONLY = (("resume", "--resume"), ("scheduler", "--scheduler"), ("report", "--report"),
               ("plot", "--plot"), ("limit", "--limit"))


def _sample(args: argparse.Namespace) -> tuple[int, int] | None:
    return None if args.sample is None else (args.sample, args.seed)


def _search(args: argparse.Namespace) -> int:
    """Without --export: the optimum of each layer (or its front), nothing written but the
    findings (and their report)."""
    from ripple.errors import RippleInputError

    for name, flag in EXPORT_ONLY:
        if getattr(args, name, None):
            raise RippleInputError(f"{flag} reads every mapping of an export: give --export "
                                   "FILE (a search keeps only the optimum)", field=flag)
    if args.save_front and args.objective != "pareto":
        raise RippleInputError("a search keeps the Pareto front only under --objective pareto",
                               field="--save-front")
    check_save_options(args)
    console = Console(stderr=True)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("bounding"), BarColumn(), TextColumn("{task.completed:,} mappings"),
                  TimeElapsedColumn(), transient=True, console=console,
                  disable=not wanted(args, console)) as bar:
        task = bar.add_task("search", total=None)
        document = api.search_files(args.workload, args.arch, objective=args.objective,
                                    skip_unsupported=args.skip_unsupported,
                                    constraints=args.constraints, layer=args.layer,
                                    batch_size=args.batch_size, sample=_sample(args),
                                    workers=args.workers, densities=densities_of(args),
                                    progress=lambda rows: bar.advance(task, rows))
    save_explored(args, document)
    if not json_only(args, document):
        output_console().print(report.search_summary(document))
        print_notes(document.get("imported", []))
    return 0
