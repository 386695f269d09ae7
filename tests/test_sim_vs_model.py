"""The simulator and the analytical model agree on random layers, architectures and mappings.

The simulator counts by executing every MAC; the model counts in closed form. They share only
the specifications and the result type, so equal MAC counts, latency (compute, stall, fill,
drain), per-port loads, accesses per memory and operand, readiness and capacity verdicts are
evidence that both are right. Random chunk sizes exercise fills that straddle chunks.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ripple.arch import Architecture
from ripple.errors import MappingError
from ripple.mapping import bind
from ripple.model import evaluate
from ripple.sim import simulate
from tests.strategies import architectures, layers, mappings


def _with_capacities(data, arch: Architecture) -> Architecture:
    spec = arch.model_dump()
    for level in spec["levels"]:
        for memory in level["memories"]:
            memory["capacity_bits"] = data.draw(st.sampled_from((None, None, 128, 1024, 8192)))
    return Architecture.model_validate(spec)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_simulator_equals_model(data):
    layer = data.draw(layers(max_input=8))
    arch = _with_capacities(data, data.draw(architectures(narrow=True)))
    try:
        nest = bind(layer, arch, data.draw(mappings(layer, arch)))
    except MappingError:
        return
    try:
        model = evaluate(nest)
    except MappingError:
        model = None
    try:
        sim = simulate(nest, chunk_macs=data.draw(st.integers(1, 400)))
    except MappingError:
        sim = None
    assert (model is None) == (sim is None), nest.describe()
    if model is None or sim is None:
        return
    res = sim.result
    assert sim.match, nest.describe()
    assert (res.macs_issued, res.macs_valid) == (model.macs_issued, model.macs_valid)
    assert res.latency == model.latency, nest.describe()
    assert res.extras["timing"] == model.extras["timing"], nest.describe()
    assert res.accesses == model.accesses, nest.describe()
    assert np.array_equal(res.ready, model.ready)
    assert np.array_equal(res.first, model.first)
