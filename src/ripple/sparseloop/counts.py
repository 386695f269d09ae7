"""Timeloop's dense access counts of a nest, in closed form (docs/sparseloop.md).

Each data space is a box in its own coordinates (Weights ``C M R S``, Inputs ``N C W H`` with
``W = P*Wstride + R*Wdilation``, Outputs ``N M Q P``). The tile a level holds is the box spanned
by the loops at and below it. Timeloop's conventions, reproduced here:

- fills: a level instance receives its first tile whole and then, at each step of the temporal
  loops above it, the *delta* between the new tile and the previous one (a sliding window moves
  by a stride and brings only its new columns); when a loop steps, every loop inside it has just
  wrapped, so the shift is known in closed form and the number of such steps is a product of
  bounds;
- multicast: instances that differ only in spatial loops irrelevant to a data space receive the
  same data in one parent read; instances that differ in relevant loops read separately, even
  where their windows overlap;
- outputs: a tile is drained to the parent at the end of each residency and, except on its first
  visit, filled back with its partial sums; partial sums from instances that differ only in
  irrelevant spatial loops (a spatial reduction) are summed on the way up, so the parent sees one
  update per output. At the level next to the MACs every MAC updates its output and all but the
  first update of each output in a residency read it first (read-modify-write).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from ripple.sparseloop.nest import Loop, TimeloopNest

Coordinate = dict[str, int]  # dimension -> coefficient


def coordinates(nest: TimeloopNest, space: str) -> list[Coordinate]:
    layer = nest.layer
    (sy, sx), (dy, dx) = layer.stride, layer.dilation
    return {
        "W": [{"C": 1}, {"M": 1}, {"R": 1}, {"S": 1}],
        "I": [{"N": 1}, {"C": 1}, {"P": sx, "R": dx}, {"Q": sy, "S": dy}],
        "O": [{"N": 1}, {"M": 1}, {"Q": 1}, {"P": 1}],
    }[space]


@dataclass(frozen=True)
class LevelCounts:
    """Totals over every instance of one level for one data space (words)."""

    tile: int  # words of one instance's tile
    instances: int
    fills: float  # writes from the parent: whole tiles and deltas (I, W)
    residencies: int  # tile loads per instance
    partial_fills: float  # O: partial sums read back from the parent
    drains: float  # O: tiles written back to the parent
    updates: float  # O: writes from the MACs or (reduced) from the children
    reads: float  # reads served to the children or the MACs
    writes: float

    @property
    def accesses(self) -> float:
        return self.reads + self.writes


class NestCounts:
    """Dense counts of every (level, data space) a nest keeps."""

    def __init__(self, nest: TimeloopNest):
        self.nest = nest

    def holders(self, space: str) -> list[str]:
        return [lvl for lvl in self.nest.levels if space in self.nest.keep[lvl]]

    def tile(self, level: str, space: str) -> int:
        inside = self.nest.loops[self.nest.first_loop(level):]
        return math.prod(_extent(c, inside) for c in coordinates(self.nest, space))

    def instances(self, level: str) -> int:
        above = self.nest.loops[:self.nest.first_loop(level)]
        return math.prod(loop.bound for loop in above if loop.spatial)

    def between(self, outer: str, inner: str | None, space: str, relevant: bool) -> int:
        """Product of the spatial loops from ``outer`` down to just above ``inner`` (None: the
        MACs) that are relevant (or irrelevant) to ``space``."""
        start = self.nest.first_loop(outer)
        stop = len(self.nest.loops) if inner is None else self.nest.first_loop(inner)
        dims = _dims(coordinates(self.nest, space))
        return math.prod(loop.bound for loop in self.nest.loops[start:stop]
                         if loop.spatial and (loop.dim in dims) == relevant)

    def steps(self, level: str, space: str) -> list[tuple[int, int]]:
        """``(count, delta words)`` per temporal loop above ``level``: how often it steps and how
        many new words the tile then needs."""
        first = self.nest.first_loop(level)
        above = [loop for loop in self.nest.loops[:first] if not loop.spatial]
        size, coords = self.tile(level, space), coordinates(self.nest, space)
        inside = self.nest.loops[first:]
        extents = [_extent(c, inside) for c in coords]
        out, outer = [], 1
        for j, loop in enumerate(above):
            shift = {d: 0 for d in _dims(coords)}
            for k, other in enumerate(above[j:], start=j):
                if other.dim in shift:
                    moved = 1 if k == j else -(other.bound - 1)
                    shift[other.dim] += moved * _stride(self.nest.loops, other)
            overlap = math.prod(max(0, e - abs(sum(c.get(d, 0) * shift[d] for d in c)))
                                for c, e in zip(coords, extents, strict=True))
            out.append((outer * (loop.bound - 1), size - overlap))
            outer *= loop.bound
        return out

    def distinct_tiles(self, level: str, space: str) -> int:
        first = self.nest.first_loop(level)
        dims = _dims(coordinates(self.nest, space))
        return math.prod(loop.bound for loop in self.nest.loops[:first]
                         if not loop.spatial and loop.dim in dims)

    @cached_property
    def levels(self) -> dict[tuple[str, str], LevelCounts]:
        out: dict[tuple[str, str], LevelCounts] = {}
        for space in ("W", "I", "O"):
            chain = self.holders(space)
            # innermost first, so that a level's children are known before it
            for index in reversed(range(len(chain))):
                out[chain[index], space] = self._level(chain, index, space, out)
        return out

    def _level(self, chain: list[str], index: int, space: str,
               done: dict[tuple[str, str], LevelCounts]) -> LevelCounts:
        level = chain[index]
        has_parent = index > 0
        child = chain[index + 1] if index + 1 < len(chain) else None
        tile, instances = self.tile(level, space), self.instances(level)
        steps = self.steps(level, space)
        residencies = 1 + sum(count for count, delta in steps if delta > 0)
        loads = tile + sum(count * delta for count, delta in steps)
        fills = partial_fills = drains = updates = 0.0
        if space == "O":
            if has_parent:
                partial_fills = (residencies - self.distinct_tiles(level, space)) * tile * instances
                drains = residencies * tile * instances
        elif has_parent:
            fills = loads * instances
        if child is None:
            macs = self.nest.computes
            if space == "O":
                updates = macs
                reads = macs - residencies * tile * instances + drains
            else:
                reads = macs
        else:
            below = done[child, space]
            share = self.between(level, child, space, relevant=False)
            if space == "O":
                updates = below.drains / share
                reads = below.partial_fills / share + drains
            else:
                reads = below.fills / share
        return LevelCounts(tile, instances, fills, residencies, partial_fills, drains, updates,
                           reads, fills + updates + partial_fills)


def _dims(coords: list[Coordinate]) -> set[str]:
    return {d for c in coords for d in c}


def _extent(coord: Coordinate, loops: tuple[Loop, ...] | list[Loop]) -> int:
    return 1 + sum(coef * (math.prod(lp.bound for lp in loops if lp.dim == dim) - 1)
                   for dim, coef in coord.items())


def _stride(loops: tuple[Loop, ...], loop: Loop) -> int:
    """Index step of ``loop`` in its dimension: the product of the loops of that dimension
    inside it."""
    at = loops.index(loop)
    return math.prod(lp.bound for lp in loops[at + 1:] if lp.dim == loop.dim)
