"""Import an ONNX model as a Ripple workload, using ONNX's own shape inference.

Every tensor shape comes from ``onnx.shape_inference`` (strict mode), so Ripple never guesses a
size; each supported node becomes a :class:`Layer` (Conv, Gemm, MatMul) or an
:class:`Operation` (pooling, Relu, Add, Concat, Flatten, Reshape), linked to the nodes that
produce its inputs; a BatchNormalization, Identity or Dropout node passes its input through
(a BatchNormalization folds into the Conv before it, as inference compilers do). Weights are
read by position (Conv's and Gemm's ``B``, MatMul's second
input) and only their shapes matter: initializers without data, as in the reference models, are
fine. A failure names the file and the node, and the CLI exits with status 2.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import onnx
from google.protobuf.message import DecodeError
from onnx import ModelProto, NodeProto, helper, shape_inference
from pydantic import ValidationError

from ripple.errors import RippleInputError
from ripple.specio import validate
from ripple.workload.layer import Layer, Precision
from ripple.workload.network import Workload
from ripple.workload.onnx_precision import node_precision
from ripple.workload.operation import Operation

#: Producers of constant tensors: their outputs are weights or shape arguments, never layers.
CONSTANT_OPS = ("Constant", "ConstantOfShape")
#: Nodes that cost nothing in Ripple's model and keep their input's shape: their consumers read
#: their input's producer. BatchNormalization at inference is a per-channel scale and shift,
#: which inference compilers fold into the preceding Conv's weights and bias: no MAC, no
#: tensor of its own. Identity and Dropout (at inference) pass their input on unchanged.
TRANSPARENT_OPS = ("BatchNormalization", "Identity", "Dropout")
SUPPORTED_OPS = ("Conv", "Gemm", "MatMul", "MaxPool", "AveragePool", "GlobalAveragePool", "Relu",
                 "Add", "Concat", "Flatten", "Reshape")
_SIMPLE_OPS = {"GlobalAveragePool": "globalavgpool", "Relu": "relu", "Add": "add",
               "Concat": "concat", "Flatten": "flatten", "Reshape": "reshape"}


class UnsupportedOp(Exception):
    """A node Ripple cannot represent; skipped when the caller allows it."""


@dataclass(frozen=True)
class SkippedNode:
    """A node left out by ``skip_unsupported``; its consumers read its input instead when the
    shapes allow, else they start the network."""

    name: str
    op_type: str
    reason: str


@dataclass(frozen=True)
class OnnxImport:
    """The workload, the nodes left out (``skip_unsupported``) and the notes of the nodes
    that cost nothing and were passed through (a BatchNormalization folded into its Conv)."""

    workload: Workload
    skipped: tuple[SkippedNode, ...] = ()
    folded: tuple[str, ...] = ()


def import_onnx(path: str | Path, *, skip_unsupported: bool = False,
                precision: Precision | None = None, batch: int = 1) -> OnnxImport:
    """Read an ONNX file. Precisions default to 16 bits for every operand (ONNX stores float
    tensors; the accelerator's word size is the user's choice), or to ``precision``; a node's
    ZigZag size attributes override them (:mod:`ripple.workload.onnx_precision`). A symbolic
    batch dimension of a graph input becomes ``batch``."""
    return import_onnx_model(_load(path), str(path), skip_unsupported=skip_unsupported,
                             precision=precision, batch=batch)


def import_onnx_model(model: ModelProto, source: str = "model.onnx", *,
                      skip_unsupported: bool = False, precision: Precision | None = None,
                      batch: int = 1) -> OnnxImport:
    """Import an in-memory model (see :func:`import_onnx`)."""
    model = _fix_batch(model, batch)
    try:
        inferred = shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
    except shape_inference.InferenceError as exc:
        raise _inference_error(str(exc), source) from None
    graph = _Graph(inferred, source, precision or Precision())
    skipped: list[SkippedNode] = []
    for index, node in enumerate(inferred.graph.node):
        try:
            graph.add(node, index)
        except UnsupportedOp as exc:
            skipped.append(SkippedNode(graph.node_name(node, index), node.op_type, str(exc)))
            graph.bypass(node)
    if skipped and not skip_unsupported:  # every one at once, not one per attempt
        nodes = "; ".join(f"node {s.name} ({s.op_type}): {s.reason}" for s in skipped)
        raise RippleInputError(f"unsupported: {nodes} (use --skip-unsupported to leave "
                               f"{'it' if len(skipped) == 1 else 'them'} out)", source=source)
    name = inferred.graph.name or Path(source).stem
    workload = validate(Workload, {"name": name, "layers": graph.nodes}, source)
    return OnnxImport(workload, tuple(skipped), tuple(graph.folded))


def _load(path: str | Path) -> ModelProto:
    try:
        model = onnx.load(str(path), load_external_data=False)
    except FileNotFoundError:
        raise RippleInputError("file not found", source=str(path)) from None
    except DecodeError as exc:
        raise RippleInputError(f"not a readable ONNX model (truncated or corrupt: {exc})",
                               source=str(path)) from None
    except OSError as exc:
        raise RippleInputError(f"cannot read file ({exc.strerror})", source=str(path)) from None
    if not model.graph.node:  # protobuf reads an empty (or unrelated) file as an empty model
        raise RippleInputError("not an ONNX model: no graph nodes (an empty file?)",
                               source=str(path))
    return model


def _fix_batch(model: ModelProto, batch: int) -> ModelProto:
    """Give a symbolic leading dimension of each graph input the value ``batch``."""
    model = ModelProto.FromString(model.SerializeToString())
    for value in model.graph.input:
        dims = value.type.tensor_type.shape.dim
        if dims and not dims[0].HasField("dim_value"):
            dims[0].dim_value = batch
    return model


def _inference_error(text: str, source: str) -> RippleInputError:
    """ONNX's multi-line inference error as one line naming the node."""
    found = re.search(r"op_type:(\w+), node name: ([^)]*)\)", text)
    field = f"node {found.group(2)} ({found.group(1)})" if found else None
    detail = text.split("[ShapeInferenceError]")[-1] if "[ShapeInferenceError]" in text else text
    detail = " ".join(detail.split())
    return RippleInputError(f"shape inference failed: {detail}", source=source, field=field)


