"""Delta fills, followed triple by triple (docs/accesses.md, "Delta fills").

A child memory under ``fills: delta`` keeps what consecutive fills share. For every closed
``(fill, instance, element)`` triple of a link this module decides whether the element *enters*
the child instance with that fill (the instance did not hold it in the previous fill) and
whether it *leaves* at the fill's end (the instance does not hold it in the next one). The
fills are numbered by rank among the issued groups, so a fill whose tile is empty at an
instance breaks what that instance keeps. A fill's leaving words are known only once the next
fill has closed: the last closed fill is held back until then (or until the stream ends).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ripple.sim.tiles import ClosedTiles, join

I64 = np.int64


class DeltaWindow:
    """Ranks the issued groups of one link as they stream by and splits its closed tiles into
    the triples each fill brings and those each write-back takes away.

    ``child_of`` maps the tiles' instance (a (parent, child) pair) to the child instance
    whose previous and next tiles decide; ``n_elem`` is the tensor's size."""

    def __init__(self, child_of: NDArray[np.int64], n_elem: int) -> None:
        self.child_of = child_of
        self.n_elem = n_elem
        self._ids = np.zeros(0, dtype=I64)  # distinct issued groups from the held-back one on
        self._rank0 = 0  # rank of self._ids[0]
        self._held = _no_tiles()  # the last closed fill, its write-back still undecided

    def see(self, step_group: NDArray[np.int64]) -> None:
        """Record a chunk's issued groups (non-decreasing, continuing the previous chunk)."""
        if step_group.size == 0:
            return
        new = step_group[join(True, step_group[1:] != step_group[:-1])]
        if self._ids.size and new[0] == self._ids[-1]:
            new = new[1:]
        self._ids = join(self._ids, new)

    def advance(self, tiles: ClosedTiles) -> tuple[ClosedTiles, ClosedTiles]:
        """For a batch of newly closed fills: (the triples they bring, the triples leaving at
        the end of every fill now decided: the held-back one and all but the last new one)."""
        window = _concat(self._held, tiles)
        if window.size == 0:
            return tiles, tiles
        rank = self._rank(window.group)
        key = self.child_of[window.inst] * self.n_elem + window.elem
        before, after = _neighbours(key, rank)
        new = np.arange(window.size) >= self._held.size
        entering = _select(window, new & ~before)
        last = rank == rank[-1]
        leaving = _select(window, ~last & ~after)
        held = _select(window, last)
        own = window.group_ids == window.group[-1]  # keep only its own cycle bounds
        self._held = ClosedTiles(held.group, held.inst, held.elem, window.group_ids[own],
                                 window.group_start[own], window.group_end[own])
        self._trim(int(window.group[-1]))
        return entering, leaving

    def flush(self) -> ClosedTiles:
        """At the end of the stream: the held-back fill, every word of it leaving."""
        held, self._held = self._held, _no_tiles()
        return held

    def _rank(self, group: NDArray[np.int64]) -> NDArray[np.int64]:
        return self._rank0 + np.searchsorted(self._ids, group)

    def _trim(self, keep_from: int) -> None:
        drop = int(np.searchsorted(self._ids, keep_from))
        self._rank0 += drop
        self._ids = self._ids[drop:]


def _neighbours(key: NDArray[np.int64], rank: NDArray[np.int64]
                ) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Per triple: whether its key is held in the fill just before, and just after, its own."""
    order = np.lexsort((rank, key))
    k, r = key[order], rank[order]
    distinct = join(True, (k[1:] != k[:-1]) | (r[1:] != r[:-1]))
    uk, ur = k[distinct], r[distinct]
    follows = join(False, (uk[1:] == uk[:-1]) & (ur[1:] == ur[:-1] + 1))
    precedes = join(follows[1:], False)
    which = np.cumsum(distinct) - 1
    before = np.empty(key.size, dtype=bool)
    after = np.empty(key.size, dtype=bool)
    before[order] = follows[which]
    after[order] = precedes[which]
    return before, after


def _concat(a: ClosedTiles, b: ClosedTiles) -> ClosedTiles:
    """Two batches of closed fills, ``a`` before ``b``, with the cycle bounds of both."""
    if a.size == 0:
        return b
    keep = ~np.isin(a.group_ids, b.group_ids)
    return ClosedTiles(join(a.group, b.group), join(a.inst, b.inst), join(a.elem, b.elem),
                       join(a.group_ids[keep], b.group_ids),
                       join(a.group_start[keep], b.group_start),
                       join(a.group_end[keep], b.group_end))


def _select(tiles: ClosedTiles, keep: NDArray[np.bool_]) -> ClosedTiles:
    return ClosedTiles(tiles.group[keep], tiles.inst[keep], tiles.elem[keep], tiles.group_ids,
                       tiles.group_start, tiles.group_end)


def _no_tiles() -> ClosedTiles:
    z = np.zeros(0, dtype=I64)
    return ClosedTiles(z, z, z, z, z, z)
