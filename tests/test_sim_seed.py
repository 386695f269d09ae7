"""The reference simulator on the seed case (SPEC section 4): counts, energy, log, readiness."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from ripple.arch import load_architecture
from ripple.mapping import LoopNest, bind, load_mapping
from ripple.sim import read_mac_log, simulate
from ripple.sim.maclog import COORDINATES
from ripple.workload import load_workload

SEED = Path(__file__).resolve().parents[1] / "src" / "ripple" / "examples" / "seed_case"

# (I reads, W reads, O reads, O writes, MACs issued, cycles, energy pJ) from SPEC section 4
SEED_TABLE = {
    "weight_stationary": (81, 9, 81, 81, 648, 81, 2858.22),
    "input_scatter": (25, 225, 225, 225, 1800, 225, 7939.5),
    "event_driven": (25, 81, 81, 81, 648, 81, 3026.22),
}


def seed_nest(name: str) -> LoopNest:
    layer = load_workload(SEED / "workload.yaml").layers[0]
    arch = load_architecture(SEED / "arch.yaml")
    return bind(layer, arch, load_mapping(SEED / f"mapping_{name}.yaml"))


@pytest.mark.parametrize("name", sorted(SEED_TABLE))
def test_seed_row(name):
    sim = simulate(seed_nest(name))
    res = sim.result
    i_reads, w_reads, o_reads, o_writes, macs, cycles, energy = SEED_TABLE[name]
    acc = res.accesses
    assert acc["input_sram"]["I"].reads == i_reads
    assert acc["weight_output_sram"]["W"].reads == w_reads
    assert acc["weight_output_sram"]["O"].reads == o_reads
    assert acc["weight_output_sram"]["O"].writes == o_writes
    assert acc["input_sram"]["I"].writes == acc["weight_output_sram"]["W"].writes == 0
    assert res.macs_issued == macs
    assert res.macs_valid == 648
    assert res.latency.compute == res.latency.total == cycles
    assert math.isclose(res.energy_pj, energy, rel_tol=1e-12)
    assert sim.match and sim.max_abs_error == 0
    assert res.mapping_name == seed_nest(name).mapping.name
    assert sim.mac_log_rows == 0


def test_scatter_energy_breakdown():
    """7939.5 = 72 (MACs) + 262.5 (I) + 2362.5 (W) + 5242.5 (O)."""
    out = simulate(seed_nest("input_scatter")).result.energy_breakdown()
    assert math.isclose(out["mac"], 72.0)
    assert math.isclose(out["input_sram"]["I"]["read"], 262.5)
    assert math.isclose(out["weight_output_sram"]["W"]["read"], 2362.5)
    o = out["weight_output_sram"]["O"]
    assert math.isclose(o["read"] + o["write"], 5242.5)


def test_weight_stationary_final_writes():
    """Outputs become final in the last (fx, fy) = (2, 2) sweep: 9 steps of 8 final outputs."""
    res = simulate(seed_nest("weight_stationary")).result
    o = res.accesses["weight_output_sram"]["O"]
    assert o.final_writes == 9
    assert o.write_bits == o.read_bits == 81 * 8 * 16
    assert (res.ready[:, :, :, :] >= 73).all() and res.ready.max() == 81


def test_event_driven_log_and_readiness(tmp_path):
    nest = seed_nest("event_driven")
    sim = simulate(nest, log_path=tmp_path / "events.csv")
    log = read_mac_log(tmp_path / "events.csv")
    assert sim.mac_log_rows == len(log["cycle"]) == 648
    assert log["valid"].all()
    assert set(log) == {"cycle", "npe_D1", "input", "weight", "output", "valid", *COORDINATES}
    assert sorted(np.unique(log["npe_D1"])) == list(range(8))
    # output (k, oy, ox) becomes final at the last step of event (iy, ix) = (oy + 2, ox + 2)
    ready = sim.result.ready
    assert ready.shape == (1, 8, 3, 3)
    for oy in range(3):
        for ox in range(3):
            event = (oy + 2) * 5 + (ox + 2)
            last_cycle = log["cycle"][log["input"] == event].max()
            assert (ready[0, :, oy, ox] == last_cycle + 1).all()
    # each output's first MAC is the first event that touches it, (iy, ix) = (oy, ox)
    first = sim.result.first
    for oy in range(3):
        for ox in range(3):
            assert (first[0, :, oy, ox] == log["cycle"][log["input"] == oy * 5 + ox].min()).all()


def test_event_driven_reads_each_event_once():
    """25 events, each read once and broadcast to the 8 NPEs; weights re-read per event."""
    sim = simulate(seed_nest("event_driven"))
    i_acc = sim.result.accesses["input_sram"]["I"]
    assert i_acc.reads == 25 and i_acc.read_bits == 25 * 16


def test_scatter_log(tmp_path):
    sim = simulate(seed_nest("input_scatter"), log_path=tmp_path / "scatter.parquet")
    log = read_mac_log(tmp_path / "scatter.parquet")
    assert sim.mac_log_rows == len(log["cycle"]) == 1800
    assert int((~log["valid"]).sum()) == 1152
    assert sim.result.ready.shape == (1, 8, 7, 7)  # the enlarged buffer
    assert sim.output.shape == (1, 8, 3, 3)
    assert sim.match


@pytest.mark.parametrize("name", sorted(SEED_TABLE))
def test_seed_golden_with_given_tensors(name):
    inputs = np.arange(25, dtype=np.int64).reshape(1, 1, 5, 5)
    weights = np.arange(72, dtype=np.int64).reshape(8, 1, 3, 3) - 30
    sim = simulate(seed_nest(name), inputs=inputs, weights=weights)
    assert sim.match
    naive = np.zeros((8, 3, 3), dtype=np.int64)
    for k in range(8):
        for oy in range(3):
            for ox in range(3):
                naive[k, oy, ox] = (inputs[0, 0, oy:oy + 3, ox:ox + 3] * weights[k, 0]).sum()
    assert np.array_equal(sim.output[0], naive)
