"""Statistics of groups of MACs, per factor, and their combination across factors.

A *group* is the set of issued MACs that agree on a chosen set of loop digits: the first ``q``
temporal loops of the factor (a prefix of the nest), possibly with the spatial digits that select
one memory instance. Because the iteration space is a product of factors, a group is a product of
per-factor groups and its statistics are products of per-factor statistics:

- ``fp``: distinct operand elements the group touches (its tile, in words);
- ``fin`` / ``first``: outputs whose last / first issued MAC lies in the group;
- how a side of a transfer sees them (a :class:`Part`): per instance of its memory; summed over
  the *classes* of child instances a parent serves apart (``multicast``, docs/accesses.md);
  or, for outputs delivered down to instances that split them, only those the instance is
  the first to hold (``owned``);
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

from ripple.model.factors import Factor, IntArray, average_window
from ripple.model.relevance import OUTPUT_PARALLEL_DIMS
from ripple.workload.layer import Operand

Histogram = tuple[NDArray[np.int64], NDArray[np.int64]]  # rows (h, s), counts (h,)
Instances = tuple[int, ...]  # indices of the factor's spatial loops that select an instance


@dataclass(frozen=True)
class Part:
    """How one side of a transfer splits a factor's elements (docs/accesses.md).

    ``instances``: the factor's spatial loops that select an instance of the side's memory.
    ``classes``: further spatial loops whose digits keep words apart inside an instance: the
    instance's statistic is the sum over them of each class's distinct elements (a parent that
    serves those child instances separately). ``owned``: count an element only at the first
    instance (lowest digits) of the group that holds it (outputs delivered to one instance of
    those sharing a reduction). ``local_first``: an output's first MAC is its first at each
    instance (the partial sums of a split memory each start at zero). ``first_within``: its
    first MAC at each instance within each group of the factor's first ``first_within``
    temporal digits (the fills of the memory next to the MACs, ``per_fill``)."""

    instances: Instances = ()
    classes: Instances = ()
    owned: bool = False
    local_first: bool = False
    first_within: int | None = None


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
        self._cache: dict[tuple[int, Part, Operand, bool, tuple[Operand, ...]],
                          Histogram] = {}
        # Shared by every skeleton whose factor has these loops (``factor_groups`` is cached
        # per layer), so most calls of an exploration are hits; entries are read-only.
        self._sets: dict[tuple[int, tuple[Part, ...], Operand, bool], InstanceSets] = {}
        self._footprints: dict[tuple[int, Instances, Operand], IntArray] = {}
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

    def extremes(self, kind: str) -> IntArray:
        """Per output coordinate touched, the element holding its ``first`` or ``last`` MAC."""
        return self._extremes[kind]

    def edge_rows(self, q: int, part: Part, operand: Operand, outputs: bool, last: bool
                  ) -> tuple[IntArray, IntArray]:
        """:meth:`rows` of the first (or ``last``) group of the first ``q`` temporal loops
        only: per instance of ``part`` its instance key and row."""
        keys, rows = self.rows(q, part, operand, outputs)
        n_inst = self.n_values(part.instances)
        temporal = keys // n_inst
        if not len(keys):
            return keys, rows
        chosen = temporal == (temporal.max() if last else temporal.min())
        return keys[chosen] % n_inst, rows[chosen]

    def n_values(self, instances: Instances) -> int:
        """How many instances the spatial loops ``instances`` select."""
        base = self.factor.spec.n_temporal
        return int(np.prod([self.factor.sizes[base + j] for j in instances], dtype=np.int64))

    def histogram(self, q: int, part: Part, operand: Operand, outputs: bool,
                  extra: tuple[Operand, ...] = ()) -> Histogram:
        """Histogram of ``(fp,)`` rows, or ``(fp, fin, first)`` rows when ``outputs``, followed
        by the distinct real elements of each ``extra`` operand."""
        cache_key = (q, part, operand, outputs, extra)
        if cache_key not in self._cache:
            _, rows = self.rows(q, part, operand, outputs, extra)
            values, counts = np.unique(rows, axis=0, return_counts=True)
            self._cache[cache_key] = (values, counts.astype(np.int64))
        return self._cache[cache_key]

    def max_footprint(self, q: int, instances: Instances, operand: Operand) -> int:
        values, _ = self.histogram(q, Part(instances), operand, False)
        return int(values[:, 0].max(initial=0))

    def instance_footprints(self, q: int, instances: Instances, operand: Operand) -> IntArray:
        """Per instance selected by the spatial loops ``instances`` (in key order), its largest
        footprint over the groups of the first ``q`` temporal loops (0 where it has none)."""
        cache_key = (q, instances, operand)
        if cache_key not in self._footprints:
            keys, rows = self.rows(q, Part(instances), operand, False)
            largest = np.zeros(self.n_values(instances), dtype=np.int64)
            np.maximum.at(largest, keys % len(largest), rows[:, 0])
            self._footprints[cache_key] = _frozen(largest)
        return self._footprints[cache_key]

    def rows(self, q: int, part: Part, operand: Operand, outputs: bool,
             extra: tuple[Operand, ...] = ()) -> tuple[IntArray, IntArray]:
        """Distinct group keys (sorted; a group is the first ``q`` temporal digits and the
        instance digits, ``key(q, part.instances)``) and each group's statistic row."""
        key = self.key(q, part.instances)
        groups, group_of = np.unique(key, return_inverse=True)
        n = len(groups)
        coords = self.factor.coords[operand]
        cap, average = None, False
        if operand == "I" and self.factor.window is not None:  # padding: window
            coords, cap = self.factor.window, self.factor.window_cap
            average = self.factor.steps is not None  # input_window: average
        if part.classes and not part.owned:  # distinct per (group, class), summed over them
            n_cls = self.n_values(part.classes)
            fine_groups, fine_of = np.unique(group_of * n_cls + self.key(0, part.classes),
                                             return_inverse=True)
            per_fine = self._fill_words(fine_of, len(fine_groups), coords, cap, average)
            columns = [np.bincount(fine_groups // n_cls, weights=per_fine,
                                   minlength=n).astype(np.int64)]
        elif part.owned:
            codes, owner = self._owners(q, part.instances, coords)
            kept = self.key(0, part.instances) == owner[np.searchsorted(
                codes, self._pair_codes(q, coords))]
            columns = [_distinct_per_group(group_of[kept], coords[kept], n)]
        else:
            columns = [self._fill_words(group_of, n, coords, cap, average)]
        if outputs:
            for kind in ("last", "first"):
                chosen = self._extremes[kind]
                if kind == "first" and (part.local_first or part.first_within is not None):
                    chosen = _extreme_elements(self.factor, kind,
                                               self.key(part.first_within or 0, part.instances))
                    columns.append(np.bincount(group_of[chosen], minlength=n))
                elif part.owned:  # counted at the instance that owns the output in that group
                    codes, owner = self._owners(q, part.instances, coords)
                    at = owner[np.searchsorted(codes, self._pair_codes(q, coords)[chosen])]
                    where = np.searchsorted(
                        groups, self.key(q)[chosen] * self.n_values(part.instances) + at)
                    columns.append(np.bincount(where, minlength=n))
                elif self._splits(part.instances):  # every instance holding it counts it
                    columns.append(self._extreme_in_group(chosen, q, group_of, coords, n))
                else:
                    columns.append(np.bincount(group_of[chosen], minlength=n))
        columns += [_distinct_per_group(group_of, self.factor.coords[op], n) for op in extra]
        return groups, np.stack(columns, axis=1).astype(np.int64)

    def _fill_words(self, group_of: IntArray, n: int, coords: IntArray, cap: int | None,
                    average: bool) -> IntArray:
        """Per group, the words of its fill: its distinct ``coords`` (at most ``cap``), or,
        under ``input_window: average``, the window of the average fill (the same for every
        group; docs/conventions.md)."""
        if not average or n == 0:
            return _capped(_distinct_per_group(group_of, coords, n), cap)
        positions, taps = (int(_distinct_per_group(group_of, self.factor.coords[op], n).sum())
                           // n for op in ("O", "W"))
        assert self.factor.steps is not None
        words = min(average_window(positions, taps, self.factor.steps), self.factor.window_cap)
        return np.full(n, words, dtype=np.int64)

    def _splits(self, instances: Instances) -> bool:
        """Whether those of the factor's spatial loops select instances that share outputs
        (a loop over a reduction: C, a tap, an input position)."""
        base = self.factor.spec.n_temporal
        return any(self.factor.spec.loops[base + j].dim not in OUTPUT_PARALLEL_DIMS
                   and self.factor.spec.loops[base + j].size > 1 for j in instances)

    def _extreme_in_group(self, chosen: IntArray, q: int, group_of: IntArray, coords: IntArray,
                          n: int) -> IntArray:
        """Per group (temporal digits and instance), the distinct outputs it holds whose
        extreme MAC (``chosen``, one element per output) lies in its temporal group."""
        key = self.key(q)
        at = np.full(int(coords.max(initial=-1)) + 1, -1, dtype=np.int64)
        at[coords[chosen]] = key[chosen]
        mine = coords >= 0
        mine[mine] = at[coords[mine]] == key[mine]
        return _distinct_per_group(group_of[mine], coords[mine], n)

    def _pair_codes(self, q: int, coords: IntArray) -> IntArray:
        """Per element, one integer for (its first ``q`` temporal digits, its coordinate)."""
        return self.key(q) * (int(coords.max(initial=0)) + 2) + (coords + 1)

    def _owners(self, q: int, instances: Instances, coords: IntArray
                ) -> tuple[IntArray, IntArray]:
        """Sorted distinct (temporal group, coordinate) codes and, per code, the lowest
        instance (digits on ``instances``) of the group holding that element."""
        code, inst = self._pair_codes(q, coords), self.key(0, instances)
        order = np.lexsort((inst, code))
        starts = np.flatnonzero(changes(code[order]))
        return code[order][starts], inst[order][starts]

    def instance_sets(self, q: int, parts: list[Part], operand: Operand,
                      outputs: bool) -> InstanceSets:
        """Per group (the first ``q`` temporal digits) and per instance spec, the distinct
        statistic rows of the group's instances: a histogram over groups of these row-set
        tuples, with the first and last group's. Memoized (read-only arrays)."""
        key = (q, tuple(parts), operand, outputs)
        if key not in self._sets:
            self._sets[key] = self._instance_sets(q, parts, operand, outputs)
        return self._sets[key]

    def _instance_sets(self, q: int, parts: list[Part], operand: Operand,
                       outputs: bool) -> InstanceSets:
        if self.factor.size == 0:  # nothing issued in this factor: no transfer at all
            nothing = tuple(_frozen(np.zeros((0, 3 if outputs else 1), dtype=np.int64))
                            for _ in parts)
            return InstanceSets([], nothing, nothing)
        per_spec = []
        for part in parts:
            n_inst = self.n_values(part.instances)
            pairs, rows = self.rows(q, part, operand, outputs)
            group = pairs // n_inst
            order = np.lexsort((*rows.T[::-1], group))
            group, rows = group[order], rows[order]
            keep = np.ones(len(group), dtype=bool)
            keep[1:] = (group[1:] != group[:-1]) | (rows[1:] != rows[:-1]).any(axis=1)
            group, rows = _frozen(group[keep]), _frozen(rows[keep])
            starts = np.flatnonzero(changes(group))
            ends = np.append(starts[1:], len(group))
            per_spec.append([rows[a:b] for a, b in zip(starts, ends, strict=True)])
        per_group = list(zip(*per_spec, strict=True))
        histogram: dict[bytes, list] = {}
        for sets in per_group:
            signature = b"|".join(row_set.tobytes() for row_set in sets)
            histogram.setdefault(signature, [sets, 0])[1] += 1
        return InstanceSets([(sets, count) for sets, count in histogram.values()],
                            per_group[0], per_group[-1])

    def instance_profiles(self, parts: list[tuple[int, Part, Operand, bool]],
                          instances: Instances) -> list[list[Histogram]]:
        """Distinct *profiles* of the instances. A profile is, for one instance (digits on the
        spatial loops ``instances``), the histogram of its group rows for every part; a part is
        one grouping (``q`` leading temporal loops, a :class:`Part` whose instances are
        ``instances``) of one operand, with or without output statistics."""
        n_inst = self.n_values(instances)
        inst_key = self.key(0, instances)
        per_part = []
        for q, part, operand, outputs in parts:
            pairs, rows = self.rows(q, part, operand, outputs)
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


def changes(values: IntArray) -> NDArray[np.bool_]:
    """Per element of a sorted array, whether it differs from the one before (the first
    does): ``np.r_[True, a[1:] != a[:-1]]`` without ``np.r_``'s indexing machinery, which
    dominated this hot path."""
    out = np.ones(len(values), dtype=bool)
    np.not_equal(values[1:], values[:-1], out=out[1:])
    return out


def _frozen(array: IntArray) -> IntArray:
    """``array``, read-only: memoized results are shared, so a caller must not write them."""
    array.setflags(write=False)
    return array


def _capped(counts: IntArray, cap: int | None) -> IntArray:
    """``counts``, at most ``cap`` each (none: as they are)."""
    return counts if cap is None else np.minimum(counts, cap)


def _distinct_per_group(group_of: IntArray, coords: IntArray, n: int) -> IntArray:
    stored = coords >= 0
    if not stored.any():
        return np.zeros(n, dtype=np.int64)
    span = int(coords.max()) + 1
    pairs = np.unique(group_of[stored] * span + coords[stored])
    return np.bincount(pairs // span, minlength=n)


def _extreme_elements(factor: Factor, kind: str, instance: IntArray | None = None) -> IntArray:
    """For each output coordinate touched (per ``instance`` key, when given), the element
    holding its last (or first) MAC in nest order. Ties (same temporal digits) are MACs of the
    same step: any one will do."""
    coords = factor.coords["O"]
    if coords.size == 0:
        return coords
    if instance is not None:  # (instance, coordinate) pairs as one key
        coords = instance * (int(coords.max(initial=0)) + 2) + coords + 1
    order = np.lexsort((factor.rank, coords))
    sorted_coords = coords[order]
    starts = np.flatnonzero(changes(sorted_coords))
    ends = np.append(starts[1:], len(order)) - 1
    chosen = order[ends if kind == "last" else starts]
    return chosen[factor.coords["O"][chosen] >= 0]


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
