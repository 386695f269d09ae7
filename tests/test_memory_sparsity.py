"""Gating and skipping at a memory, conditioned on an operand (docs/sparsity.md, "Gating and
skipping at a memory").

The model's expected counts must be the simulator's mean over real tensors: seeded Bernoulli
tensors (uniform) and random placements of one tensor's nonzeros (``Actual``), within five
standard errors, on the seed case and on random nests whose memories skip or gate on upper
links too. Density one must be the dense layer on every field; bad specifications must give one
line naming the file and the field.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ripple.api import seed_case_nests
from ripple.arch import Architecture, load_architecture
from ripple.mapping import LoopNest
from ripple.model import evaluate
from ripple.sim import simulate
from tests.conftest import EXAMPLES, assert_one_clear_line
from tests.test_formats_model import _check, _try
from tests.test_sparse_skip import (
    KINDS,
    RANDOM,
    _assert_same,
    _bernoulli,
    _issues_padding,
    _random_nest,
)

SEED_NESTS = {nest.mapping.name: nest for nest in seed_case_nests()}
GATED = {"gated_read_energy_pj": 1.5, "gated_write_energy_pj": 2.5}
Choice = dict[str, dict[str, dict]]  # memory -> operand -> {action, condition_on}


def _with_sparsity(nest: LoopNest, chosen: Choice, **mac: object) -> LoopNest:
    """``nest`` with memory-level sparsity ``chosen`` (and gated energies everywhere)."""
    spec = nest.arch.model_dump()
    spec["mac"].update(mac)
    for level in spec["levels"]:
        for memory in level["memories"]:
            memory.update(GATED)
            memory["sparsity"] = chosen.get(memory["name"], {})
    return dataclasses.replace(nest, arch=Architecture.model_validate(spec))


def _seed_choice(action: str, weights_on: str = "I", inputs_on: str = "W") -> Choice:
    """The seed case's weights conditioned on ``weights_on`` at their memory, and its inputs
    on ``inputs_on`` at theirs."""
    return {"weight_output_sram": {"W": {"action": action, "condition_on": [weights_on]}},
            "input_sram": {"I": {"action": action, "condition_on": [inputs_on]}}}


def _random_choice(data: st.DataObject, nest: LoopNest, conditions: tuple[str, ...]) -> Choice:
    chosen: Choice = {}
    for lvl in nest.arch.levels:
        for memory in lvl.memories:
            for op in memory.operands:
                action = data.draw(st.sampled_from((None, "skip", "gate")),
                                   label=f"{memory.name}/{op}")
                if action is not None:
                    condition = data.draw(st.sampled_from(conditions),
                                          label=f"{memory.name}/{op} on")
                    chosen.setdefault(memory.name, {})[op] = {"action": action,
                                                              "condition_on": [condition]}
    return chosen


def _on_upper_link(nest: LoopNest, chosen: Choice) -> bool:
    """Whether some chosen memory sends the operand to another memory (not the MACs)."""
    return any(memory != nest.arch.chain(op)[-1][1].name
               for memory, per_op in chosen.items() for op in per_op)


def _random_sparse_nest(data: st.DataObject) -> LoopNest:
    """A random nest whose memories skip or gate at random, on an upper link at least."""
    nest = _random_nest(data, data.draw(st.sampled_from(KINDS), label="kind"), whole=True)
    _try(nest)
    chosen = _random_choice(data, nest, ("I", "W"))
    assume(_on_upper_link(nest, chosen))
    return _with_sparsity(nest, chosen)


def _nonzero(nest: LoopNest, value: int = 3) -> dict[str, np.ndarray]:
    layer = nest.layer
    return {"inputs": np.full(layer.tensor_shape("I"), value),
            "weights": np.full(layer.tensor_shape("W"), value + 2)}


# ----- density one is the dense layer ----------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SEED_NESTS))
@pytest.mark.parametrize("action", ["skip", "gate"])
def test_density_one_is_dense_on_the_seed_case(name, action):
    nest = SEED_NESTS[name]
    sparse = _with_sparsity(nest, _seed_choice(action))
    _assert_same(evaluate(sparse, {"I": 1.0, "W": 1.0}), evaluate(nest))
    run = simulate(sparse, **_nonzero(nest))
    assert run.match
    _assert_same(run.result, simulate(nest, **_nonzero(nest)).result)


@settings(RANDOM, max_examples=10)
@given(st.data())
def test_density_one_is_dense_on_random_nests(data):
    nest = _random_nest(data, data.draw(st.sampled_from(KINDS), label="kind"), whole=True)
    dense = _try(nest)
    # conditioned on I, the fills that serve only padding taps are ineffectual even then
    conditions = ("W",) if _issues_padding(nest) else ("I", "W")
    sparse = _with_sparsity(nest, _random_choice(data, nest, conditions))
    _assert_same(evaluate(sparse), dense)
    _assert_same(simulate(sparse, **_nonzero(nest)).result,
                 simulate(nest, **_nonzero(nest)).result)


@settings(RANDOM, max_examples=6)
@given(st.data())
def test_exact_counts_do_not_depend_on_chunks(data):
    """Fills that straddle the simulator's chunks are followed across them, marks included."""
    sparse = _random_sparse_nest(data)
    rng = np.random.default_rng(data.draw(st.integers(0, 99), label="seed"))
    tensors = [_bernoulli(rng, sparse.layer.tensor_shape(op), 0.4) for op in ("I", "W")]
    whole = simulate(sparse, *tensors).result
    _assert_same(simulate(sparse, *tensors, chunk_macs=7).result, whole)


