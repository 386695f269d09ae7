"""Enumeration of the MAC stream of a loop nest, in execution order, chunk by chunk.

The simulator's counts must follow from the sequence of issued MACs and nothing else, so this
module is the one place that turns a :class:`~ripple.mapping.LoopNest` into that sequence. It
walks the temporal steps in lexicographic nest order (outermost loop most significant) and the
spatial instances of each step, decodes every loop's digit into dimension indices, clips
overhanging iterations, applies the output-/input-indexed geometry, and keeps the issued MACs.

Every index is a sum of a temporal part (a function of the step) and a spatial part (a function
of the instance), and every coordinate the geometry needs (input row, output row, flat tensor
offsets) is linear in the indices; so each is computed once per step and once per instance and
only added on the (step, instance) grid. A temporal part is itself a sum over loops of digit
times coefficient, so it splits into a lookup over the outer loops' digits plus one over the
inner loops' (no division per loop and step). Steps that issue nothing are dropped block by
block before any per-MAC work; the rest are processed in chunks of about ``chunk_macs`` grid
points, so that memory stays bounded however large the layer is; issued steps are numbered as
cycles across chunks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

import numpy as np
from numpy.typing import NDArray

from ripple.mapping import LoopNest
from ripple.sim.window import PaddedInputs

I64 = np.int64
Linear = dict[str, int]  # coefficient per dimension
STEP_BLOCK = 1 << 18  # candidate steps filtered at a time, at least


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
    i_window: NDArray[np.int64] | None = None  # under padding: window (sim/window.py)

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
        # step = hi * lo_size + lo, with the outer loops' digits in hi and the inner ones' in lo:
        # a temporal part (a sum over loops of digit * coefficient) is then one lookup in a
        # table over hi plus one over lo, both about sqrt(steps) long; no division per loop
        self.split_at = min(range(len(inner)), key=lambda j: max(inner[j], inner[0] // inner[j]))
        self.lo_size = inner[self.split_at]
        self.hi_size = inner[0] // self.lo_size
        self._tables: dict[tuple[tuple[str, int], ...], tuple[NDArray[np.int64], ...]] = {}

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
        # under padding: window, inputs also as flat indices into the padded tensor
        self.padded = PaddedInputs.of(nest)
        self.i_window_form: tuple[Linear, int] | None = None
        if self.padded is not None:
            padded_plane = self.padded.rows * self.padded.cols
            window_form: Linear = {"N": layer.C * padded_plane, "G": cg * padded_plane,
                                   "C": padded_plane}
            _add(window_form, ypos[0], self.padded.cols)
            _add(window_form, xpos[0], 1)
            self.i_window_form = (window_form, 0)
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
        elif ay.stride == ax.stride == 1:  # filter: output row and column need no division
            _add(o_form, ypos[0], self.out_x)
            _add(o_form, xpos[0], 1)
            o_const = ypos[1] * self.out_x + xpos[1]
        # other filter nests add the divided rows and columns per MAC
        self.divided_rows = nest.index == "input" and not self.scatter and (
            ay.stride > 1 or ax.stride > 1)
        self.o_form = (o_form, o_const)

    # ----- per-step and per-instance parts -----------------------------------------------
    def tables(self, coefs: Linear) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """The temporal part of the form with coefficients ``coefs``, over hi and over lo."""
        key = tuple(sorted(coefs.items()))
        if key not in self._tables:
            per_loop = [coefs.get(lp.dim, 0) * w
                        for lp, w in zip(self.nest.temporal, self.temporal_weights, strict=True)]
            hi = np.arange(self.hi_size, dtype=I64)
            lo = np.arange(self.lo_size, dtype=I64)
            hi_part = np.zeros(self.hi_size, dtype=I64)
            lo_part = np.zeros(self.lo_size, dtype=I64)
            for j, lp in enumerate(self.nest.temporal):
                if not per_loop[j]:
                    continue
                if j < self.split_at:
                    hi_part += (hi // (self.inner[j + 1] // self.lo_size)) % lp.size * per_loop[j]
                else:
                    lo_part += (lo // self.inner[j + 1]) % lp.size * per_loop[j]
            self._tables[key] = (hi_part, lo_part)
        return self._tables[key]

    def temporal(self, coefs: Linear, hi: NDArray[np.int64],
                 lo: NDArray[np.int64]) -> NDArray[np.int64]:
        """The temporal part of a form at the steps ``hi * lo_size + lo``."""
        hi_part, lo_part = self.tables(coefs)
        return hi_part[hi] + lo_part[lo]

    def spatial(self, form: tuple[Linear, int]) -> NDArray[np.int64]:
        """The spatial part of a form per instance (with the form's constant)."""
        coefs, const = form
        s = np.full(self.n_spatial, const, dtype=I64)
        for dim, coef in coefs.items():
            if coef:
                s += coef * self.spatial_index[dim]
        return s

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
    next, so that only one is alive.)

    Steps that issue nothing (all their pairs invalid under ``filter``, or clipped) are dropped
    first, block by block of steps and per distinct spatial offset (:func:`_issuing`), so that
    a strided input-indexed nest, most of whose candidate steps are invalid, costs a few
    additions per step it skips; the remaining steps are regrouped into chunks."""
    plan = plan or StreamPlan(nest)
    per_chunk = max(1, chunk_macs // max(plan.n_spatial, 1))
    # the step filter works per step, not per MAC: its blocks may be larger than a chunk
    his_per_block = max(1, max(per_chunk, STEP_BLOCK) // plan.lo_size)
    cycle = 0
    pending: list[NDArray[np.int64]] = []
    held = 0
    for h0 in range(0, plan.hi_size, his_per_block):
        kept = _issuing(plan, h0, min(h0 + his_per_block, plan.hi_size))
        pending.append(kept)
        held += kept.size
        last = h0 + his_per_block >= plan.hi_size
        while held >= per_chunk or (last and held):
            ready = np.concatenate(pending)
            chunk = _chunk(plan, ready[:per_chunk], cycle)
            pending, held = [ready[per_chunk:]], max(ready.size - per_chunk, 0)
            cycle = chunk.cycles_after
            yield chunk
            del chunk


@dataclass(frozen=True)
class Check:
    """A condition on a (step, instance) pair: ``table[t + s]`` with ``t`` a form's temporal
    part per step and ``s`` its spatial part per instance, shifted so that every sum indexes
    the precomputed truth table of the condition over the form's whole range (a lookup
    replaces comparisons and the stride's modulo)."""

    t: NDArray[np.int64]
    s: NDArray[np.int64]
    table: NDArray[np.bool_]

    def test(self, index: NDArray[np.int64]) -> NDArray[np.bool_]:
        return self.table[index]


