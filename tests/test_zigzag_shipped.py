"""ZigZag's own tpu_like accelerator (``zigzag/inputs/hardware/tpu_like.yaml``, which writes a
key twice and has 64-of-2048-bit narrow SRAM accesses on a 32x32 array) and ascend_like (whose
DRAM serves fewer array dimensions than the memories below it), with their mapping hints,
with an ONNX model: ZigZag's mapper chooses each layer's loops, and Ripple, given that choice,
counts the same energy (docs/zigzag.md, "ZigZag's shipped accelerators").

The layers have no padding: ZigZag fetches the padding taps of a padded layer's inner
transfers, Ripple generates them (docs/zigzag.md gives what that makes on
ResNet-18)."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import numpy as np
import onnx
import pytest
import yaml
from onnx import TensorProto, helper, numpy_helper

from ripple.api import evaluate_zigzag

pytestmark = pytest.mark.slow
zigzag_api = pytest.importorskip("zigzag.api", reason="ZigZag is an optional test extra")
INPUTS = Path(zigzag_api.__file__).parent / "inputs"


def _model(path: Path) -> Path:
    """A strided 1x1 convolution (ResNet's downsample) and a fully connected layer."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, (1, 64, 56, 56))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, (1, 10))
    weights = [numpy_helper.from_array(np.zeros((128, 64, 1, 1), np.float32), "w1"),
               numpy_helper.from_array(np.zeros((128 * 28 * 28, 10), np.float32), "w2"),
               numpy_helper.from_array(np.array([1, -1], np.int64), "shape")]
    nodes = [helper.make_node("Conv", ["x", "w1"], ["c"], name="down", kernel_shape=[1, 1],
                              strides=[2, 2]),
             helper.make_node("Reshape", ["c", "shape"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "w2"], ["y"], name="fc")]
    graph = helper.make_graph(nodes, "shipped", [x], [y], initializer=weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(onnx.shape_inference.infer_shapes(model), path)
    return path


def _chosen_mapping(dump: dict, path: Path) -> Path:
    """ZigZag's choice for one layer (its dump) as a ZigZag mapping file: the spatial unrolling
    asked for and the temporal ordering, innermost first, that LOMA found."""
    layer = dump["inputs"]["layer"]
    ordering = [[found.group(1), int(found.group(2))]
                for level in dump["inputs"]["temporal_mapping"]["O"] for loop in level
                for found in [re.match(r"\((\w+), (\d+)\)", loop)]]
    spatial = {dim: [f"{d}, {s}" for d, s in loops.items()]
               for dim, loops in layer["user_spatial_mapping"].items()}
    path.write_text(yaml.safe_dump([{"name": "default", "spatial_mapping": spatial,
                                     "temporal_ordering": ordering,
                                     "memory_operand_links": layer["memory_operand_links"]}]))
    return path


def _zigzag_choices(tmp_path: Path, accelerator: str) -> tuple[Path, Path, Path]:
    """ZigZag's mapper run on the model and ``accelerator`` with its own mapping hints: the
    model, the accelerator file and the dump folder."""
    model = _model(tmp_path / "shipped.onnx")
    hardware = INPUTS / "hardware" / f"{accelerator}.yaml"
    logging.disable(logging.WARNING)
    zigzag_api.get_hardware_performance_zigzag(
        str(model), str(hardware), str(INPUTS / "mapping" / f"{accelerator}.yaml"),
        dump_folder=str(tmp_path / "dump"), opt="energy", loma_show_progress_bar=False)
    logging.disable(logging.NOTSET)
    return model, hardware, tmp_path / "dump"


@pytest.mark.parametrize("accelerator", ["tpu_like", "ascend_like"])
def test_ripple_counts_zigzags_energy_for_its_own_choices(tmp_path, accelerator):
    model, hardware, dumps = _zigzag_choices(tmp_path, accelerator)
    for name in ("down", "fc"):
        dump = json.loads((dumps / f"{name}_complete.json").read_text())
        mapping = _chosen_mapping(dump, tmp_path / f"{name}.yaml")
        imported = evaluate_zigzag(hardware, model, mapping, layer=name)
        assert imported.value.energy_pj == pytest.approx(
            dump["outputs"]["energy"]["energy_total"], rel=1e-4), name
    if accelerator == "tpu_like":
        assert any("duplicate key 'ports'" in note for note in imported.notes)
        sram = imported.value.arch.memory("sram_2MB")
        assert (sram.read_granule_bits, sram.read_bandwidth) == (64, 2048)
    else:  # its DRAM lists D1, D2 only, above memories serving all four dimensions
        assert imported.value.arch.served(imported.value.arch.memory("dram")) == [
            "D1", "D2", "D3", "D4"]
        assert any("dram: served_dimensions D1, D2 widened" in note
                   for note in imported.notes)
