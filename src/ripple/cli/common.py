"""Pieces every ``ripple`` command shares: the --json convention, the -w/-a options and the
--density table."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ripple.report.json_out import write_json

if TYPE_CHECKING:
    from ripple.workload.densities import DensityTable


def json_only(args: argparse.Namespace, document: object) -> bool:
    """Write ``document`` where --json says and its HTML report where --report-html says;
    True when the JSON went to stdout, which must then carry nothing else."""
    if args.json:
        write_json(document, args.json)
    if getattr(args, "report_html", None):
        from ripple.report.html import ReportInput, write_report

        write_report([ReportInput(f"ripple {args.command}", document,  # type: ignore[arg-type]
                                  Path.cwd())], args.report_html)
    return args.json == "-"


def report_html_option(parser: argparse.ArgumentParser) -> None:
    """--report-html: the result as a self-contained HTML page (tables and figures)."""
    parser.add_argument("--report-html", metavar="FILE",
                        help="also write the result as one self-contained HTML report")


def workload_and_arch(parser: argparse.ArgumentParser, arch_help: str,
                      required: bool = True) -> None:
    """-w and -a (``required=False`` where another tool's files may stand for them)."""
    parser.add_argument("-w", "--workload", required=required,
                        help="workload: Ripple YAML, an .onnx model, or zoo:NAME")
    parser.add_argument("-a", "--arch", required=required, help=arch_help)
    skip_unsupported_option(parser)


def skip_unsupported_option(parser: argparse.ArgumentParser) -> None:
    """--skip-unsupported, on every command that reads a network (the ONNX import names it)."""
    parser.add_argument("--skip-unsupported", action="store_true",
                        help="leave out ONNX nodes Ripple cannot model (a workload file: "
                             "'ripple workload --skip-unsupported' lists them)")


def density_options(parser: argparse.ArgumentParser, what: str, tail: str = "") -> None:
    """--density and --digits: the densities a command runs ``what`` under (``tail``: what
    else the help says)."""
    parser.add_argument("--density", action="append", metavar="[LAYER:]OP=VALUE",
                        help=f"{what} these densities (as in evaluate: numbers, .npy tensors "
                             f"or a .yaml table; repeatable){tail}")
    parser.add_argument("--digits", action="store_true",
                        help=f"{what} the densities measured on the LeNet-5 trained on "
                             "scikit-learn's digits (the test images)")


def densities_option(args: argparse.Namespace) -> DensityTable | None:
    """The --density options as a table (None when none is given)."""
    from ripple.workload.densities import DensityTable

    return DensityTable.parse(args.density) if args.density else None


def densities_of(args: argparse.Namespace) -> DensityTable | None:
    """The table of --density or --digits (None without either)."""
    from ripple.errors import RippleInputError

    if args.digits and args.density:
        raise RippleInputError("give either --digits or --density, not both")
    if args.digits:
        from ripple.sparse.digits import measured_densities

        return measured_densities()
    return densities_option(args)


def print_notes(notes: Iterable[str]) -> None:
    """What the imports decided, after a result's table: one ``imported:`` line each."""
    from ripple.report.console import output_console

    console = output_console()
    for note in notes:
        console.print(f"imported: {note}", highlight=False)