def _check(plan: StreamPlan, temporal: Callable[[Linear], NDArray[np.int64]],
           form: tuple[Linear, int], holds: Callable[[NDArray[np.int64]], NDArray[np.bool_]]
           ) -> Check:
    hi_part, lo_part = plan.tables(form[0])
    s = plan.spatial(form)
    low = int(hi_part.min()) + int(lo_part.min()) + int(s.min())
    high = int(hi_part.max()) + int(lo_part.max()) + int(s.max())
    return Check(temporal(form[0]), s - low, holds(np.arange(low, high + 1, dtype=I64)))


def _checks(plan: StreamPlan, temporal: Callable[[Linear], NDArray[np.int64]]
            ) -> tuple[list[Check], list[Check]]:
    """The conditions on a (step, instance) pair: those that keep it inside the layer bounds
    (not clipped), and those that make it a valid (input, tap) pair. ``temporal`` gives a
    form's temporal part at the steps in question."""
    nest, layer = plan.nest, plan.nest.layer
    inside = [_check(plan, temporal, ({dim: 1}, 0), partial(_below, high=layer.bound(dim)))
              for dim in plan.clipped]
    valid = []
    for form, axis in ((plan.ypos, layer.axis("y")), (plan.xpos, layer.axis("x"))):
        if nest.index == "output":  # the input row must be inside the input
            holds = partial(_within, high=axis.inputs, stride=1)
        else:  # the output row (pos / stride) must be an integer in [0, OY)
            holds = partial(_within, high=axis.outputs * axis.stride, stride=axis.stride)
        valid.append(_check(plan, temporal, form, holds))
    return inside, valid


def _below(pos: NDArray[np.int64], high: int) -> NDArray[np.bool_]:
    return pos < high


def _within(pos: NDArray[np.int64], high: int, stride: int) -> NDArray[np.bool_]:
    ok = (pos >= 0) & (pos < high)
    if stride > 1:
        ok &= pos % stride == 0
    return ok


