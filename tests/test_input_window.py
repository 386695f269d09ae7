"""ZigZag's ``input_window: average`` convention (docs/conventions.md, "Input windows"): under
``padding: window`` a fill holds, per axis, the window of the side's average fill (average
output positions and taps per fill, rounded down). Counted by hand on an unrolling that does
not divide the layer, the window formula against listing the positions, and the model equals
the simulator on random padded layers and mappings."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from ripple.arch import Architecture
from ripple.errors import MappingError
from ripple.mapping import bind
from ripple.mapping.spec import Mapping
from ripple.model import evaluate
from ripple.model.factors import average_window
from ripple.sim import simulate
from ripple.workload import Layer
from tests.strategies import architectures, layers, mappings
from tests.test_equivalence import _model_equals_simulator

# One row of 14 outputs, a 3-wide kernel: 16 input columns, no padding.
LAYER = Layer.model_validate({"name": "row", "operator": "conv", "K": 1, "C": 1,
                              "IY": 1, "IX": 16, "FY": 1, "FX": 3,
                              "precision": {"I": 8, "W": 8, "O": 8, "O_final": 8}})
# 4 output columns per step on a 4-wide array: 4 steps, the last holds 2 (14 = 4 + 4 + 4 + 2).
MAPPING = Mapping.model_validate({
    "name": "uneven", "temporal": {"dram": [["OX", 4]], "buf": [["FX", 3]]},
    "spatial": {"D1": [["OX", 4]]}})


def _arch(window: str) -> Architecture:
    def memory(name: str, operands: list[str], served: list[str] | None = None) -> dict:
        return {"name": name, "operands": operands, "read_bandwidth": 8,
                "write_bandwidth": 8, "read_energy_pj": 1.0, "write_energy_pj": 1.0,
                **({} if served is None else {"served_dims": served})}

    return Architecture.model_validate({
        "name": "row", "array": {"D1": 4}, "mac": {"energy_pj": 0.1},
        "conventions": {"preset": "zigzag", "input_window": window},
        "levels": [{"name": "dram", "memories": [memory("dram", ["I", "W", "O"])]},
                   {"name": "buf", "memories": [memory("buf", ["I"], ["D1"])]}]})


@pytest.mark.parametrize(("window", "words"), [
    # each fill its own window: 4 outputs reach 6 columns three times, 2 outputs reach 4
    ("each_fill", 6 + 6 + 6 + 4),
    # the average fill: 14 / 4 outputs, 3 rounded down, reach 5 columns, in each of 4 fills
    ("average", 4 * 5),
])
def test_the_buffer_holds_the_window_of_the_convention(window, words):
    nest = bind(LAYER, _arch(window), MAPPING)
    for result in (evaluate(nest), simulate(nest).result):
        assert result.accesses["buf"]["I"].writes == words
        assert result.accesses["dram"]["I"].reads == words
        assert result.macs_issued == 14 * 3  # the clipped columns issue no MAC


def test_a_dividing_unrolling_counts_alike_under_both():
    layer = LAYER.model_copy(update={"IX": 18})  # 16 outputs: four steps of 4
    counts = {window: evaluate(bind(layer, _arch(window), MAPPING)).accesses["buf"]["I"].writes
              for window in ("each_fill", "average")}
    assert counts == {"each_fill": 4 * 6, "average": 4 * 6}


def test_zigzags_preset_takes_the_average_and_ripples_each_fill():
    zigzag = Architecture.model_validate({**_arch("average").model_dump(),
                                          "conventions": "zigzag"})
    assert zigzag.conventions.input_window == "average"
    assert Architecture.model_validate(
        {**zigzag.model_dump(), "conventions": "ripple"}).conventions.input_window == "each_fill"


@given(st.integers(1, 9), st.integers(1, 6), st.integers(1, 4), st.integers(1, 4))
def test_the_window_formula_counts_the_positions_it_reaches(positions, taps, stride, dilation):
    reached = {p * stride + t * dilation for p in range(positions) for t in range(taps)}
    assert average_window(positions, taps, (stride, dilation)) == len(reached)


@settings(max_examples=400, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_model_equals_simulator_under_the_average_window(data):
    layer = data.draw(layers(max_input=8), label="layer")
    spec = data.draw(architectures(), label="arch").model_dump()
    spec["conventions"].update(padding="window", fills="whole", input_window="average")
    for level in spec["levels"]:
        for memory in level["memories"]:
            memory["fills"] = None
    arch = Architecture.model_validate(spec)
    mapping = data.draw(mappings(layer, arch, overhang=True), label="mapping")
    assume(mapping.index == "output" and not mapping.skip_padding)
    nest = bind(layer, arch, mapping)
    uneven = any(lp.size > 1 and layer.bound(lp.dim) % lp.size for lp in nest.spatial)
    event("an unrolling does not divide" if uneven else "every unrolling divides")
    _model_equals_simulator(layer, arch, mapping)
    each_fill = arch.model_copy(update={"conventions": arch.conventions.model_copy(
        update={"input_window": "each_fill"})})
    try:
        differs = evaluate(nest).energy_pj != evaluate(bind(layer, each_fill, mapping)).energy_pj
        event("the average fill counts otherwise" if differs else "the same count")
    except MappingError:
        pass
