"""Floors of a skeleton's mappings that count only some memories, for the search
(dse/search.py): what the outer levels' counts are fixed by, and those floors shared by every
skeleton alike there."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ripple.arch.spec import Architecture
from ripple.dse import space
from ripple.dse.constraints import Constraints
from ripple.mapping.skeleton import Skeleton
from ripple.model.batch import SkeletonBatch
from ripple.workload.layer import Layer

if TYPE_CHECKING:
    from ripple.dse.search import Tracker

Floors = list[tuple[NDArray[np.float64] | None, NDArray[np.int64]]]  # per chunk of orders


def joined(per_chunk: Floors, energy_needed: bool
           ) -> tuple[NDArray[np.float64] | None, NDArray[np.int64]]:
    """One skeleton's floors of every chunk of orders, end to end (energy, compute steps)."""
    return (np.concatenate([e for e, _ in per_chunk if e is not None]) if energy_needed
            else None, np.concatenate([c for _, c in per_chunk]))


class PartialFloors:
    """Floors of skeletons that count only the memories of the outer levels (a floor still:
    the others' energy is never negative), shared by the skeletons that agree above those
    levels' cuts (:func:`above_cuts`). The first pass ranks the skeletons by the outermost
    level's; before a skeleton's orders are all floored, the floors of one more level at a
    time may rule it out, each over the orders of the levels above those memories' cuts only
    (far fewer than all of the skeleton's)."""

    def __init__(self, tracker: Tracker, constraints: Constraints, batch_size: int):
        self.tracker, self.constraints, self.batch_size = tracker, constraints, batch_size
        self.known: dict[tuple, tuple[float, int, float]] = {}

    def floor(self, batch: SkeletonBatch, memories: frozenset[str]) -> tuple[float, int, float]:
        """The skeleton's least floor over its orders, counting ``memories`` only."""
        settled = batch.counted_above(memories)
        key = (memories, above_cuts(batch.skeleton, settled))
        if key not in self.known:
            self.known[key] = self.tracker.skeleton_floor(*joined(
                [batch.floors(chunk, True, memories)
                 for chunk in space.orders(batch.skeleton, self.constraints,
                                           chunk=self.batch_size, alike=batch,
                                           settled_from=settled)], True))
        return self.known[key]

    def may_matter(self, layer: Layer, arch: Architecture, skeleton: Skeleton) -> bool:
        """Whether the skeleton's floors over the outer levels, one more at a time down to
        all but the innermost, leave it a chance against the best found so far."""
        batch = space.skeleton_batch(layer, arch, skeleton)
        assert batch is not None
        for depth in range(2, len(arch.levels)):
            memories = frozenset(m.name for lvl in arch.levels[:depth] for m in lvl.memories)
            score, latency, least = self.floor(batch, memories)
            if not self.tracker.may_matter(np.array([least]), np.array([latency]),
                                           np.array([score]))[0]:
                return False
        return True


def above_cuts(skeleton: Skeleton, settled: int) -> tuple:
    """What fixes a skeleton's counts above nest position ``settled`` (one past the cuts of
    some memories' links: :meth:`SkeletonBatch.counted_above`): its index, boundary and
    unrolling, and the levels that start above it. The loops below are the rest of the
    layer's, and neither their order nor the levels they take changes those counts (those
    memories exchange whole tiles of everything below the cuts), so skeletons alike here
    share their partial floors."""
    starts = itertools.accumulate((len(level) for level in skeleton.levels), initial=0)
    above = tuple(level for level, start in zip(skeleton.levels, starts, strict=False)
                  if start < settled)
    return (skeleton.index, skeleton.boundary, skeleton.skip_padding, skeleton.spatial,
            settled, above)
