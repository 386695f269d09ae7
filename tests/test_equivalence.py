"""The analytical model and the reference simulator agree on every count (SPEC section 5).

Random layers (batch, groups, stride 1-3, dilation 1-2, padding 0-2, kernels 1-5, inputs up to
12x12), random architectures (1 to 3 levels, replicated and shared memories, port and buffering
options, latch, first-read and padding conventions) and random valid mappings (both index
kinds, both boundary modes). A disagreement is a bug in one of the two: fix it, never loosen
this test.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ripple.errors import MappingError
from ripple.mapping import bind
from ripple.model import evaluate
from ripple.sim import simulate
from tests.strategies import architectures, layers, mappings, timeloop_architectures


def _accesses(result):
    return {
        (memory, op): (a.reads, a.writes, a.final_writes, a.read_bits, a.write_bits)
        for memory, per_operand in result.accesses.items()
        for op, a in per_operand.items()
    }


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_model_equals_simulator(data):
    layer = data.draw(layers(max_input=12), label="layer")
    arch = data.draw(architectures(narrow=True, window=True), label="arch")
    _model_equals_simulator(layer, arch, data.draw(mappings(layer, arch), label="mapping"))


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_model_equals_simulator_under_timeloops_conventions(data):
    """The whole ``timeloop`` preset at once (the random suite above mixes its options one
    memory at a time), on sliding windows half of the time."""
    layer = data.draw(layers(max_input=12), label="layer")
    arch = data.draw(timeloop_architectures(), label="arch")
    sliding = data.draw(st.booleans(), label="sliding")
    _model_equals_simulator(layer, arch,
                            data.draw(mappings(layer, arch, sliding=sliding), label="mapping"))


def _model_equals_simulator(layer, arch, mapping) -> None:
    nest = bind(layer, arch, mapping)
    try:
        model = evaluate(nest)
    except MappingError:
        with pytest.raises(MappingError):  # both must reject the same mappings
            simulate(nest)
        event("rejected by both")
        return
    sim = simulate(nest)
    assert sim.match, "the simulator's output differs from the golden convolution"
    got = sim.result
    assert (got.macs_issued, got.macs_valid) == (model.macs_issued, model.macs_valid)
    assert got.latency == model.latency  # compute, stall, fill and drain
    assert got.extras["timing"] == model.extras["timing"]
    assert _accesses(got) == _accesses(model)
    np.testing.assert_array_equal(got.ready, model.ready)
    np.testing.assert_array_equal(got.first, model.first)
    assert got.energy_pj == pytest.approx(model.energy_pj, rel=1e-12)
    assert got.peak_live_psums == model.peak_live_psums
