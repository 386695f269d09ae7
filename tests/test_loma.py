"""LOMA's mappings in the search (dse/loma.py): the loops are the ones ZigZag's own LOMA
engine makes, the uneven mappings are counted as the simulator counts them, and a search with
a fixed unrolling is never worse than the best of them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from ripple.arch import load_architecture
from ripple.dse.constraints import Constraints
from ripple.dse.loma import ZIGZAG_DIM_ORDER, loma_applies, loma_mappings, merged_factors
from ripple.dse.saved import mapping_of_row
from ripple.dse.search import search_layer
from ripple.dse.search_outcome import found_row
from ripple.errors import MappingError
from ripple.mapping import bind
from ripple.model import evaluate
from ripple.sim import simulate
from ripple.workload import Layer

ROOT = Path(__file__).resolve().parents[1]
DRAM_ARCH = ROOT / "src" / "ripple" / "examples" / "seed_dram" / "arch.yaml"


def zigzag_lpfs(sizes: dict[str, int], limit: int) -> list[tuple[str, int]]:
    """ZigZag's own LOMA engine (3.9.1) splitting and merging ``sizes``."""
    from zigzag.datatypes import LayerDim
    from zigzag.opt.loma.engine import LomaEngine

    engine = LomaEngine.__new__(LomaEngine)  # the factor steps only: no layer, no hardware
    engine.lpf_limit, engine.has_constraints, engine.constraints = limit, False, []
    engine.layer = ""
    dims = {LayerDim(dim if dim != "N" else "B"): size for dim, size in sizes.items() if size > 1}
    engine.temporal_loop_dim_size = dims
    engine.update_min_lpf_factor(dims)
    engine.get_prime_factors()
    return [(str(dim) if str(dim) != "B" else "N", int(factor)) for dim, factor in engine.lpfs]


@settings(max_examples=150, deadline=None)
@example(sizes=dict.fromkeys(ZIGZAG_DIM_ORDER, 1) | {"K": 4, "C": 4}, limit=3)  # a tie
@example(sizes=dict.fromkeys(ZIGZAG_DIM_ORDER, 1) | {"K": 4, "OX": 56, "OY": 56, "FX": 7,
                                                      "FY": 7}, limit=6)  # ResNet's conv1
@given(sizes=st.fixed_dictionaries({dim: st.integers(1, 200) for dim in ZIGZAG_DIM_ORDER}),
       limit=st.integers(2, 8))
def test_loops_are_lomas(sizes, limit):
    assume(any(size > 1 for size in sizes.values()))  # ZigZag adds a loop of 1 to none
    assert Counter(merged_factors(sizes, limit)) == Counter(zigzag_lpfs(sizes, limit))


def small_layer() -> Layer:
    return Layer(name="conv", K=16, C=4, IY=10, IX=10, FY=3, FX=3)


def test_uneven_mappings_count_as_the_simulator_counts():
    """Every fourth of LOMA's mappings of a small layer on the DRAM array: the model's counts
    are the reference simulator's."""
    arch = load_architecture(DRAM_ARCH)
    spatial = {"D1": [("K", 8)]}
    checked = 0
    for mapping in list(loma_mappings(small_layer(), arch, spatial))[::4]:
        nest = bind(small_layer(), arch, mapping)
        try:
            model = evaluate(nest)
        except MappingError:  # overflowing: the search counts it invalid
            continue
        sim = simulate(nest)
        assert sim.match
        assert sim.result.accesses == model.accesses
        assert sim.result.latency == model.latency
        checked += 1
    assert checked > 5


def test_search_with_a_fixed_unrolling_is_never_worse_than_loma():
    """The search's optimum is at most every LOMA mapping's energy (each evaluated here on
    its own), is one of them or better, and saved and read back it is the same mapping."""
    arch = load_architecture(DRAM_ARCH)
    rules = Constraints(spatial={"D1": [("K", 8)]}, index=["output"])
    assert loma_applies(arch, rules)
    energies = []
    for mapping in loma_mappings(small_layer(), arch, rules.spatial):
        try:
            energies.append(evaluate(bind(small_layer(), arch, mapping)).energy_pj)
        except MappingError:
            continue
    found = search_layer(small_layer(), arch, rules, "energy")
    assert found.counts.loma == len(list(loma_mappings(small_layer(), arch, rules.spatial)))
    assert found.best.energy_pj <= min(energies) + 1e-9
    row = found_row(found.best, "conv", arch)
    again = evaluate(bind(small_layer(), arch, mapping_of_row(row, "best")))
    assert np.isclose(again.energy_pj, found.best.energy_pj, rtol=1e-12)
    assert again.latency.total == found.best.latency_cycles


def test_loma_is_left_out_where_it_would_break_a_constraint():
    arch = load_architecture(DRAM_ARCH)
    spatial = {"D1": [("K", 8)]}
    assert not loma_applies(arch, Constraints())  # the unrolling is searched
    assert not loma_applies(arch, Constraints(spatial=spatial, order=["K", "C"]))
    assert not loma_applies(arch, Constraints(spatial=spatial, index=["input"]))
    assert not loma_applies(arch, Constraints(spatial=spatial, dataflow="ws"))
