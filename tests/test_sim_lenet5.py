"""The simulator agrees with the analytical model on LeNet-5 conv1 and conv2 under every dataflow
preset, on both example architectures with a DRAM (issue: timing and the LeNet-5 comparison).

These are the full-size layers (117,600 and 240,000 MACs) with multi-level hierarchies, where
refill, bandwidth, fill and drain terms are all at play; every latency part, every access count
and the readiness of every output must agree.
"""

from __future__ import annotations

import numpy as np
import pytest

from ripple.arch import load_architecture
from ripple.dse import ALIASES, preset_mapping
from ripple.mapping import bind
from ripple.model import evaluate
from ripple.sim import simulate
from ripple.workload.zoo import zoo_workload
from tests.conftest import EXAMPLES

LAYERS = {layer.name: layer for layer in zoo_workload("lenet5").mac_layers[:2]}


@pytest.mark.parametrize("arch_name", ["seed_dram", "eyeriss_like"])
@pytest.mark.parametrize("dataflow", sorted(ALIASES))
@pytest.mark.parametrize("layer_name", sorted(LAYERS))
def test_simulator_equals_model_on_lenet5(layer_name, dataflow, arch_name):
    layer = LAYERS[layer_name]
    arch = load_architecture(EXAMPLES / arch_name / "arch.yaml")
    nest = bind(layer, arch, preset_mapping(layer, arch, dataflow))
    model = evaluate(nest)
    sim = simulate(nest)
    got = sim.result
    assert sim.match
    assert got.latency == model.latency
    assert got.extras["timing"] == model.extras["timing"]
    assert (got.macs_issued, got.macs_valid) == (model.macs_issued, model.macs_valid)
    assert got.accesses == model.accesses
    np.testing.assert_array_equal(got.ready, model.ready)
    np.testing.assert_array_equal(got.first, model.first)
