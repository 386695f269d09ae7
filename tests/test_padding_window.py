"""ZigZag's ``padding: window`` convention (docs/conventions.md, "Padding taps"): padding taps
read words, and a fill holds per axis the padded positions its taps reach, at most the axis'
unpadded size. Counted by hand on a small layer, and the model equals the simulator on random
padded layers."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ripple.arch import Architecture
from ripple.mapping import bind
from ripple.mapping.spec import Mapping
from ripple.model import evaluate
from ripple.sim import simulate
from ripple.workload import Layer
from tests.strategies import architectures, layers, mappings
from tests.test_equivalence import _model_equals_simulator

# 4x4 input padded by one on every side, 3x3 kernel: a 4x4 output.
LAYER = Layer.model_validate({"name": "conv", "operator": "conv", "K": 1, "C": 1,
                              "IY": 4, "IX": 4, "FY": 3, "FX": 3, "padding": 1,
                              "precision": {"I": 8, "W": 8, "O": 8, "O_final": 8}})
# One output row per fill of the buffer: its window is 3 padded rows by all 6 padded columns.
MAPPING = Mapping.model_validate({"name": "rows", "temporal": {
    "dram": [["OY", 4]], "buf": [["OX", 4], ["FY", 3], ["FX", 3]]}})


def _arch(padding: str, fills: str = "whole", **more: object) -> Architecture:
    def memory(name: str, operands: list[str]) -> dict:
        return {"name": name, "operands": operands, "read_bandwidth": 8,
                "write_bandwidth": 8, "read_energy_pj": 1.0, "write_energy_pj": 1.0}

    return Architecture.model_validate({
        "name": "rows", "array": {"D1": 1}, "mac": {"energy_pj": 0.1, "latch": []},
        "conventions": {"preset": "zigzag", "padding": padding, "fills": fills},
        "levels": [{"name": "dram", "memories": [memory("dram", ["I", "W", "O"])]},
                   {"name": "buf", "memories": [memory("buf", ["I"])]}], **more})


@pytest.mark.parametrize(("padding", "writes", "reads"), [
    # each of the 4 fills: 3 rows x min(6, 4) columns; every one of the 4x4x9 taps reads
    ("window", 4 * 3 * 4, 4 * 4 * 9),
    # real rows only (2, 3, 3, 2 per fill) x 4 columns; the taps inside the input, 10 per axis
    ("generated", (2 + 3 + 3 + 2) * 4, 10 * 10),
])
def test_the_buffer_moves_the_words_of_the_convention(padding, writes, reads):
    nest = bind(LAYER, _arch(padding), MAPPING)
    for result in (evaluate(nest), simulate(nest).result):
        buffer = result.accesses["buf"]["I"]
        assert (buffer.writes, buffer.reads) == (writes, reads)
        # the DRAM's input tile is the whole input, capped at its 4x4 unpadded size
        assert result.accesses["dram"]["I"].reads == writes
        assert result.macs_issued == 4 * 4 * 9


def test_a_whole_axis_tile_is_capped_at_the_unpadded_size():
    nest = bind(LAYER, _arch("window"), Mapping.model_validate({
        "name": "all", "temporal": {"dram": [], "buf": [["OY", 4], ["OX", 4], ["FY", 3],
                                                        ["FX", 3]]}}))
    for result in (evaluate(nest), simulate(nest).result):
        assert result.accesses["buf"]["I"].writes == 4 * 4  # not the 6x6 padded positions


@pytest.mark.parametrize(("more", "field"), [
    ({}, "fills: delta"),
    ({"mac": {"energy_pj": 0.1, "sparsity": {"condition_on": ["I"], "action": "skip"}}},
     "mac.sparsity"),
])
def test_window_is_refused_where_the_words_themselves_are_needed(more, field):
    with pytest.raises(ValueError, match="padding: 'window'") as caught:
        _arch("window", fills="delta" if not more else "whole", **more)
    assert field in str(caught.value)


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_model_equals_simulator_on_padded_layers_under_window(data):
    layer = data.draw(layers(max_input=8), label="layer")
    assume(any(layer.padding))
    spec = data.draw(architectures(), label="arch").model_dump()
    spec["conventions"].update(padding="window", fills="whole")
    for level in spec["levels"]:
        for memory in level["memories"]:
            memory["fills"] = None
    arch = Architecture.model_validate(spec)
    mapping = data.draw(mappings(layer, arch), label="mapping")
    assume(mapping.index == "output" and not mapping.skip_padding)
    _model_equals_simulator(layer, arch, mapping)
