"""Per-factor element tables: the loop nest split into independent pieces.

The iteration space of a layer is a Cartesian product of *factors*: the dimensions ``N``, ``G``,
``K``, ``C`` each on their own, and one factor per spatial axis holding the pairs
``(output or input position, tap)``. Whether a MAC is issued, which operand elements it touches
and which loop digits it has all factor over them, so every count of the model is a product (or
a histogram product) of per-factor quantities. A factor's table lists its *issued* elements
(at most ``IY x FY`` pairs for an axis, never MACs) with their digits and operand coordinates.

A factor depends only on the layer, the nest kind and its own loops (a :class:`FactorSpec`), not
on where those loops sit among the other factors' loops; that is what lets an exploration reuse
one factor's tables across every loop order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ripple.model.relevance import is_relevant
from ripple.resources import check_factor
from ripple.workload.layer import OPERANDS, IndexKind, Layer, Operand

IntArray = NDArray[np.int64]
FACTOR_NAMES = ("N", "G", "K", "C", "Y", "X")
#: The factor each loop dimension belongs to.
FACTOR_OF = {"N": "N", "G": "G", "K": "K", "C": "C", "OY": "Y", "IY": "Y", "FY": "Y",
             "OX": "X", "IX": "X", "FX": "X"}


@dataclass(frozen=True)
class FactorLoop:
    dim: str
    size: int
    array_dim: str | None = None  # None: a temporal loop


@dataclass(frozen=True)
class NestKind:
    """What decides which MACs are issued: the layer and how the nest runs over it."""

    layer: Layer
    index: IndexKind
    boundary: str
    skip_padding: bool
    padding: str = "generated"  # the architecture's ``padding`` convention
    input_window: str = "each_fill"  # and its ``input_window`` one


@dataclass(frozen=True)
class FactorSpec:
    """A factor's loops: its temporal loops in nest order, then its spatial loops (the least
    significant digits) in array order."""

    name: str
    loops: tuple[FactorLoop, ...]

    @property
    def n_temporal(self) -> int:
        return sum(1 for lp in self.loops if lp.array_dim is None)

    def dims(self, index: IndexKind) -> tuple[str, ...]:
        if self.name in ("Y", "X"):
            return (("O" if index == "output" else "I") + self.name, "F" + self.name)
        return (self.name,)


@dataclass
class Factor:
    """Issued elements of one factor.

    ``digits[i]`` is each element's digit for the factor's ``i``-th loop. ``coords[op]`` is the
    element's coordinate in this factor's part of the operand tensor (``-1``: it touches no
    stored element, e.g. a padding tap), 0 when the factor does not index the operand.
    ``rank`` orders the elements by their temporal digits in nest order.
    ``window``: under ``padding: window``, each element's input position in the padded axis
    (padding taps included), whose distinct count per tile is capped at ``window_cap``
    (the axis' unpadded size): what a fill holds of inputs on this axis. ``steps``: under
    ``input_window: average`` as well, the axis' stride and dilation, from which a fill's
    window is computed instead (:func:`average_window`).
    """

    spec: FactorSpec
    digits: list[IntArray]
    coords: dict[Operand, IntArray]
    out_extent: int
    window: IntArray | None = None
    window_cap: int = 0
    steps: tuple[int, int] | None = None
    rank: IntArray = field(init=False)

    def __post_init__(self) -> None:
        rank = np.zeros(self.size, dtype=np.int64)
        for i in range(self.spec.n_temporal):
            rank = rank * self.spec.loops[i].size + self.digits[i]
        self.rank = rank

    @property
    def size(self) -> int:
        return len(self.coords["W"])

    @property
    def sizes(self) -> list[int]:
        return [lp.size for lp in self.spec.loops]


def _digits(spec: FactorSpec, dim: str, index: IntArray, digits: list[IntArray | None]) -> None:
    """Digits of ``index`` for every loop of ``spec`` over ``dim`` (outer loops first)."""
    weight = 1
    for i in reversed(range(len(spec.loops))):
        if spec.loops[i].dim == dim:
            digits[i] = (index // weight) % spec.loops[i].size
            weight *= spec.loops[i].size


def _dim_factor(kind: NestKind, spec: FactorSpec) -> Factor:
    bound = kind.layer.bound(spec.name)
    index = np.arange(bound, dtype=np.int64)
    digits: list[IntArray | None] = [None] * len(spec.loops)
    _digits(spec, spec.name, index, digits)
    coords = {
        op: index if is_relevant(kind.index, op, spec.name) else np.zeros(bound, dtype=np.int64)
        for op in OPERANDS
    }
    out_extent = bound if is_relevant(kind.index, "O", spec.name) else 1
    return Factor(spec, digits, coords, out_extent)  # type: ignore[arg-type]


def _axis_factor(kind: NestKind, spec: FactorSpec) -> Factor:
    """Issued ``(position, tap)`` pairs of one spatial axis and their coordinates."""
    geom = kind.layer.axis("y" if spec.name == "Y" else "x")
    pos_dim, tap_dim = spec.dims(kind.index)
    n_pos = geom.outputs if kind.index == "output" else geom.inputs
    pos, tap = (a.ravel() for a in np.meshgrid(np.arange(n_pos, dtype=np.int64),
                                              np.arange(geom.taps, dtype=np.int64),
                                              indexing="ij"))
    window, steps = None, None
    if kind.index == "output":
        iy = pos * geom.stride + tap * geom.dilation - geom.pad
        valid = (iy >= 0) & (iy < geom.inputs)
        issued = valid if kind.skip_padding else np.ones_like(valid)
        coord_i, coord_o, out_extent = np.where(valid, iy, -1), pos, geom.outputs
        if kind.padding == "window" and not kind.skip_padding:
            window = iy + geom.pad
            if kind.input_window == "average":
                steps = (geom.stride, geom.dilation)
    else:
        num = pos + geom.pad - tap * geom.dilation
        oy = num // geom.stride
        valid = (num % geom.stride == 0) & (oy >= 0) & (oy < geom.outputs)
        coord_i = pos
        if kind.boundary == "scatter":
            issued = np.ones_like(valid)
            coord_o = pos - tap * geom.dilation + (geom.taps - 1) * geom.dilation
            out_extent = geom.scatter_extent
        else:
            issued, coord_o, out_extent = valid, np.where(valid, oy, -1), geom.outputs
    pos, tap = pos[issued], tap[issued]
    digits: list[IntArray | None] = [None] * len(spec.loops)
    _digits(spec, pos_dim, pos, digits)
    _digits(spec, tap_dim, tap, digits)
    coords = {"I": coord_i[issued], "W": tap, "O": coord_o[issued]}
    return Factor(spec, digits, coords, out_extent,  # type: ignore[arg-type]
                  None if window is None else window[issued], geom.inputs, steps)


def average_window(positions: int, taps: int, steps: tuple[int, int]) -> int:
    """Distinct input positions that ``positions`` consecutive outputs reach through ``taps``
    consecutive taps, at ``steps`` (stride, dilation) apart: ``(p - 1) * s + (t - 1) * d + 1``
    where the taps cover the gaps between outputs, ``p * t`` where they are too sparse to meet
    (ZigZag's ``calc_pr_dimension_size``, docs/conventions.md)."""
    stride, dilation = steps
    common = math.gcd(stride, dilation)
    overlap = max(0, taps - stride // common) * max(0, positions - dilation // common)
    return positions * taps - overlap


def build_factor(kind: NestKind, spec: FactorSpec) -> Factor:
    if spec.name in ("Y", "X"):
        geom = kind.layer.axis("y" if spec.name == "Y" else "x")
        elements = (geom.outputs if kind.index == "output" else geom.inputs) * geom.taps
    else:
        elements = kind.layer.bound(spec.name)
    check_factor(elements, f"layer {kind.layer.name}, factor {spec.name}")
    return _axis_factor(kind, spec) if spec.name in ("Y", "X") else _dim_factor(kind, spec)
