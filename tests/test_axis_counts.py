"""The closed-form count of valid (position, tap) pairs equals brute-force enumeration."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ripple.workload import Layer
from ripple.workload.axis import valid_pairs_in_input_tile, valid_pairs_in_output_tile


@st.composite
def axis_and_tile(draw):
    kernel = draw(st.integers(1, 7))
    stride = draw(st.integers(1, 3))
    dilation = draw(st.integers(1, 3))
    pad_lo, pad_hi = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    min_in = max(1, dilation * (kernel - 1) + 1 - pad_lo - pad_hi)
    size = draw(st.integers(min(min_in, 20), 20))
    if size + pad_lo + pad_hi < dilation * (kernel - 1) + 1:
        size = dilation * (kernel - 1) + 1 - pad_lo - pad_hi
    layer = Layer(K=1, C=1, IY=size, IX=1, FY=kernel, FX=1, stride=(stride, 1),
                  dilation=(dilation, 1), padding=(pad_lo, pad_hi, 0, 0))
    geom = layer.axis("y")
    i_lo = draw(st.integers(0, geom.inputs - 1))
    i_hi = draw(st.integers(i_lo + 1, geom.inputs))
    o_lo = draw(st.integers(0, geom.outputs - 1))
    o_hi = draw(st.integers(o_lo + 1, geom.outputs))
    f_lo = draw(st.integers(0, kernel - 1))
    f_hi = draw(st.integers(f_lo + 1, kernel))
    return geom, (i_lo, i_hi), (o_lo, o_hi), (f_lo, f_hi)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(axis_and_tile())
def test_input_tile_count_equals_enumeration(case):
    geom, (i_lo, i_hi), _, (f_lo, f_hi) = case
    brute = 0
    for iy in range(i_lo, i_hi):
        for fy in range(f_lo, f_hi):
            num = iy + geom.pad - fy * geom.dilation
            if num % geom.stride == 0 and 0 <= num // geom.stride < geom.outputs:
                brute += 1
    assert int(valid_pairs_in_input_tile(geom, (i_lo, i_hi), (f_lo, f_hi))) == brute


@settings(max_examples=400, deadline=None, derandomize=True)
@given(axis_and_tile())
def test_output_tile_count_equals_enumeration(case):
    geom, _, (o_lo, o_hi), (f_lo, f_hi) = case
    brute = sum(
        1
        for oy in range(o_lo, o_hi)
        for fy in range(f_lo, f_hi)
        if 0 <= oy * geom.stride + fy * geom.dilation - geom.pad < geom.inputs
    )
    assert int(valid_pairs_in_output_tile(geom, (o_lo, o_hi), (f_lo, f_hi))) == brute


def test_seed_axis():
    layer = Layer(K=8, C=1, IY=5, IX=5, FY=3, FX=3)
    geom = layer.axis("y")
    assert int(valid_pairs_in_input_tile(geom, (0, 5), (0, 3))) == 9
    assert layer.macs == 648 and layer.dense_macs == 648
