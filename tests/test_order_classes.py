"""Loop orders of a level that the search treats as one (model/order_classes.py) really count
alike: every order of a class gives the same columns as its representative, on random layers
and architectures (delta fills, latches, first-read elisions, granules, capacities), and the
search's orders are exactly one per class."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ripple.arch import Architecture
from ripple.dse import space
from ripple.dse.constraints import Constraints
from ripple.mapping.skeleton import Skeleton
from ripple.model.batch import SkeletonBatch, unique_inverse
from ripple.model.order_classes import class_keys
from tests.strategies import architectures, layers, timeloop_architectures

MOST_ORDERS = 600  # a skeleton's orders at most (each is evaluated)


def _order_classes(batch: SkeletonBatch, skeleton: Skeleton, orders: np.ndarray) -> np.ndarray:
    """Per order, its class: the per-level keys side by side (the level's loops renumbered
    from 0, as the level's permutations are)."""
    keys, start = [], 0
    for level in skeleton.levels:
        local = orders[:, start:start + len(level)] - start
        if len(level):
            keys.append(class_keys(level, local, batch.nest.index, batch.interleaved))
        start += len(level)
    return unique_inverse(np.concatenate(keys, axis=1))[1] if keys else np.zeros(len(orders))


def _columns(batch: SkeletonBatch, orders: np.ndarray) -> list[np.ndarray]:
    """Every column an evaluation gives, per order."""
    c = batch.evaluate(orders)
    out = [c.energy_pj, c.valid, *c.latency.values(), *c.ports.values(), *c.tiles.values()]
    out += [v for acc in c.accesses.values() for v in acc.values()]
    out.append(np.array(c.reason))
    return out


@st.composite
def cases(draw):
    layer = draw(layers(max_input=5))
    arch = draw(st.one_of(architectures(narrow=True, window=True), timeloop_architectures()))
    data = arch.model_dump()
    for level in data["levels"][1:]:
        for memory in level["memories"]:
            if draw(st.booleans()):
                memory["capacity_bits"] = draw(st.sampled_from((64, 256, 1024)))
    rules = Constraints(index=[draw(st.sampled_from(("output", "input")))],
                        max_loops_per_level=draw(st.integers(2, 5)))
    return layer, Architecture.model_validate(data), rules


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(cases())
def test_orders_of_a_class_count_alike(case):
    layer, arch, rules = case
    checked = 0
    for skeleton in itertools.islice(space.evaluable(layer, arch, rules), 40):
        if not 1 < space.count_orders(skeleton, rules) <= MOST_ORDERS:
            continue
        batch = space.skeleton_batch(layer, arch, skeleton)
        (orders,) = list(space.orders(skeleton, rules, chunk=MOST_ORDERS))
        (kept,) = list(space.orders(skeleton, rules, chunk=MOST_ORDERS, alike=batch))
        of_class = _order_classes(batch, skeleton, orders)
        # one order of each class, each the class's first (the search's representatives)
        first = np.sort(unique_inverse(of_class[:, None])[0])
        assert np.array_equal(kept, orders[first])
        for column in _columns(batch, orders):
            assert np.array_equal(column, column[first][of_class[first].argsort()][of_class]), \
                (skeleton, column)
        checked += 1
        if checked == 3:
            break
    assume(checked)


def _settled(skeleton: Skeleton, orders: np.ndarray, below: int) -> np.ndarray:
    """``orders`` with every level whose loops all lie at or below nest position ``below`` put
    back in its first (identity) order."""
    out, start = orders.copy(), 0
    for level in skeleton.levels:
        if start >= below:
            out[:, start:start + len(level)] = np.arange(start, start + len(level))
        start += len(level)
    return out


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(cases())
def test_outermost_counts_do_not_see_the_order_below_their_cuts(case):
    """What the search's first pass floors (the outermost level's accesses) is the same for an
    order and for that order with the levels below the outermost links' cuts in their first
    order: so the pass evaluates those levels in one order only. Every order of skeletons of
    up to three levels is checked; and the closed-form count of orders is the enumeration's."""
    layer, arch, rules = case
    outermost = frozenset(m.name for m in arch.levels[0].memories)
    checked = 0
    for skeleton in itertools.islice(space.evaluable(layer, arch, rules), 40):
        (orders,) = list(space.orders(skeleton, rules, chunk=10**9))
        assert space.count_orders(skeleton, rules) == len(orders)
        if not 1 < len(orders) <= MOST_ORDERS:
            continue
        batch = space.skeleton_batch(layer, arch, skeleton)
        below = batch.counted_above(outermost)
        settled = _settled(skeleton, orders, below)
        energy, _ = batch.floors(orders, True, outermost)
        again, _ = batch.floors(settled, True, outermost)
        assert np.array_equal(energy, again), (skeleton, below)
        (searched,) = list(space.orders(skeleton, rules, chunk=10**9, alike=batch,
                                        settled_from=below))
        assert energy.min() == batch.floors(searched, True, outermost)[0].min()
        checked += 1
        if checked == 12:
            break
    assume(checked)
