"""Operands stored compressed in Ripple's own model and simulator (docs/sparsity.md,
"Compressed formats").

The model's expected traffic must be the simulator's mean over encoded real tiles: seeded
Bernoulli tensors (uniform) and random placements of one tensor's nonzeros (``Actual``), within
five standard errors, on the seed case and on random nests. ``uncompressed`` must be the dense
layer on every field; a bitmask at density one must add exactly one bit per element moved.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ripple.api import seed_case_nests
from ripple.arch import Architecture
from ripple.errors import MappingError
from ripple.mapping import LoopNest
from ripple.model import evaluate
from ripple.results import LayerResult
from ripple.sim import simulate
from ripple.sparse.distributions import Actual
from tests.conftest import assert_one_clear_line
from tests.test_sparse_skip import (
    KINDS,
    RANDOM,
    _assert_agree,
    _assert_same,
    _bernoulli,
    _random_nest,
)

SAMPLES = 120
SEED_NESTS = {nest.mapping.name: nest for nest in seed_case_nests()}
FORMATS = [{"format": "bitmask"}, {"format": "rle"}, {"format": "rle", "run_bits": 1},
           {"format": "coo"}, {"format": "uop_rle", "run_bits": 2},
           {"format": "rle", "run_bits": 0}]


def _stored(nest: LoopNest, formats: dict[str, dict[str, dict]],
            **memory_fields: object) -> LoopNest:
    """``nest`` with ``formats`` (memory -> operand -> format) on its memories (and every
    memory's fields updated by ``memory_fields``)."""
    spec = nest.arch.model_dump()
    for level in spec["levels"]:
        for memory in level["memories"]:
            memory.update(memory_fields)
            memory["formats"] = formats.get(memory["name"], {})
    return dataclasses.replace(nest, arch=Architecture.model_validate(spec))


def _everywhere(nest: LoopNest, fmt: dict) -> dict[str, dict[str, dict]]:
    """``fmt`` for I and W at every memory holding them."""
    return {m.name: {op: fmt for op in m.operands if op != "O"}
            for lvl in nest.arch.levels for m in lvl.memories}


def _random_formats(data: st.DataObject, nest: LoopNest) -> dict[str, dict[str, dict]]:
    chosen: dict[str, dict[str, dict]] = {}
    for lvl in nest.arch.levels:
        for memory in lvl.memories:
            for op in memory.operands:
                if op != "O" and data.draw(st.booleans(), label=f"{memory.name}/{op}?"):
                    fmt = data.draw(st.sampled_from(FORMATS), label=f"{memory.name}/{op}")
                    chosen.setdefault(memory.name, {})[op] = fmt
    return chosen


def _nonzero(nest: LoopNest) -> dict[str, np.ndarray]:
    layer = nest.layer
    return {"inputs": np.full(layer.tensor_shape("I"), 3),
            "weights": np.full(layer.tensor_shape("W"), 5)}


def _check(nest: LoopNest, seed: int, densities: tuple[float, float] = (0.3, 0.6)) -> None:
    """Uniform densities against seeded Bernoulli tensors, then ``Actual`` models against
    permutations of one pair of tensors."""
    rng = np.random.default_rng(seed)
    layer = nest.layer
    shapes = [layer.tensor_shape(op) for op in ("I", "W")]
    dense = evaluate(nest)
    model = evaluate(nest, dict(zip("IW", densities, strict=True)))
    runs = [simulate(nest, *(_bernoulli(rng, s, d) for s, d in zip(shapes, densities,
                                                                   strict=True))).result
            for _ in range(SAMPLES)]
    _assert_agree(runs, model, dense)
    tensors = [_bernoulli(rng, s, d) for s, d in zip(shapes, densities, strict=True)]
    model = evaluate(nest, {"I": Actual.of(tensors[0]), "W": Actual.of(tensors[1])})
    runs = [simulate(nest, *(rng.permutation(t.ravel()).reshape(t.shape)
                             for t in tensors)).result for _ in range(SAMPLES)]
    _assert_agree(runs, model, dense)


def _try(nest: LoopNest) -> LayerResult:
    try:
        return evaluate(nest)
    except MappingError:
        assume(False)
        raise


# ----- uncompressed is the dense layer ----------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SEED_NESTS))
def test_uncompressed_is_dense_on_the_seed_case(name):
    nest = SEED_NESTS[name]
    stored = _stored(nest, _everywhere(nest, {"format": "uncompressed"}))
    _assert_same(evaluate(stored, {"I": 0.3, "W": 0.5}), evaluate(nest))
    _assert_same(simulate(stored, seed=1).result, simulate(nest, seed=1).result)


@settings(RANDOM, max_examples=6)
@given(st.data())
def test_uncompressed_is_dense_on_random_nests(data):
    nest = _random_nest(data, data.draw(st.sampled_from(KINDS), label="kind"), union=True,
                        whole=True)
    dense = _try(nest)
    stored = _stored(nest, _everywhere(nest, {"format": "uncompressed"}))
    _assert_same(evaluate(stored, {"I": 0.4}), dense)
    _assert_same(simulate(stored, seed=2).result, simulate(nest, seed=2).result)


# ----- a bitmask at density one: the dense words and one bit per element --------------------------
@settings(RANDOM, max_examples=6)
@given(st.data())
def test_bitmask_at_density_one_adds_one_bit_per_element(data):
    nest = _random_nest(data, data.draw(st.sampled_from(KINDS), label="kind"), union=True,
                        whole=True)
    _try(nest)
    # ports one word wide: every dense word is one transaction, and a fill of n words moves
    # n + n / width transactions once its n mask bits are packed in
    width = nest.layer.precision.I
    layer = nest.layer.model_copy(update={"precision": nest.layer.precision.model_copy(
        update={"W": width, "O": width, "O_final": width})})
    narrow = dataclasses.replace(_stored(nest, {}, read_bandwidth=width, write_bandwidth=width),
                                 layer=layer)
    dense = evaluate(narrow)
    stored = _stored(narrow, _everywhere(narrow, {"format": "bitmask"}),
                     read_bandwidth=width, write_bandwidth=width)
    for result in (evaluate(stored), simulate(stored, **_nonzero(stored)).result):
        assert result.latency == dense.latency
        for memory, per_operand in dense.accesses.items():
            for op, before in per_operand.items():
                after = result.accesses[memory][op]
                if op == "O":
                    assert after == before
                    continue
                assert after.read_bits == before.read_bits * (width + 1) / width
                assert after.write_bits == before.write_bits * (width + 1) / width
                assert after.reads == before.reads + before.reads / width
                assert after.writes == before.writes + before.writes / width


# ----- expectation = mean of the simulator ------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SEED_NESTS))
@pytest.mark.parametrize("fmt", FORMATS[:2] + FORMATS[3:])
def test_expectation_on_the_seed_case(name, fmt):
    nest = SEED_NESTS[name]
    _check(_stored(nest, {"input_sram": {"I": fmt}}), seed=3)


def test_expectation_on_the_seed_case_with_compressed_weights_and_gating():
    """Gating leaves every transfer in place: it composes with any format."""
    nest = SEED_NESTS["weight_stationary"]
    stored = _stored(nest, {"input_sram": {"I": FORMATS[2]},
                            "weight_output_sram": {"W": FORMATS[0]}})
    spec = stored.arch.model_dump()
    spec["mac"].update(sparsity={"action": "gate", "condition_on": ["I"]})
    _check(dataclasses.replace(stored, arch=Architecture.model_validate(spec)), seed=4)


@pytest.mark.slow
@settings(RANDOM, max_examples=10)
@given(st.data())
def test_expectation_on_random_nests(data):
    nest = _random_nest(data, data.draw(st.sampled_from(KINDS), label="kind"), union=True,
                        whole=True)
    _try(nest)
    stored = _stored(nest, _random_formats(data, nest))
    report = evaluate(stored).extras.get("formats", {})
    assume(any(side["dense_bits"] for per_op in report.values() for side in per_op.values()))
    _check(stored, seed=data.draw(st.integers(0, 99), label="seed"))


@pytest.mark.slow
@settings(RANDOM, max_examples=6)
@given(st.data())
def test_expectation_with_skipping_below_the_compressed_memory(data):
    """Skipping changes only the transfers of the innermost memories; a format above them is
    independent of it."""
    nest = _random_nest(data, data.draw(st.sampled_from(KINDS), label="kind"), union=True,
                        whole=True)
    _try(nest)
    innermost = {op: nest.arch.chain(op)[-1][1].name for op in ("I", "W")}
    formats = {memory: {op: fmt for op, fmt in per_op.items() if innermost[op] != memory}
               for memory, per_op in _random_formats(data, nest).items()}
    spec = _stored(nest, formats).arch.model_dump()
    condition = data.draw(st.sampled_from((["I"], ["W"])), label="condition")
    spec["mac"].update(sparsity={"action": "skip", "condition_on": condition})
    stored = dataclasses.replace(nest, arch=Architecture.model_validate(spec))
    report = evaluate(stored).extras.get("formats", {})
    assume(any(side["dense_bits"] for per_op in report.values() for side in per_op.values()))
    _check(stored, seed=data.draw(st.integers(0, 99), label="seed"))


# ----- bad specifications -----------------------------------------------------------------------
BAD = {
    "unknown format": ("input_sram", "{I: {format: csr}}", "levels[0].memories[0].formats.I.format",
                       "'bitmask'"),
    "operand not held": ("input_sram", "{W: {format: bitmask}}",
                         "levels[0].memories[0].formats", "does not hold"),
    "outputs": ("weight_output_sram", "{O: {format: bitmask}}",
                "levels[0].memories[1].formats", "formats apply to I and W"),
    "run_bits on a bitmask": ("input_sram", "{I: {format: bitmask, run_bits: 3}}",
                              "levels[0].memories[0].formats.I", "run_bits applies"),
    "skipping": ("input_sram", "{I: {format: rle}}", "levels", "skipping"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_format_is_one_clear_line(case, tmp_path):
    memory, value, field, words = BAD[case]
    arch = "arch_skip.yaml" if case == "skipping" else "arch.yaml"
    assert_one_clear_line(tmp_path, arch, memory, f"formats: {value}", field, words)
