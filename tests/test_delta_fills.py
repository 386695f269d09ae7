"""Delta fills (docs/accesses.md, "Delta fills"): sliding windows counted by hand, the model
and the simulator alike; on random nests with every memory delta-filled the two agree and a
delta fill never moves more than a whole one.

The hand cases run a one-row convolution (IX 6, FX 3, OX 4, one channel, one filter, 16-bit
words) on DRAM over one buffer and the MACs; every port moves one word per transaction.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ripple.arch import Architecture
from ripple.errors import MappingError
from ripple.mapping import Mapping, bind
from ripple.model import evaluate
from ripple.sim import simulate
from ripple.workload import Layer
from tests.conftest import model_equal_to_simulation
from tests.strategies import architectures, layers, mappings

ROW = Layer(name="row", K=1, C=1, IY=1, IX=6, FY=1, FX=3)


def _arch(buffered: str, fills: str) -> Architecture:
    def memory(name: str, operands: list[str]) -> dict:
        return {"name": name, "operands": operands, "read_bandwidth": 16,
                "write_bandwidth": 16, "read_energy_pj": 10.0, "write_energy_pj": 12.0}

    return Architecture.model_validate({
        "name": "row", "array": {"D1": 1}, "conventions": {"fills": fills},
        "mac": {"energy_pj": 0.5, "latch": []},
        "levels": [{"name": "dram", "memories": [memory("dram", ["I", "W", "O"])]},
                   {"name": "buf", "memories": [memory("buf", [buffered])]}]})


def _both(buffered: str, fills: str, mapping: Mapping):
    return model_equal_to_simulation(bind(ROW, _arch(buffered, fills), mapping)).accesses


def test_an_input_window_sliding_by_one_brings_one_new_input():
    """OX4 above the buffer, FX3 in it: windows {0,1,2}, {1,2,3}, {2,3,4}, {3,4,5}. Whole
    fills move 3 inputs each (12); delta fills 3, then 1 per step (6)."""
    mapping = Mapping(temporal={"dram": [("OX", 4)], "buf": [("FX", 3)]})
    whole = _both("I", "whole", mapping)
    delta = _both("I", "delta", mapping)
    assert (whole["dram"]["I"].reads, whole["buf"]["I"].writes) == (12, 12)
    assert (delta["dram"]["I"].reads, delta["buf"]["I"].writes) == (6, 6)
    assert delta["buf"]["I"].reads == whole["buf"]["I"].reads  # the MACs read the same
    assert delta["dram"]["W"] == whole["dram"]["W"]


def test_an_output_window_of_an_event_driven_nest_writes_each_output_back_once():
    """Input-indexed: IX6 above the buffer, FX3 in it; input ix touches outputs ix-2..ix in
    0..3: {0}, {0,1}, {0,1,2}, {1,2,3}, {2,3}, {3}, 12 MACs, each reading and writing its
    output in the buffer. Whole fills: 12 words each way; 8 of them were written before (read
    from DRAM, written into the buffer), 4 of the 12 write-backs are final. Delta: each output
    enters once, its first MAC in that fill (nothing read from DRAM), and leaves once, final
    (4 DRAM writes, 4 buffer reads)."""
    mapping = Mapping(temporal={"dram": [("IX", 6)], "buf": [("FX", 3)]})
    whole = _both("O", "whole", mapping)
    delta = _both("O", "delta", mapping)
    assert (whole["dram"]["O"].reads, whole["dram"]["O"].writes) == (8, 12)
    assert whole["dram"]["O"].final_writes == 4
    assert (whole["buf"]["O"].writes, whole["buf"]["O"].reads) == (8 + 12, 12 + 12)
    assert (delta["dram"]["O"].reads, delta["dram"]["O"].writes) == (0, 4)
    assert delta["dram"]["O"].final_writes == 4
    assert (delta["buf"]["O"].writes, delta["buf"]["O"].reads) == (0 + 12, 4 + 12)


def test_a_window_jumping_by_the_stride_shares_only_its_overlap():
    """Stride 2, IX 7: windows {0,1,2}, {2,3,4}, {4,5,6} share one input each: delta fills
    move 3 + 2 + 2 inputs, whole fills 9."""
    layer = ROW.model_copy(update={"IX": 7, "stride": (1, 2)})
    mapping = Mapping(temporal={"dram": [("OX", 3)], "buf": [("FX", 3)]})
    nests = {fills: bind(layer, _arch("I", fills), mapping) for fills in ("whole", "delta")}
    for fills, reads in (("whole", 9), ("delta", 7)):
        model, sim = evaluate(nests[fills]), simulate(nests[fills])
        assert sim.result.accesses == model.accesses
        assert model.accesses["dram"]["I"].reads == reads


def _with_fills(arch: Architecture, fills: str) -> Architecture:
    """``arch`` with every memory's fills set to ``fills``."""
    spec = arch.model_dump()
    spec["conventions"] = {**(spec.get("conventions") or {}), "fills": fills}
    for level in spec["levels"]:
        for memory in level["memories"]:
            memory.pop("fills", None)
    return Architecture.model_validate(spec)


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(st.data())
def test_every_memory_delta_filled_model_equals_simulator_and_never_moves_more(data):
    layer = data.draw(layers(max_input=10), label="layer")
    arch = _with_fills(data.draw(architectures(narrow=True), label="arch"), "delta")
    assume(len(arch.levels) > 1)  # a delta fill needs a memory below the outermost
    mapping = data.draw(mappings(layer, arch, sliding=data.draw(st.booleans())),
                        label="mapping")
    nest = bind(layer, arch, mapping)
    try:
        model = evaluate(nest)
    except MappingError:
        with pytest.raises(MappingError):
            simulate(nest)
        return
    sim = simulate(nest)
    assert sim.match
    assert sim.result.accesses == model.accesses
    assert sim.result.latency == model.latency
    assert sim.result.extras["timing"] == model.extras["timing"]
    np.testing.assert_array_equal(sim.result.ready, model.ready)
    whole = evaluate(bind(layer, _with_fills(arch, "whole"), mapping))
    for memory, per_operand in model.accesses.items():
        for operand, access in per_operand.items():
            other = whole.accesses[memory][operand]
            assert access.reads <= other.reads and access.writes <= other.writes
            assert access.read_bits <= other.read_bits
            assert access.write_bits <= other.write_bits
            # a final output leaves in the fill of its last MAC, whole or delta
            assert access.final_writes == other.final_writes
