"""Enumeration of the MAC stream of a loop nest, in execution order, chunk by chunk.

The simulator's counts must follow from the sequence of issued MACs and nothing else, so this
module is the one place that turns a :class:`~ripple.mapping.LoopNest` into that sequence. It
walks the temporal steps in lexicographic nest order (outermost loop most significant) and the
spatial instances of each step, decodes every loop's digit into dimension indices, clips
overhanging iterations, applies the output-/input-indexed geometry, and keeps the issued MACs.

Every index is a sum of a temporal part (a function of the step) and a spatial part (a function
of the instance), and every coordinate the geometry needs (input row, output row, flat tensor
offsets) is linear in the indices; so each is computed once per step and once per instance and
only added on the (step, instance) grid. Steps are processed in chunks of about ``chunk_macs``
grid points, so that memory stays bounded however large the layer is; issued steps are
numbered as cycles across chunks.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ripple.mapping import LoopNest

I64 = np.int64
Linear = dict[str, int]  # coefficient per dimension


@dataclass(frozen=True)
class MacChunk:
    """The issued MACs of a run of consecutive temporal steps, in execution order.

    ``steps`` are the global lexicographic indices of the chunk's *issued* steps; the ``t``-th
    of them is compute cycle ``first_cycle + t``. Per MAC: ``mac_step`` (index into
    ``steps``), ``sp`` (spatial instance, a row of :attr:`StreamPlan.npe_coords`), flat indices
    into ``I [N, C, IY, IX]`` (-1 for a padding tap), ``W [K, C/G, FY, FX]`` and the output
    buffer ``[N, K, OYb, OXb]`` (the enlarged extent for a scatter nest), and ``valid``.
    """

    steps: NDArray[np.int64]
    first_cycle: int
    mac_step: NDArray[np.int64]
    sp: NDArray[np.int64]
    i_flat: NDArray[np.int64]
    w_flat: NDArray[np.int64]
    o_flat: NDArray[np.int64]
    valid: NDArray[np.bool_]

    @property
    def size(self) -> int:
        return int(self.mac_step.size)

    @property
    def cycles_after(self) -> int:
        return self.first_cycle + int(self.steps.size)

    @property
    def step_cycles(self) -> NDArray[np.int64]:
        return np.arange(self.first_cycle, self.cycles_after, dtype=I64)

    def cycle(self) -> NDArray[np.int64]:
        """Compute cycle of every MAC."""
        return self.mac_step + self.first_cycle


class StreamPlan:
    """Digit decoding of a nest and the linear forms of its coordinates.

    Precomputed once so that each chunk is a handful of array operations.
    """

    def __init__(self, nest: LoopNest) -> None:
        self.nest = nest
        layer = nest.layer
        self.dims = nest.dims
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
            acc = 1
            for p in reversed([p for p, lp in enumerate(all_loops) if lp.dim == dim]):
                weights[p] = acc
                acc *= all_loops[p].size
        self.temporal_weights = weights[: len(nest.temporal)]
        spatial_weights = weights[len(nest.temporal):]

        # spatial instances: mixed radix over the spatial loops (array-dimension order)
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
            self.spatial_index[lp.dim] += digit * weight

        # NPE coordinate along each array dimension: its loops as digits, first listed outermost
        self.array_dims = list(nest.arch.array)
        coords = np.zeros((self.n_spatial, len(self.array_dims)), dtype=I64)
        for a, adim in enumerate(self.array_dims):
            acc = 1
            for lp, digit in reversed([(lp, d) for lp, d in zip(nest.spatial, digits, strict=True)
                                       if lp.array_dim == adim]):
                coords[:, a] += digit * acc
                acc *= lp.size
        self.npe_coords = coords

        # dimensions whose loops overhang the layer need a bound check
        self.clipped = [d for d in self.dims
                        if math.prod(lp.size for lp in nest.loops_of(d)) > layer.bound(d)]
        self.scatter = nest.index == "input" and nest.boundary == "scatter"
        self.out_y = layer.axis("y").scatter_extent if self.scatter else layer.OY
        self.out_x = layer.axis("x").scatter_extent if self.scatter else layer.OX
        self._forms()

    @property
    def output_buffer_shape(self) -> tuple[int, int, int, int]:
        """Shape of the output buffer: ``(N, K, OY, OX)``, enlarged for a scatter nest."""
        layer = self.nest.layer
        return (layer.N, layer.K, self.out_y, self.out_x)

    def _forms(self) -> None:
        """Linear forms (coefficients per dimension, constant) of the coordinates."""
        layer, nest = self.nest.layer, self.nest
        ay, ax = layer.axis("y"), layer.axis("x")
        kg, cg = layer.K_group, layer.C_group
        # validity coordinate per axis: the input row (output-indexed) or the numerator of the
        # output row (input-indexed); both are compared against bounds on the grid
        if nest.index == "output":
            ypos: tuple[Linear, int] = ({"OY": ay.stride, "FY": ay.dilation}, -ay.pad)
            xpos: tuple[Linear, int] = ({"OX": ax.stride, "FX": ax.dilation}, -ax.pad)
        else:
            ypos = ({"IY": 1, "FY": -ay.dilation}, ay.pad)
            xpos = ({"IX": 1, "FX": -ax.dilation}, ax.pad)
        self.ypos, self.xpos = ypos, xpos

        plane = layer.IY * layer.IX
        i_form: Linear = {"N": layer.C * plane, "G": cg * plane, "C": plane}
        if nest.index == "output":
            _add(i_form, ypos[0], layer.IX)
            _add(i_form, xpos[0], 1)
            i_const = ypos[1] * layer.IX + xpos[1]
        else:
            _add(i_form, {"IY": layer.IX, "IX": 1}, 1)
            i_const = 0
        self.i_form = (i_form, i_const)
        w_plane = layer.FY * layer.FX
        self.w_form = ({"G": kg * cg * w_plane, "K": cg * w_plane, "C": w_plane,
                        "FY": layer.FX, "FX": 1}, 0)
        o_plane = self.out_y * self.out_x
        o_form: Linear = {"N": layer.K * o_plane, "G": kg * o_plane, "K": o_plane}
        o_const = 0
        if nest.index == "output":
            _add(o_form, {"OY": self.out_x, "OX": 1}, 1)
        elif self.scatter:
            _add(o_form, {"IY": self.out_x, "FY": -ay.dilation * self.out_x,
                          "IX": 1, "FX": -ax.dilation}, 1)
            o_const = (ay.taps - 1) * ay.dilation * self.out_x + (ax.taps - 1) * ax.dilation
        self.o_form = (o_form, o_const)  # filter nests add the divided rows per MAC

    # ----- per-step and per-instance parts -----------------------------------------------
    def temporal_index(self, steps: NDArray[np.int64]) -> dict[str, NDArray[np.int64]]:
        """Per dimension, the temporal part of its index at each of ``steps``."""
        out = {dim: np.zeros(steps.size, dtype=I64) for dim in self.dims}
        for j, lp in enumerate(self.nest.temporal):
            out[lp.dim] += (steps // self.inner[j + 1]) % lp.size * self.temporal_weights[j]
        return out

    def parts(self, form: tuple[Linear, int], t_idx: dict[str, NDArray[np.int64]]
              ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Temporal and spatial parts of a linear form (the constant goes to the spatial)."""
        coefs, const = form
        n_steps = next(iter(t_idx.values())).size
        t = np.zeros(n_steps, dtype=I64)
        s = np.full(self.n_spatial, const, dtype=I64)
        for dim, coef in coefs.items():
            if dim in t_idx and coef:
                t += coef * t_idx[dim]
                s += coef * self.spatial_index[dim]
        return t, s

    def prefix(self, steps: NDArray[np.int64], r: int) -> NDArray[np.int64]:
        """The first ``r`` digits of each step, as one integer (steps sharing them share it)."""
        return steps // self.inner[r]


