"""The sparsity commands: ``compare --density/--digits`` (dense versus sparse per dataflow) and
``ripple sparsity table7|lenet5``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ripple.cli.common import densities_of, json_only, report_html_option
from ripple.cli.progress import progress_bar
from ripple.errors import RippleInputError
from ripple.lazy import lazy_module
from ripple.report.console import output_console

api = lazy_module("ripple.api")  # loaded when a command runs, not for --help

if TYPE_CHECKING:
    from ripple.arch import Architecture
    from ripple.workload import Workload


def _test_image(text: str) -> int:
    """An index into the digits' test split, checked as the flag is parsed (past the split, the
    forward pass ran on no image and failed deep in NumPy)."""
    from ripple.workload.digits_lenet5 import TEST_SIZE

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text[:40]!r}") from None
    if not 0 <= value < TEST_SIZE:
        raise argparse.ArgumentTypeError(f"expected an index from 0 to {TEST_SIZE - 1} (the "
                                         f"test split's images), got {value:,}")
    return value


def compare_sparsity(args: argparse.Namespace, workload: Workload, arch: Architecture,
                     dataflows: list[str]) -> int:
    from ripple.report.sparsity import dense_sparse_table

    if args.plot:
        raise RippleInputError("--plot draws the dense comparison; leave out --density/--digits")
    densities = densities_of(args)
    assert densities is not None
    total = 2 * len(workload.mac_layers) * len(dataflows)
    with progress_bar(args, "comparing", total, "layers") as bar:
        pairs = api.compare_sparsity(workload, arch, dataflows, densities, bar.advance)
    if json_only(args, {"comparison": [{"dataflow": dense.dataflow, "dense": dense.to_dict(),
                                         "sparse": sparse.to_dict()} for dense, sparse in pairs]}):
        return 0
    output_console().print(dense_sparse_table(pairs))
    return 0


def _lenet5(args: argparse.Namespace) -> int:
    import dataclasses

    from ripple.arch import load_architecture
    from ripple.examples import example_path
    from ripple.report.sparsity import real_tensor_table
    from ripple.sparse.real_tensors import real_tensor_rows

    arch = load_architecture(args.arch or example_path("seed_dram", "arch.yaml"))
    rows = real_tensor_rows(arch, args.dataflows.split(","), args.image)
    if json_only(args, {"lenet5_digits": [dataclasses.asdict(r) for r in rows]}):
        return 0 if all(r.golden for r in rows) else 1
    output_console().print(real_tensor_table(rows))
    return 0 if all(r.golden for r in rows) else 1


def _table7(args: argparse.Namespace) -> int:
    from ripple.report.sparsity import table7_tables
    from ripple.sparseloop.table7 import table7_rows

    rows = table7_rows(args.dir)
    if json_only(args, {"table7": rows}):
        return 0
    console = output_console()
    for table in table7_tables(rows):
        console.print(table)
    return 0



def add_sparsity_commands(commands: argparse._SubParsersAction) -> None:
    sparsity = commands.add_parser("sparsity", help="sparsity validation").add_subparsers(
        dest="sparsity_command", required=True)
    table7 = sparsity.add_parser("table7", help="Eyeriss v1 on AlexNet conv1-5 next to "
                                 "Sparseloop's Table 7 figures")
    table7.add_argument("--dir", help="the Sparseloop artifact's table-7 inputs (default: the "
                        "copy bundled with Ripple)")
    table7.add_argument("--json", metavar="FILE", help="write the rows as JSON ('-': stdout)")
    report_html_option(table7)
    table7.set_defaults(run=_table7)
    digits = sparsity.add_parser("lenet5", help="the digits-trained LeNet-5: the simulator on "
                                 "one test image's real tensors next to the model's expectation")
    digits.add_argument("-a", "--arch", help="architecture YAML (default: the bundled "
                        "seed_dram example)")
    digits.add_argument("--dataflows", default="ed,os", help="comma-separated presets")
    digits.add_argument("--image", type=_test_image, default=0,
                        help="index of the test image")
    digits.add_argument("--json", metavar="FILE", help="write the rows as JSON ('-': stdout)")
    report_html_option(digits)
    digits.set_defaults(run=_lenet5)
