"""Event mode pipelines and is never slower than layer mode on the same partition: LeNet-5 on
Ripple's and on Stream's own 1/2/4-core machines, a cut of Stream's ResNet-18 on 1/2/4 of
Stream's TPU-like cores. Every schedule built here (each candidate of the event mode too)
passes the dependency and resource check of ``test_multicore_schedule`` and holds no more
than its cores' buffers; MACs are counted again here from the layer geometry."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml

from ripple.multicore import load_multicore, multicore_from_data, run_multicore
from ripple.multicore.run import schedule_candidates
from ripple.specio import read_yaml
from ripple.workload import Layer, Workload, load_any_workload
from tests.conftest import EXAMPLES, SHARED, run_main
from tests.test_multicore import LENET_MACS, MACHINES
from tests.test_multicore_schedule import check_schedule

LENET = SHARED / "reference" / "onnx" / "lenet5.onnx"
STREAM_LENET = SHARED / "reference" / "stream_lenet5" / "hw"
STREAM_RESNET = SHARED / "reference" / "stream_resnet18"
STREAM_LENET_MACHINES = {1: "lenet_single_core.yaml", 2: "lenet_dual_core.yaml",
                         4: "lenet_quad_core.yaml"}


def valid_macs(layer: Layer) -> int:
    """MACs whose input lies inside the image (padding taps excluded), counted per output
    row and column: the number of kernel taps landing inside, summed."""
    def inside(out: int, size: int, kernel: int, stride: int, dilation: int, pad: int) -> int:
        return sum(0 <= o * stride - pad + f * dilation < size
                   for o in range(out) for f in range(kernel))

    rows = inside(layer.OY, layer.IY, layer.FY, layer.stride[0], layer.dilation[0],
                  layer.padding[0])
    cols = inside(layer.OX, layer.IX, layer.FX, layer.stride[1], layer.dilation[1],
                  layer.padding[2] if len(layer.padding) > 2 else layer.padding[0])
    return layer.N * layer.K * layer.C_group * rows * cols


def check_capacity(result) -> None:
    """No core ever holds more than its home memory."""
    for core in result.cores():
        if core["capacity_bits"] is not None:
            assert core["peak_buffer_bits"] <= core["capacity_bits"], core


def check_modes(workload: Workload, machine, macs: int) -> tuple[object, object]:
    """Layer and event mode: every candidate obeys its data and fits; the event result is the
    fastest candidate and no slower than layer mode; MACs exact everywhere."""
    layer, = schedule_candidates(workload, machine, "layer")
    candidates = schedule_candidates(workload, machine, "event")
    for result in (layer, *candidates):
        assert result.macs == macs
        assert check_schedule(workload, result) > 0
        check_capacity(result)
    event = run_multicore(workload, machine, "event")
    assert event.latency_cycles == min(c.latency_cycles for c in candidates)
    assert event.latency_cycles <= layer.latency_cycles
    return layer, event


@cache
def lenet() -> Workload:
    return load_any_workload(LENET)


@pytest.mark.parametrize("cores", [1, 2, 4])
def test_lenet5_event_never_slower_than_layer(cores):
    machine = load_multicore(EXAMPLES / "multicore" / MACHINES[cores])
    assert sum(valid_macs(layer) for layer in lenet().mac_layers) == LENET_MACS
    layer, event = check_modes(lenet(), machine, LENET_MACS)
    if cores > 1:  # interleaving consecutive layers pays: strictly faster, depth first
        assert event.latency_cycles < layer.latency_cycles
        assert event.order == "depth-first"


@pytest.mark.parametrize("cores", [1, 2, 4])
def test_lenet5_on_streams_own_machines(cores):
    machine = load_multicore(STREAM_LENET / STREAM_LENET_MACHINES[cores])
    assert machine.cores == [f"core{i}" for i in range(cores)]
    assert machine.offchip is not None and machine.offchip.read_energy_pj == 700
    layer, event = check_modes(lenet(), machine, LENET_MACS)
    assert event.latency_cycles < layer.latency_cycles


def stream_tpu_cores(count: int):
    """Stream's ResNet-18 machine with its first ``count`` TPU-like cores, the pooling and
    SIMD cores dropped, the DRAM bus kept."""
    quad = load_multicore(STREAM_RESNET / "hardware" / "tpu_like_quad_core.yaml")
    data = quad.spec.model_dump(mode="json", exclude_none=True)
    data["cores"] = data["cores"][:count]
    keep = {core["name"] for core in data["cores"]} | {"dram"}
    for link in data["links"]:
        link["endpoints"] = [e for e in link["endpoints"] if e in keep]
    data["links"] = [link for link in data["links"] if len(link["endpoints"]) > 1]
    return multicore_from_data(data, "stream cut", Path("."))


def resnet18_stem_and_block() -> Workload:
    network = load_any_workload(STREAM_RESNET / "resnet18.onnx")
    names = [node.name for node in network.layers]
    return Workload(name="resnet18_cut",
                    layers=network.layers[: names.index("/layer1/layer1.0/relu_1/Relu") + 1])


@pytest.mark.slow
@pytest.mark.parametrize("cores", [1, 2, 4])
def test_resnet18_event_never_slower_than_layer(cores):
    workload = resnet18_stem_and_block()
    macs = sum(valid_macs(layer) for layer in workload.mac_layers)
    assert macs == workload.macs
    layer, event = check_modes(workload, stream_tpu_cores(cores), macs)
    if cores > 1:
        assert event.latency_cycles < layer.latency_cycles


def tight_machine(cores: int, capacity_bits: int, folder: Path) -> Path:
    """Ripple's LeNet-5 machine with every core's SRAM cut to ``capacity_bits``, as a file."""
    core = read_yaml(EXAMPLES / "multicore" / "core_16mac.yaml")
    core["levels"][0]["memories"][0]["capacity_bits"] = capacity_bits
    data = read_yaml(EXAMPLES / "multicore" / MACHINES[cores])
    for entry in data["cores"]:
        entry["arch"] = core
    path = folder / "tight.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_buffers_that_cannot_hold_the_schedule_spill_to_dram(tmp_path):
    """Two cores of 200,000 bits cannot hold LeNet-5's schedules (they peak at about
    210,000): activations are evicted when produced and refetched when read, over the links
    and the off-chip port, and every schedule then fits."""
    machine = load_multicore(tight_machine(2, 200_000, tmp_path))
    roomy = load_multicore(EXAMPLES / "multicore" / MACHINES[2])
    assert any(c["peak_buffer_bits"] > 200_000 for c in run_multicore(lenet(), roomy,
                                                                        "layer").cores())
    layer, event = check_modes(lenet(), machine, LENET_MACS)
    for result in (layer, event):
        assert result.spilled
        moved = {t.what for t in result.schedule.transfers}
        assert {"evict", "refetch"} <= moved
        spill_ports = {t.port for t in result.schedule.transfers
                       if t.what in ("evict", "refetch")}
        assert spill_ports == {"dram.port"}
    assert event.energy_breakdown()["offchip"] > run_multicore(
        lenet(), roomy, "event").energy_breakdown()["offchip"]


def test_a_tile_that_fits_nowhere_is_named(tmp_path):
    machine = tight_machine(1, 120_000, tmp_path)
    done = run_main("multicore", "-w", str(LENET), "-a", str(machine), "--mode", "layer")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "conv1" in done.stderr and "159920 bits" in done.stderr
