"""A Timeloop mapping as one loop nest over Timeloop's seven CNN dimensions.

Timeloop's nest, outermost first, is: for each storage level (outermost first) its temporal
loops (the permutation is written innermost first) and then its spatial loops, which fan out to
the next level down. Factors of 1 are dropped; a factor 0 is the remainder of its dimension.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ripple.mapping.timeloop_import import DATASPACES, timeloop_keep, timeloop_loops
from ripple.workload.layer import Layer

DIMS = ("N", "M", "C", "P", "Q", "R", "S")


@dataclass(frozen=True)
class Loop:
    level: str
    dim: str
    bound: int
    spatial: bool


@dataclass(frozen=True)
class TimeloopNest:
    """Storage levels outermost first, what each keeps (``I``/``W``/``O``) and the loops."""

    levels: tuple[str, ...]
    keep: dict[str, frozenset[str]]
    loops: tuple[Loop, ...]
    layer: Layer

    def first_loop(self, level: str) -> int:
        """Index of the first loop that belongs to ``level`` or a level below it."""
        rank = self.levels.index(level)
        return next((i for i, loop in enumerate(self.loops)
                     if self.levels.index(loop.level) >= rank), len(self.loops))

    @property
    def computes(self) -> int:
        return math.prod(loop.bound for loop in self.loops)

    @property
    def compute_instances(self) -> int:
        return math.prod(loop.bound for loop in self.loops if loop.spatial)


def load_timeloop_nest(path: str | Path, layer: Layer, levels: tuple[str, ...]) -> TimeloopNest:
    """The nest of the mapping file ``path`` for ``layer`` on storage ``levels``."""
    loops = [Loop(loop.target, loop.dim, loop.size, loop.kind == "spatial")
             for loop in timeloop_loops(path, layer, levels)]
    kept = timeloop_keep(path)
    keep = {level: frozenset(kept.get(level, DATASPACES.values())) for level in levels}
    return TimeloopNest(levels, keep, tuple(loops), layer)
