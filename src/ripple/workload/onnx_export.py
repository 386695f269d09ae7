"""Export a Ripple workload as an ONNX model (opset 17) that other tools can read.

Weights are declared as graph inputs with their shapes, not as initializers: a model then
weighs a few kilobytes even for VGG-16 (138 M weights), passes ``onnx.checker`` with shape
inference, and a tool that needs values can feed them. A fully connected layer becomes a Gemm
with ``transB=1`` (PyTorch's export style), preceded by a Flatten when its producer is not a
matrix.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import ModelProto, TensorProto, helper, numpy_helper

from ripple.workload.layer import Layer
from ripple.workload.network import Workload, input_shapes, output_shape
from ripple.workload.operation import Operation

OPSET = 17
_ONNX_OPS = {"maxpool": "MaxPool", "avgpool": "AveragePool", "globalavgpool": "GlobalAveragePool",
             "relu": "Relu", "add": "Add", "concat": "Concat", "flatten": "Flatten",
             "reshape": "Reshape"}


def workload_to_onnx(workload: Workload) -> ModelProto:
    """The workload as an ONNX graph: one tensor per node output, named after the node."""
    builder = _Builder()
    for node in workload.layers:
        if isinstance(node, Layer):
            builder.layer(node)
        else:
            builder.operation(node)
        builder.shapes[node.name] = output_shape(node)
    consumed = {name for node in workload.layers for name in node.inputs}
    outputs = [helper.make_tensor_value_info(node.name, TensorProto.FLOAT, output_shape(node))
               for node in workload.layers if node.name not in consumed]
    graph = helper.make_graph(builder.nodes, workload.name, builder.graph_inputs, outputs,
                              initializer=builder.initializers)
    model = helper.make_model(graph, producer_name="ripple",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    onnx.checker.check_model(model, full_check=True)
    return model


def save_onnx(workload: Workload, path: str | Path) -> None:
    """Write ``workload`` as an ONNX model, atomically (an interrupted export leaves no
    truncated model behind)."""
    from ripple.report.json_out import write_atomic

    write_atomic(workload_to_onnx(workload).SerializeToString(), path)


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.graph_inputs: list[onnx.ValueInfoProto] = []
        self.initializers: list[TensorProto] = []
        self._network_inputs: dict[tuple[int, ...], str] = {}
        self.shapes: dict[str, tuple[int, ...]] = {}  # output shape of each node so far

    def source(self, node: Layer | Operation, slot: int) -> str:
        """The tensor feeding input ``slot``: a producer's output or a network input."""
        if node.inputs:
            return node.inputs[slot]
        shape = input_shapes(node)[slot]
        if shape not in self._network_inputs:
            name = "input" if not self._network_inputs else f"input_{len(self._network_inputs)}"
            self._network_inputs[shape] = name
            self.graph_inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
        return self._network_inputs[shape]

    def weight(self, name: str, shape: tuple[int, ...]) -> str:
        self.graph_inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
        return name

    def layer(self, layer: Layer) -> None:
        x = self.source(layer, 0)
        if layer.operator == "fc":
            if len(self._producer_shape(layer)) != 2:
                flat = f"{layer.name}.flatten"
                self.nodes.append(helper.make_node("Flatten", [x], [flat], name=flat, axis=1))
                x = flat
            w = self.weight(f"{layer.name}.weight", (layer.K, layer.C))
            self.nodes.append(helper.make_node("Gemm", [x, w], [layer.name], name=layer.name,
                                               transB=1))
            return
        w = self.weight(f"{layer.name}.weight", layer.tensor_shape("W"))
        top, bottom, left, right = layer.padding
        self.nodes.append(helper.make_node(
            "Conv", [x, w], [layer.name], name=layer.name, kernel_shape=[layer.FY, layer.FX],
            strides=list(layer.stride), dilations=list(layer.dilation), group=layer.G,
            pads=[top, left, bottom, right]))

    def _producer_shape(self, layer: Layer) -> tuple[int, ...]:
        """The rank the Gemm input will have: the producer's output, or the network input."""
        if not layer.inputs:
            return input_shapes(layer)[0]
        return self.shapes[layer.inputs[0]]

    def operation(self, op: Operation) -> None:
        sources = [self.source(op, slot) for slot in range(len(op.input_shapes))]
        attrs: dict[str, object] = {}
        if op.operator in ("maxpool", "avgpool"):
            assert op.kernel is not None
            top, bottom, left, right = op.padding
            attrs = {"kernel_shape": list(op.kernel), "strides": list(op.stride),
                     "pads": [top, left, bottom, right], "ceil_mode": int(op.ceil_mode)}
        elif op.operator in ("concat", "flatten"):
            attrs = {"axis": op.axis}
        elif op.operator == "reshape":
            shape_name = f"{op.name}.shape"
            self.initializers.append(numpy_helper.from_array(np.asarray(op.shape, dtype=np.int64),
                                                             shape_name))
            sources.append(shape_name)
        self.nodes.append(helper.make_node(_ONNX_OPS[op.operator], sources, [op.name],
                                           name=op.name, **attrs))
