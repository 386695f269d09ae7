"""The mapspace of one layer on one architecture: skeletons, and the loop orders of each.

- spatial unrollings: per array dimension one layer dimension (or none), sized by a divisor of
  its bound or by the whole array dimension (the last step clipped), above a utilisation floor;
  a dimension that reduces into outputs only where every memory holding outputs serves it;
- tilings: the rest of each dimension split into prime-factor loops (merged, smallest first,
  down to ``max_loops_per_level``), placed on levels bottom-up where the tiles fit;
- orders: every distinct permutation within each level. Permutations of identical loops give
  identical nests and are dropped; nothing else is (no order is dropped that could differ).

Fixed ``loops`` (a ZigZag ``temporal_ordering``) replace the prime-factor loops and their
orders: the explorer then only cuts the fixed sequence into levels.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from ripple.arch.spec import Architecture
from ripple.dse.constraints import Constraints
from ripple.dse.presets import resolve
from ripple.errors import MappingError, RippleInputError
from ripple.mapping.skeleton import Loop, Skeleton
from ripple.model.batch import SkeletonBatch
from ripple.model.order_classes import representatives
from ripple.model.relevance import OUTPUT_PARALLEL_DIMS
from ripple.workload.layer import INPUT_INDEXED_DIMS, OUTPUT_INDEXED_DIMS, IndexKind, Layer

Spatial = tuple[tuple[str, int, str], ...]
Alike = tuple[IndexKind, bool]  # a nest's index, and whether one of its links fills by deltas


def _bound(layer: Layer, dim: str) -> int:
    return layer.bound(dim)


def _dims(index: IndexKind) -> tuple[str, ...]:
    return OUTPUT_INDEXED_DIMS if index == "output" else INPUT_INDEXED_DIMS


def _sizes(bound: int, room: int) -> list[int]:
    """Unrolling sizes of a dimension on an array dimension: divisors, and the whole array
    dimension when it does not divide (the last step then runs clipped)."""
    sizes = {s for s in range(2, min(bound, room) + 1) if bound % s == 0}
    sizes.add(min(bound, room))
    return sorted(s for s in sizes if s > 1)


def spatial_unrollings(layer: Layer, arch: Architecture, index: IndexKind,
                       constraints: Constraints) -> list[Spatial]:
    if constraints.spatial is not None:
        return [tuple((d, s, a) for a in arch.array for d, s in constraints.spatial.get(a, []))]
    o_served = set(arch.array)
    for _, memory in arch.chain("O"):
        o_served &= set(arch.served(memory))
    options: list[list[tuple[str, int, str] | None]] = []
    for array_dim, room in arch.array.items():
        here: list[tuple[str, int, str] | None] = [None]
        for dim in _dims(index):
            if _bound(layer, dim) < 2:
                continue
            if dim not in OUTPUT_PARALLEL_DIMS and array_dim not in o_served:
                continue
            here += [(dim, s, array_dim) for s in _sizes(_bound(layer, dim), room)]
        options.append(here)
    unrollings = []
    for combo in itertools.product(*options):
        chosen = [c for c in combo if c is not None]
        if len({d for d, _, _ in chosen}) < len(chosen):
            continue  # one array dimension per layer dimension
        if math.prod(s for _, s, _ in chosen) < constraints.utilisation_floor * arch.npes:
            continue
        unrollings.append(tuple(chosen))
    return unrollings


def prime_factors(n: int) -> list[int]:
    """``n``'s prime factors, smallest first, with repeats."""
    factors, p = [], 2
    while p * p <= n:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return factors + ([n] if n > 1 else [])