def _add(form: Linear, more: Linear, scale: int) -> None:
    for dim, coef in more.items():
        form[dim] = form.get(dim, 0) + coef * scale


def iter_chunks(nest: LoopNest, chunk_macs: int = 2_000_000,
                plan: StreamPlan | None = None) -> Iterator[MacChunk]:
    """Yield the issued MACs of ``nest`` in execution order, about ``chunk_macs`` candidate
    (step, instance) pairs at a time. (Consumers should drop a chunk before asking for the
    next, so that only one is alive.)"""
    plan = plan or StreamPlan(nest)
    per_chunk = max(1, chunk_macs // max(plan.n_spatial, 1))
    cycle = 0
    for s0 in range(0, plan.steps, per_chunk):
        steps = np.arange(s0, min(s0 + per_chunk, plan.steps), dtype=I64)
        chunk = _chunk(plan, steps, cycle)
        cycle = chunk.cycles_after
        yield chunk
        del chunk


def _grid(t: NDArray[np.int64], s: NDArray[np.int64]) -> NDArray[np.int64]:
    return t[:, None] + s[None, :]


def _chunk(plan: StreamPlan, steps: NDArray[np.int64], cycle0: int) -> MacChunk:
    nest, layer = plan.nest, plan.nest.layer
    t_idx = plan.temporal_index(steps)
    issued = np.ones((steps.size, plan.n_spatial), dtype=bool)
    for dim in plan.clipped:
        issued &= _grid(t_idx[dim], plan.spatial_index[dim]) < layer.bound(dim)

    valid = np.ones_like(issued)
    for form, axis in ((plan.ypos, layer.axis("y")), (plan.xpos, layer.axis("x"))):
        pos = _grid(*plan.parts(form, t_idx))
        if nest.index == "output":  # the input row must be inside the input
            valid &= (pos >= 0) & (pos < axis.inputs)
        else:  # the output row (pos / stride) must be an integer in [0, OY)
            valid &= (pos >= 0) & (pos < axis.outputs * axis.stride)
            if axis.stride > 1:
                valid &= pos % axis.stride == 0
        del pos
    if nest.filtered:
        issued &= valid

    step_issued = issued.any(axis=1)
    # renumber steps: local step -> index among the chunk's issued steps
    issued_rank = np.cumsum(step_issued, dtype=I64) - 1
    local_step, sp = np.nonzero(issued)
    valid_mac = valid[local_step, sp]
    del issued, valid

    def gather(form: tuple[Linear, int]) -> NDArray[np.int64]:
        t, s = plan.parts(form, t_idx)
        return t[local_step] + s[sp]

    i_flat = gather(plan.i_form)
    if nest.index == "output":
        i_flat[~valid_mac] = -1
    w_flat = gather(plan.w_form)
    o_flat = gather(plan.o_form)
    if nest.index == "input" and not plan.scatter:
        ay, ax = layer.axis("y"), layer.axis("x")
        o_flat += gather(plan.ypos) // ay.stride * plan.out_x
        o_flat += gather(plan.xpos) // ax.stride
    return MacChunk(steps=steps[step_issued], first_cycle=cycle0,
                    mac_step=issued_rank[local_step], sp=sp, i_flat=i_flat, w_flat=w_flat,
                    o_flat=o_flat, valid=valid_mac)
