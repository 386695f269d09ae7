"""ZigZag's own tpu_like accelerator (``zigzag/inputs/hardware/tpu_like.yaml``, which writes a
key twice and has 64-of-2048-bit narrow SRAM accesses on a 32x32 array) and ascend_like (whose
DRAM serves fewer array dimensions than the memories below it), with their mapping hints,
with an ONNX model: ZigZag's mapper chooses each layer's loops, and Ripple, given that choice,
counts the same energy (docs/zigzag.md, "ZigZag's shipped accelerators").

A padded layer counts ZigZag's energy under ZigZag's ``padding: window`` and
``writeback_precision: per_link`` conventions, which the import sets (docs/conventions.md), and
less under Ripple's ``padding: generated``; a layer whose unrolling does not divide it counts
ZigZag's energy under ``input_window: average`` (within 0.5%: ZigZag counts fractional output
register files), and more under Ripple's ``each_fill``."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import numpy as np
import onnx
import pyarrow.parquet as pq
import pytest
import yaml
from onnx import TensorProto, helper, numpy_helper

from ripple.api import evaluate_zigzag, explore_files, load_zigzag_nest
from ripple.mapping.zigzag_dump import chosen_mapping
from ripple.model import evaluate

pytestmark = pytest.mark.slow
zigzag_api = pytest.importorskip("zigzag.api", reason="ZigZag is an optional test extra")
INPUTS = Path(zigzag_api.__file__).parent / "inputs"


def _model(path: Path) -> Path:
    """A strided 1x1 convolution (ResNet's downsample), a fully connected layer and, beside
    them, a padded 3x3 stride-2 convolution (ResNet's layer2.0.conv1) and a padded 3x3
    stride-8 one with a 7x7 output, which ascend_like's 2x2 unrolling of output rows and
    columns does not divide."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, (1, 64, 56, 56))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, (1, 10))
    p = helper.make_tensor_value_info("p", TensorProto.FLOAT, (1, 128, 28, 28))
    u = helper.make_tensor_value_info("u", TensorProto.FLOAT, (1, 64, 7, 7))
    weights = [numpy_helper.from_array(np.zeros((128, 64, 1, 1), np.float32), "w1"),
               numpy_helper.from_array(np.zeros((128 * 28 * 28, 10), np.float32), "w2"),
               numpy_helper.from_array(np.zeros((128, 64, 3, 3), np.float32), "w3"),
               numpy_helper.from_array(np.zeros((64, 64, 3, 3), np.float32), "w4"),
               numpy_helper.from_array(np.array([1, -1], np.int64), "shape")]
    nodes = [helper.make_node("Conv", ["x", "w1"], ["c"], name="down", kernel_shape=[1, 1],
                              strides=[2, 2]),
             helper.make_node("Reshape", ["c", "shape"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "w2"], ["y"], name="fc"),
             helper.make_node("Conv", ["x", "w3"], ["p"], name="pad", kernel_shape=[3, 3],
                              strides=[2, 2], pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["x", "w4"], ["u"], name="uneven", kernel_shape=[3, 3],
                              strides=[8, 8], pads=[1, 1, 1, 1])]
    graph = helper.make_graph(nodes, "shipped", [x], [y, p, u], initializer=weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(onnx.shape_inference.infer_shapes(model), path)
    return path


def _chosen_mapping(dump: dict, path: Path) -> Path:
    """ZigZag's choice for one layer (its dump) as a ZigZag mapping file."""
    path.write_text(yaml.safe_dump([chosen_mapping(dump)]))
    return path


def _hardware(accelerator: str) -> Path:
    return INPUTS / "hardware" / f"{accelerator}.yaml"


def _hints(accelerator: str) -> Path:
    return INPUTS / "mapping" / f"{accelerator}.yaml"


@pytest.fixture(scope="module")
def zigzag_run(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """ZigZag's mapper (energy) on the two layers with the accelerator's shipped mapping
    hints, once per accelerator (``request.param``): its name and the folder holding the
    model and ZigZag's dump."""
    accelerator = request.param
    folder = tmp_path_factory.mktemp(accelerator)
    model = _model(folder / "shipped.onnx")
    logging.disable(logging.WARNING)
    zigzag_api.get_hardware_performance_zigzag(
        str(model), str(_hardware(accelerator)), str(_hints(accelerator)),
        dump_folder=str(folder / "dump"), opt="energy", loma_show_progress_bar=False)
    logging.disable(logging.NOTSET)
    return accelerator, folder


def _under(nest, **conventions: str):
    """``nest`` on its architecture with some conventions changed."""
    return dataclasses.replace(nest, arch=nest.arch.model_copy(update={
        "conventions": nest.arch.conventions.model_copy(update=conventions)}))


def _dump(folder: Path, layer: str) -> dict:
    return json.loads((folder / "dump" / f"{layer}_complete.json").read_text())


@pytest.mark.parametrize("zigzag_run", ["tpu_like", "ascend_like"], indirect=True)
def test_ripple_counts_zigzags_energy_for_its_own_choices(zigzag_run, tmp_path):
    accelerator, folder = zigzag_run
    hardware, model = _hardware(accelerator), folder / "shipped.onnx"
    for name in ("down", "fc"):
        dump = _dump(folder, name)
        mapping = _chosen_mapping(dump, tmp_path / f"{name}.yaml")
        imported = evaluate_zigzag(hardware, model, mapping, layer=name)
        assert imported.value.energy_pj == pytest.approx(
            dump["outputs"]["energy"]["energy_total"], rel=1e-4), name
    nest = load_zigzag_nest(hardware, model, _chosen_mapping(
        _dump(folder, "pad"), tmp_path / "pad.yaml"), layer="pad").value
    zigzag_energy = _dump(folder, "pad")["outputs"]["energy"]["energy_total"]
    assert evaluate(nest).energy_pj == pytest.approx(zigzag_energy, rel=1e-4)
    generated = evaluate(_under(nest, padding="generated"))
    assert generated.energy_pj < zigzag_energy * (1 - 5e-4)  # no padding word moved
    # 7 outputs over 2 processing elements: ZigZag sizes every input fill by the average one
    nest = load_zigzag_nest(hardware, model, _chosen_mapping(
        _dump(folder, "uneven"), tmp_path / "uneven.yaml"), layer="uneven").value
    zigzag_energy = _dump(folder, "uneven")["outputs"]["energy"]["energy_total"]
    assert evaluate(nest).energy_pj == pytest.approx(zigzag_energy, rel=5e-3)
    each_fill = evaluate(_under(nest, input_window="each_fill")).energy_pj
    if accelerator == "ascend_like":  # the clipped fills' own windows hold more inputs
        assert each_fill > zigzag_energy * 1.01
    if accelerator == "tpu_like":
        assert any("duplicate key 'ports'" in note for note in imported.notes)
        sram = imported.value.arch.memory("sram_2MB")
        assert (sram.read_granule_bits, sram.read_bandwidth) == (64, 2048)
    else:  # its DRAM lists D1, D2 only, above memories serving all four dimensions
        assert imported.value.arch.served(imported.value.arch.memory("dram")) == [
            "D1", "D2", "D3", "D4"]
        assert any("dram: served_dimensions D1, D2 widened" in note
                   for note in imported.notes)


@pytest.mark.parametrize("zigzag_run", ["tpu_like"], indirect=True)
def test_explore_with_zigzags_hints_finds_its_choice_or_better(zigzag_run, tmp_path):
    """``ripple explore`` with the shipped hints as constraints: every mapping has the
    unrolling ZigZag used, and the optimum costs no more than ZigZag's choice counted by
    Ripple (docs/zigzag.md, "Mapping hints")."""
    accelerator, folder = zigzag_run
    hardware, model = _hardware(accelerator), folder / "shipped.onnx"
    dump = _dump(folder, "down")
    chosen = evaluate_zigzag(hardware, model, _chosen_mapping(dump, tmp_path / "down.yaml"),
                             layer="down").value.energy_pj
    outcome = explore_files(model, hardware, constraints=_hints(accelerator), layer="down",
                            export=tmp_path / "space.parquet")
    unrolling = " ".join(f"{dim}{size}@{oa}" for oa, loops in
                         dump["inputs"]["layer"]["user_spatial_mapping"].items()
                         for dim, size in loops.items())
    spatial = pq.read_table(tmp_path / "space.parquet", columns=["spatial"])["spatial"]
    assert set(spatial.to_pylist()) == {unrolling}
    best = outcome.document("energy")["layers"][0]["best"]["energy_pj"]
    assert best <= chosen * (1 + 1e-12)