# ----- what it changes -------------------------------------------------------------------------
def test_all_zero_inputs_remove_or_gate_every_weight_transfer():
    """With every input zero, every weight read serves only ineffectual MACs: skipped, none is
    left; gated, all are charged the gated energy. The MACs and latency are unchanged."""
    nest = SEED_NESTS["weight_stationary"]
    zeros = {"inputs": np.zeros(nest.layer.tensor_shape("I"), dtype=np.int64),
             "weights": _nonzero(nest)["weights"]}
    dense = simulate(nest, **zeros).result
    model_dense = evaluate(nest)
    for action in ("skip", "gate"):
        sparse = _with_sparsity(nest, {"weight_output_sram": {
            "W": {"action": action, "condition_on": ["I"]}}})
        for result in (simulate(sparse, **zeros).result, evaluate(sparse, {"I": 0.0})):
            weights = result.accesses["weight_output_sram"]["W"]
            assert result.macs_issued == dense.macs_issued
            assert result.latency == dense.latency == model_dense.latency
            if action == "skip":
                assert (weights.reads, weights.read_bits) == (0, 0)
            else:
                reads = dense.accesses["weight_output_sram"]["W"].reads
                assert weights.reads == weights.gated_reads == reads
                assert result.energy_breakdown()["weight_output_sram"]["W"]["read"] == (
                    pytest.approx(reads * GATED["gated_read_energy_pj"]))


def test_the_gated_example_saves_weight_read_energy():
    arch = load_architecture(EXAMPLES / "seed_case" / "arch_gated.yaml")
    nest = dataclasses.replace(SEED_NESTS["event_driven"], arch=arch)
    dense = evaluate(SEED_NESTS["event_driven"])
    gated = evaluate(nest, {"I": 0.4})
    weights = gated.accesses["weight_output_sram"]["W"]
    assert weights.reads == dense.accesses["weight_output_sram"]["W"].reads
    assert 0 < weights.gated_reads < weights.reads
    assert gated.energy_pj < dense.energy_pj
    assert gated.latency == dense.latency


# ----- expectation = mean of the simulator -----------------------------------------------------
@pytest.mark.parametrize("name", sorted(SEED_NESTS))
@pytest.mark.parametrize("action", ["skip", "gate"])
def test_expectation_on_the_seed_case(name, action):
    nest = SEED_NESTS[name]
    _check(_with_sparsity(nest, _seed_choice(action)), seed=5)
    _check(_with_sparsity(nest, {"weight_output_sram": {
        "O": {"action": action, "condition_on": ["W"]}}}), seed=6)


def test_expectation_with_gated_macs_on_the_seed_case():
    """Gating at the MACs changes no transfer: it composes with sparsity at the memory."""
    nest = SEED_NESTS["event_driven"]
    _check(_with_sparsity(nest, _seed_choice("skip", "I", "I"),
                          sparsity={"action": "gate", "condition_on": ["I"]}), seed=7)


@pytest.mark.slow
@settings(RANDOM, max_examples=8)
@given(st.data())
def test_expectation_on_random_nests(data):
    _check(_random_sparse_nest(data), seed=data.draw(st.integers(0, 99), label="seed"))


# ----- bad specifications ----------------------------------------------------------------------
BAD = {
    "two conditions": ("arch.yaml", "input_sram", "{I: {action: skip, condition_on: [I, W]}}",
                       "levels[0].memories[0].sparsity.I.condition_on", "one operand only"),
    "operand not held": ("arch.yaml", "input_sram", "{W: {action: gate, condition_on: [I]}}",
                         "levels[0].memories[0].sparsity", "does not hold"),
    "unknown action": ("arch.yaml", "input_sram", "{I: {action: drop, condition_on: [W]}}",
                       "levels[0].memories[0].sparsity.I.action", "'skip'"),
    "compressed": ("arch_compressed.yaml", "input_sram",
                   "{I: {action: skip, condition_on: [W]}}",
                   "levels[0].memories[0].sparsity", "compressed"),
    "skipping MACs": ("arch_skip.yaml", "weight_output_sram",
                      "{W: {action: skip, condition_on: [I]}}", "levels", "removed twice"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_sparsity_is_one_clear_line(case, tmp_path):
    arch, memory, value, field, words = BAD[case]
    assert_one_clear_line(tmp_path, arch, memory, f"sparsity: {value}", field, words)


def test_sparsity_above_a_compressed_child_is_refused():
    spec = {"name": "two", "array": {"D": 2}, "mac": {"energy_pj": 1.0}, "levels": [
        {"name": "dram", "memories": [{
            "name": "dram", "operands": ["I", "W", "O"], "read_bandwidth": 64,
            "write_bandwidth": 64, "read_energy_pj": 100, "write_energy_pj": 100,
            "sparsity": {"I": {"action": "skip", "condition_on": ["W"]}}}]},
        {"name": "buffer", "memories": [{
            "name": "buffer", "operands": ["I", "W", "O"], "read_bandwidth": 64,
            "write_bandwidth": 64, "read_energy_pj": 1, "write_energy_pj": 1,
            "formats": {"I": {"format": "bitmask"}}}]}]}
    with pytest.raises(ValidationError, match="child 'buffer' stores I compressed"):
        Architecture.model_validate(spec)
