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
    """Distinct ``(group, instance, element)`` triples of completed groups, sorted, with the
    first and last cycle of each triple's group."""

    group: NDArray[np.int64]
    inst: NDArray[np.int64]
    elem: NDArray[np.int64]
    start: NDArray[np.int64]
    end: NDArray[np.int64]

    @property
    def size(self) -> int:
        return int(self.group.size)


def unique_triples(a: NDArray[np.int64], b: NDArray[np.int64], c: NDArray[np.int64],
                   nb: int, nc: int) -> tuple[NDArray[np.int64], ...]:
    """Sorted distinct ``(a, b, c)`` with ``0 <= b < nb`` and ``0 <= c < nc``."""
    if a.size == 0:
        return a, b, c
    base = int(a.min())
    span = int(a.max()) - base + 1
    if span * nb * nc < _LIMIT:
        key = np.unique(((a - base) * nb + b) * nc + c)
        rest, cc = np.divmod(key, nc)
        aa, bb = np.divmod(rest, nb)
        return aa + base, bb, cc
    stacked = np.unique(np.stack([a, b, c], axis=1), axis=0)
    return stacked[:, 0].copy(), stacked[:, 1].copy(), stacked[:, 2].copy()


class TileStream:
    """Feeds MACs ``(group, instance, element, cycle)`` in execution order; returns the
    distinct triples of the groups that are complete."""

    def __init__(self, n_inst: int, n_elem: int) -> None:
        self.n_inst = n_inst
        self.n_elem = n_elem
        self._group: int | None = None
        self._inst = np.zeros(0, dtype=I64)
        self._elem = np.zeros(0, dtype=I64)
        self._start = 0
        self._end = 0

    def feed(self, group: NDArray[np.int64], inst: NDArray[np.int64], elem: NDArray[np.int64],
             cycle: NDArray[np.int64]) -> ClosedTiles:
        """Add one chunk's MACs (``group`` non-decreasing, continuing the previous chunk)."""
        if group.size == 0:
            return _empty()
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        ends = np.r_[starts[1:], group.size] - 1
        g_ids, g_start, g_end = group[starts], cycle[starts].copy(), cycle[ends].copy()
        if self._group is not None:
            if g_ids[0] == self._group:
                g_start[0] = self._start
            else:
                g_ids = np.r_[self._group, g_ids]
                g_start = np.r_[self._start, g_start]
                g_end = np.r_[self._end, g_end]
            group = np.r_[np.full(self._inst.size, self._group, dtype=I64), group]
            inst = np.r_[self._inst, inst]
            elem = np.r_[self._elem, elem]
        gg, ii, ee = unique_triples(group, inst, elem, self.n_inst, self.n_elem)
        last = int(g_ids[-1])
        n_closed = int(np.searchsorted(gg, last, side="left"))
        self._group = last
        self._inst, self._elem = ii[n_closed:], ee[n_closed:]
        self._start, self._end = int(g_start[-1]), int(g_end[-1])
        return _closed(gg[:n_closed], ii[:n_closed], ee[:n_closed], g_ids, g_start, g_end)

    def flush(self) -> ClosedTiles:
        """Close the open group (end of the stream)."""
        if self._group is None or self._inst.size == 0:
            return _empty()
        g = np.full(self._inst.size, self._group, dtype=I64)
        out = ClosedTiles(g, self._inst, self._elem, np.full_like(g, self._start),
                          np.full_like(g, self._end))
        self._group = None
        return out


def _closed(gg: NDArray[np.int64], ii: NDArray[np.int64], ee: NDArray[np.int64],
            g_ids: NDArray[np.int64], g_start: NDArray[np.int64],
            g_end: NDArray[np.int64]) -> ClosedTiles:
    where = np.searchsorted(g_ids, gg)
    return ClosedTiles(gg, ii, ee, g_start[where], g_end[where])


def _empty() -> ClosedTiles:
    z = np.zeros(0, dtype=I64)
    return ClosedTiles(z, z, z, z, z)


def run_sums(group: NDArray[np.int64], inst: NDArray[np.int64],
             *weights: NDArray[np.int64]) -> tuple[NDArray[np.int64], ...]:
    """For sorted triples, per distinct ``(group, instance)``: the instance, the number of
    elements, and the sum of each weight array over them."""
    if group.size == 0:
        z = np.zeros(0, dtype=I64)
        return (z, z, *(z for _ in weights))
    change = np.r_[True, (group[1:] != group[:-1]) | (inst[1:] != inst[:-1])]
    starts = np.flatnonzero(change)
    counts = np.diff(np.r_[starts, group.size])
    sums = tuple(np.add.reduceat(w.astype(I64), starts) for w in weights)
    return (inst[starts], counts, *sums)
