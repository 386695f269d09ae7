"""Timeloop's dense counts in closed form (ripple.sparseloop.counts) against a brute force that
enumerates every step of small nests, builds each tile as an explicit set of coordinates (the
bounding box of the points the loops inside reach, as Timeloop's boxes are) and counts deltas,
residencies, revisits and multicast groups directly."""

from __future__ import annotations

import itertools
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from ripple.sparseloop.counts import NestCounts, coordinates
from ripple.sparseloop.nest import DIMS, Loop, TimeloopNest
from ripple.workload.layer import Layer

LEVELS = ("DRAM", "buffer", "pass", "spad")


@st.composite
def nests(draw) -> TimeloopNest:
    sy, sx = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    bounds = {d: draw(st.integers(1, 3)) for d in DIMS}
    bounds["N"] = draw(st.integers(1, 2))
    loops: list[Loop] = []
    for dim, bound in bounds.items():  # split each bound over (level, kind) slots
        left = bound
        slots = [(lvl, sp) for lvl in LEVELS for sp in (False, True) if not (lvl == "spad" and sp)]
        for level, spatial in draw(st.permutations(slots))[:2]:
            if left > 1:
                factor = draw(st.sampled_from([f for f in range(1, left + 1) if left % f == 0]))
                if factor > 1:
                    loops.append(Loop(level, dim, factor, spatial))
                    left //= factor
        if left > 1:
            loops.append(Loop("DRAM", dim, left, False))
    order = draw(st.permutations(loops))
    rank = {lvl: i for i, lvl in enumerate(LEVELS)}
    ordered = sorted(order, key=lambda lp: (rank[lp.level], lp.spatial))
    keep = {"DRAM": frozenset("IWO"), "pass": frozenset(),
            "buffer": frozenset(draw(st.sets(st.sampled_from("IWO")))),
            "spad": frozenset(draw(st.sets(st.sampled_from("IWO"), min_size=1)))}
    p, q, r, s = bounds["P"], bounds["Q"], bounds["R"], bounds["S"]
    layer = Layer(name="t", N=bounds["N"], K=bounds["M"], C=bounds["C"], FX=r, FY=s,
                  IX=(p - 1) * sx + r, IY=(q - 1) * sy + s, stride=(sy, sx))
    return TimeloopNest(LEVELS, keep, tuple(ordered), layer)


def _values(nest: TimeloopNest, loops, index) -> dict[str, int]:
    out = dict.fromkeys(DIMS, 0)
    for position, (loop, i) in enumerate(zip(loops, index, strict=True)):
        stride = math.prod(lp.bound for lp in nest.loops[nest.loops.index(loop) + 1:]
                           if lp.dim == loop.dim)
        out[loop.dim] += i * stride
        del position
    return out


def _tile(nest, space, above_values, inside) -> frozenset:
    coords = coordinates(nest, space)
    points = set()
    for index in itertools.product(*(range(lp.bound) for lp in inside)):
        values = dict(above_values)
        for dim, v in _values(nest, inside, index).items():
            values[dim] += v
        points.add(tuple(sum(c * values[d] for d, c in coord.items()) for coord in coords))
    # Timeloop's point sets are axis-aligned boxes: a strided window's gaps belong to the tile
    lows, highs = (tuple(f(p[k] for p in points) for k in range(len(coords))) for f in (min, max))
    return frozenset(itertools.product(*(range(lo, hi + 1) for lo, hi in
                                         zip(lows, highs, strict=True))))


def _brute(nest: TimeloopNest, level: str, space: str, parent_first: int | None):
    """Per-instance fills, residencies, revisits; parent reads by multicast group."""
    first = nest.first_loop(level)
    above, inside = nest.loops[:first], nest.loops[first:]
    dims = {d for c in coordinates(nest, space) for d in c}
    fills = residencies = revisits = 0
    group_reads: dict[tuple, int] = {}
    previous: dict[tuple, frozenset] = {}
    seen: dict[tuple, set] = {}
    for step, index in enumerate(itertools.product(*(range(lp.bound) for lp in above))):
        instance = tuple(i for lp, i in zip(above, index, strict=True) if lp.spatial)
        tile = _tile(nest, space, _values(nest, above, index), inside)
        before = previous.get(instance, frozenset())
        delta = len(tile - before)
        fills += delta
        if tile != before:
            residencies += 1
            revisits += tile in seen.setdefault(instance, set())
            seen[instance].add(tile)
        previous[instance] = tile
        if parent_first is not None:  # one read per group of instances equal in relevant loops
            temporal = tuple(i for lp, i in zip(above, index, strict=True) if not lp.spatial)
            key = tuple(i for position, (lp, i) in enumerate(zip(above, index, strict=True))
                        if lp.spatial and (position < parent_first or lp.dim in dims))
            group_reads[temporal, key] = delta
        del step
    return fills, residencies, revisits, sum(group_reads.values())


@settings(max_examples=150, deadline=None, derandomize=True)
@given(nests())
def test_closed_form_counts_equal_brute_force(nest):
    counts = NestCounts(nest)
    for (level, space), got in counts.levels.items():
        chain = counts.holders(space)
        index = chain.index(level)
        if index == 0:
            continue  # the outermost level is never filled
        parent_first = nest.first_loop(chain[index - 1])
        fills, residencies, revisits, parent_reads = _brute(nest, level, space, parent_first)
        instances = counts.instances(level)
        assert got.residencies * instances == residencies
        if space == "O":
            assert got.drains == residencies * got.tile
            assert got.partial_fills == revisits * got.tile
            share = counts.between(chain[index - 1], level, space, relevant=False)
            assert done(counts, chain[index - 1], space).updates * share == got.drains
        else:
            assert got.fills == fills
            share = counts.between(chain[index - 1], level, space, relevant=False)
            assert got.fills / share == parent_reads


def done(counts, level, space):
    return counts.levels[level, space]


def test_macs_update_every_output_and_read_it_except_first_in_residency():
    layer = Layer(name="t", N=1, K=4, C=3, IX=4, IY=1, FX=3, FY=1)
    loops = (Loop("DRAM", "C", 3, False), Loop("DRAM", "M", 2, False),
             Loop("spad", "M", 2, False), Loop("spad", "P", 2, False), Loop("spad", "R", 3, False))
    keep = {"DRAM": frozenset("IWO"), "spad": frozenset("O")}
    counts = NestCounts(TimeloopNest(("DRAM", "spad"), keep, loops, layer)).levels
    spad = counts["spad", "O"]
    # 6 residencies (C x M above) of 4 outputs, 2 of them first visits; 72 MACs update; reads:
    # 72 - 24 first updates + 24 drained
    assert (spad.residencies, spad.tile, spad.updates) == (6, 4, 72)
    assert spad.partial_fills == 16 and spad.drains == 24
    assert spad.reads == 72 and spad.writes == 72 + 16