def _issuing(plan: StreamPlan, h0: int, h1: int) -> NDArray[np.int64]:
    """The steps ``h0 * lo_size <= step < h1 * lo_size`` that issue at least one MAC: the
    gating checks of :func:`_chunk` on the (hi, lo) grid of the block (no division), tested
    once per distinct combination of spatial offsets instead of once per instance."""
    def block(coefs: Linear) -> NDArray[np.int64]:
        hi_part, lo_part = plan.tables(coefs)
        return (hi_part[h0:h1, None] + lo_part[None, :]).ravel()

    first = h0 * plan.lo_size
    n_steps = (h1 - h0) * plan.lo_size
    gating = _gating(plan, block)
    if not gating:
        return np.arange(first, first + n_steps, dtype=I64)
    offsets = np.unique(np.stack([check.s for check in gating], axis=1), axis=0)
    per_check = [np.unique(offsets[:, c]) for c in range(len(gating))]
    if offsets.shape[0] == math.prod(values.size for values in per_check):
        # every combination of the checks' offsets occurs (they depend on different spatial
        # loops): a step issues when each check passes for one of its own offsets
        issued = np.ones(n_steps, dtype=bool)
        for check, values in zip(gating, per_check, strict=True):
            issued &= _any_offset(check, values)
        return np.flatnonzero(issued) + first
    any_issued = np.zeros(n_steps, dtype=bool)
    for row in offsets:
        issued = np.ones(n_steps, dtype=bool)
        for check, offset in zip(gating, row, strict=True):
            issued &= check.test(check.t + offset)
        any_issued |= issued
    return np.flatnonzero(any_issued) + first


def _any_offset(check: Check, offsets: NDArray[np.int64]) -> NDArray[np.bool_]:
    passed = check.test(check.t + offsets[0])
    for offset in offsets[1:]:
        passed |= check.test(check.t + offset)
    return passed


def _gating(plan: StreamPlan, temporal: Callable[[Linear], NDArray[np.int64]]) -> list[Check]:
    """The checks that decide whether a pair is issued: bounds, and validity under filter."""
    inside, valid = _checks(plan, temporal)
    return inside + (valid if plan.nest.filtered else [])


def _grid(t: NDArray[np.int64], s: NDArray[np.int64]) -> NDArray[np.int64]:
    return t[:, None] + s[None, :]


def _chunk(plan: StreamPlan, steps: NDArray[np.int64], cycle0: int) -> MacChunk:
    """The MACs of ``steps``, each of which issues at least one (:func:`_issuing`)."""
    nest, layer = plan.nest, plan.nest.layer
    hi = steps // plan.lo_size
    lo = steps - hi * plan.lo_size

    def temporal(coefs: Linear) -> NDArray[np.int64]:
        return plan.temporal(coefs, hi, lo)

    inside, checks = _checks(plan, temporal)
    issued = np.ones((steps.size, plan.n_spatial), dtype=bool)
    for check in inside:
        issued &= check.test(_grid(check.t, check.s))
    valid = np.ones_like(issued)
    for check in checks:
        valid &= check.test(_grid(check.t, check.s))
    if nest.filtered:
        issued &= valid
    local_step, sp = np.nonzero(issued)
    valid_mac = valid[issued]
    del valid
    dense = 2 * local_step.size >= issued.size

    def gather(form: tuple[Linear, int]) -> NDArray[np.int64]:
        """Per MAC: on a mostly issued grid, the grid compressed; else two lookups."""
        if dense:
            return _grid(temporal(form[0]), plan.spatial(form))[issued]
        return temporal(form[0])[local_step] + plan.spatial(form)[sp]

    i_flat = gather(plan.i_form)
    if nest.index == "output":
        i_flat[~valid_mac] = -1
    w_flat = gather(plan.w_form)
    o_flat = gather(plan.o_form)
    if plan.divided_rows:
        ay, ax = layer.axis("y"), layer.axis("x")
        o_flat += gather(plan.ypos) // ay.stride * plan.out_x
        o_flat += gather(plan.xpos) // ax.stride
    i_window = None if plan.i_window_form is None else gather(plan.i_window_form)
    return MacChunk(steps=steps, first_cycle=cycle0, mac_step=local_step, sp=sp, i_flat=i_flat,
                    w_flat=w_flat, o_flat=o_flat, valid=valid_mac, i_window=i_window)
