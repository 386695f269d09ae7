"""Per-factor element tables: the loop nest split into independent pieces.

The iteration space of a layer is a Cartesian product of *factors*: the dimensions ``N``, ``G``,
``K``, ``C`` each on their own, and one factor per spatial axis holding the pairs
``(output or input position, tap)``. Whether a MAC is issued, which operand elements it touches
and which loop digits it has all factor over them, so every count of the model is a product (or
a histogram product) of per-factor quantities. A factor's table lists its *issued* elements
(at most ``IY x FY`` pairs for an axis, never MACs) with their digits and operand coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ripple.mapping.nest import LoopNest
from ripple.model.relevance import is_relevant
from ripple.workload.layer import OPERANDS, Operand

IntArray = NDArray[np.int64]


@dataclass
class Factor:
    """Issued elements of one factor of the iteration space.

    ``digits[loop_id]`` is each element's digit for a loop of this factor (loop ids: temporal
    position, or ``len(temporal) + i`` for the i-th spatial loop). ``coords[op]`` is the
    element's coordinate in this factor's part of the operand tensor (``-1``: it touches no
    stored element, e.g. a padding tap), 0 when the factor does not index the operand.
    ``rank`` orders the elements by their temporal digits in nest order.
    """

    name: str
    temporal: list[int]
    spatial: list[int]
    sizes: dict[int, int]
    digits: dict[int, IntArray]
    coords: dict[Operand, IntArray]
    out_extent: int
    rank: IntArray = field(init=False)

    def __post_init__(self) -> None:
        rank = np.zeros(self.size, dtype=np.int64)
        for loop in self.temporal:
            rank = rank * self.sizes[loop] + self.digits[loop]
        self.rank = rank

    @property
    def size(self) -> int:
        return len(next(iter(self.coords.values())))

    @property
    def loops(self) -> list[int]:
        return self.temporal + self.spatial


def _loop_ids(nest: LoopNest) -> dict[int, tuple[str, int]]:
    ids: dict[int, tuple[str, int]] = {}
    for pos, lp in enumerate(nest.temporal):
        ids[pos] = (lp.dim, lp.size)
    for i, lp in enumerate(nest.spatial):
        ids[len(nest.temporal) + i] = (lp.dim, lp.size)
    return ids


def _digits_of(nest: LoopNest, dim: str, index: IntArray) -> tuple[dict[int, IntArray],
                                                                   dict[int, int]]:
    """Digits of ``index`` for every loop over ``dim`` (outer loops most significant)."""
    loops = _loop_ids(nest)
    ids = sorted(i for i, (d, _) in loops.items() if d == dim)  # temporal first, then spatial
    sizes = {i: loops[i][1] for i in ids}
    digits: dict[int, IntArray] = {}
    weight = 1
    for i in reversed(ids):
        digits[i] = (index // weight) % sizes[i]
        weight *= sizes[i]
    return digits, sizes


def _dim_factor(nest: LoopNest, dim: str) -> Factor:
    bound = nest.bound(dim)
    index = np.arange(bound, dtype=np.int64)
    digits, sizes = _digits_of(nest, dim, index)
    coords = {
        op: index if is_relevant(nest.index, op, dim) else np.zeros(bound, dtype=np.int64)
        for op in OPERANDS
    }
    n_temporal = len(nest.temporal)
    return Factor(
        name=dim,
        temporal=sorted(i for i in digits if i < n_temporal),
        spatial=sorted(i for i in digits if i >= n_temporal),
        sizes=sizes,
        digits=digits,
        coords=coords,
        out_extent=bound if is_relevant(nest.index, "O", dim) else 1,
    )


def _axis_factor(nest: LoopNest, which: str) -> Factor:
    """Issued ``(position, tap)`` pairs of one spatial axis and their coordinates."""
    geom = nest.layer.axis("y" if which == "Y" else "x")
    pos_dim = ("O" if nest.index == "output" else "I") + which
    tap_dim = "F" + which
    n_pos = geom.outputs if nest.index == "output" else geom.inputs
    pos, tap = (a.ravel() for a in np.meshgrid(np.arange(n_pos, dtype=np.int64),
                                              np.arange(geom.taps, dtype=np.int64),
                                              indexing="ij"))
    if nest.index == "output":
        iy = pos * geom.stride + tap * geom.dilation - geom.pad
        valid = (iy >= 0) & (iy < geom.inputs)
        issued = valid if nest.skip_padding else np.ones_like(valid)
        coord_i = np.where(valid, iy, -1)
        coord_o = pos
        out_extent = geom.outputs
    else:
        num = pos + geom.pad - tap * geom.dilation
        oy = num // geom.stride
        valid = (num % geom.stride == 0) & (oy >= 0) & (oy < geom.outputs)
        coord_i = pos
        if nest.boundary == "scatter":
            issued = np.ones_like(valid)
            coord_o = pos - tap * geom.dilation + (geom.taps - 1) * geom.dilation
            out_extent = geom.scatter_extent
        else:
            issued = valid
            coord_o = np.where(valid, oy, -1)
            out_extent = geom.outputs
    keep = issued
    pos, tap = pos[keep], tap[keep]
    digits_p, sizes_p = _digits_of(nest, pos_dim, pos)
    digits_t, sizes_t = _digits_of(nest, tap_dim, tap)
    digits = {**digits_p, **digits_t}
    sizes = {**sizes_p, **sizes_t}
    n_temporal = len(nest.temporal)
    loops = sorted(digits)
    return Factor(
        name=which,
        temporal=[i for i in loops if i < n_temporal],
        spatial=[i for i in loops if i >= n_temporal],
        sizes=sizes,
        digits=digits,
        coords={"I": coord_i[keep], "W": tap, "O": coord_o[keep]},
        out_extent=out_extent,
    )


def build_factors(nest: LoopNest) -> list[Factor]:
    """The factors of the nest, in output-tensor order ``N G K C Y X``."""
    return [_dim_factor(nest, d) for d in ("N", "G", "K", "C")] + [
        _axis_factor(nest, "Y"),
        _axis_factor(nest, "X"),
    ]
