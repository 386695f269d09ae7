"""Placing an ordered list of temporal loops on the memory levels so that every tile fits.

Innermost loops go to the innermost level while its memories can hold the tiles; a loop that
does not fit whole is split, its largest fitting part staying below and the rest moving up.
Whatever remains goes to the outermost level. This is the bottom-up allocation ZigZag performs,
checked with Ripple's exact tile sizes.

A loop placed at a level enlarges the tiles of every level above it too (an outer memory holds
what its children hold), so a placement must fit that level and every level between it and the
outermost one: otherwise generous inner memories (large per-NPE register files) could take
tiles that a small shared buffer above them can never hold. Checked that way, every placement
keeps the mapping valid, and the allocation succeeds whenever the tiles of the unrolling alone,
every loop at the outermost level, fit.
"""

from __future__ import annotations

import numpy as np

from ripple.arch.spec import Architecture
from ripple.errors import MappingError
from ripple.mapping.nest import bind
from ripple.mapping.spec import Mapping
from ripple.model.batch import SkeletonBatch
from ripple.workload.layer import Layer

Loops = list[tuple[str, int]]


def _overflows(layer: Layer, arch: Architecture, mapping: Mapping,
               level: int | None = None) -> list[str]:
    """Why the mapping's tiles do not fit the memories of ``level`` and of the levels above it
    but the outermost (None: of every level)."""
    batch = SkeletonBatch.of_nest(bind(layer, arch, mapping, source=f"preset {mapping.name}"))
    tiles, needs = batch.capacity(np.arange(batch.n)[None, :])
    names = None if level is None else {m.name for lvl in arch.levels[1:level + 1]
                                        for m in lvl.memories}
    return batch.overflows(tiles, needs, 0, names)


def _fits(layer: Layer, arch: Architecture, mapping: Mapping, level: int) -> bool:
    return not _overflows(layer, arch, mapping, level)


def _with(base: Mapping, arch: Architecture, placed: dict[int, Loops], rest: Loops) -> Mapping:
    temporal = {lvl.name: list(placed.get(i, [])) for i, lvl in enumerate(arch.levels)}
    top = arch.levels[0].name
    temporal[top] = rest + temporal[top]
    return base.model_copy(update={"temporal": temporal})


def allocate(layer: Layer, arch: Architecture, base: Mapping, loops: Loops) -> Mapping:
    """``loops`` outermost first; returns ``base`` with the loops placed on levels."""
    rest = list(loops)
    placed: dict[int, Loops] = {}
    for level in range(len(arch.levels) - 1, 0, -1):
        placed[level] = []
        while rest:
            dim, size = rest[-1]
            trial = {**placed, level: [(dim, size), *placed[level]]}
            if _fits(layer, arch, _with(base, arch, trial, rest[:-1]), level):
                placed[level].insert(0, rest.pop())
                continue
            part = _largest_fitting_part(layer, arch, base, placed, rest, level)
            if part > 1:
                rest[-1] = (dim, -(-size // part))
                placed[level].insert(0, (dim, part))
            break
    mapping = _with(base, arch, placed, rest)
    problems = _overflows(layer, arch, mapping)
    if problems:
        raise MappingError(problems[0], source=f"preset {base.name}", field="temporal")
    return mapping


def _largest_fitting_part(layer: Layer, arch: Architecture, base: Mapping,
                          placed: dict[int, Loops], rest: Loops, level: int) -> int:
    """The largest part of the innermost remaining loop that fits below, balanced: among the
    parts giving the same number of outer iterations, the smallest (fewest clipped ones).
    Tiles grow with the part, so a binary search over the candidate parts finds it."""
    dim, size = rest[-1]
    candidates = sorted({-(-size // outer) for outer in range(2, size + 1)} - {1})

    def fits(part: int) -> bool:
        trial = {**placed, level: [(dim, part), *placed[level]]}
        outer = -(-size // part)
        return _fits(layer, arch, _with(base, arch, trial, [*rest[:-1], (dim, outer)]), level)

    lo, hi = 0, len(candidates) - 1
    best = 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if fits(candidates[mid]):
            best, lo = candidates[mid], mid + 1
        else:
            hi = mid - 1
    return best
