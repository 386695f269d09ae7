"""Batch evaluation of loop orders gives the numbers of ``ripple evaluate`` (issue: DSE)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ripple.errors import MappingError
from ripple.mapping import bind
from ripple.mapping.skeleton import Skeleton
from ripple.model import evaluate
from ripple.model.batch import SkeletonBatch
from tests.strategies import architectures, layers, mappings


def _skeleton(arch, mapping) -> Skeleton:
    spatial = tuple((d, s, a) for a in arch.array for d, s in mapping.spatial.get(a, []))
    levels = tuple(tuple(mapping.temporal.get(lvl.name, [])) for lvl in arch.levels)
    return Skeleton(mapping.index or "output", mapping.boundary, mapping.skip_padding, spatial,
                    levels)


def _random_orders(skeleton: Skeleton, count: int, seed: int) -> np.ndarray:
    """Random orders within each level; loops of one dimension keep their relative order (their
    sizes may overhang, and only the outermost may)."""
    rng = np.random.default_rng(seed)
    loops = skeleton.loops
    orders = []
    for _ in range(count):
        order, start = [], 0
        for level in skeleton.levels:
            block = list(range(start, start + len(level)))
            shuffled = [block[i] for i in rng.permutation(len(block))]
            for dim in {loops[i][0] for i in block}:  # restore each dimension's own order
                slots = [k for k, i in enumerate(shuffled) if loops[i][0] == dim]
                for slot, i in zip(slots, [i for i in block if loops[i][0] == dim], strict=True):
                    shuffled[slot] = i
            order += shuffled
            start += len(level)
        orders.append(order)
    return np.array(orders, dtype=np.int64).reshape(count, start)


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_batch_equals_evaluate(data):
    layer = data.draw(layers(max_input=10), label="layer")
    arch = data.draw(architectures(narrow=True), label="arch")
    mapping = data.draw(mappings(layer, arch), label="mapping")
    skeleton = _skeleton(arch, mapping)
    try:
        batch = SkeletonBatch.of(layer, arch, skeleton)
    except MappingError:
        return  # the spatial unrolling splits outputs: evaluate rejects it as well
    orders = _random_orders(skeleton, 6, data.draw(st.integers(0, 2**16), label="seed"))
    columns = batch.evaluate(orders)
    for row, order in enumerate(orders):
        nest = bind(layer, arch, skeleton.mapping(arch, order))
        try:
            expected = evaluate(nest)
        except MappingError:
            assert not columns.valid[row]
            continue
        assert columns.valid[row], columns.reason[row]
        assert columns.energy_pj[row] == pytest.approx(expected.energy_pj, rel=1e-12)
        lat = expected.latency
        got = {k: int(v[row]) for k, v in columns.latency.items()}
        assert got == {"compute": lat.compute, "stall": lat.stall, "fill": lat.fill,
                       "drain": lat.drain, "total": lat.total}
        for (memory, op), acc in columns.accesses.items():
            want = expected.accesses[memory][op]
            assert (int(acc["reads"][row]), int(acc["writes"][row]),
                    int(acc["final_writes"][row])) == (want.reads, want.writes,
                                                        want.final_writes)
        assert (columns.macs_issued, columns.macs_valid) == (expected.macs_issued,
                                                             expected.macs_valid)
