"""LeNet-5 on the seed array with DRAM: ZigZag's chosen mapping per layer, its energy and its
latency term by term in ZigZag 3.9 and in Ripple (docs/zigzag.md, "Latency, term by term").

    python benchmarks/zigzag_dram_latency.py

Needs the test extra (ZigZag) and ``../shared`` beside the project.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from ripple.api import evaluate_zigzag

try:
    from zigzag import api as zigzag_api
except ImportError as missing:  # pragma: no cover - ZigZag is a test extra
    raise SystemExit("this benchmark needs ZigZag: pip install '.[test]'") from missing

ROOT = Path(__file__).resolve().parents[1]
LENET = ROOT.parent / "shared" / "reference" / "zigzag" / "lenet5"
LAYERS = ["conv1", "conv2", "fc1", "fc2", "fc3"]


def _ordering_file(cme, path: Path) -> Path:
    """ZigZag's chosen ordering and unrolling as a fixed ZigZag mapping file."""
    operand = next(op for op in cme.temporal_mapping.mapping_dic_origin if str(op) == "O")
    ordering = [[str(d), int(s)] for level in cme.temporal_mapping.mapping_dic_origin[operand]
                for d, s in level]
    spatial = [f"{d}, {int(-(-s // 1))}" for d, s in
               next(v for k, v in cme.spatial_mapping.mapping_dict_origin.items()
                    if str(k) == "O")[0]]
    path.write_text(yaml.safe_dump([{"name": "default", "spatial_mapping": {"D1": spatial},
                                     "temporal_ordering": ordering,
                                     "memory_operand_links": {"O": "O", "W": "I2",
                                                              "I": "I1"}}]))
    return path


def _table(title: str, first: str) -> Table:
    table = Table(title=title)
    for column in (first, "energy pJ ZigZag", "energy pJ Ripple", "ZigZag compute+stall+"
                   "onload+offload = total", "Ripple compute+stall+fill+drain = total"):
        table.add_column(column, justify="right")
    return table


def _row(table: Table, label: str, energy: float, cme, ripple) -> None:
    lat = ripple.latency
    zz = (f"{cme.ideal_temporal_cycle:,.0f}+{cme.stall_slack_comb:,.0f}+"
          f"{cme.data_onloading_cycle:,.0f}+{cme.data_offloading_cycle:,.0f} = "
          f"{cme.latency_total2:,.0f}")
    rp = f"{lat.compute:,}+{lat.stall:,}+{lat.fill:,}+{lat.drain:,} = {lat.total:,}"
    table.add_row(label, f"{energy:,.1f}", f"{ripple.energy_pj:,.1f}", zz, rp)


def _zigzag(workload: Path, accelerator: Path, mapping: Path, dump: str):
    energy, _, cmes = zigzag_api.get_hardware_performance_zigzag(
        str(workload), str(accelerator), str(mapping), dump_folder=dump,
        loma_show_progress_bar=False, opt="energy")
    return energy, cmes[0][1][0][0]


def _small_srams(bits: int, path: Path) -> Path:
    spec = yaml.safe_load((LENET / "accelerator_dram.yaml").read_text())
    for name in ("sram_buffer_inputs_256KB", "sram_256KB"):
        spec["memories"][name]["size"] = bits
    path.write_text(yaml.safe_dump(spec, sort_keys=False))  # ZigZag reads memories in order
    return path


def main() -> None:
    logging.disable(logging.INFO)
    console = Console(width=200)
    table = _table("LeNet-5 on accelerator_dram.yaml: ZigZag's choice, both tools", "layer")
    with tempfile.TemporaryDirectory() as tmp:
        for name in LAYERS:
            workload = LENET / f"workload_{name}.yaml"
            energy, cme = _zigzag(workload, LENET / "accelerator_dram.yaml",
                                  LENET / "mapping_default_exploration.yaml", tmp)
            mapping = _ordering_file(cme, Path(tmp) / f"{name}.yaml")
            ripple = evaluate_zigzag(LENET / "accelerator_dram.yaml", workload, mapping).value
            _row(table, name, energy, cme, ripple)
        console.print(table)
        # one fixed ordering of conv2 on SRAMs too small for it: uneven allocations
        table = _table("conv2, ordering OX10 OY10 FX5 FY5 K2 C6 (innermost first), K8 "
                       "spatial, SRAMs of N bits", "SRAM bits")
        mapping = Path(tmp) / "fixed.yaml"
        mapping.write_text(yaml.safe_dump([{
            "name": "default", "spatial_mapping": {"D1": ["K, 8"]},
            "temporal_ordering": [["OX", 10], ["OY", 10], ["FX", 5], ["FY", 5], ["K", 2],
                                  ["C", 6]],
            "memory_operand_links": {"O": "O", "W": "I2", "I": "I1"}}]))
        workload = LENET / "workload_conv2.yaml"
        for bits in (2048, 4096, 16384, 32768):
            accelerator = _small_srams(bits, Path(tmp) / f"accelerator_{bits}.yaml")
            energy, cme = _zigzag(workload, accelerator, mapping, tmp)
            ripple = evaluate_zigzag(accelerator, workload, mapping).value
            _row(table, f"{bits:,}", energy, cme, ripple)
        console.print(table)


if __name__ == "__main__":
    main()
