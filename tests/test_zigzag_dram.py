"""Cross-check with ZigZag 3.9 on LeNet-5 over the seed array with DRAM, and ZigZag's allocation
of a temporal ordering to each operand's memories (docs/zigzag.md).

ZigZag's mapper (LOMA) picks a mapping per layer on ``accelerator_dram.yaml``; Ripple evaluates
it twice: through ``ripple evaluate --zigzag`` (ZigZag's files, the ordering allocated to the
memories by Ripple's reproduction of ZigZag's allocator), and written as a Ripple mapping with
ZigZag's own per-operand allocation on ``examples/seed_dram/arch.yaml``. Energy must equal
ZigZag's (to rounding). On an accelerator with small SRAMs the allocation is uneven (operands
cut at different loops): Ripple's must be ZigZag's, loop for loop, and so must the energy.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pytest
import yaml

from ripple.api import evaluate_zigzag, load_zigzag_nest
from ripple.arch import load_architecture
from ripple.mapping import Mapping, bind
from ripple.model import evaluate
from tests.conftest import EXAMPLES, SHARED
from tests.test_zigzag_lenet5 import DIMS, _ripple_layer

zigzag_api = pytest.importorskip("zigzag.api", reason="ZigZag is an optional test extra")

pytestmark = pytest.mark.slow
LENET = SHARED / "reference" / "zigzag" / "lenet5"
LAYERS = ["conv1", "conv2", "fc1", "fc2", "fc3"]
# ZigZag's memory names on accelerator_dram.yaml -> Ripple's on examples/seed_dram
SEED_DRAM_NAMES = {"dram": "dram", "sram_buffer_inputs_256KB": "input_sram",
                   "sram_256KB": "weight_output_sram"}
ZIGZAG_OPERAND_MEMORIES = {"I": ["sram_buffer_inputs_256KB", "dram"],
                           "W": ["sram_256KB", "dram"], "O": ["sram_256KB", "dram"]}


def _zigzag(workload: Path, accelerator: Path, mapping: Path, dump: Path):
    logging.disable(logging.INFO)
    energy, latency, cmes = zigzag_api.get_hardware_performance_zigzag(
        str(workload), str(accelerator), str(mapping), dump_folder=str(dump),
        loma_show_progress_bar=False, opt="energy")
    return energy, latency, cmes[0][1][0][0]


def _allocation(cme) -> dict[str, dict[str, list[tuple[str, int]]]]:
    """ZigZag's loops per operand and memory, outermost first, as a Ripple placement (keys:
    ZigZag's memory names)."""
    out = {}
    for op, levels in cme.temporal_mapping.mapping_dic_origin.items():
        names = ZIGZAG_OPERAND_MEMORIES[str(op)]
        out[str(op)] = {names[i]: [(DIMS[str(d)], int(s)) for d, s in reversed(loops)]
                        for i, loops in reversed(list(enumerate(levels)))}
    return out


def _spatial(cme) -> list[tuple[str, int]]:
    operand = next(op for op in cme.spatial_mapping.mapping_dict_origin if str(op) == "O")
    return [(DIMS[str(d)], math.ceil(s - 1e-9))
            for d, s in cme.spatial_mapping.mapping_dict_origin[operand][0]]


def _zigzag_mapping_file(cme, path: Path) -> Path:
    """ZigZag's chosen mapping as a ZigZag mapping file: its spatial unrolling and the one
    temporal ordering (innermost first) it allocated."""
    operand = next(op for op in cme.temporal_mapping.mapping_dic_origin if str(op) == "O")
    ordering = [[str(d), int(s)] for level in cme.temporal_mapping.mapping_dic_origin[operand]
                for d, s in level]
    spatial = {"D1": [f"{d}, {s}" for d, s in _spatial(cme)]}
    path.write_text(yaml.safe_dump([{"name": "default", "spatial_mapping": spatial,
                                     "temporal_ordering": ordering,
                                     "memory_operand_links": {"O": "O", "W": "I2",
                                                              "I": "I1"}}]))
    return path


