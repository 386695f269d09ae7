"""Multi-core scheduling on Stream's LeNet-5 setting: MACs, scaling with cores, the single-core
case against the single-core model, MAC-free layers Stream miscounts, a heterogeneous pair."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from ripple.dse.presets import preset_mapping
from ripple.mapping import bind
from ripple.model import evaluate
from ripple.multicore import (
    MODES,
    MulticoreResult,
    load_multicore,
    multicore_from_data,
    run_multicore,
)
from ripple.workload import Layer, Workload, load_any_workload
from tests.conftest import EXAMPLES, SHARED, run_main

#: The Stream LeNet-5 machines by their number of cores.
MACHINES = {1: "single_core.yaml", 2: "dual_core.yaml", 4: "quad_core.yaml"}
LENET = SHARED / "reference" / "onnx" / "lenet5.onnx"
LENET_MACS = 416_520


def machine(cores: int):
    return load_multicore(EXAMPLES / "multicore" / MACHINES[cores])


@cache
def lenet_run(cores: int, mode: str) -> MulticoreResult:
    return run_multicore(load_any_workload(LENET), machine(cores), mode)


@pytest.mark.parametrize("mode", MODES)
def test_lenet5_macs_and_latency_falling_with_cores(mode):
    runs = [lenet_run(cores, mode) for cores in (1, 2, 4)]
    for run in runs:
        assert run.macs == LENET_MACS
        assert sum(core["macs"] for core in run.cores()) == LENET_MACS
        assert run.energy_pj == pytest.approx(sum(run.energy_breakdown().values()))
    latencies = [run.latency_cycles for run in runs]
    assert latencies[0] > latencies[1] > latencies[2], latencies
    # work spreads: on 4 cores every core computes
    assert all(core["macs"] > 0 for core in runs[2].cores())


def test_lenet5_pools_and_relus_are_operations_on_the_post_unit():
    run = lenet_run(2, "fused")
    ops = [r for r in run.schedule.runs if not r.tile.mac]
    assert {r.tile.node for r in ops} == {"relu1", "pool1", "relu2", "pool2", "relu3", "relu4"}
    assert all(r.cost.macs == 0 and r.cost.energy_pj["mac"] == 0 for r in ops)
    assert all(r.end > r.start for r in ops)  # data movement takes time


def test_stream_setting_energy_terms():
    """Off-chip energy is the weights, the input and the output moved once through the 64-bit
    DRAM port (700 / 750 pJ per access); the links cost nothing, as unit_energy_cost 0."""
    run = lenet_run(1, "layer")
    workload = load_any_workload(LENET)
    weight_reads = sum(-(-lyr.K * lyr.C_group * lyr.FY * lyr.FX * 8 // 64)
                       for lyr in workload.mac_layers)
    input_reads, output_writes = 32 * 32 * 8 // 64, -(-10 * 8 // 64)
    energy = run.energy_breakdown()
    assert energy["links"] == 0
    assert energy["offchip"] == pytest.approx((weight_reads + input_reads) * 700
                                              + output_writes * 750)


def _one_core(arch: str) -> object:
    return multicore_from_data({"name": "single", "cores": [{"name": "c", "arch": arch}]},
                               "test", EXAMPLES)


def test_single_core_equals_the_single_core_model():
    """Layer-by-layer on one core, no links, no off-chip: the sum of the model's layers."""
    conv_a = Layer(name="a", K=6, C=1, IY=20, IX=20, FY=5, FX=5, padding=1)
    conv_b = Layer(name="b", K=8, C=6, IY=18, IX=18, FY=3, FX=3, stride=2, inputs=("a",))
    fc = Layer(name="fc", operator="fc", K=10, C=8 * 8 * 8, inputs=("b",))
    workload = Workload(name="chain", layers=[conv_a, conv_b, fc])
    single = _one_core("seed_dram/arch.yaml")
    arch = single.archs["c"]
    for dataflow in ("ws", "ed"):
        expected = [evaluate(bind(lyr, arch, preset_mapping(lyr, arch, dataflow)))
                    for lyr in workload.mac_layers]
        run = run_multicore(workload, single, "layer", dataflow=dataflow)
        assert run.latency_cycles == sum(r.latency.total for r in expected)
        assert run.energy_pj == pytest.approx(sum(r.energy_pj for r in expected), rel=1e-12)
        assert run.macs == sum(r.macs_valid for r in expected)
        assert not run.schedule.transfers
        for tile_run, result in zip(run.schedule.runs, expected, strict=True):
            assert tile_run.cost.result.to_dict() == result.to_dict()


