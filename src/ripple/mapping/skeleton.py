"""A skeleton: everything about a mapping except the order of the loops within each level.

An exploration enumerates skeletons (spatial unrolling, tiling over levels, nest kind) and, for
each, many loop orders at once: an order is a row of skeleton loop indices in nest order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ripple.arch.spec import Architecture
from ripple.mapping.spec import Mapping
from ripple.workload.layer import IndexKind

Loop = tuple[str, int]


@dataclass(frozen=True)
class Skeleton:
    index: IndexKind
    boundary: str
    skip_padding: bool
    spatial: tuple[tuple[str, int, str], ...]  # (dim, size, array dim), array order
    levels: tuple[tuple[Loop, ...], ...]  # per level, outermost level first

    @property
    def loops(self) -> list[Loop]:
        """Temporal loops in skeleton order (level by level); orders index into this list."""
        return [lp for level in self.levels for lp in level]

    @property
    def level_of(self) -> list[int]:
        return [i for i, level in enumerate(self.levels) for _ in level]

    def mapping(self, arch: Architecture, order: NDArray[np.int64], name: str = "mapping"
                ) -> Mapping:
        """The mapping of one order (a row of skeleton loop indices in nest order)."""
        loops, level_of = self.loops, self.level_of
        temporal: dict[str, list[Loop]] = {lvl.name: [] for lvl in arch.levels}
        for i in order:
            temporal[arch.levels[level_of[i]].name].append(loops[i])
        spatial: dict[str, list[Loop]] = {}
        for dim, size, array_dim in self.spatial:
            spatial.setdefault(array_dim, []).append((dim, size))
        return Mapping(name=name, index=self.index, boundary=self.boundary,  # type: ignore[arg-type]
                       skip_padding=self.skip_padding, spatial=spatial, temporal=temporal)

    def describe(self, order: NDArray[np.int64], arch: Architecture) -> str:
        loops, level_of = self.loops, self.level_of
        parts = []
        for lvl_index, lvl in enumerate(arch.levels):
            text = " ".join(f"{loops[i][0]}{loops[i][1]}" for i in order
                            if level_of[i] == lvl_index)
            if text:
                parts.append(f"{lvl.name}: {text}")
        if self.spatial:
            parts.append("spatial: " + " ".join(f"{d}{s}@{a}" for d, s, a in self.spatial))
        return " | ".join(parts)