@pytest.mark.parametrize("layer_name", LAYERS)
def test_zigzag_choice_on_dram_evaluates_within_half_a_percent(layer_name, tmp_path):
    workload = LENET / f"workload_{layer_name}.yaml"
    energy, _, cme = _zigzag(workload, LENET / "accelerator_dram.yaml",
                             LENET / "mapping_default_exploration.yaml", tmp_path)
    allocation = _allocation(cme)

    # ZigZag's own files, the ordering allocated by Ripple as ZigZag allocates it
    files = (LENET / "accelerator_dram.yaml", workload,
             _zigzag_mapping_file(cme, tmp_path / "mapping.yaml"))
    nest = load_zigzag_nest(*files).value
    assert nest.mapping.placement == allocation
    imported = evaluate_zigzag(*files).value
    assert imported.energy_pj == pytest.approx(energy, rel=1e-9)
    # latency term by term (docs/zigzag.md): equal, but for the first tile of fc3, which
    # ZigZag sizes with its fractional unrolling (C 7.64) and Ripple with the 8 NPEs it uses
    lat = imported.latency
    assert (lat.compute, lat.stall, lat.drain) == (
        cme.ideal_temporal_cycle, cme.stall_slack_comb, cme.data_offloading_cycle)
    if layer_name != "fc3":
        assert lat.fill == cme.data_onloading_cycle

    # the same mapping written for Ripple's own seed_dram architecture
    placement = {op: {SEED_DRAM_NAMES[m]: loops for m, loops in per_memory.items()}
                 for op, per_memory in allocation.items()}
    order = [lp for loops in placement["O"].values() for lp in loops]
    mapping = Mapping(name="zigzag_choice", spatial={"D1": _spatial(cme)},
                      temporal={"sram": order}, placement=placement)
    arch = load_architecture(EXAMPLES / "seed_dram" / "arch.yaml")
    result = evaluate(bind(_ripple_layer(workload), arch, mapping))
    assert result.energy_pj == pytest.approx(energy, rel=1e-9)
    # access for access under the import's write-back convention (which moves final outputs
    # as partial sums below a reduction: the same transactions here, other bits)
    zigzag_writebacks = arch.model_copy(update={"conventions": arch.conventions.model_copy(
        update={"writeback_precision": "per_link"})})
    result = evaluate(bind(_ripple_layer(workload), zigzag_writebacks, mapping))
    assert result.accesses == {SEED_DRAM_NAMES[m]: per_op
                               for m, per_op in imported.accesses.items()}


@pytest.mark.parametrize("layer_name", ["conv2", "fc1"])
def test_narrow_accesses_are_priced_as_zigzag_prices_them(layer_name, tmp_path):
    """Ports whose ``bandwidth_min`` is below ``bandwidth_max`` (8 of 64 bits at the DRAM, 16
    of 128 at the SRAMs): ZigZag charges a transfer ``ceil(bits/min)`` accesses of ``min/max``
    of the access energy, and Ripple's ``*_granule_bits`` the same, to the picojoule."""
    spec = yaml.safe_load((LENET / "accelerator_dram.yaml").read_text())
    for name, memory in spec["memories"].items():
        for port in memory["ports"]:
            port["bandwidth_min"] = 8 if name == "dram" else 16
    accelerator = tmp_path / "narrow.yaml"
    accelerator.write_text(yaml.safe_dump(spec, sort_keys=False))
    workload = LENET / f"workload_{layer_name}.yaml"
    energy, _, cme = _zigzag(workload, accelerator, LENET / "mapping_default_exploration.yaml",
                             tmp_path)
    files = (accelerator, workload, _zigzag_mapping_file(cme, tmp_path / "mapping.yaml"))
    narrow = evaluate_zigzag(*files).value
    assert narrow.energy_pj == pytest.approx(energy, rel=1e-9)
    wide = evaluate(bind(narrow.layer, load_architecture(LENET / "accelerator_dram.yaml"),
                         load_zigzag_nest(*files).value.mapping))
    assert narrow.energy_pj < wide.energy_pj  # the same mapping, fewer bits paid for


def _small_sram_accelerator(tmp_path: Path, bits: int) -> Path:
    spec = yaml.safe_load((LENET / "accelerator_dram.yaml").read_text())
    for name in ("sram_buffer_inputs_256KB", "sram_256KB"):
        spec["memories"][name]["size"] = bits
    path = tmp_path / "accelerator.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))  # ZigZag reads memories in order
    return path


ORDERINGS = {
    "conv2": ("K, 8", [["OX", 10], ["OY", 10], ["FX", 5], ["FY", 5], ["K", 2], ["C", 6]]),
    "conv2b": ("K, 8", [["FX", 5], ["FY", 5], ["C", 6], ["OX", 10], ["K", 2], ["OY", 10]]),
    "conv1": ("OX, 7", [["FY", 5], ["OX", 2], ["FX", 5], ["OX", 2], ["OY", 28], ["K", 6]]),
    "fc1": ("C, 8", [["C", 5], ["K", 6], ["C", 5], ["K", 5], ["C", 2], ["K", 4]]),
}


@pytest.mark.parametrize("bits", [2048, 4096, 16384, 32768])
@pytest.mark.parametrize("case", sorted(ORDERINGS))
def test_uneven_allocation_is_zigzags(case, bits, tmp_path):
    """A fixed temporal ordering on SRAMs too small for every loop: ZigZag's allocator cuts
    each operand where its tiles stop fitting, mostly each operand differently (in all but two
    of these cases)."""
    accelerator = _small_sram_accelerator(tmp_path, bits)
    layer_name = case.rstrip("b")
    spatial, ordering = ORDERINGS[case]
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(yaml.safe_dump([{
        "name": "default", "spatial_mapping": {"D1": [spatial]}, "temporal_ordering": ordering,
        "memory_operand_links": {"O": "O", "W": "I2", "I": "I1"}}]))
    workload = LENET / f"workload_{layer_name}.yaml"
    energy, _, cme = _zigzag(workload, accelerator, mapping, tmp_path)
    allocation = _allocation(cme)
    nest = load_zigzag_nest(accelerator, workload, mapping).value
    assert nest.mapping.placement == allocation
    result = evaluate(nest)
    assert result.energy_pj == pytest.approx(energy, rel=1e-9)
