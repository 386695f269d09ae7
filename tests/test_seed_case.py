"""SPEC section 4: the three seed-case rows, exactly, through the CLI."""

from __future__ import annotations

import math

import pytest

from tests.conftest import cli_json

# (I reads, W reads, O reads, O writes, MACs issued, cycles, energy pJ) from SPEC section 4
SEED_TABLE = {
    "weight_stationary": (81, 9, 81, 81, 648, 81, 2858.22),
    "input_scatter": (25, 225, 225, 225, 1800, 225, 7939.5),
    "event_driven": (25, 81, 81, 81, 648, 81, 3026.22),
}


@pytest.mark.parametrize("name", sorted(SEED_TABLE))
def test_seed_row(seed_dir, name):
    doc = cli_json("evaluate", "-w", str(seed_dir / "workload.yaml"), "-a",
                   str(seed_dir / "arch.yaml"), "-m", str(seed_dir / f"mapping_{name}.yaml"))
    i_reads, w_reads, o_reads, o_writes, macs, cycles, energy = SEED_TABLE[name]
    acc = doc["accesses"]
    assert acc["input_sram"]["I"]["reads"] == i_reads
    assert acc["weight_output_sram"]["W"]["reads"] == w_reads
    assert acc["weight_output_sram"]["O"]["reads"] == o_reads
    assert acc["weight_output_sram"]["O"]["writes"] == o_writes
    assert acc["input_sram"]["I"]["writes"] == acc["weight_output_sram"]["W"]["writes"] == 0
    assert doc["macs"]["issued"] == macs
    assert doc["macs"]["valid"] == 648
    assert doc["latency_cycles"] == doc["latency"]["compute"] == cycles
    assert math.isclose(doc["energy_pj"], energy, rel_tol=1e-9)
    assert set(doc["latency"]) == {"compute", "stall", "fill", "drain"}


def test_scatter_energy_breakdown(seed_dir):
    """7939.5 = 72 (MACs) + 262.5 (I) + 2362.5 (W) + 5242.5 (O)."""
    doc = cli_json("evaluate", "-w", str(seed_dir / "workload.yaml"), "-a",
                   str(seed_dir / "arch.yaml"), "-m", str(seed_dir / "mapping_input_scatter.yaml"))
    e = doc["energy_breakdown_pj"]
    assert math.isclose(e["mac"], 72.0)
    assert math.isclose(sum(e["input_sram"]["I"].values()), 262.5)
    assert math.isclose(sum(e["weight_output_sram"]["W"].values()), 2362.5)
    assert math.isclose(sum(e["weight_output_sram"]["O"].values()), 5242.5)


def test_event_driven_outputs_final_at_their_last_event(seed_dir):
    """Output (oy, ox) is final at the last step of event (oy+2, ox+2): events run row by row,
    and an event (iy, ix) issues one step per valid tap, n(iy)*n(ix) with n = 1 2 3 2 1."""
    from ripple.api import seed_case_nests
    from ripple.model import evaluate

    event = evaluate(seed_case_nests()[2])
    taps = [1, 2, 3, 2, 1]
    steps = [taps[iy] * taps[ix] for iy in range(5) for ix in range(5)]
    end_of_event = {(iy, ix): sum(steps[: iy * 5 + ix + 1]) for iy in range(5) for ix in range(5)}
    for oy in range(3):
        for ox in range(3):
            assert (event.ready[0, :, oy, ox] == end_of_event[(oy + 2, ox + 2)]).all()
    assert event.to_dict()["accesses"]["weight_output_sram"]["O"]["final_writes"] == 9