def test_single_core_lenet5_mac_tiles_are_the_model_and_operations_add_on():
    single = _one_core("seed_dram/arch.yaml")
    arch = single.archs["c"]
    workload = load_any_workload(LENET)
    run = run_multicore(workload, single, "layer", dataflow="ws")
    model = [evaluate(bind(lyr, arch, preset_mapping(lyr, arch, "ws")))
             for lyr in workload.mac_layers]
    mac_runs = [r for r in run.schedule.runs if r.tile.mac]
    assert [r.end - r.start for r in mac_runs] == [r.latency.total for r in model]
    busy = sum(r.end - r.start for r in run.schedule.runs)
    assert run.latency_cycles == busy  # one core, layer by layer: nothing overlaps


def test_avgpool_model_schedules_like_maxpool():
    avg = run_multicore(load_any_workload(SHARED / "reference" / "onnx" / "lenet5_avgpool.onnx"),
                        machine(2), "fused")
    assert avg.macs == LENET_MACS
    pools = [r for r in avg.schedule.runs if r.tile.node.startswith("pool")]
    assert pools and all(r.cost.macs == 0 for r in pools)
    assert avg.latency_cycles == lenet_run(2, "fused").latency_cycles


def _gemm_transb_model(path: Path) -> Path:
    """x[1, 64] -> Gemm(W1[32, 64], transB=1) -> Relu -> Gemm(W2[10, 32], transB=1)."""
    weights = [numpy_helper.from_array(np.ones(shape, dtype=np.float32), name)
               for name, shape in (("W1", (32, 64)), ("W2", (10, 32)))]
    nodes = [helper.make_node("Gemm", ["x", "W1"], ["h"], name="fc1", transB=1),
             helper.make_node("Relu", ["h"], ["r"], name="relu"),
             helper.make_node("Gemm", ["r", "W2"], ["y"], name="fc2", transB=1)]
    graph = helper.make_graph(nodes, "gemm_transb",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
                              initializer=weights)
    onnx.save(helper.make_model(graph), path)
    return path


@pytest.mark.parametrize("mode", MODES)
def test_gemm_with_transposed_weights(tmp_path, mode):
    workload = load_any_workload(_gemm_transb_model(tmp_path / "gemm.onnx"))
    assert [(lyr.K, lyr.C) for lyr in workload.mac_layers] == [(32, 64), (10, 32)]
    run = run_multicore(workload, machine(2), mode)
    assert run.macs == 64 * 32 + 32 * 10
    weights = [t for t in run.schedule.transfers if t.what == "weights"]
    assert sum(t.bits for t in weights) == (64 * 32 + 32 * 10) * 8


def test_heterogeneous_pair_shares_follow_mac_counts():
    pair = load_multicore(EXAMPLES / "multicore" / "hetero.yaml")
    assert [pair.archs[c].npes for c in pair.cores] == [16, 64]
    run = run_multicore(load_any_workload(LENET), pair, "layer")
    assert run.macs == LENET_MACS
    fc1 = next(layer for layer in run.layers() if layer["name"] == "fc1")
    assert [s["channels"] for s in fc1["shares"]] == [[0, 24], [24, 120]]
    assert run.energy_breakdown()["links"] > 0
    big, small = (next(c for c in run.cores() if c["name"] == n) for n in ("big", "small"))
    assert big["macs"] > small["macs"]