def _attrs(node: NodeProto) -> dict[str, Any]:
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


class _Graph:
    """The nodes imported so far and where every tensor comes from."""

    def __init__(self, model: ModelProto, source: str, precision: Precision):
        graph = model.graph
        self.source = source
        self.precision = precision
        self.shapes: dict[str, tuple[int, ...] | None] = {}
        for value in (*graph.input, *graph.value_info, *graph.output):
            self.shapes[value.name] = _shape_of(value)
        self.constants: set[str] = set()
        for init in graph.initializer:
            self.shapes[init.name] = tuple(init.dims)
            self.constants.add(init.name)
        self.defined = set(self.shapes)
        self.producer: dict[str, str | None] = {}  # tensor -> Ripple node name (None: network)
        self.nodes: list[Layer | Operation] = []
        self.names: set[str] = set()
        self.folded: list[str] = []

    # ----- naming --------------------------------------------------------------------------
    def node_name(self, node: NodeProto, index: int) -> str:
        return node.name or f"{node.op_type.lower()}_{index}"

    def where(self, node: NodeProto, index: int) -> str:
        return f"node {self.node_name(node, index)} ({node.op_type})"

    # ----- tensors -------------------------------------------------------------------------
    def shape(self, tensor: str, node: NodeProto, index: int) -> tuple[int, ...]:
        shape = self.shapes.get(tensor)
        if shape is None:
            raise RippleInputError(f"the shape of {tensor!r} is unknown after shape inference",
                                   source=self.source, field=self.where(node, index))
        return shape

    def is_weight(self, tensor: str) -> bool:
        """A weight is constant or fed from outside (an initializer, a Constant node, or a graph
        input such as the weights of Ripple's own exports), never a node's computed output."""
        return tensor in self.constants or tensor not in self.producer

    def activations(self, node: NodeProto) -> list[str]:
        return [t for t in node.input if t and t not in self.constants]

    def inputs_of(self, tensors: list[str]) -> tuple[str, ...]:
        """Producer names of ``tensors``: all of them, or none when all are network inputs."""
        producers = [self.producer.get(t) for t in tensors]
        if all(p is None for p in producers):
            return ()
        if any(p is None for p in producers):
            raise UnsupportedOp("mixes network inputs with layer outputs")
        return tuple(p for p in producers if p is not None)

    # ----- nodes ---------------------------------------------------------------------------
    def add(self, node: NodeProto, index: int) -> None:
        for tensor in node.input:
            if tensor and tensor not in self.defined:
                raise RippleInputError(f"input {tensor!r} is not defined: no initializer, graph "
                                       "input or earlier node produces it (missing initializer?)",
                                       source=self.source, field=self.where(node, index))
        self.defined.update(node.output)
        if node.op_type in CONSTANT_OPS:
            self.constants.update(node.output)
            return
        given = sum(1 for tensor in node.input if tensor)
        needed = 2 if node.op_type in ("Conv", "Gemm", "MatMul") else 1
        modelled = node.op_type in TRANSPARENT_OPS or node.op_type in SUPPORTED_OPS
        if modelled and (given < needed or not node.output):
            raise RippleInputError(f"{node.op_type} with {given} input(s) and "
                                   f"{len(node.output)} output(s); expected at least {needed} "
                                   "and 1", source=self.source, field=self.where(node, index))
        if node.op_type in TRANSPARENT_OPS:
            self.pass_through(node, index)
            return
        if node.op_type not in SUPPORTED_OPS:
            raise UnsupportedOp(f"ONNX operator {node.op_type}")
        name = self.node_name(node, index)
        if name in self.names:
            name = f"{name}_{index}"
        spec = self._spec(node, index, name)
        model: type[Layer] | type[Operation] = Layer if spec["operator"] in ("conv", "fc") \
            else Operation
        try:
            built = model.model_validate(spec)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"])
            message = first["msg"].removeprefix("Value error, ")
            raise RippleInputError(f"{where + ': ' if where else ''}{message}",
                                   source=self.source, field=self.where(node, index)) from None
        self.nodes.append(built)
        self.names.add(name)
        for tensor in node.output:
            self.producer[tensor] = name

    def pass_through(self, node: NodeProto, index: int) -> None:
        """A node of :data:`TRANSPARENT_OPS`: its (first) output is its first input, produced by
        the same node; said in a note."""
        (data, *_), (out, *rest) = node.input, node.output
        producer = self.producer.get(data)
        if self.shapes.get(out) != self.shapes.get(data):
            raise UnsupportedOp(f"{node.op_type} that changes its input's shape")
        self.producer[out] = producer
        self.defined.update(rest)  # BatchNormalization's training-mode outputs, unused
        mac_layers = {n.name for n in self.nodes if isinstance(n, Layer)}
        into = (f"folded into {producer}" if producer in mac_layers
                else f"passed through after {producer}" if producer
                else "passed through on the network input")
        self.folded.append(f"node {self.node_name(node, index)} ({node.op_type}) {into}: "
                           "no MAC")

    def bypass(self, node: NodeProto) -> None:
        """Route a skipped node's outputs to its first input's producer when the shape is
        unchanged (BatchNormalization, Dropout, Clip...), else to the network input."""
        self.defined.update(node.output)
        acts = self.activations(node)
        for tensor in node.output:
            same = bool(acts) and self.shapes.get(tensor) == self.shapes.get(acts[0])
            self.producer[tensor] = self.producer.get(acts[0]) if same else None

    def _spec(self, node: NodeProto, index: int, name: str) -> dict[str, Any]:
        op = node.op_type
        if op == "Conv":
            return self._conv(node, index, name)
        if op in ("Gemm", "MatMul"):
            return self._matmul(node, index, name)
        acts = self.activations(node)
        if not acts:
            raise UnsupportedOp("no activation input (a constant expression)")
        spec: dict[str, Any] = {
            "name": name,
            "inputs": self.inputs_of(acts),
            "input_shapes": [self.shape(t, node, index) for t in acts],
            "output_shape": self.shape(node.output[0], node, index),
        }
        attrs = _attrs(node)
        if op in ("MaxPool", "AveragePool"):
            spec["operator"] = "maxpool" if op == "MaxPool" else "avgpool"
            spec.update(self._pool(node, index, attrs, spec["input_shapes"][0]))
        else:
            spec["operator"] = _SIMPLE_OPS[op]
            if op in ("Concat", "Flatten"):
                spec["axis"] = attrs.get("axis", 1)
        return spec

    def _conv(self, node: NodeProto, index: int, name: str) -> dict[str, Any]:
        x, w = node.input[0], node.input[1]
        if not self.is_weight(w):
            raise UnsupportedOp("Conv whose weights are computed by another node")
        xs, ws = self.shape(x, node, index), self.shape(w, node, index)
        if len(xs) != 4 or len(ws) != 4:
            raise UnsupportedOp(f"{len(xs) - 2}-D convolution (Ripple models 2-D ones)")
        attrs = _attrs(node)
        group = attrs.get("group", 1)
        if ws[1] * group != xs[1]:
            raise RippleInputError(
                f"dimension mismatch: weight {w!r} has {ws[1]} input channels per group x "
                f"group {group}, but input {x!r} has {xs[1]} channels", source=self.source,
                field=self.where(node, index))
        kernel = ws[2:]
        if "kernel_shape" in attrs and tuple(attrs["kernel_shape"]) != kernel:
            raise RippleInputError(f"kernel_shape {attrs['kernel_shape']} differs from the "
                                   f"weight's {list(kernel)}", source=self.source,
                                   field=self.where(node, index))
        stride = tuple(attrs.get("strides", (1, 1)))
        dilation = tuple(attrs.get("dilations", (1, 1)))
        padding = _padding(attrs, xs[2:], kernel, stride, dilation)
        return {
            "name": name, "operator": "conv", "N": xs[0], "K": ws[0], "C": xs[1], "G": group,
            "IY": xs[2], "IX": xs[3], "FY": kernel[0], "FX": kernel[1], "stride": stride,
            "dilation": dilation, "padding": padding, "precision": self.precision_of(node, index),
            "inputs": self.inputs_of([x]),
        }

    def precision_of(self, node: NodeProto, index: int) -> Precision:
        return node_precision(node, self.precision, self.source, self.where(node, index))

    def _matmul(self, node: NodeProto, index: int, name: str) -> dict[str, Any]:
        """Gemm ``Y = alpha*A'B' + beta*C`` and MatMul ``A@B`` as a fully connected layer.

        alpha and beta scale values, not shapes, so they change no count; the bias ``C`` adds
        without multiplying. ``B`` must be the constant weight; every leading dimension of ``A``
        is a batch row.
        """
        a, b = node.input[0], node.input[1]
        if not self.is_weight(b):
            raise UnsupportedOp(f"{node.op_type} whose second operand is computed by another "
                                "node (no constant weight)")
        if a in self.constants:
            raise UnsupportedOp(f"{node.op_type} of two constants")
        attrs = _attrs(node)
        sa, sb = self.shape(a, node, index), self.shape(b, node, index)
        if node.op_type == "Gemm":
            sa = sa[::-1] if attrs.get("transA", 0) else sa
            sb = sb[::-1] if attrs.get("transB", 0) else sb
        if len(sb) != 2:
            raise UnsupportedOp(f"{node.op_type} with batched weights {list(sb)}")
        if sa[-1] != sb[0]:
            raise RippleInputError(f"dimension mismatch: {list(sa)} x {list(sb)} (after "
                                   "transposes)", source=self.source, field=self.where(node, index))
        return {
            "name": name, "operator": "fc", "N": math.prod(sa[:-1]), "K": sb[1], "C": sa[-1],
            "precision": self.precision_of(node, index), "inputs": self.inputs_of([a]),
        }

    def _pool(self, node: NodeProto, index: int, attrs: dict[str, Any],
              xs: tuple[int, ...]) -> dict[str, Any]:
        kernel = tuple(attrs["kernel_shape"])
        if len(kernel) != 2:
            raise UnsupportedOp(f"{len(kernel)}-D pooling")
        if any(d != 1 for d in attrs.get("dilations", (1, 1))):
            raise UnsupportedOp("dilated pooling")
        stride = tuple(attrs.get("strides", (1, 1)))
        return {"kernel": kernel, "stride": stride, "ceil_mode": bool(attrs.get("ceil_mode", 0)),
                "padding": _padding(attrs, xs[2:], kernel, stride, (1, 1))}


