"""The search's partial floors are shared by skeletons that agree above the outer levels' cuts
(dse/floors.py, ``above_cuts``): on random layers and architectures, two such skeletons count
the outer memories alike, order for order. Its own module: pytest-xdist spreads modules over
the workers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ripple.dse import space
from ripple.dse.floors import above_cuts
from ripple.mapping.skeleton import Skeleton
from ripple.model.batch import SkeletonBatch
from tests.test_order_classes import cases


@pytest.mark.slow
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(cases(), st.randoms(use_true_random=False))
def test_outer_counts_do_not_see_how_the_loops_below_their_cuts_are_placed(case, rng):
    """The search shares the floors of the outer levels' memories between skeletons that agree
    above those memories' cuts (``above_cuts``): the loops below are the same multiset, and
    which levels below take them (and in what order) changes neither the energy counted nor
    the compute steps, order for order. Checked for every set of outer levels, on pairs of
    skeletons drawn from those that share a key."""
    layer, arch, rules = case
    assume(len(arch.levels) > 1)
    groups: dict[tuple, list[tuple[Skeleton, SkeletonBatch, int]]] = {}
    for skeleton in itertools.islice(space.evaluable(layer, arch, rules), 200):
        batch = space.skeleton_batch(layer, arch, skeleton)
        for depth in range(1, len(arch.levels)):
            memories = frozenset(m.name for lvl in arch.levels[:depth] for m in lvl.memories)
            settled = batch.counted_above(memories)
            groups.setdefault((memories, above_cuts(skeleton, settled)), []).append(
                (skeleton, batch, settled))
    shared = [(key, members) for key, members in groups.items() if len(members) > 1]
    assume(shared)
    for (memories, _), members in rng.sample(shared, min(3, len(shared))):
        floors = []
        for skeleton, batch, settled in rng.sample(members, 2):
            (orders,) = list(space.orders(skeleton, rules, chunk=10**9, alike=batch,
                                          settled_from=settled))
            floors.append(batch.floors(orders[:20], True, memories))
        (energy, compute), (other_energy, other_compute) = floors
        assert np.array_equal(energy, other_energy), memories
        assert np.array_equal(compute, other_compute), memories
