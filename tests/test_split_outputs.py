"""Outputs split over a memory's instances (docs/accesses.md, "Outputs split over instances"):
the model equals the simulator on random nests whose partial-sum memory is replicated along
array dimensions that unroll reductions, under every first-read and multicast convention; and
Eyeriss' row-stationary dataflow on the Eyeriss-like example sums partial sums down columns.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ripple.arch import Architecture, load_architecture
from ripple.dse.presets import preset_mapping
from ripple.errors import MappingError
from ripple.mapping import bind
from ripple.model import evaluate
from ripple.model.links import operand_links
from ripple.sim import simulate
from ripple.workload.zoo import zoo_workload
from tests.conftest import EXAMPLES, run_cli
from tests.strategies import (
    FILLS,
    FIRST_READ_ELISIONS,
    FIRST_READS,
    MULTICASTS,
    SPLIT_FILLS,
    layers,
    mappings,
)


@st.composite
def split_architectures(draw) -> Architecture:
    """A top memory for everything, per-NPE partial-sum buffers (and sometimes per-row ones
    between), inputs and weights maybe per NPE too."""
    array = {"rows": draw(st.integers(2, 3)), "cols": draw(st.integers(1, 3))}

    def memory(name: str, operands: list[str], served: list[str] | None) -> dict:
        return {"name": name, "operands": operands, "served_dims": served,
                "read_bandwidth": draw(st.sampled_from((16, 32, 64))),
                "write_bandwidth": draw(st.sampled_from((16, 32, 64))),
                "read_energy_pj": 1.0, "write_energy_pj": 2.0,
                "double_buffered": draw(st.booleans()),
                "output_first_read": draw(st.sampled_from(FIRST_READS)),
                "multicast": draw(st.sampled_from(MULTICASTS)),
                "split_fill": draw(st.sampled_from(SPLIT_FILLS))}

    levels = [{"name": "top", "memories": [memory("top", ["I", "W", "O"], None)]}]
    if draw(st.booleans()):
        levels.append({"name": "row", "memories": [memory("row_psum", ["O"], ["cols"])]})
    inner = [memory("psum", ["O"], [])]
    if draw(st.booleans()):
        inner.append({**memory("ispad", ["I"], draw(st.sampled_from(([], ["rows"], None)))),
                      "fills": draw(st.sampled_from(FILLS))})
    levels.append({"name": "pe", "memories": inner})
    mac = {"energy_pj": 0.5, "latch": draw(st.sampled_from((["I", "W"], []))),
           "first_read_elision": draw(st.sampled_from(FIRST_READ_ELISIONS))}
    return Architecture.model_validate({"array": array, "mac": mac, "levels": levels})


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(st.data())
def test_split_partial_sums_model_equals_simulator(data):
    layer = data.draw(layers(max_input=8), label="layer")
    arch = data.draw(split_architectures(), label="arch")
    mapping = data.draw(mappings(layer, arch), label="mapping")
    try:
        nest = bind(layer, arch, mapping)
        model = evaluate(nest)
    except MappingError:
        assume(False)
        return
    assume(any(link.split or link.parent_split for link in operand_links(nest, "O")))
    sim = simulate(nest)
    assert sim.match
    got = sim.result
    assert got.accesses == model.accesses
    assert got.latency == model.latency
    assert got.extras["timing"] == model.extras["timing"]
    np.testing.assert_array_equal(got.ready, model.ready)
    assert got.peak_live_psums == model.peak_live_psums


@pytest.mark.parametrize("layer_name", ["conv1", "conv2"])
def test_row_stationary_sums_down_the_columns(layer_name):
    """Filter rows down the array rows, output rows across: every PE's psum scratchpad holds
    parts of its column's output rows; only the global buffer sees whole outputs, one word
    each, so its output writes are at most the outputs times the refills of the buffer."""
    layer = next(lyr for lyr in zoo_workload("lenet5").mac_layers if lyr.name == layer_name)
    arch = load_architecture(EXAMPLES / "eyeriss_like" / "arch.yaml")
    nest = bind(layer, arch, preset_mapping(layer, arch, "rs"))
    spatial = {lp.array_dim: lp.dim for lp in nest.spatial}
    assert spatial == {"rows": "FY", "cols": "OY"}
    links = {link.child.name if link.child else "mac": link for link in operand_links(nest, "O")}
    assert links["psum_spad"].split and links["mac"].parent_split
    result = evaluate(nest)
    psum = result.accesses["psum_spad"]["O"]
    assert psum.final_writes == 0  # a PE never holds a whole output
    assert result.accesses["glb"]["O"].final_writes > 0
    sim = simulate(nest).result
    assert sim.accesses == result.accesses and sim.latency == result.latency


def _psum_arch(tmp_path, top_served: list[str] | None, fills: str = "whole"):
    """One row of two NPEs: DRAM for I and W, per-NPE partial-sum buffers under a top holding
    outputs served (or not) along the row."""
    def memory(name: str, operands: list[str], served: list[str] | None) -> dict:
        return {"name": name, "operands": operands, "served_dims": served,
                "read_bandwidth": 16, "write_bandwidth": 16, "read_energy_pj": 1.0,
                "write_energy_pj": 1.0}

    spec = {"name": "psums", "array": {"D1": 2}, "conventions": {"fills": fills},
            "mac": {"energy_pj": 0.5},
            "levels": [{"name": "top", "memories": [memory("dram", ["I", "W"], None),
                                                    memory("obuf", ["O"], top_served)]},
                       {"name": "pe", "memories": [memory("psum", ["O"], [])]}]}
    path = tmp_path / "arch.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


@pytest.mark.parametrize(("served", "fills", "position", "words"), [
    ([], "whole", "OX", "'obuf', the outermost holding outputs"),
    (None, "delta", "IX", "'psum' has delta fills and holds outputs split"),
])
def test_split_outputs_refused_are_one_clear_line(tmp_path, served, fills, position, words):
    """A C reduction unrolled over the row: with the outputs' top per NPE nothing sums the
    parts; delta fills into a memory holding an input-indexed nest's outputs split are not
    modelled (an output-indexed nest's outputs are filled whole). One line, exit status 2."""
    workload = tmp_path / "layer.yaml"
    workload.write_text(yaml.safe_dump({"name": "l", "K": 1, "C": 2, "IY": 1, "IX": 4}))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(yaml.safe_dump({"spatial": {"D1": [["C", 2]]},
                                       "temporal": {"top": [[position, 4]]}}))
    arch = _psum_arch(tmp_path, served, fills)
    proc = run_cli("evaluate", "-w", str(workload), "-a", str(arch), "-m", str(mapping))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert str(mapping) in lines[0] and ": spatial" in lines[0] and words in lines[0], lines[0]
