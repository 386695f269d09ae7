"""Stream's hardware files as Ripple machines: recognised by content, each field where the
module docstring of ``ripple.multicore.stream_import`` says, bad files refused in one line."""

from __future__ import annotations

import shutil

import pytest

from ripple.arch.zigzag_import import zigzag_architecture_from_data
from ripple.multicore import load_multicore
from ripple.specio import read_yaml
from ripple.workload import Layer, Operation, Workload
from tests.conftest import SHARED, run_main

STREAM_LENET = SHARED / "reference" / "stream_lenet5" / "hw"
STREAM_QUAD = SHARED / "reference" / "stream_resnet18" / "hardware" / "tpu_like_quad_core.yaml"


def test_lenet_quad_core_as_stream_states_it():
    machine = load_multicore(STREAM_LENET / "lenet_quad_core.yaml")
    data = read_yaml(STREAM_LENET / "cores" / "small_core_16mac.yaml")
    for stream_only in ("type", "operand_precision"):  # Stream's keys, not ZigZag's
        del data[stream_only]
    core = zigzag_architecture_from_data(data, "core").value
    assert all(machine.archs[name] == core for name in machine.cores)
    assert [(link.label, link.endpoints, link.bandwidth) for link in machine.spec.links] == [
        ("link0-1", ["core0", "core1"], 32), ("link1-2", ["core1", "core2"], 32),
        ("link2-3", ["core2", "core3"], 32), ("link3-0", ["core3", "core0"], 32),
        ("bus0-1-2-3-4", ["core0", "core1", "core2", "core3", "dram"], 64)]
    offchip = machine.offchip
    assert offchip is not None
    assert (offchip.read_bandwidth, offchip.write_bandwidth, offchip.read_energy_pj,
            offchip.write_energy_pj, offchip.duplex) == (64, 64, 700, 750, False)
    precision = machine.spec.precision
    assert precision is not None and (precision.I, precision.W, precision.O,
                                      precision.O_final) == (8, 8, 32, 8)


def test_tpu_quad_core_operator_types():
    machine = load_multicore(STREAM_QUAD)
    assert machine.cores_running("conv") == ["core0", "core1", "core2", "core3"]
    assert machine.cores_running("maxpool") == ["core0", "core1", "core2", "core3", "core4"]
    assert machine.cores_running("add") == ["core0", "core1", "core2", "core3", "core5"]
    assert machine.archs["core0"].npes == 32 * 32
    assert any("GlobalMaxPool" in note for note in machine.notes)
    assert any("16-bit partial sums" in note for note in machine.notes)


def test_partition_cannot_put_a_convolution_on_the_pooling_core(tmp_path):
    partition = tmp_path / "partition.yaml"
    partition.write_text("layers:\n  conv: {cores: [core4]}\n")
    workload = Workload(name="one", layers=[Layer(name="conv", K=8, C=3, IY=8, IX=8, FY=3,
                                                  FX=3)])
    from ripple.api import multicore_files
    from ripple.errors import RippleInputError

    with pytest.raises(RippleInputError, match="core4"):
        multicore_files(workload, STREAM_QUAD, partition=partition)


def test_operations_on_a_core_that_runs_them():
    """A pooling core takes a pool when it is the only core that may."""
    from ripple.multicore import multicore_from_data

    machine = load_multicore(STREAM_QUAD)
    data = machine.spec.model_dump(mode="json", exclude_none=True)
    data["cores"][0]["operators"] = ["conv"]  # core0 runs only convolutions
    data["cores"] = [data["cores"][0], data["cores"][4]]
    data["links"] = [{"name": "bus", "endpoints": ["core0", "core4", "dram"],
                      "bandwidth": 128}]
    two = multicore_from_data(data, "test", STREAM_QUAD.parent)
    conv = Layer(name="conv", K=8, C=3, IY=8, IX=8, FY=3, FX=3)
    pool = Operation(name="pool", operator="maxpool", inputs=("conv",),
                     input_shapes=[(1, 8, 6, 6)], kernel=2, stride=2)
    from ripple.multicore import run_multicore

    result = run_multicore(Workload(name="cp", layers=[conv, pool]), two, "event")
    assert {r.tile.core for r in result.schedule.runs if r.tile.node == "pool"} == {"core4"}
    assert {r.tile.core for r in result.schedule.runs if r.tile.node == "conv"} == {"core0"}


def test_bad_stream_file_is_one_line(tmp_path):
    folder = tmp_path / "hw"
    shutil.copytree(STREAM_LENET, folder)
    machine = folder / "lenet_dual_core.yaml"
    machine.write_text(machine.read_text().replace("cores: [0, 1]", "cores: [0, 7]"))
    done = run_main("multicore", "-w", "zoo:lenet5", "-a", str(machine))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "core_connectivity[0].cores" in done.stderr
    assert "core 7" in done.stderr
