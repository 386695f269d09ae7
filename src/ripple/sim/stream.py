"""Enumeration of the MAC stream of a loop nest, in execution order, chunk by chunk.

The simulator's counts must follow from the sequence of issued MACs and nothing else, so this
module is the one place that turns a :class:`~ripple.mapping.LoopNest` into that sequence. It
walks the temporal steps in lexicographic nest order (outermost loop most significant) and the
spatial instances of each step, decodes every loop's digit into dimension indices, clips
overhanging iterations, applies the output-/input-indexed geometry, and keeps the issued MACs.
Steps are processed in chunks of about ``chunk_macs`` (step, instance) pairs, fully vectorised,
so that memory stays bounded however large the layer is; issued steps are numbered as cycles
across chunks.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ripple.mapping import LoopNest

I64 = np.int64


@dataclass(frozen=True)
class MacChunk:
    """The issued MACs of a run of consecutive temporal steps, in execution order.

    Every array has one entry per issued MAC. ``step`` is the global lexicographic index of the
    temporal step, ``cycle`` the compute cycle of that step (issued steps only, from 0), ``sp``
    the spatial instance (index into :attr:`StreamPlan.npe_coords`). Flat indices address
    ``I [N, C, IY, IX]`` (-1 for a padding tap), ``W [K, C/G, FY, FX]`` and the output buffer
    ``[N, K, OYb, OXb]`` (the enlarged extent for a scatter nest).
    """

    step: NDArray[np.int64]
    cycle: NDArray[np.int64]
    sp: NDArray[np.int64]
    i_flat: NDArray[np.int64]
    w_flat: NDArray[np.int64]
    o_flat: NDArray[np.int64]
    valid: NDArray[np.bool_]
    cycles_after: int

    @property
    def size(self) -> int:
        return int(self.step.size)


class StreamPlan:
    """Digit decoding of a nest: strides of the temporal loops and per-instance spatial indices.

    Precomputed once so that each chunk is a handful of array operations.
    """

    def __init__(self, nest: LoopNest) -> None:
        self.nest = nest
        layer = nest.layer
        self.dims = nest.dims
        self.temporal_sizes = [lp.size for lp in nest.temporal]
        # inner[j] = product of the sizes of temporal loops at positions >= j
        inner = [1] * (len(nest.temporal) + 1)
        for j in range(len(nest.temporal) - 1, -1, -1):
            inner[j] = inner[j + 1] * nest.temporal[j].size
        self.inner = inner
        self.steps = inner[0]

        # weight of each loop (temporal positions first, then spatial positions) in its dim:
        # the product of the sizes of the loops over the same dimension inside it
        all_loops = list(nest.temporal) + list(nest.spatial)
        weights = [1] * len(all_loops)
        for dim in self.dims:
            positions = [p for p, lp in enumerate(all_loops) if lp.dim == dim]
            acc = 1
            for p in reversed(positions):
                weights[p] = acc
                acc *= all_loops[p].size
        self.temporal_weights = weights[: len(nest.temporal)]
        spatial_weights = weights[len(nest.temporal):]

        # spatial instances: mixed-radix over the spatial loops (array-dimension order)
        sizes = [lp.size for lp in nest.spatial]
        self.n_spatial = math.prod(sizes)
        sp = np.arange(self.n_spatial, dtype=I64)
        digits: list[NDArray[np.int64]] = []
        rest = self.n_spatial
        for size in sizes:
            rest //= size
            digits.append((sp // rest) % size)
        self.spatial_index = {dim: np.zeros(self.n_spatial, dtype=I64) for dim in self.dims}
        for lp, digit, weight in zip(nest.spatial, digits, spatial_weights, strict=True):
            self.spatial_index[lp.dim] = self.spatial_index[lp.dim] + digit * weight

        # NPE coordinate along each array dimension: its loops as digits, first listed outermost
        self.array_dims = list(nest.arch.array)
        coords = np.zeros((self.n_spatial, len(self.array_dims)), dtype=I64)
        for a, adim in enumerate(self.array_dims):
            on_dim = [(lp, d) for lp, d in zip(nest.spatial, digits, strict=True)
                      if lp.array_dim == adim]
            acc = 1
            for lp, digit in reversed(on_dim):
                coords[:, a] += digit * acc
                acc *= lp.size
        self.npe_coords = coords

        # dimensions whose loops overhang the layer need a bound check
        self.clipped = [d for d in self.dims
                        if math.prod(lp.size for lp in nest.loops_of(d)) > layer.bound(d)]

        ay, ax = layer.axis("y"), layer.axis("x")
        self.scatter = nest.index == "input" and nest.boundary == "scatter"
        self.out_y = ay.scatter_extent if self.scatter else layer.OY
        self.out_x = ax.scatter_extent if self.scatter else layer.OX

    @property
    def output_buffer_shape(self) -> tuple[int, int, int, int]:
        """Shape of the output buffer: ``(N, K, OY, OX)``, enlarged for a scatter nest."""
        layer = self.nest.layer
        return (layer.N, layer.K, self.out_y, self.out_x)

    def temporal_index(self, steps: NDArray[np.int64]) -> dict[str, NDArray[np.int64]]:
        """Per dimension, the temporal part of its index at each of ``steps``."""
        out = {dim: np.zeros(steps.size, dtype=I64) for dim in self.dims}
        for j, lp in enumerate(self.nest.temporal):
            digit = (steps // self.inner[j + 1]) % lp.size
            out[lp.dim] += digit * self.temporal_weights[j]
        return out

    def prefix(self, steps: NDArray[np.int64], r: int) -> NDArray[np.int64]:
        """The first ``r`` digits of each step, as one integer (steps sharing them share it)."""
        return steps // self.inner[r]


def iter_chunks(nest: LoopNest, chunk_macs: int = 2_000_000,
                plan: StreamPlan | None = None) -> Iterator[MacChunk]:
    """Yield the issued MACs of ``nest`` in execution order, about ``chunk_macs`` candidate
    (step, instance) pairs at a time."""
    plan = plan or StreamPlan(nest)
    per_chunk = max(1, chunk_macs // max(plan.n_spatial, 1))
    cycle = 0
    for s0 in range(0, plan.steps, per_chunk):
        steps = np.arange(s0, min(s0 + per_chunk, plan.steps), dtype=I64)
        chunk = _chunk(plan, steps, cycle)
        cycle = chunk.cycles_after
        yield chunk


def _chunk(plan: StreamPlan, steps: NDArray[np.int64], cycle0: int) -> MacChunk:
    nest, layer = plan.nest, plan.nest.layer
    t_idx = plan.temporal_index(steps)
    s_idx = plan.spatial_index

    def full(dim: str) -> NDArray[np.int64]:
        return t_idx[dim][:, None] + s_idx[dim][None, :]

    shape = (steps.size, plan.n_spatial)
    issued = np.ones(shape, dtype=bool)
    for dim in plan.clipped:
        issued &= full(dim) < layer.bound(dim)
    valid = _valid_mask(plan, full, shape)
    if nest.filtered:
        issued &= valid

    flat = np.flatnonzero(issued)
    local_step, sp = np.divmod(flat, plan.n_spatial)
    step_issued = issued.any(axis=1)
    valid_issued = valid.ravel()[flat]
    del issued, valid, flat
    step_cycle = np.cumsum(step_issued, dtype=I64) - 1 + cycle0
    cycles_after = cycle0 + int(step_issued.sum())

    idx = {dim: t_idx[dim][local_step] + s_idx[dim][sp] for dim in plan.dims}
    i_flat, w_flat, o_flat = _flat_indices(plan, idx, valid_issued)
    return MacChunk(step=steps[local_step], cycle=step_cycle[local_step], sp=sp, i_flat=i_flat,
                    w_flat=w_flat, o_flat=o_flat, valid=valid_issued, cycles_after=cycles_after)


def _valid_mask(plan: StreamPlan, full, shape: tuple[int, int]) -> NDArray[np.bool_]:
    """Valid pairs: a real input (not padding) feeding a real output."""
    nest, layer = plan.nest, plan.nest.layer
    valid = np.ones(shape, dtype=bool)
    for pos, tap, which in (("Y", "FY", "y"), ("X", "FX", "x")):
        axis = layer.axis(which)  # type: ignore[arg-type]
        if nest.index == "output":
            i = full("O" + pos) * axis.stride + full(tap) * axis.dilation - axis.pad
            valid &= (i >= 0) & (i < axis.inputs)
        else:
            num = full("I" + pos) + axis.pad - full(tap) * axis.dilation
            o, rem = np.divmod(num, axis.stride)
            valid &= (rem == 0) & (o >= 0) & (o < axis.outputs)
    return valid


def _flat_indices(plan: StreamPlan, idx: dict[str, NDArray[np.int64]],
                  valid: NDArray[np.bool_]) -> tuple[NDArray[np.int64], ...]:
    nest, layer = plan.nest, plan.nest.layer
    ay, ax = layer.axis("y"), layer.axis("x")
    k_out = idx["G"] * layer.K_group + idx["K"]
    c_in = idx["G"] * layer.C_group + idx["C"]
    if nest.index == "output":
        iy = idx["OY"] * ay.stride + idx["FY"] * ay.dilation - ay.pad
        ix = idx["OX"] * ax.stride + idx["FX"] * ax.dilation - ax.pad
        oy, ox = idx["OY"], idx["OX"]
    else:
        iy, ix = idx["IY"], idx["IX"]
        if plan.scatter:
            oy = iy - idx["FY"] * ay.dilation + (ay.taps - 1) * ay.dilation
            ox = ix - idx["FX"] * ax.dilation + (ax.taps - 1) * ax.dilation
        else:
            oy = (iy + ay.pad - idx["FY"] * ay.dilation) // ay.stride
            ox = (ix + ax.pad - idx["FX"] * ax.dilation) // ax.stride
    i_flat = ((idx["N"] * layer.C + c_in) * layer.IY + iy) * layer.IX + ix
    if nest.index == "output":
        i_flat = np.where(valid, i_flat, -1)
    w_flat = ((k_out * layer.C_group + idx["C"]) * layer.FY + idx["FY"]) * layer.FX + idx["FX"]
    o_flat = ((idx["N"] * layer.K + k_out) * plan.out_y + oy) * plan.out_x + ox
    return i_flat, w_flat, o_flat