def test_best_dataflow_picks_each_tiles_fastest_preset():
    best = run_multicore(load_any_workload(LENET), machine(1), "layer", dataflow="best")
    for run in best.schedule.runs:
        if run.tile.mac:
            layer = run.cost.result.layer
            arch = best.machine.archs[run.tile.core]
            latencies = [evaluate(bind(layer, arch, preset_mapping(layer, arch, name))).latency
                         .total for name in ("ws", "os", "is", "rs", "ed")]
            assert run.end - run.start == min(latencies)
    ws = run_multicore(load_any_workload(LENET), machine(1), "layer", dataflow="ws")
    assert best.latency_cycles < ws.latency_cycles


def test_a_single_core_architecture_is_a_one_core_machine():
    """``-a`` one core's architecture (Ripple's): the machine of that one core, the model's
    layers summed, as the explicit one-core machine file gives."""
    workload = Workload(name="chain", layers=[
        Layer(name="a", K=6, C=1, IY=20, IX=20, FY=5, FX=5, padding=1),
        Layer(name="fc", operator="fc", K=10, C=6 * 18 * 18, inputs=("a",))])
    machine = load_multicore(EXAMPLES / "seed_dram" / "arch.yaml")
    assert machine.cores == ["core0"] and machine.offchip is None
    assert any("single-core architecture" in note for note in machine.notes)
    arch = machine.archs["core0"]
    expected = [evaluate(bind(lyr, arch, preset_mapping(lyr, arch, "ws")))
                for lyr in workload.mac_layers]
    run = run_multicore(workload, machine, "layer", dataflow="ws")
    assert run.latency_cycles == sum(r.latency.total for r in expected)
    assert run.energy_pj == pytest.approx(sum(r.energy_pj for r in expected), rel=1e-12)


def test_a_zigzag_accelerator_is_a_one_core_machine():
    """ZigZag's shipped tpu_like (a duplicate key, kept as ZigZag keeps it) with an ONNX
    model: ZigZag's ONNX precisions and the import's notes are printed; an in-memory-computing
    accelerator is refused in one line."""
    import zigzag  # the test extra

    inputs = Path(zigzag.__file__).parent / "inputs"
    result = run_main("multicore", "-w", str(LENET), "-a",
                      str(inputs / "hardware" / "tpu_like.yaml"), "--mode", "layer")
    assert result.returncode == 0, result.stderr
    assert "ZigZag's ONNX precisions" in result.stdout
    assert "duplicate key 'ports'" in result.stdout
    assert "single-core architecture" in result.stdout
    assert "416,520" in result.stdout
    refused = run_main("multicore", "-w", str(LENET), "-a",
                       str(inputs / "hardware" / "aimc.yaml"))
    assert refused.returncode == 2 and "is_imc" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_a_single_core_architecture_is_read_as_evaluate_reads_it(tmp_path):
    """Wherever it lies (here through a link from another folder), named after the
    architecture; a broken one is refused with the architecture's own fields; ``--json``
    carries every note (the ONNX precisions too)."""
    import zigzag  # the test extra

    linked = tmp_path / "linked.yaml"
    linked.symlink_to(EXAMPLES / "eyeriss_like" / "arch.yaml")
    machine = load_multicore(linked)
    assert machine.name == "eyeriss_like" and machine.cores == ["core0"]
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\narray: {D1: 4}\nmac: {energy_pj: 1}\n")
    refused = run_main("multicore", "-w", "zoo:lenet5", "-a", str(broken))
    assert refused.returncode == 2 and "levels" in refused.stderr and "cores" not in refused.stderr
    tpu = Path(zigzag.__file__).parent / "inputs" / "hardware" / "tpu_like.yaml"
    result = run_main("multicore", "-w", str(LENET), "-a", str(tpu), "--mode", "layer",
                      "--json", "-")
    assert result.returncode == 0, result.stderr
    notes = json.loads(result.stdout)["imported"]
    assert any("ZigZag's ONNX precisions" in note for note in notes)
    assert any("single-core architecture" in note for note in notes)
