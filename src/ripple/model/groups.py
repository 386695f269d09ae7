"""Statistics of groups of MACs, per factor, and their combination across factors.

A *group* is the set of issued MACs that agree on a chosen set of loop digits: the first ``q``
temporal loops of the factor (a prefix of the nest), possibly with the spatial digits that select
one memory instance. Because the iteration space is a product of factors, a group is a product of
per-factor groups and its statistics are products of per-factor statistics:

- ``fp``: distinct operand elements the group touches (its tile, in words);
- ``fin`` / ``first``: outputs whose last / first issued MAC lies in the group;
- on request, the distinct real elements of further operands (``extra``): what decides whether
  a group's MACs are all ineffectual under sparsity (docs/sparsity.md).

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
Instances = tuple[int, ...]  # indices of the factor's spatial loops that select an instance


@dataclass
class InstanceSets:
    """Per group, one set of distinct statistic rows per instance spec."""

    histogram: list[tuple[tuple[NDArray[np.int64], ...], int]]  # (row sets, number of groups)
    first: tuple[NDArray[np.int64], ...]  # row sets of the first group in nest order
    last: tuple[NDArray[np.int64], ...]


class FactorGroups:
    """Group statistics of one factor, cached by the fixed loops."""

    def __init__(self, factor: Factor):
        self.factor = factor
        self._cache: dict[tuple[int, Instances, Operand, bool, tuple[Operand, ...]],
                          Histogram] = {}
        self._extremes = {kind: _extreme_elements(factor, kind) for kind in ("last", "first")}
        self.issued_steps = len(np.unique(factor.rank))

    def key(self, q: int, instances: Instances = ()) -> IntArray:
        """Group id of each element: its digits on the first ``q`` temporal loops and on the
        spatial loops ``instances``, as one integer."""
        f = self.factor
        sizes = f.sizes
        key = np.zeros(f.size, dtype=np.int64)
        for i in [*range(q), *(f.spec.n_temporal + j for j in instances)]:
            key = key * sizes[i] + f.digits[i]
        return key

    def _n_values(self, instances: Instances) -> int:
        base = self.factor.spec.n_temporal
        return int(np.prod([self.factor.sizes[base + j] for j in instances], dtype=np.int64))

    def histogram(self, q: int, instances: Instances, operand: Operand, outputs: bool,
                  extra: tuple[Operand, ...] = ()) -> Histogram:
        """Histogram of ``(fp,)`` rows, or ``(fp, fin, first)`` rows when ``outputs``, followed
        by the distinct real elements of each ``extra`` operand."""
        cache_key = (q, instances, operand, outputs, extra)
        if cache_key not in self._cache:
            _, rows = self.rows(self.key(q, instances), operand, outputs, extra)
            values, counts = np.unique(rows, axis=0, return_counts=True)
            self._cache[cache_key] = (values, counts.astype(np.int64))
        return self._cache[cache_key]

    def max_footprint(self, q: int, instances: Instances, operand: Operand) -> int:
        values, _ = self.histogram(q, instances, operand, False)
        return int(values[:, 0].max(initial=0))

    def rows(self, key: IntArray, operand: Operand, outputs: bool,
             extra: tuple[Operand, ...] = ()) -> tuple[IntArray, IntArray]:
        """Distinct group keys (sorted) and each group's statistic row."""
        groups, group_of = np.unique(key, return_inverse=True)
        n = len(groups)
        columns = [_distinct_per_group(group_of, self.factor.coords[operand], n)]
        if outputs:
            for kind in ("last", "first"):
                columns.append(np.bincount(group_of[self._extremes[kind]], minlength=n))
        columns += [_distinct_per_group(group_of, self.factor.coords[op], n) for op in extra]
        return groups, np.stack(columns, axis=1).astype(np.int64)

    def instance_sets(self, q: int, instance_specs: list[Instances], operand: Operand,
                      outputs: bool) -> InstanceSets:
        """Per group (the first ``q`` temporal digits) and per instance spec, the distinct
        statistic rows of the group's instances: a histogram over groups of these row-set
        tuples, with the first and last group's."""
        if self.factor.size == 0:  # nothing issued in this factor: no transfer at all
            nothing = tuple(np.zeros((0, 3 if outputs else 1), dtype=np.int64)
                            for _ in instance_specs)
            return InstanceSets([], nothing, nothing)
        group_key = self.key(q)
        per_spec = []
        for instances in instance_specs:
            n_inst = self._n_values(instances)
            pairs, rows = self.rows(group_key * n_inst + self.key(0, instances), operand, outputs)
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

    def instance_profiles(self, parts: list[tuple[int, Operand, bool]],
                          instances: Instances) -> list[list[Histogram]]:
        """Distinct *profiles* of the instances. A profile is, for one instance (digits on the
        spatial loops ``instances``), the histogram of its group rows for every part; a part is
        one grouping (``q`` leading temporal loops) of one operand, with or without output
        statistics."""
        n_inst = self._n_values(instances)
        inst_key = self.key(0, instances)
        per_part = []
        for q, operand, outputs in parts:
            pairs, rows = self.rows(self.key(q) * n_inst + inst_key, operand, outputs)
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
    """Histogram of element-wise products over the Cartesian product of groups. Rows are not
    merged: a factor's histogram has a handful of rows, so the product stays small."""
    values: NDArray[np.int64] | None = None
    counts = np.ones(1, dtype=np.int64)
    for v, c in histograms:
        if values is None:
            values, counts = v, c
            continue
        values = (values[:, None, :] * v[None, :, :]).reshape(-1, v.shape[1])
        counts = (counts[:, None] * c[None, :]).reshape(-1)
    assert values is not None, "combine() needs at least one histogram"
    return values, counts
