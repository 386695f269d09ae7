"""What the tables say: the MACs' energy apart from the memories' reads and writes, the title of
one network under one dataflow, and ``compare`` taking ``-w`` as every other command does."""

from __future__ import annotations

from rich.console import Console

from ripple.api import evaluate_files
from ripple.report import layer_table
from tests.conftest import EXAMPLES, cli_json, run_cli


def rendered(table) -> str:
    console = Console(record=True, width=200)
    console.print(table)
    return console.export_text()


def test_mac_energy_is_not_a_write(seed_dir):
    result = evaluate_files(seed_dir / "workload.yaml", seed_dir / "arch.yaml",
                            seed_dir / "mapping_event_driven.yaml")
    text = rendered(layer_table(result))
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert [row.split("│")[1].strip() for row in rows] == [
        "input_sram", "weight_output_sram", "weight_output_sram"]
    assert f"(MACs {648 * 0.04:.2f} pJ, memories in the table)" in text


def test_one_network_under_one_dataflow_is_not_a_comparison():
    proc = run_cli("evaluate", "-w", "zoo:lenet5", "-a", str(EXAMPLES / "seed_dram" / "arch.yaml"),
                   "--dataflow", "ed")
    assert proc.returncode == 0, proc.stderr
    assert "lenet5 under event_driven" in proc.stdout
    assert "compared" not in proc.stdout


def test_compare_takes_w_and_n():
    arch = str(EXAMPLES / "seed_dram" / "arch.yaml")
    assert cli_json("compare", "-w", "zoo:lenet5", "-a", arch, "--dataflows", "ws") == \
        cli_json("compare", "-n", "zoo:lenet5", "-a", arch, "--dataflows", "ws")
