"""Statistics of groups of MACs, per factor, and their combination across factors.

A *group* is the set of issued MACs that agree on a chosen set of loop digits (a prefix of the
temporal loops, possibly with the spatial digits that select one memory instance). Because the
iteration space is a product of factors, a group is a product of per-factor groups and its
statistics are products of per-factor statistics:

- ``fp``: distinct operand elements the group touches (its tile, in words);
- ``fin`` / ``first``: outputs whose last / first issued MAC lies in the group.

Per factor we keep only a histogram (distinct statistic rows and how many groups have them);
the combination is the histogram of the products, which is exact and small.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from ripple.model.factors import Factor, IntArray
from ripple.workload.layer import Operand

Histogram = tuple[NDArray[np.int64], NDArray[np.int64]]  # rows (h, s), counts (h,)


class FactorGroups:
    """Group statistics of one factor, cached by the set of fixed loops."""

    def __init__(self, factor: Factor):
        self.factor = factor
        self._cache: dict[tuple[frozenset[int], Operand, bool], Histogram] = {}
        self._extremes = {kind: _extreme_elements(factor, kind) for kind in ("last", "first")}

    def key(self, fixed: frozenset[int]) -> IntArray:
        """Group id of each element: its digits on the fixed loops, as one integer."""
        f = self.factor
        key = np.zeros(f.size, dtype=np.int64)
        for loop in f.loops:
            if loop in fixed:
                key = key * f.sizes[loop] + f.digits[loop]
        return key

    def histogram(self, fixed: frozenset[int], operand: Operand, outputs: bool) -> Histogram:
        """Histogram of ``(fp,)`` rows, or ``(fp, fin, first)`` rows when ``outputs``."""
        cache_key = (fixed & frozenset(self.factor.loops), operand, outputs)
        if cache_key not in self._cache:
            self._cache[cache_key] = self._compute(cache_key[0], operand, outputs)
        return self._cache[cache_key]

    def _compute(self, fixed: frozenset[int], operand: Operand, outputs: bool) -> Histogram:
        key = self.key(fixed)
        groups, group_of = np.unique(key, return_inverse=True)
        n = len(groups)
        columns = [_distinct_per_group(group_of, self.factor.coords[operand], n)]
        if outputs:
            for kind in ("last", "first"):
                columns.append(np.bincount(group_of[self._extremes[kind]], minlength=n))
        rows = np.stack(columns, axis=1).astype(np.int64)
        values, counts = np.unique(rows, axis=0, return_counts=True)
        return values, counts.astype(np.int64)

    def max_footprint(self, fixed: frozenset[int], operand: Operand) -> int:
        values, _ = self.histogram(fixed, operand, False)
        return int(values[:, 0].max(initial=0))

    def group_count(self, fixed: frozenset[int]) -> int:
        return len(np.unique(self.key(fixed & frozenset(self.factor.loops))))


def _distinct_per_group(group_of: IntArray, coords: IntArray, n: int) -> IntArray:
    stored = coords >= 0
    if not stored.any():
        return np.zeros(n, dtype=np.int64)
    span = int(coords.max()) + 1
    pairs = np.unique(group_of[stored] * span + coords[stored])
    return np.bincount(pairs // span, minlength=n)


def _extreme_elements(factor: Factor, kind: str) -> IntArray:
    """For each output coordinate touched, the element holding its last (or first) MAC in
    nest order. Ties (same temporal digits) are MACs of the same step: any one will do."""
    coords = factor.coords["O"]
    if coords.size == 0:
        return coords
    order = np.lexsort((factor.rank, coords))
    sorted_coords = coords[order]
    starts = np.flatnonzero(np.r_[True, sorted_coords[1:] != sorted_coords[:-1]])
    ends = np.r_[starts[1:], len(order)] - 1
    chosen = order[ends if kind == "last" else starts]
    return chosen[coords[chosen] >= 0]


def combine(histograms: Iterable[Histogram]) -> Histogram:
    """Histogram of element-wise products over the Cartesian product of groups."""
    values: NDArray[np.int64] | None = None
    counts = np.ones(1, dtype=np.int64)
    for v, c in histograms:
        if values is None:
            values, counts = v, c
            continue
        values = (values[:, None, :] * v[None, :, :]).reshape(-1, v.shape[1])
        counts = (counts[:, None] * c[None, :]).reshape(-1)
        values, inverse = np.unique(values, axis=0, return_inverse=True)
        merged = np.zeros(len(values), dtype=np.int64)
        np.add.at(merged, inverse.reshape(-1), counts)
        counts = merged
    assert values is not None, "combine() needs at least one histogram"
    return values, counts
