"""Which part of its inputs a piece of a node's output needs: the geometry behind tile
dependencies.

Every tensor is seen as an ``(N, C, H, W)`` feature map (a vector ``(N, F)`` is ``F`` channels
of one 1x1 row). A piece of output is a channel range and a row range, all batches and columns.
Its need on each input is again a channel range and a row range: a convolution's rows reach
back over the kernel (the halo), clipped to the image; a grouped convolution needs only the
channels of its groups; ReLU and add need the same piece; pooling behaves like a convolution
on rows and keeps channels; fully connected layers, global pooling (on rows) and concatenation
along other axes need everything. Flatten and reshape are *views*: they move no data and are
not scheduled, so a consumer of a view needs all of the view's own producer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ripple.workload.layer import Layer
from ripple.workload.network import Workload, input_shapes, output_shape
from ripple.workload.operation import POOLS, Operation

Range = tuple[int, int]
Node = Layer | Operation
VIEWS = ("flatten", "reshape")


@dataclass(frozen=True)
class FeatureMap:
    n: int
    c: int
    h: int
    w: int

    def elements(self, channels: Range, rows: Range) -> int:
        return self.n * (channels[1] - channels[0]) * (rows[1] - rows[0]) * self.w


def feature_map(shape: tuple[int, ...]) -> FeatureMap:
    """``(N, C, H, W)`` of a shape: batch first, then channels, rows, and every further
    dimension folded into the columns."""
    if len(shape) == 1:
        return FeatureMap(1, shape[0], 1, 1)
    rows = shape[2] if len(shape) > 2 else 1
    return FeatureMap(shape[0], shape[1], rows, math.prod(shape[3:]))


def output_map(node: Node) -> FeatureMap:
    return feature_map(output_shape(node))


def is_view(node: Node) -> bool:
    return isinstance(node, Operation) and node.operator in VIEWS


@dataclass(frozen=True)
class Need:
    """A region of one producer's output (``producer`` None: the network input), of the
    feature map ``fmap``, that a piece of a consumer reads."""

    producer: str | None
    channels: Range
    rows: Range
    fmap: FeatureMap


def needs(workload: Workload, node: Node, channels: Range, rows: Range) -> list[Need]:
    """What output piece ``channels`` x ``rows`` of ``node`` reads, per input, views resolved.
    An input it does not touch at all (another branch of a concatenation) is left out."""
    out = []
    shapes = input_shapes(node)
    for slot, shape in enumerate(shapes):
        fmap = feature_map(tuple(shape))
        piece = _input_piece(node, slot, fmap, channels, rows)
        if piece is None:
            continue
        producer = node.inputs[slot] if node.inputs else None
        out.append(_through_views(workload, producer, fmap, *piece))
    return out


def _through_views(workload: Workload, producer: str | None, fmap: FeatureMap,
                   channels: Range, rows: Range) -> Need:
    """The need in the producer's own output map. Through a view, or where the consumer sees
    the producer's tensor in another shape (a fully connected layer flattening a feature map),
    the need is all of the producer."""
    while producer is not None and is_view(view := workload.node(producer)):
        producer = view.inputs[0] if view.inputs else None
        fmap = feature_map(tuple(input_shapes(view)[0]))
        channels, rows = (0, fmap.c), (0, fmap.h)
    if producer is not None and (own := output_map(workload.node(producer))) != fmap:
        fmap, channels, rows = own, (0, own.c), (0, own.h)
    return Need(producer, channels, rows, fmap)


def _input_piece(node: Node, slot: int, fmap: FeatureMap, channels: Range,
                 rows: Range) -> tuple[Range, Range] | None:
    everything = ((0, fmap.c), (0, fmap.h))
    if isinstance(node, Layer):
        if node.operator == "fc":
            return everything
        return (_group_channels(node, channels),
                halo(rows, node.FY, node.stride[0], node.dilation[0], node.padding[0], fmap.h))
    if node.operator in ("relu", "add"):
        return channels, rows
    if node.operator in POOLS:
        assert node.kernel is not None
        return channels, halo(rows, node.kernel[0], node.stride[0], 1, node.padding[0], fmap.h)
    if node.operator == "globalavgpool":
        return channels, (0, fmap.h)
    if node.operator == "concat" and node.axis % len(node.input_shapes[slot]) == 1:
        start = sum(feature_map(tuple(s)).c for s in node.input_shapes[:slot])
        lo, hi = max(channels[0] - start, 0), min(channels[1] - start, fmap.c)
        return ((lo, hi), rows) if lo < hi else None
    return everything


def _group_channels(layer: Layer, channels: Range) -> Range:
    if layer.G == 1:
        return (0, layer.C)
    first, last = channels[0] // layer.K_group, -(-channels[1] // layer.K_group)
    return (first * layer.C_group, last * layer.C_group)


def halo(rows: Range, kernel: int, stride: int, dilation: int, pad: int, size: int) -> Range:
    """Input rows read by output rows ``rows`` of a sliding window, clipped to the image."""
    lo = rows[0] * stride - pad
    hi = (rows[1] - 1) * stride + (kernel - 1) * dilation - pad + 1
    return (max(lo, 0), min(hi, size))