def temporal_loops(layer: Layer, index: IndexKind, spatial: Spatial, limit: int) -> list[Loop]:
    """Prime-factor loops of what the unrolling leaves of each dimension, merged (the two
    smallest of one dimension first) until there are at most ``limit``."""
    unrolled = {d: s for d, s, _ in spatial}
    per_dim = {d: prime_factors(-(-_bound(layer, d) // unrolled.get(d, 1))) for d in _dims(index)}
    while sum(len(f) for f in per_dim.values()) > limit:
        mergeable = [(sorted(f)[0] * sorted(f)[1], d) for d, f in per_dim.items() if len(f) > 1]
        if not mergeable:
            break
        _, dim = min(mergeable)
        f = sorted(per_dim[dim])
        per_dim[dim] = [f[0] * f[1], *f[2:]]
    return [(d, f) for d in _dims(index) for f in sorted(per_dim[d], reverse=True)]


_BATCHES: dict[tuple[int, Layer, Skeleton], tuple[Architecture, SkeletonBatch | None]] = {}


def skeleton_batch(layer: Layer, arch: Architecture, skeleton: Skeleton) -> SkeletonBatch | None:
    """The skeleton's batch evaluator (kept per process), or None when the mapping is rejected
    whatever the order (an unrolling that would split outputs over memory instances). Shared
    by the placement's fit checks and the tasks: on a two-level hierarchy the last trial of a
    placement is the skeleton itself. Keyed by the architecture object too (kept with the
    entry, so that its id cannot be reused): another architecture, another batch."""
    key = (id(arch), layer, skeleton)
    if key not in _BATCHES or _BATCHES[key][0] is not arch:
        if len(_BATCHES) > 256:
            _BATCHES.clear()
        try:
            _BATCHES[key] = (arch, SkeletonBatch.of(layer, arch, skeleton))
        except MappingError:
            _BATCHES[key] = (arch, None)
    return _BATCHES[key][1]


def _fits(layer: Layer, arch: Architecture, skeleton: Skeleton, level: int) -> bool:
    batch = skeleton_batch(layer, arch, skeleton)
    if batch is None:  # rejected whatever the placement: raise as building it does
        batch = SkeletonBatch.of(layer, arch, skeleton)
    here = {m.name for m in arch.levels[level].memories}
    return not batch.overflowing(np.arange(batch.n)[None, :], here)[0]


def _sub_multisets(loops: list[Loop]) -> Iterator[tuple[Loop, ...]]:
    counts = Counter(loops)
    kinds = sorted(counts)
    for picks in itertools.product(*(range(counts[k] + 1) for k in kinds)):
        yield tuple(k for k, n in zip(kinds, picks, strict=True) for _ in range(n))


def _innermost(loops: list[Loop]) -> Iterator[tuple[Loop, ...]]:
    """The innermost ``n`` loops of a fixed sequence, for every ``n``: what a level may hold
    when the loops keep their order."""
    for n in range(len(loops) + 1):
        yield tuple(loops[len(loops) - n:])


def placements(layer: Layer, arch: Architecture, index: IndexKind, boundary: str,
               spatial: Spatial, loops: list[Loop], constraints: Constraints
               ) -> Iterator[Skeleton]:
    """Every placement of the loops on the levels, bottom-up, where every level's tiles fit;
    generated lazily (deep hierarchies have very many)."""
    n_levels = len(arch.levels)
    level_names = [lvl.name for lvl in arch.levels]
    for dim, name in constraints.level_of.items():
        if name not in level_names:
            raise RippleInputError(f"unknown level {name!r} for {dim}", field=f"level_of.{dim}")
    pinned = {d: level_names.index(n) for d, n in constraints.level_of.items()}

    fixed = constraints.loops is not None

    def place(level: int, remaining: list[Loop], below: tuple[tuple[Loop, ...], ...]
              ) -> Iterator[Skeleton]:
        if level == 0:
            top = tuple(lp for lp in remaining)
            if all(pinned.get(d, 0) == 0 for d, _ in top):
                yield Skeleton(index, boundary, False, spatial, (top, *below))
            return
        for here in _innermost(remaining) if fixed else _sub_multisets(remaining):
            if len(here) > constraints.max_loops_per_level and not fixed:
                continue
            if any(pinned.get(d, level) != level for d, _ in here):
                continue
            rest = (remaining[:len(remaining) - len(here)] if fixed
                    else list((Counter(remaining) - Counter(here)).elements()))
            here_dims, rest_dims = {d for d, _ in here}, {d for d, _ in rest}
            if any(o in here_dims and i in rest_dims for o, i in constraints.partial_order):
                continue  # an inner dimension's loop would sit above an outer one's
            trial = Skeleton(index, boundary, False, spatial,
                             (tuple(rest), *((),) * (level - 1), here, *below))
            if _fits(layer, arch, trial, level):
                yield from place(level - 1, rest, (here, *below))

    yield from place(n_levels - 1, loops, ())


def skeletons(layer: Layer, arch: Architecture, constraints: Constraints) -> Iterator[Skeleton]:
    """Every skeleton of the mapspace under ``constraints``, in a fixed order."""
    indices: list[IndexKind] = list(constraints.index)
    if constraints.dataflow is not None:
        indices = [resolve(constraints.dataflow).index]
    for index in indices:
        boundary = constraints.boundary if index == "input" else "filter"
        unrollings = spatial_unrollings(layer, arch, index, constraints)
        if constraints.dataflow is not None and constraints.spatial is None:
            from ripple.dse.presets import preset_mapping

            preset = preset_mapping(layer, arch, constraints.dataflow)
            unrollings = [tuple((d, s, a) for a in arch.array
                                for d, s in preset.spatial.get(a, []))]
        for spatial in unrollings:
            loops = ([(d, s) for d, s in constraints.loops] if constraints.loops is not None
                     else temporal_loops(layer, index, spatial, constraints.max_loops_per_level))
            yield from placements(layer, arch, index, boundary, spatial, loops, constraints)


@lru_cache(maxsize=16)
def _permutations(n: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """All permutations of ``n`` loops, and for each the position of every loop."""
    if n == 0:
        return np.zeros((1, 0), dtype=np.int64), np.zeros((1, 0), dtype=np.int64)
    perms = np.array(list(itertools.permutations(range(n))), dtype=np.int64)
    return perms, np.argsort(perms, axis=1)


#: A level's loops as the order rules see them: per loop its dimension and the index of the
#: first loop equal to it. Sizes matter only through which loops are equal, so levels of the
#: same shape (very many across skeletons) share their orders and classes.
Shape = tuple[tuple[str, int], ...]


def _shape(loops: tuple[Loop, ...]) -> Shape:
    return tuple((loop[0], loops.index(loop)) for loop in loops)


def _level_orders(loops: tuple[Loop, ...], order: tuple[str, ...] | None,
                  partial: tuple[tuple[str, str], ...], alike: Alike | None
                  ) -> NDArray[np.int64]:
    """Distinct permutations of one level's loops that respect the order constraints; with
    ``alike`` (the nest's index, whether it fills by deltas), only the first of each class of
    permutations that every count agrees on (model/order_classes.py)."""
    if alike is None:
        return _allowed_orders(_shape(loops), order, partial)
    return _first_of_classes(_shape(loops), order, partial, alike)


@lru_cache(maxsize=4096)
def _first_of_classes(shape: Shape, order: tuple[str, ...] | None,
                      partial: tuple[tuple[str, str], ...], alike: Alike) -> NDArray[np.int64]:
    """Kept per process: skeletons share level shapes, and the classes are few (the
    permutations, up to 9! a level, are not kept)."""
    perms = _allowed_orders(shape, order, partial)
    return perms[representatives(shape, perms, *alike)]


def _order_count(shape: Shape, order: tuple[str, ...] | None,
                 partial: tuple[tuple[str, str], ...]) -> int:
    """How many orders :func:`_allowed_orders` gives, in closed form when no order rule
    applies (the permutations of a multiset: ``n!`` over each group of equal loops' ``k!``)."""
    if order is None and not partial:
        return math.factorial(len(shape)) // math.prod(
            math.factorial(n) for n in Counter(first for _, first in shape).values())
    return len(_allowed_orders(shape, order, partial))


def _allowed_orders(shape: Shape, order: tuple[str, ...] | None,
                    partial: tuple[tuple[str, str], ...]) -> NDArray[np.int64]:
    perms, position = _permutations(len(shape))
    keep = np.ones(len(perms), dtype=bool)
    for i, j in itertools.combinations(range(len(shape)), 2):
        a_first = position[:, i] < position[:, j]
        if shape[i][1] == shape[j][1]:
            keep &= a_first  # identical loops: one representative order
        di, dj = shape[i][0], shape[j][0]
        if order is not None and di != dj:
            keep &= a_first == (order.index(di) < order.index(dj))
        for outer, inner in partial:
            if (di, dj) == (outer, inner):
                keep &= a_first
            elif (di, dj) == (inner, outer):
                keep &= ~a_first
    return perms[keep]


def orders(skeleton: Skeleton, constraints: Constraints, chunk: int = 65_536,
           alike: SkeletonBatch | None = None, settled_from: int | None = None
           ) -> Iterator[NDArray[np.int64]]:
    """The skeleton's loop orders, in chunks: rows of skeleton loop indices in nest order; with
    ``alike`` (the skeleton's batch), one order of each class its counts agree on; with
    ``settled_from`` (a nest position), a level whose loops all lie at or below it takes its
    first order only (what is counted above that position does not depend on their order)."""
    per_level = _level_choices(skeleton, constraints, alike and (alike.nest.index,
                                                                   alike.interleaved))
    if settled_from is not None:
        starts = itertools.accumulate((len(level) for level in skeleton.levels), initial=0)
        per_level = [choices[:1] if start >= settled_from else choices
                     for choices, start in zip(per_level, starts, strict=False)]
    total = math.prod(len(p) for p in per_level)
    for begin in range(0, total, chunk):
        yield _rows_at(per_level, np.arange(begin, min(begin + chunk, total), dtype=np.int64))


def orders_at(skeleton: Skeleton, constraints: Constraints, flat: NDArray[np.int64]
              ) -> NDArray[np.int64]:
    """The orders numbered ``flat`` among those :func:`orders` yields (0 is its first)."""
    return _rows_at(_level_choices(skeleton, constraints), np.asarray(flat, dtype=np.int64))


def _rows_at(per_level: list[NDArray[np.int64]], flat: NDArray[np.int64]) -> NDArray[np.int64]:
    """The orders numbered ``flat``: the last level's choice varies fastest."""
    sizes = [len(p) for p in per_level]
    parts = []
    for i, level_orders in enumerate(per_level):
        parts.append(level_orders[(flat // math.prod(sizes[i + 1:])) % sizes[i]])
    return np.concatenate(parts, axis=1) if parts else np.zeros((len(flat), 0), np.int64)


def _order_rules(constraints: Constraints
                 ) -> tuple[tuple[str, ...] | None, tuple[tuple[str, str], ...]]:
    """The whole order of dimensions the constraints fix (a dataflow's), if any, and their
    partial order."""
    order = None
    if constraints.order is not None:
        order = list(constraints.order)
    elif constraints.dataflow is not None:
        order = list(resolve(constraints.dataflow).order)
    if order is not None:
        order += [d for d in ("N", "G", "K", "C", "OY", "OX", "IY", "IX", "FY", "FX")
                  if d not in order]
    partial = tuple((outer, inner) for outer, inner in constraints.partial_order)
    return None if order is None else tuple(order), partial


def _level_choices(skeleton: Skeleton, constraints: Constraints, alike: Alike | None = None
                   ) -> list[NDArray[np.int64]]:
    """Per level of the skeleton, the orders its loops may take (indices into the nest)."""
    fixed_order, partial = _order_rules(constraints)
    per_level, start = [], 0
    for level in skeleton.levels:
        if constraints.loops is not None:  # fixed loops keep their order
            per_level.append(np.arange(start, start + len(level), dtype=np.int64)[None, :])
            start += len(level)
            continue
        per_level.append(_level_orders(level, fixed_order, partial, alike) + start)
        start += len(level)
    return per_level


def count_orders(skeleton: Skeleton, constraints: Constraints,
                 alike: SkeletonBatch | None = None) -> int:
    """The number of rows :func:`orders` yields (without ``settled_from``), without producing
    them."""
    if alike is not None or constraints.loops is not None:
        return math.prod(len(p) for p in _level_choices(
            skeleton, constraints, alike and (alike.nest.index, alike.interleaved)))
    order, partial = _order_rules(constraints)
    return math.prod(_order_count(_shape(level), order, partial) for level in skeleton.levels)


def evaluable(layer: Layer, arch: Architecture, constraints: Constraints) -> Iterator[Skeleton]:
    """The skeletons that give tasks: those whose mappings bind (an unrolling that would
    split outputs over memory instances binds in no order)."""
    for skeleton in skeletons(layer, arch, constraints):
        if skeleton_batch(layer, arch, skeleton) is not None:
            yield skeleton


def counted(layer: Layer, arch: Architecture, constraints: Constraints
            ) -> tuple[list[Skeleton], NDArray[np.int64]]:
    """The evaluable skeletons and the number of orders of each."""
    found = list(evaluable(layer, arch, constraints))
    return found, np.array([count_orders(s, constraints) for s in found], dtype=np.int64)


def draw(found: list[Skeleton], counts: NDArray[np.int64], constraints: Constraints, n: int,
         seed: int) -> Iterator[tuple[Skeleton, NDArray[np.int64]]]:
    """``n`` distinct mappings drawn uniformly over the space of the skeletons ``found``
    (``counts`` orders each): every mapping equally likely, whichever skeleton it belongs to
    (all of them when the space is smaller), as their skeletons with the orders drawn of each,
    in the space's order. The same ``seed`` draws the same mappings."""
    total = int(counts.sum())
    picks = np.sort(np.random.default_rng(seed).choice(total, size=min(n, total),
                                                       replace=False))
    starts = np.concatenate(([0], np.cumsum(counts)))
    owner = np.searchsorted(starts, picks, side="right") - 1
    for index in np.unique(owner):
        flat = picks[owner == index] - starts[index]
        yield found[index], orders_at(found[index], constraints, flat)


Sample = tuple[int, int]  # --sample N --seed S


def layer_chunks(layer: Layer, arch: Architecture, constraints: Constraints, batch_size: int,
                 drawn: Sample | None = None) -> Iterator[tuple[Skeleton, NDArray[np.int64]]]:
    """The layer's mappings (or the ``drawn`` sample's), in a fixed order, as chunks of at
    most ``batch_size`` orders of one skeleton."""
    if drawn is None:
        for skeleton in evaluable(layer, arch, constraints):
            for chunk in orders(skeleton, constraints, chunk=batch_size):
                yield skeleton, chunk
        return
    for skeleton, rows in draw(*counted(layer, arch, constraints), constraints, *drawn):
        for begin in range(0, len(rows), batch_size):
            yield skeleton, rows[begin:begin + batch_size]
