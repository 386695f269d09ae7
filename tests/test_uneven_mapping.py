"""Per-operand placement and bypass (docs/mapping.md): counts worked out by hand on the seed
layer over the seed array with DRAM, the model and the simulator alike, and bad input.

The seed layer (5x5 input, eight 3x3 filters, 16 bits) under the weight-stationary nest
``FX3 FY3 OY3 OX3`` with ``K8`` spatial, every loop at the SRAM level. DRAM moves 64 bits per
transaction, the SRAMs 128.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ripple.arch import load_architecture
from ripple.mapping import Mapping, bind
from ripple.model import evaluate
from ripple.sim import simulate
from ripple.workload.sources import load_any_workload
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
WORKLOAD = ROOT / "examples" / "seed_case" / "workload.yaml"
DRAM_ARCH = ROOT / "examples" / "seed_dram" / "arch.yaml"
LOOPS = [("FX", 3), ("FY", 3), ("OY", 3), ("OX", 3)]


def _both(mapping: Mapping, arch_path: Path = DRAM_ARCH):
    nest = bind(load_any_workload(WORKLOAD).layers[0], load_architecture(arch_path), mapping)
    model = evaluate(nest)
    sim = simulate(nest)
    assert sim.match
    assert sim.result.accesses == model.accesses
    assert sim.result.latency == model.latency
    return model


def _one_clear_line(proc, path: Path, field: str, words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(path) in lines[0] and f": {field}: " in lines[0] and words in lines[0], lines[0]


def _mapping(**fields) -> Mapping:
    return Mapping(spatial={"D1": [("K", 8)]}, temporal={"sram": LOOPS}, **fields)


def test_weights_bypassing_the_sram_come_from_dram_at_each_new_tap():
    """W's chain is DRAM -> MACs: the latched weights change with (FX, FY), 9 times, each time
    8 weights of 16 bits = two 64-bit DRAM reads: 18, the SRAM never sees W."""
    level = _both(_mapping())
    bypassed = _both(_mapping(bypass={"weight_output_sram": ["W"]}))
    assert bypassed.accesses["dram"]["W"].reads == 18
    assert bypassed.accesses["weight_output_sram"]["W"].reads == 0
    assert bypassed.accesses["weight_output_sram"]["W"].writes == 0
    # with the SRAM: one fill of the 72 weights (18 DRAM reads, 9 SRAM writes), 9 SRAM reads
    assert level.accesses["dram"]["W"].reads == 18
    assert level.accesses["weight_output_sram"]["W"].writes == 9
    assert level.accesses["weight_output_sram"]["W"].reads == 9
    saved = 9 * 10.5 + 9 * 12.8
    assert bypassed.energy_pj == pytest.approx(level.energy_pj - saved, rel=1e-12)


def test_a_level_can_be_named_for_a_bypass():
    by_level = _both(_mapping(bypass={"sram": ["W"]}))
    by_memory = _both(_mapping(bypass={"weight_output_sram": ["W"]}))
    assert by_level.accesses == by_memory.accesses


def test_inputs_cut_below_fx_are_filled_once_per_input_column_window():
    """I at the input SRAM holds FY3 OY3 OX3, FX3 above it: three fills of 5 rows x 3 columns
    = 15 inputs = 240 bits each: 4 DRAM reads and 2 SRAM writes per fill."""
    placed = _both(_mapping(placement={"I": {"dram": LOOPS[:1], "input_sram": LOOPS[1:]}}))
    assert placed.accesses["dram"]["I"].reads == 12
    assert placed.accesses["input_sram"]["I"].writes == 6
    # the MACs read I exactly as before: their latch sees the same steps
    level = _both(_mapping())
    assert placed.accesses["input_sram"]["I"].reads == level.accesses["input_sram"]["I"].reads
    assert level.accesses["dram"]["I"].reads == 7  # 25 inputs = 400 bits, once


def test_a_placement_at_the_levels_cuts_is_the_level_mapping():
    placement = {"W": {"dram": [], "weight_output_sram": LOOPS},
                 "O": {"dram": [], "sram": LOOPS}}
    assert _both(_mapping(placement=placement)).accesses == _both(_mapping()).accesses


def test_an_overflowing_placed_tile_names_the_placement(tmp_path):
    """A 128-bit input SRAM cannot hold the whole input (level mapping) but holds the 3
    inputs of one OX sweep when FX FY OY are placed above it."""
    spec = yaml.safe_load(DRAM_ARCH.read_text())
    spec["levels"][1]["memories"][0]["capacity_bits"] = 128
    arch = tmp_path / "arch.yaml"
    arch.write_text(yaml.safe_dump(spec))
    ok = _both(_mapping(placement={"I": {"dram": LOOPS[:3], "input_sram": LOOPS[3:]}}), arch)
    assert ok.accesses["input_sram"]["I"].writes == 9 * 3  # 27 fills of 3 x 16 bits
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(yaml.safe_dump({
        "spatial": {"D1": [["K", 8]]}, "temporal": {"sram": [list(lp) for lp in LOOPS]},
        "placement": {"I": {"dram": [list(lp) for lp in LOOPS[:1]],
                            "input_sram": [list(lp) for lp in LOOPS[1:]]}}}))
    proc = run_cli("evaluate", "-w", str(WORKLOAD), "-a", str(arch), "-m", str(mapping))
    _one_clear_line(proc, mapping, "placement.I", "'input_sram' overflows")


BAD = {
    "placed where not held": ({"placement": {"I": {"dram": [], "weight_output_sram": LOOPS}}},
                              "placement.I.weight_output_sram", "does not hold I"),
    "outermost bypassed": ({"bypass": {"dram": ["W"]}}, "bypass.dram",
                           "outermost memory of W"),
    "bypass of an operand not held": ({"bypass": {"input_sram": ["W"]}}, "bypass.input_sram",
                                      "does not hold W"),
    "unknown memory": ({"bypass": {"glb": ["W"]}}, "bypass.glb", "unknown memory or level"),
    "placement out of order": ({"placement": {"I": {"dram": LOOPS[1:2],
                                                    "input_sram": LOOPS[:1] + LOOPS[2:]}}},
                               "placement.I", "in their order"),
    "placement missing a memory": ({"placement": {"I": {"dram": LOOPS}}}, "placement.I",
                                   "no loops given for 'input_sram'"),
    "placement at a bypassed memory": ({"bypass": {"input_sram": ["I"]},
                                        "placement": {"I": {"dram": [],
                                                            "input_sram": LOOPS}}},
                                       "placement.I.input_sram", "bypassed"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_uneven_mapping_is_one_clear_line(case, tmp_path):
    extra, field, words = BAD[case]

    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(yaml.safe_dump({"spatial": {"D1": [["K", 8]]},
                                       "temporal": {"sram": plain(LOOPS)}, **plain(extra)}))
    proc = run_cli("evaluate", "-w", str(WORKLOAD), "-a", str(DRAM_ARCH), "-m", str(mapping))
    _one_clear_line(proc, mapping, field, words)
