"""The mappings ZigZag's mapper (LOMA) considers for a fixed unrolling, as Ripple mappings.

For one spatial unrolling LOMA splits what the unrolling leaves of each dimension into prime
factors, merges them down to ``lpf_limit`` loops (6 by default; at least one per dimension that
has any): while there are too many, the dimension with the most factors has its two smallest
multiplied together (``LomaEngine.limit_lpfs``). Every distinct ordering of those loops is then
allocated to each operand's memories by ZigZag's allocator, reproduced in
:mod:`ripple.mapping.zigzag_allocation` (an uneven mapping: each operand cuts the one order at
its own memories). An ordering whose tiles fit no allocation is skipped, as LOMA skips it.

Ripple's skeletons cut every operand at the same level boundaries, so they do not hold these
mappings; the search evaluates them beside its skeletons when the unrolling is fixed (a ZigZag
mapping file's ``spatial_mapping``, or ``spatial`` constraints), so that its optimum is never
worse than the best mapping LOMA would find on the same unrolling, counted by Ripple.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from ripple.arch.spec import Architecture
from ripple.dse.constraints import Constraints
from ripple.dse.space import prime_factors
from ripple.errors import RippleInputError
from ripple.mapping.spec import Mapping
from ripple.mapping.zigzag_allocation import zigzag_placement
from ripple.workload.layer import Layer

#: LOMA's default number of loop prime factors (``loma_lpf_limit``).
LPF_LIMIT = 6
#: The order of dimensions in which LOMA meets them (ZigZag's ONNX layers': ``B K G OX OY C FX
#: FY``): of two dimensions with as many factors, the first is merged.
ZIGZAG_DIM_ORDER = ("N", "K", "G", "OX", "OY", "C", "FX", "FY")
Loop = tuple[str, int]


def loma_applies(arch: Architecture, constraints: Constraints) -> bool:
    """Whether the search adds LOMA's mappings: the unrolling is fixed and nothing else is (no
    loops, order, level or dataflow given, which LOMA's orderings would not respect), the nests
    are output-indexed as ZigZag's, and there are levels to cut unevenly."""
    return (constraints.spatial is not None and constraints.loops is None
            and constraints.order is None and not constraints.partial_order
            and not constraints.level_of and constraints.dataflow is None
            and "output" in constraints.index and len(arch.levels) > 1)


def loma_loops(layer: Layer, spatial: dict[str, list[Loop]], limit: int = LPF_LIMIT
               ) -> list[Loop]:
    """LOMA's loops for what ``spatial`` leaves of each dimension (:func:`merged_factors`)."""
    unrolled: dict[str, int] = {}
    for loops in spatial.values():
        for dim, size in loops:
            unrolled[dim] = unrolled.get(dim, 1) * size
    return merged_factors({dim: -(-layer.bound(dim) // unrolled.get(dim, 1))
                           for dim in ZIGZAG_DIM_ORDER}, limit)


def merged_factors(sizes: dict[str, int], limit: int = LPF_LIMIT) -> list[Loop]:
    """The prime factors of each dimension's temporal size (in the order of ``sizes``),
    merged as LOMA merges them: while more than ``limit`` (raised to the number of dimensions
    that have any), the two smallest factors of the dimension with the most (the first such)
    become one."""
    per_dim = {dim: prime_factors(size) for dim, size in sizes.items()}
    per_dim = {dim: factors for dim, factors in per_dim.items() if factors}
    limit = max(limit, len(per_dim))
    while sum(len(f) for f in per_dim.values()) > limit:
        most = max(per_dim, key=lambda dim: len(per_dim[dim]))
        smallest = sorted(per_dim[most])
        per_dim[most] = sorted([smallest[0] * smallest[1], *smallest[2:]])
    return [(dim, factor) for dim, factors in per_dim.items() for factor in factors]


def loma_mappings(layer: Layer, arch: Architecture, spatial: dict[str, list[Loop]],
                  limit: int = LPF_LIMIT) -> Iterator[Mapping]:
    """Each mapping LOMA considers for ``spatial``: every distinct ordering of
    :func:`loma_loops` allocated as ZigZag allocates it (orderings that fit nowhere skipped)."""
    level_of = {m.name: lvl.name for lvl in arch.levels for m in lvl.memories}
    for ordering in sorted(set(itertools.permutations(loma_loops(layer, spatial, limit)))):
        try:  # the ordering innermost first, as ZigZag writes it
            placement = zigzag_placement(layer, arch, spatial, ordering, "LOMA's ordering")
        except RippleInputError:  # a tile that fits no memory: LOMA skips the ordering too
            continue
        by_level: dict[str, list[Loop]] = {}
        for memory, loops in placement["O"].items():  # the order, cut at O's memories
            by_level.setdefault(level_of[memory], []).extend(loops)
        yield Mapping(name="loma", spatial=spatial, temporal=by_level,  # type: ignore[arg-type]
                      placement=placement)  # type: ignore[arg-type]
