"""``to_frame()`` on every kind of result, checked against independent figures, and short
``repr``s."""

from __future__ import annotations

import pandas as pd
import pytest

from ripple import api
from ripple.arch import load_architecture
from ripple.workload import Layer, Workload
from tests.conftest import EXAMPLES

LENET_MACS = 117_600 + 240_000 + 48_000 + 10_080 + 840  # conv1, conv2, fc1-3: closed form
MAX_REPR = 300


def test_layer_frame_holds_the_seed_case_counts():
    """SPEC section 4's event-driven seed case: 25 input reads, 81 weight reads, 81 output
    reads and writes of which 9 final; 3,026.22 pJ with the MACs' 25.92."""
    event = api.seed_case()[2]
    frame = event.to_frame().set_index(["memory", "operand"])
    assert frame.loc[("input_sram", "I"), "reads"] == 25
    assert frame.loc[("weight_output_sram", "W"), "reads"] == 81
    assert tuple(frame.loc[("weight_output_sram", "O"), ["reads", "writes", "final_writes"]]) \
        == (81, 81, 9)
    total = frame["read_pj"].sum() + frame["write_pj"].sum() + 648 * 0.04
    assert total == pytest.approx(3026.22)


def test_network_frame_has_one_row_per_layer():
    result = api.evaluate_network("zoo:lenet5", EXAMPLES / "seed_dram" / "arch.yaml", "ed")
    frame = result.to_frame()
    assert list(frame["layer"]) == ["conv1", "conv2", "fc1", "fc2", "fc3"]
    assert frame["macs_valid"].sum() == LENET_MACS
    assert frame["latency_cycles"].sum() == result.to_dict()["total"]["latency_cycles"]
    assert (frame["latency_cycles"] == frame[["compute_cycles", "stall_cycles", "fill_cycles",
                                              "drain_cycles"]].sum(axis=1)).all()
    assert frame["unmapped"].isna().all()


def test_comparison_frame_lists_unmapped_layers():
    """The seed accelerator (2 Mibit per SRAM) cannot hold the 512x512x3x3 16-bit weights of
    ``big`` (37.7 Mibit) under any preset: its rows keep the layer's place, with the reason and
    no counts."""
    workload = Workload(name="two", layers=[
        Layer(name="small", K=8, C=1, IY=5, IX=5, FY=3, FX=3),
        Layer(name="big", K=512, C=512, IY=5, IX=5, FY=3, FX=3)])
    arch = load_architecture(EXAMPLES / "seed_case" / "arch.yaml")
    comparison = api.compare_dataflows(workload, arch, ["ws", "os", "ed"])
    frame = comparison.to_frame()
    assert len(frame) == 3 * 2
    assert list(frame["dataflow"].unique()) == [r.dataflow for r in comparison]
    for result in comparison:
        rows = frame[frame["dataflow"] == result.dataflow]
        assert list(rows["layer"]) == ["small", "big"]
        assert rows["unmapped"].notna().tolist() == [False, True]
        assert "layer 'big' cannot be mapped" in rows["unmapped"].iloc[1]
        assert pd.isna(rows["energy_pj"].iloc[1])
        assert rows["macs_valid"].iloc[0] == 8 * 9 * 9  # the seed case's 648 valid MACs


def test_multicore_frame_is_per_core():
    result = api.multicore_files("zoo:lenet5", EXAMPLES / "multicore" / "dual_core.yaml",
                                 mode="layer")
    cores = result.to_frame()
    assert list(cores["name"]) == ["core0", "core1"]
    assert cores["macs"].sum() == LENET_MACS
    tiles = result.to_frame("tiles")
    assert tiles["macs"].sum() == LENET_MACS
    assert tiles["end"].max() <= result.latency_cycles
    with pytest.raises(ValueError, match="no table"):
        result.to_frame("nodes")


def test_exploration_frame_is_the_export(tmp_path):
    outcome = api.explore_files(EXAMPLES / "seed_case" / "workload.yaml",
                                EXAMPLES / "seed_case" / "arch.yaml",
                                export=tmp_path / "space.parquet", limit=500)
    frame = outcome.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == outcome.run.rows_written == 500
    best = outcome.document("energy")["layers"][0]["best"]
    assert frame["energy_pj"].min() == best["energy_pj"]
    assert list(outcome.to_frame(["energy_pj"]).columns) == ["energy_pj"]


def test_reprs_are_short(tmp_path):
    network = api.evaluate_network("zoo:resnet18", EXAMPLES / "eyeriss_like" / "arch.yaml",
                                   "os")
    assert len(repr(network)) < MAX_REPR
    assert repr(network).startswith("NetworkResult('resnet18', dataflow='output_stationary'")
    assert len(repr(network.layers[0])) < MAX_REPR
    outcome = api.explore_files(EXAMPLES / "seed_case" / "workload.yaml",
                                EXAMPLES / "seed_case" / "arch.yaml",
                                export=tmp_path / "space.parquet", limit=100)
    assert len(repr(outcome)) < MAX_REPR
    assert len(repr(outcome.run)) < MAX_REPR
