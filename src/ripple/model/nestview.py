"""A loop nest seen as its factors: which loops belong to which factor, and where they sit.

Links and readiness speak of global positions (a prefix of the temporal loops, spatial loops
that select a memory instance); factor tables speak of each factor's own loops. This module
translates between the two, and keeps the factor tables in a cache shared by every nest of the
same layer, so that mappings that share a factor's loops share its tables.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from ripple.mapping.nest import LoopNest
from ripple.model.deltas import DeltaPart
from ripple.model.factors import (
    FACTOR_NAMES,
    FACTOR_OF,
    FactorLoop,
    FactorSpec,
    NestKind,
    build_factor,
)
from ripple.model.groups import FactorGroups, Instances, Part
from ripple.model.links import fill_prefix
from ripple.model.transfers import Side


def nest_kind(nest: LoopNest) -> NestKind:
    """What decides the nest's issued MACs and the words its fills hold."""
    return NestKind(nest.layer, nest.index, nest.boundary, nest.skip_padding,
                    nest.arch.conventions.padding, nest.arch.conventions.input_window)


@lru_cache(maxsize=4096)
def factor_groups(kind: NestKind, spec: FactorSpec) -> FactorGroups:
    return FactorGroups(build_factor(kind, spec))


@dataclass
class NestFactors:
    """The factors of a nest in output-tensor order ``N G K C Y X``."""

    nest: LoopNest
    groups: tuple[FactorGroups, ...]
    positions: list[tuple[int, ...]]  # global temporal positions of each factor's loops
    spatial: list[tuple[int, ...]]  # indices into nest.spatial of each factor's spatial loops

    @classmethod
    def of(cls, nest: LoopNest) -> NestFactors:
        kind = nest_kind(nest)
        groups, positions, spatial = [], [], []
        for name in FACTOR_NAMES:
            temporal = [p for p, lp in enumerate(nest.temporal) if FACTOR_OF[lp.dim] == name]
            unrolled = [j for j, lp in enumerate(nest.spatial) if FACTOR_OF[lp.dim] == name]
            loops = [FactorLoop(nest.temporal[p].dim, nest.temporal[p].size) for p in temporal]
            loops += [FactorLoop(nest.spatial[j].dim, nest.spatial[j].size,
                                 nest.spatial[j].array_dim) for j in unrolled]
            groups.append(factor_groups(kind, FactorSpec(name, tuple(loops))))
            positions.append(tuple(temporal))
            spatial.append(tuple(unrolled))
        return cls(nest, tuple(groups), positions, spatial)

    @property
    def factors(self) -> list:
        return [g.factor for g in self.groups]

    def qs(self, prefix: int) -> tuple[int, ...]:
        """Per factor, how many of its temporal loops lie in the first ``prefix`` positions."""
        return tuple(bisect_left(pos, prefix) for pos in self.positions)

    def insts(self, instances: frozenset[int]) -> tuple[Part, ...]:
        """Per factor, which of its spatial loops are among ``instances`` (nest.spatial
        indices)."""
        return tuple(Part(self._local(sp, instances)) for sp in self.spatial)

    def parts(self, side: Side) -> tuple[Part, ...]:
        """Per factor, how ``side`` splits its elements (instances, classes, ownership), and
        for the MACs under ``per_fill`` how many of its loops lie in the prefix of the fills
        that restart first accumulations, under the nest's own order (an exploration's batch
        sets that per order)."""
        within: tuple[int | None, ...] = (None,) * len(self.spatial)
        if side.residency is not None:
            within = self.qs(fill_prefix(self.nest, "O", side.residency))
        return tuple(Part(self._local(sp, side.instances), self._local(sp, side.classes),
                          side.owned, side.local_first, first)
                     for sp, first in zip(self.spatial, within, strict=True))

    def delta_parts(self, side: Side) -> tuple[DeltaPart, ...]:
        """Per factor, how ``side`` of a delta-filled link splits its elements."""
        return tuple(DeltaPart(self._local(sp, side.instances), self._local(sp, side.classes),
                               self._local(sp, side.child)) for sp in self.spatial)

    @staticmethod
    def _local(spatial: tuple[int, ...], loops: frozenset[int]) -> Instances:
        """The factor-local indices of those of its spatial loops (``spatial``: their
        nest.spatial indices) that are among ``loops``."""
        return tuple(i for i, j in enumerate(spatial) if j in loops)

    @property
    def issued_steps(self) -> int:
        total = 1
        for g in self.groups:
            total *= g.issued_steps
        return total