def _padding(attrs: dict[str, Any], size: tuple[int, ...], kernel: tuple[int, ...],
             stride: tuple[int, ...], dilation: tuple[int, ...]) -> tuple[int, int, int, int]:
    """Ripple's ``[top, bottom, left, right]`` from ONNX ``pads`` ``[y0, x0, y1, x1]`` or from
    ``auto_pad`` (SAME_UPPER puts the odd extra row at the end, SAME_LOWER at the start)."""
    auto = attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto in ("NOTSET", ""):
        pads = attrs.get("pads", (0, 0, 0, 0))
        return (pads[0], pads[2], pads[1], pads[3])
    if auto == "VALID":
        return (0, 0, 0, 0)
    out: list[int] = []
    for n, k, s, d in zip(size, kernel, stride, dilation, strict=True):
        total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
        small, large = total // 2, total - total // 2
        out += [small, large] if auto == "SAME_UPPER" else [large, small]
    return (out[0], out[1], out[2], out[3])


def _shape_of(value: onnx.ValueInfoProto) -> tuple[int, ...] | None:
    tensor = value.type.tensor_type
    if not tensor.HasField("shape"):
        return None
    dims = tuple(d.dim_value if d.HasField("dim_value") else 0 for d in tensor.shape.dim)
    return None if any(d <= 0 for d in dims) else dims
