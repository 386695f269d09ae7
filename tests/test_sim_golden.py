"""The simulator's output equals the golden convolution on random layers and mappings, and its
counts do not depend on how the MAC stream is chunked."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ripple.arch import Architecture
from ripple.mapping import bind
from ripple.sim import golden_convolution, simulate
from ripple.workload import Layer
from tests.strategies import layers, mappings

ARCH = Architecture.model_validate({
    "name": "two_level", "array": {"D1": 4, "D2": 2}, "mac": {"energy_pj": 1.0},
    "levels": [
        {"name": "dram", "memories": [{"name": "dram", "operands": ["I", "W", "O"],
                                       "read_bandwidth": 64, "write_bandwidth": 64,
                                       "read_energy_pj": 100, "write_energy_pj": 100}]},
        {"name": "buf", "memories": [
            {"name": "buf_i", "operands": ["I"], "read_bandwidth": 32, "write_bandwidth": 32,
             "read_energy_pj": 2, "write_energy_pj": 2, "served_dims": ["D1"]},
            {"name": "buf_o", "operands": ["O"], "read_bandwidth": 32, "write_bandwidth": 32,
             "read_energy_pj": 2, "write_energy_pj": 2}]},
    ],
})


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_random_layers_match_golden(data):
    layer = data.draw(layers(max_input=7))
    mapping = data.draw(mappings(layer, ARCH))
    nest = bind(layer, ARCH, mapping)
    sim = simulate(nest, seed=data.draw(st.integers(0, 1000)))
    assert sim.match, (nest.describe(), sim.max_abs_error)
    assert sim.output.shape == layer.tensor_shape("O")
    res = sim.result
    assert res.macs_valid == layer.macs
    assert res.macs_issued >= res.macs_valid
    # chunking the stream differently changes nothing
    small = simulate(nest, seed=0, chunk_macs=data.draw(st.integers(1, 50))).result
    assert (small.macs_issued, small.macs_valid, small.latency) == (
        res.macs_issued, res.macs_valid, res.latency)
    assert small.accesses == res.accesses
    assert np.array_equal(small.ready, res.ready) and np.array_equal(small.first, res.first)


def test_golden_against_naive_loops():
    """The golden route itself, on a grouped, strided, dilated, padded layer."""
    layer = Layer(N=2, K=4, C=6, G=2, IY=7, IX=6, FY=3, FX=2, stride=(2, 1), dilation=(1, 2),
                  padding=(1, 2, 0, 1))
    rng = np.random.default_rng(1)
    inputs = rng.integers(-5, 5, size=layer.tensor_shape("I"))
    weights = rng.integers(-5, 5, size=layer.tensor_shape("W"))
    out = golden_convolution(layer, inputs, weights)
    naive = np.zeros(layer.tensor_shape("O"), dtype=np.int64)
    (sy, sx), (dy, dx) = layer.stride, layer.dilation
    top, _, left, _ = layer.padding
    for n, k, oy, ox in np.ndindex(*naive.shape):
        g = k // layer.K_group
        for c, fy, fx in np.ndindex(layer.C_group, layer.FY, layer.FX):
            iy, ix = oy * sy + fy * dy - top, ox * sx + fx * dx - left
            if 0 <= iy < layer.IY and 0 <= ix < layer.IX:
                naive[n, k, oy, ox] += (inputs[n, g * layer.C_group + c, iy, ix]
                                        * weights[k, c, fy, fx])
    assert np.array_equal(out, naive)


def test_simulator_never_imports_the_model():
    """Agreement is evidence only if the two are independent (SPEC section 5)."""
    code = ("import sys, ripple.sim; "
            "print(sorted(m for m in sys.modules if m.startswith('ripple.model')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
