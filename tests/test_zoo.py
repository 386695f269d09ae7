"""The zoo: MAC totals by an independent route (ONNX export, shape inference, a formula per
node) and against the published figures."""

from __future__ import annotations

import math

import onnx
import pytest
from onnx import shape_inference

from ripple.workload.onnx_export import workload_to_onnx
from ripple.workload.onnx_import import import_onnx, import_onnx_model
from ripple.workload.zoo import ZOO, zoo_workload
from tests.conftest import SHARED, run_cli

# Published multiply-accumulates at batch 1 (torchvision's model statistics; Krizhevsky's
# AlexNet at 227x227), padding taps counted as those figures count them.
PUBLISHED = {"lenet5": 416_520, "alexnet": 0.72e9, "vgg16": 15.5e9, "resnet18": 1.8e9,
             "resnet50": 4.1e9, "mobilenetv2": 0.3e9}


def _formula_macs(model: onnx.ModelProto) -> int:
    """MACs from the ONNX graph alone: Conv = output elements x weight elements per output
    channel; Gemm = rows x inputs x outputs. No Ripple code involved."""
    inferred = shape_inference.infer_shapes(model, strict_mode=True)
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
              for v in (*inferred.graph.input, *inferred.graph.value_info,
                        *inferred.graph.output)}
    total = 0
    for node in inferred.graph.node:
        if node.op_type == "Conv":
            weight = shapes[node.input[1]]
            total += math.prod(shapes[node.output[0]]) * math.prod(weight[1:])
        elif node.op_type == "Gemm":
            rows, inputs = shapes[node.input[0]]
            total += rows * inputs * shapes[node.output[0]][1]
    return total


@pytest.mark.parametrize("name", list(ZOO))
def test_zoo_macs_by_independent_routes(name):
    workload = zoo_workload(name)
    model = workload_to_onnx(workload)
    reimported = import_onnx_model(model).workload
    assert reimported.dense_macs == workload.dense_macs == _formula_macs(model)
    assert [lyr.model_dump(exclude={"inputs"}) for lyr in reimported.mac_layers] == \
        [lyr.model_dump(exclude={"inputs"}) for lyr in workload.mac_layers]
    assert workload.dense_macs == pytest.approx(PUBLISHED[name], rel=0.02)
    assert workload.macs <= workload.dense_macs  # padding taps excluded


def test_zoo_lenet5_is_the_reference_model():
    ours = zoo_workload("lenet5")
    reference = import_onnx(SHARED / "reference" / "onnx" / "lenet5.onnx").workload
    strip = {"name", "inputs"}
    assert [lyr.model_dump(exclude=strip) for lyr in ours.mac_layers] == \
        [lyr.model_dump(exclude=strip) for lyr in reference.mac_layers]
    assert ours.macs == 416_520


def test_zoo_graph_edges():
    resnet = zoo_workload("resnet50")
    add = resnet.node("layer2.0.add")
    assert add.inputs == ("layer2.0.conv3", "layer2.0.downsample")
    assert [n.name for n in resnet.producers("layer2.0.downsample")] == ["layer1.2.relu"]
    assert len(resnet.consumers("layer1.2.relu")) == 2  # the block body and the projection
    mobilenet = zoo_workload("mobilenetv2")
    depthwise = mobilenet.node("features.2.depthwise")
    assert depthwise.G == depthwise.K == depthwise.C == 96


def test_zoo_cli(tmp_path):
    listed = run_cli("zoo", "list")
    assert listed.returncode == 0, listed.stderr
    for name in ZOO:
        assert name in listed.stdout
    target = tmp_path / "resnet18.onnx"
    exported = run_cli("zoo", "export", "resnet18", str(target))
    assert exported.returncode == 0, exported.stderr
    assert import_onnx(target).workload.dense_macs == zoo_workload("resnet18").dense_macs
    shown = run_cli("workload", "zoo:vgg16", "--json", "-")
    assert shown.returncode == 0 and '"dense_macs": 15470264320' in shown.stdout
    unknown = run_cli("zoo", "export", "resnet101", str(tmp_path / "x.onnx"))
    assert unknown.returncode == 2 and "unknown zoo network 'resnet101'" in unknown.stderr


def test_zoo_export_is_atomic(tmp_path, monkeypatch):
    """The model goes to a temporary name and is renamed whole: a failure before the rename
    leaves neither the model nor its temporary file, and a folder as the target is one line
    before any work."""
    import os

    from ripple.cli.main import main

    def refuse(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="No space left"):
        main(["zoo", "export", "lenet5", str(tmp_path / "lenet5.onnx")])
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    folder = run_cli("zoo", "export", "lenet5", str(tmp_path))
    assert folder.returncode == 2 and len(folder.stderr.splitlines()) == 1
    assert "expected a file to write" in folder.stderr
    assert run_cli("zoo", "export", "lenet5", str(tmp_path / "a" / "l.onnx")).returncode == 0
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["l.onnx"]
