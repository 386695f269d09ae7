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
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ripple.model.factors import Factor, IntArray
from ripple.workload.layer import Operand

Histogram = tuple[NDArray[np.int64], NDArray[np.int64]]  # rows (h, s), counts (h,)


@dataclass
class InstanceSets:
    """Per group, one set of distinct statistic rows per instance spec."""

    histogram: list[tuple[tuple[NDArray[np.int64], ...], int]]  # (row sets, number of groups)
    first: tuple[NDArray[np.int64], ...]  # row sets of the first group in nest order
    last: tuple[NDArray[np.int64], ...]


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
        _, rows = self.rows(self.key(fixed), operand, outputs)
        values, counts = np.unique(rows, axis=0, return_counts=True)
        return values, counts.astype(np.int64)

    def max_footprint(self, fixed: frozenset[int], operand: Operand) -> int:
        values, _ = self.histogram(fixed, operand, False)
        return int(values[:, 0].max(initial=0))

    def rows(self, key: IntArray, operand: Operand, outputs: bool) -> tuple[IntArray, IntArray]:
        """Distinct group keys (sorted) and each group's statistic row."""
        groups, group_of = np.unique(key, return_inverse=True)
        n = len(groups)
        columns = [_distinct_per_group(group_of, self.factor.coords[operand], n)]
        if outputs:
            for kind in ("last", "first"):
                columns.append(np.bincount(group_of[self._extremes[kind]], minlength=n))
        return groups, np.stack(columns, axis=1).astype(np.int64)

    def instance_sets(self, fixed: frozenset[int], instance_specs: list[frozenset[int]],
                      operand: Operand, outputs: bool) -> InstanceSets:
        """Per group (digits on ``fixed``) and per instance spec (the loops selecting one
        instance of a memory), the distinct statistic rows of the group's instances. Returned as
        a histogram over groups of these row-set tuples, with the first and last group's."""
        f = self.factor
        if f.size == 0:  # nothing issued in this factor: no transfer at all
            nothing = tuple(np.zeros((0, 3 if outputs else 1), dtype=np.int64)
                            for _ in instance_specs)
            return InstanceSets([], nothing, nothing)
        group_key = self.key(fixed & frozenset(f.loops))
        per_spec = []
        for instances in instance_specs:
            inner = frozenset(lp for lp in f.loops if lp in instances)
            n_inst = int(np.prod([f.sizes[lp] for lp in inner], dtype=np.int64))
            pairs, rows = self.rows(group_key * n_inst + self.key(inner), operand, outputs)
            group = pairs // n_inst
            order = np.lexsort((*rows.T[::-1], group))
            group, rows = group[order], rows[order]
            keep = np.r_[True, (group[1:] != group[:-1]) | (rows[1:] != rows[:-1]).any(axis=1)]
            group, rows = group[keep], rows[keep]
            starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
            ends = np.r_[starts[1:], len(group)]
            per_spec.append([rows[a:b] for a, b in zip(starts, ends, strict=True)])
        per_group = list(zip(*per_spec, strict=True))
        histogram: dict[bytes, list] = {}
        for sets in per_group:
            signature = b"|".join(row_set.tobytes() for row_set in sets)
            histogram.setdefault(signature, [sets, 0])[1] += 1
        return InstanceSets([(sets, count) for sets, count in histogram.values()],
                            per_group[0], per_group[-1])

    def instance_profiles(self, parts: list[tuple[frozenset[int], Operand, bool]],
                          instances: frozenset[int]) -> list[list[Histogram]]:
        """Distinct *profiles* of the instances. A profile is, for one instance (digits on
        ``instances``), the histogram of its group rows for every part; a part is one grouping
        (fixed loops) of one operand, with or without output statistics."""
        f = self.factor
        inner = frozenset(lp for lp in f.loops if lp in instances)
        n_inst = int(np.prod([f.sizes[lp] for lp in inner], dtype=np.int64))
        inst_key = self.key(inner)
        per_part = []
        for fixed, operand, outputs in parts:
            pairs, rows = self.rows(self.key(fixed) * n_inst + inst_key, operand, outputs)
            per_part.append((pairs % n_inst, rows))
        profiles: dict[bytes, list[Histogram]] = {}
        for value in np.unique(inst_key):
            hists = []
            for inst, rows in per_part:
                values, counts = np.unique(rows[inst == value], axis=0, return_counts=True)
                hists.append((values, counts.astype(np.int64)))
            signature = b"|".join(v.tobytes() + b":" + c.tobytes() for v, c in hists)
            profiles.setdefault(signature, hists)
        return list(profiles.values())


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
