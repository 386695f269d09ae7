"""Distinct tile elements per fill, streamed over chunks of the MAC stream.

A fill's tile is the set of operand elements that the issued MACs of one fill group use, per
memory instance. Because groups are runs of consecutive issued steps (they share a prefix of
the temporal digits), every group but the last of a chunk is complete when the chunk ends; the
last one may continue, so its distinct (instance, element) pairs and its first and last cycle
are carried into the next chunk. Nothing else is kept: memory stays bounded by one chunk plus
one open tile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

I64 = np.int64
_LIMIT = 1 << 62


@dataclass(frozen=True)
class ClosedTiles:
    """Distinct ``(group, instance, element)`` triples of completed groups, sorted, and the
    first and last cycle of those groups."""

    group: NDArray[np.int64]
    inst: NDArray[np.int64]
    elem: NDArray[np.int64]
    group_ids: NDArray[np.int64]
    group_start: NDArray[np.int64]
    group_end: NDArray[np.int64]

    @property
    def size(self) -> int:
        return int(self.group.size)

    def bounds(self, group: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """First and last cycle of the group of each entry of ``group`` (sorted): looked up
        once per run of equal groups."""
        if group.size == 0:
            return group, group
        starts = np.flatnonzero(np.concatenate(([True], group[1:] != group[:-1])))
        lengths = np.diff(np.append(starts, group.size))
        where = np.searchsorted(self.group_ids, group[starts])
        return (np.repeat(self.group_start[where], lengths),
                np.repeat(self.group_end[where], lengths))


def unique_triples(a: NDArray[np.int64], b: NDArray[np.int64], c: NDArray[np.int64],
                   nb: int, nc: int) -> tuple[NDArray[np.int64], ...]:
    """Sorted distinct ``(a, b, c)`` with ``0 <= b < nb`` and ``0 <= c < nc``."""
    if a.size == 0:
        return a, b, c
    base = int(a.min())
    span = int(a.max()) - base + 1
    if span * nb * nc < _LIMIT:
        key = a - base
        key *= nb
        key += b
        key *= nc
        key += c
        key = _sorted_unique(key)
        cc = key % nc
        key //= nc
        bb = key % nb
        key //= nb
        key += base
        return key, bb, cc
    stacked = np.unique(np.stack([a, b, c], axis=1), axis=0)
    return stacked[:, 0].copy(), stacked[:, 1].copy(), stacked[:, 2].copy()


def join(*parts: NDArray[np.int64] | NDArray[np.bool_] | int | bool) -> NDArray:
    """``np.r_`` for 1-D arrays and scalars, without its indexing machinery (hot loops)."""
    return np.concatenate([np.atleast_1d(part) for part in parts])


def _sorted_unique(keys: NDArray[np.int64]) -> NDArray[np.int64]:
    """``np.unique`` by sorting ``keys`` in place (NumPy 2's hash-based ``unique`` is far
    slower on these keys, which arrive nearly sorted, and often sorted: then the sort is
    skipped)."""
    keep = np.empty(keys.size, dtype=bool)
    keep[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=keep[1:])
    if (keys[1:] < keys[:-1]).any():
        keys.sort()
        np.not_equal(keys[1:], keys[:-1], out=keep[1:])
    return keys[keep]


class TileStream:
    """Feeds MACs ``(group, instance, element)`` in execution order, with the group and cycle of
    each issued step; returns the distinct triples of the groups that are complete."""

    def __init__(self, n_inst: int, n_elem: int) -> None:
        self.n_inst = n_inst
        self.n_elem = n_elem
        self._group: int | None = None
        self._inst = np.zeros(0, dtype=I64)
        self._elem = np.zeros(0, dtype=I64)
        self._start = 0
        self._end = 0

    def feed(self, group: NDArray[np.int64], inst: NDArray[np.int64], elem: NDArray[np.int64],
             step_group: NDArray[np.int64], step_cycle: NDArray[np.int64]) -> ClosedTiles:
        """Add one chunk: per MAC its group, instance and element; per issued step its group
        (non-decreasing, continuing the previous chunk) and cycle."""
        if step_group.size == 0:
            return _empty()
        starts = np.flatnonzero(join(True, step_group[1:] != step_group[:-1]))
        ends = join(starts[1:], step_group.size) - 1
        g_ids, g_start, g_end = step_group[starts], step_cycle[starts], step_cycle[ends]
        gg, ii, ee = unique_triples(group, inst, elem, self.n_inst, self.n_elem)
        if self._group is not None:
            if g_ids[0] == self._group:
                g_start = join(self._start, g_start[1:])
                head = int(np.searchsorted(gg, self._group, side="right"))
                _, mi, me = unique_triples(np.zeros(self._inst.size + head, dtype=I64),
                                           join(self._inst, ii[:head]),
                                           join(self._elem, ee[:head]), self.n_inst, self.n_elem)
                gg = join(np.full(mi.size, self._group, dtype=I64), gg[head:])
                ii, ee = join(mi, ii[head:]), join(me, ee[head:])
            else:
                g_ids = join(self._group, g_ids)
                g_start = join(self._start, g_start)
                g_end = join(self._end, g_end)
                gg = join(np.full(self._inst.size, self._group, dtype=I64), gg)
                ii, ee = join(self._inst, ii), join(self._elem, ee)
        last = int(g_ids[-1])
        n_closed = int(np.searchsorted(gg, last, side="left"))
        self._group = last
        self._inst, self._elem = ii[n_closed:], ee[n_closed:]
        self._start, self._end = int(g_start[-1]), int(g_end[-1])
        return ClosedTiles(gg[:n_closed], ii[:n_closed], ee[:n_closed], g_ids, g_start, g_end)

    def flush(self) -> ClosedTiles:
        """Close the open group (end of the stream)."""
        if self._group is None or self._inst.size == 0:
            return _empty()
        g = np.full(self._inst.size, self._group, dtype=I64)
        out = ClosedTiles(g, self._inst, self._elem, g[:1].copy(),
                          np.array([self._start], dtype=I64), np.array([self._end], dtype=I64))
        self._group = None
        return out


def _empty() -> ClosedTiles:
    z = np.zeros(0, dtype=I64)
    return ClosedTiles(z, z, z, z, z, z)


def run_sums(group: NDArray[np.int64], inst: NDArray[np.int64],
             *weights: NDArray[np.int64]) -> tuple[NDArray[np.int64], ...]:
    """For sorted triples, per distinct ``(group, instance)``: the group, the instance, the
    number of elements, and the sum of each weight array over them."""
    if group.size == 0:
        z = np.zeros(0, dtype=I64)
        return (z, z, z, *(z for _ in weights))
    change = join(True, (group[1:] != group[:-1]) | (inst[1:] != inst[:-1]))
    starts = np.flatnonzero(change)
    counts = np.diff(join(starts, group.size))
    sums = tuple(np.add.reduceat(w.astype(I64), starts) for w in weights)
    return (group[starts], inst[starts], counts, *sums)
