"""Zero operands that raise no event (docs/sparsity.md): the model's expected counts are the
simulator's exact counts averaged over random tensors.

Uniform densities: the mean over seeded Bernoulli(d) tensors; ``Actual``: the mean over random
placements of one tensor's nonzeros. Every count (MACs, gated MACs, compute cycles, latency,
energy, reads, writes, final writes and bits at every memory) must lie within five standard
errors of the model's expectation. Density one must be the dense layer, exactly.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from ripple.api import seed_case_nests
from ripple.arch import Architecture
from ripple.dse.presets import preset_mapping
from ripple.errors import MappingError, ModelError
from ripple.mapping import LoopNest, Mapping, bind
from ripple.model import evaluate
from ripple.results import LayerResult
from ripple.results.sparse import sparse_latency
from ripple.sim import simulate
from ripple.sparse.distributions import Actual
from ripple.workload import Densities, Layer
from tests.conftest import cli_json, run_cli
from tests.strategies import architectures, layers, mappings

SAMPLES = 160
#: Random nests: no shrinking (each example simulates hundreds of tensors), a fixed sequence.
RANDOM = settings(deadline=None, derandomize=True, suppress_health_check=list(HealthCheck),
                  phases=[Phase.explicit, Phase.generate])
SEED_NESTS = {nest.mapping.name: nest for nest in seed_case_nests()}
KINDS = [("output", "filter"), ("input", "filter"), ("input", "scatter")]


def _sparse(nest: LoopNest, action: str = "skip", condition: tuple[str, ...] = ("I",),
            latch: list[str] | None = None) -> LoopNest:
    """``nest`` on its architecture with a sparsity action (and optionally other latches)."""
    spec = nest.arch.model_dump()
    spec["mac"].update(sparsity={"action": action, "condition_on": list(condition)},
                       gated_energy_pj=0.01)
    if latch is not None:
        spec["mac"]["latch"] = latch
    return dataclasses.replace(nest, arch=Architecture.model_validate(spec))


def _counts(result: LayerResult) -> dict[str, float]:
    """Every count of a result that sparsity may change, flat."""
    lat = result.latency
    out = {"macs_issued": result.macs_issued, "macs_gated": result.macs_gated,
           "compute": lat.compute, "stall": lat.stall, "fill": lat.fill, "drain": lat.drain,
           "energy_pj": result.energy_pj}
    for memory, per_operand in result.accesses.items():
        for op, acc in per_operand.items():
            for key, value in dataclasses.asdict(acc).items():
                out[f"{memory}/{op}/{key}"] = value
    return out


def _assert_same(sparse: LayerResult, dense: LayerResult) -> None:
    """Every field of ``sparse`` equals ``dense`` (the sparsity report aside)."""
    assert _counts(sparse) == _counts(dense)
    assert sparse.macs_valid == dense.macs_valid
    assert sparse.extras["timing"] == dense.extras["timing"]
    np.testing.assert_array_equal(sparse.ready, dense.ready)
    np.testing.assert_array_equal(sparse.first, dense.first)


def _assert_agree(samples: list[LayerResult], model: LayerResult, dense: LayerResult) -> None:
    """The mean of every count over ``samples`` is within five standard errors of the model.
    A count that took one value in every sample has no error estimate: the model may then
    differ from it by no more than what an event seen in none of the samples can explain (its
    probability below 14/n, so e^-14 likely to be missed, times the count's dense value; a
    gated count's is its total's)."""
    expected = _counts(model)
    ceiling = _counts(dense)
    for key in ceiling:
        if "/gated_" in key:
            ceiling[key] = ceiling[key.replace("/gated_", "/")]
    table = np.array([[_counts(r)[key] for key in expected] for r in samples], dtype=float)
    mean = table.mean(axis=0)
    error = table.std(axis=0, ddof=1) / np.sqrt(len(samples))
    compute = list(expected).index("compute")
    for j, key in enumerate(expected):
        gap = abs(mean[j] - expected[key])
        rounding = 1e-9 * max(1.0, abs(expected[key]))
        if key == "stall":
            # docs/sparsity.md: the model's stall is the stall at the expected compute (a
            # maximum's expectation has no product form); it moves by at most as much as the
            # compute does, whose own gap is checked on its row
            plugin = sparse_latency(dense, mean[compute]).stall
            allowed = abs(mean[compute] - expected["compute"]) + rounding
            assert abs(plugin - expected[key]) <= allowed, (key, plugin, expected[key])
        elif error[j] > rounding:
            assert gap <= 5 * error[j] + rounding, (key, mean[j], expected[key], error[j])
        else:
            slack = 14 / len(samples) * max(abs(ceiling[key]), abs(expected[key])) + rounding
            assert gap <= slack, (key, mean[j], expected[key])


def _bernoulli(rng: np.random.Generator, shape: tuple[int, ...], density: float) -> np.ndarray:
    return (rng.random(shape) < density) * rng.integers(1, 8, size=shape)


def _uniform_samples(nest: LoopNest, density: float, seed: int) -> list[LayerResult]:
    rng = np.random.default_rng(seed)
    layer = nest.layer
    out = []
    for _ in range(SAMPLES):
        run = simulate(nest, _bernoulli(rng, layer.tensor_shape("I"), density),
                       _bernoulli(rng, layer.tensor_shape("W"), density))
        assert run.match, "skipping must not change the output"
        out.append(run.result)
    return out


def _check_uniform(nest: LoopNest, density: float, seed: int = 0) -> None:
    model = evaluate(nest, {"I": density, "W": density})
    _assert_agree(_uniform_samples(nest, density, seed), model, evaluate(nest))


def _check_actual(nest: LoopNest, seed: int = 0) -> None:
    """The model with each tensor's ``Actual`` model against random permutations of it."""
    rng = np.random.default_rng(seed)
    layer = nest.layer
    inputs = _bernoulli(rng, layer.tensor_shape("I"), 0.35)
    weights = _bernoulli(rng, layer.tensor_shape("W"), 0.5)
    model = evaluate(nest, {"I": Actual.of(inputs), "W": Actual.of(weights)})
    samples = []
    for _ in range(SAMPLES):
        run = simulate(nest, rng.permutation(inputs.ravel()).reshape(inputs.shape),
                       rng.permutation(weights.ravel()).reshape(weights.shape))
        samples.append(run.result)
    _assert_agree(samples, model, evaluate(nest))


def _random_nest(data: st.DataObject, kind: tuple[str, str], union: bool = False,
                 whole: bool = False) -> LoopNest:
    """A random nest of ``kind``; ``union``: every parent multicasts to the union of its
    children (what compressed formats need); ``whole``: every fill moves whole tiles (what
    compressed formats and memory-level sparsity need: the nests are made sparse after
    binding, past the check that refuses delta fills there)."""
    layer = data.draw(layers(max_input=6), label="layer")
    arch = data.draw(architectures(), label="arch")
    if union or whole:
        spec = arch.model_dump()
        for option, value, wanted in (("multicast", "union", union), ("fills", "whole", whole)):
            if wanted:
                spec["conventions"][option] = value
                for level in spec["levels"]:
                    for memory in level["memories"]:
                        memory[option] = None
        arch = Architecture.model_validate(spec)
    mapping = data.draw(mappings(layer, arch), label="mapping")
    assume((mapping.index, mapping.boundary) == kind)
    try:
        return bind(layer, arch, mapping)
    except MappingError:
        assume(False)
        raise


def _issues_padding(nest: LoopNest) -> bool:
    dense = evaluate(nest)
    return nest.index == "output" and dense.macs_issued > dense.macs_valid


# ----- density one is the dense layer ---------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SEED_NESTS))
@pytest.mark.parametrize("condition", [("I",), ("W",), ("I", "W")])
def test_density_one_is_dense_on_the_seed_case(name, condition):
    nest = SEED_NESTS[name]
    sparse = _sparse(nest, condition=condition)
    _assert_same(evaluate(sparse, {"I": 1.0, "W": 1.0}), evaluate(nest))
    nonzero = {"inputs": np.arange(1, 26).reshape(1, 1, 5, 5),
               "weights": np.arange(1, 73).reshape(8, 1, 3, 3)}
    run = simulate(sparse, **nonzero)
    assert run.match
    _assert_same(run.result, simulate(nest, **nonzero).result)


@settings(RANDOM, max_examples=12)
@given(st.data())
def test_density_one_is_dense_on_random_nests(data):
    nest = _random_nest(data, data.draw(st.sampled_from(KINDS), label="kind"))
    try:
        dense = evaluate(nest)
    except MappingError:
        assume(False)
        return
    layer = nest.layer
    tensors = {what: np.full(layer.tensor_shape(op), 3) for what, op in
               (("inputs", "I"), ("weights", "W"))}
    dense_run = simulate(nest, **tensors).result
    # conditioned on I, the padding taps an output-indexed nest issues are skipped even then
    condition = ("W",) if _issues_padding(nest) else data.draw(
        st.sampled_from((("I",), ("W",), ("I", "W"))), label="condition")
    for action in ("skip", "gate"):
        sparse = _sparse(nest, action, condition)
        try:
            _assert_same(evaluate(sparse), dense)
        except ModelError:  # a pairing of I and W with no product form (test below)
            assert condition == ("I", "W")
        _assert_same(simulate(sparse, **tensors).result, dense_run)


@settings(RANDOM, max_examples=12)
@given(st.data())
def test_exact_counts_do_not_depend_on_chunks(data):
    """Fills and steps that straddle the simulator's chunks are followed across them."""
    nest = _random_nest(data, data.draw(st.sampled_from(KINDS), label="kind"))
    condition = data.draw(st.sampled_from((("I",), ("W",), ("I", "W"))), label="condition")
    sparse = _sparse(nest, "skip", condition)
    rng = np.random.default_rng(data.draw(st.integers(0, 99), label="seed"))
    tensors = [_bernoulli(rng, nest.layer.tensor_shape(op), 0.4) for op in ("I", "W")]
    try:
        whole = simulate(sparse, *tensors).result
    except MappingError:
        assume(False)
        return
    chunked = simulate(sparse, *tensors, chunk_macs=data.draw(st.integers(1, 60))).result
    _assert_same(chunked, whole)


def test_skipping_padding_taps_at_density_one():
    """Conditioned on I, a padded output-indexed nest issues only the valid MACs at density 1,
    and gating charges its padding taps at the gated energy."""
    layer = Layer(K=4, C=2, IY=5, IX=5, FY=3, FX=3, padding=1)
    nest = bind(layer, SEED_NESTS["weight_stationary"].arch,
                preset_mapping(layer, SEED_NESTS["weight_stationary"].arch, "os"))
    dense = evaluate(nest)
    assert dense.macs_issued > layer.macs
    skipped = evaluate(_sparse(nest))
    assert skipped.macs_issued == layer.macs
    assert skipped.latency.compute < dense.latency.compute
    gated = evaluate(_sparse(nest, "gate"))
    assert gated.macs_gated == dense.macs_issued - layer.macs
    assert gated.latency == dense.latency
    run = simulate(_sparse(nest), np.ones(layer.tensor_shape("I"), dtype=int))
    assert run.match and run.result.macs_issued == layer.macs
    assert run.result.latency.compute == skipped.latency.compute


# ----- event-driven against output-stationary ---------------------------------------------------
@pytest.mark.parametrize("padding", [0, 1])
def test_event_driven_and_output_stationary_issue_the_same_macs(padding):
    arch = SEED_NESTS["event_driven"].arch
    layer = SEED_NESTS["event_driven"].layer.model_copy(update={"padding": (padding,) * 4})
    issued = {}
    for preset in ("ed", "os"):
        nest = _sparse(bind(layer, arch, preset_mapping(layer, arch, preset)))
        issued[preset] = evaluate(nest, {"I": 1.0}).macs_issued
        assert simulate(nest, np.ones(layer.tensor_shape("I"), dtype=int)).result.macs_issued \
            == issued[preset]
    assert issued["ed"] == issued["os"] == layer.macs


# ----- closed form ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["event_driven", "weight_stationary"])
@pytest.mark.parametrize("density", [0.2, 0.6])
def test_mac_count_is_density_times_valid_macs(name, density):
    nest = SEED_NESTS[name]
    skipped = evaluate(_sparse(nest), {"I": density})
    assert skipped.macs_issued == pytest.approx(density * nest.layer.macs, rel=1e-12)
    gated = evaluate(_sparse(nest, "gate"), {"I": density})
    assert gated.macs_issued == nest.layer.macs
    assert gated.macs_gated == pytest.approx((1 - density) * nest.layer.macs, rel=1e-12)
    both = evaluate(_sparse(nest, condition=("I", "W")), {"I": density, "W": 0.5})
    assert both.macs_issued == pytest.approx(0.5 * density * nest.layer.macs, rel=1e-12)


# ----- uniform: the model's expectation is the simulator's mean ----------------------------------
@pytest.mark.parametrize("name", sorted(SEED_NESTS))
@pytest.mark.parametrize("density", [0.2, 0.6])
def test_uniform_expectation_on_the_seed_case(name, density):
    for condition in (("I",), ("W",), ("I", "W")):
        _check_uniform(_sparse(SEED_NESTS[name], condition=condition), density)
    _check_uniform(_sparse(SEED_NESTS[name], "gate"), density)


@pytest.mark.parametrize("latch", [["I", "W"], []])
def test_uniform_expectation_on_the_seed_case_without_latches(latch):
    for nest in SEED_NESTS.values():
        _check_uniform(_sparse(nest, latch=latch), 0.6)


@pytest.mark.parametrize("kind", KINDS)
@settings(RANDOM, max_examples=3)
@given(st.data())
def test_uniform_expectation_on_random_nests(kind, data):
    nest = _random_nest(data, kind)
    condition = data.draw(st.sampled_from((("I",), ("W",), ("I", "W"))), label="condition")
    sparse = _sparse(nest, "skip", condition,
                     latch=data.draw(st.sampled_from((["I", "W"], ["I"], ["W"], []))))
    for density in (0.2, 0.6):
        try:
            _check_uniform(sparse, density, seed=int(density * 10))
        except (MappingError, ModelError):
            assume(False)


# ----- actual: the model of one tensor is the mean over its permutations -------------------------
@pytest.mark.parametrize("name", sorted(SEED_NESTS))
def test_actual_expectation_on_the_seed_case(name):
    for condition in (("I",), ("W",), ("I", "W")):  # each step and run: one block of pairs
        _check_actual(_sparse(SEED_NESTS[name], condition=condition))


@pytest.mark.parametrize("kind", KINDS)
@settings(RANDOM, max_examples=2)
@given(st.data())
def test_actual_expectation_on_random_nests(kind, data):
    nest = _random_nest(data, kind)
    condition = data.draw(st.sampled_from((("I",), ("W",))), label="condition")
    try:
        _check_actual(_sparse(nest, "skip", condition), seed=1)
    except MappingError:
        assume(False)


def test_per_fill_first_reads_restart_at_each_fill_under_skipping():
    """Under ``first_read_elision: per_fill`` the MACs read no output at its first
    accumulation after each fill of the memory next to them, not only its first in the layer:
    the skipped reads are counted against those dense reads (a regression: they were counted
    against the whole-layer first reads, too many removed)."""
    layer = Layer(K=2, C=4, IY=4, IX=4, FY=1, FX=3)
    arch = Architecture.model_validate({
        "array": {"D1": 1}, "mac": {"energy_pj": 1, "first_read_elision": "per_fill"},
        "levels": [
            {"name": "top", "memories": [{"name": "big", "operands": ["I", "W", "O"],
                                          "read_bandwidth": 16, "write_bandwidth": 16,
                                          "read_energy_pj": 4, "write_energy_pj": 4}]},
            {"name": "near", "memories": [{"name": "acc", "operands": ["O"],
                                           "read_bandwidth": 16, "write_bandwidth": 16,
                                           "read_energy_pj": 1, "write_energy_pj": 1}]}]})
    mapping = Mapping(index="output", temporal={"top": [("OX", 2), ("C", 4), ("K", 2),
                                                         ("OY", 4)],
                                                "near": [("FX", 3)]})
    nest = bind(layer, arch, mapping)
    for condition in (("W",), ("I",)):
        _check_uniform(_sparse(nest, "skip", condition), 0.5)


# ----- what the model refuses -------------------------------------------------------------
def test_overlapping_sweeps_under_two_conditions_are_refused():
    """FY and OY unrolled together pair taps and positions in a band, which has no product
    form: the model says so rather than approximate; the simulator still runs."""
    layer = Layer(K=2, C=1, IY=5, IX=5, FY=3, FX=3)
    arch = Architecture.model_validate({
        "array": {"D1": 3, "D2": 3},
        "mac": {"energy_pj": 1, "sparsity": {"action": "skip", "condition_on": ["W", "I"]}},
        "levels": [{"name": "L0", "memories": [{
            "name": "m", "operands": ["I", "W", "O"], "read_bandwidth": 16,
            "write_bandwidth": 16, "read_energy_pj": 1, "write_energy_pj": 1}]}]})
    mapping = Mapping(index="output", spatial={"D1": [("OY", 3)], "D2": [("FY", 3)]},
                      temporal={"L0": [("K", 2), ("OX", 3), ("FX", 3)]})
    nest = bind(layer, arch, mapping)
    with pytest.raises(ModelError, match="overlapping"):
        evaluate(nest, {"I": 0.5, "W": 0.5})
    assert simulate(nest).match
    # channels unrolled: separate blocks, independent only under uniform densities
    layer = Layer(K=2, C=3, IY=4, IX=4, FY=3, FX=3)
    mapping = Mapping(index="output", spatial={"D1": [("C", 3)]},
                      temporal={"L0": [("K", 2), ("OY", 2), ("OX", 2), ("FY", 3), ("FX", 3)]})
    nest = bind(layer, arch, mapping)
    evaluate(nest, {"I": 0.5, "W": 0.5})
    with pytest.raises(ModelError, match="independent"):
        evaluate(nest, {"I": Actual(5, 48), "W": 0.5})


# ----- entry points -------------------------------------------------------------------------
def test_densities_from_the_command_line_and_the_workload(tmp_path, seed_dir):
    """``--density`` takes a number or a tensor to measure, for every layer or one (the layer's
    entry wins); the simulator measures the tensors it runs; a workload's ``Densities`` are
    uniform densities."""
    inputs = np.zeros((1, 1, 5, 5), dtype=np.int64)
    inputs[0, 0, :2] = 3  # 10 nonzeros of 25
    np.save(tmp_path / "x.npy", inputs)
    files = ("-w", str(seed_dir / "workload.yaml"), "-a", str(seed_dir / "arch_skip.yaml"),
             "-m", str(seed_dir / "mapping_event_driven.yaml"))
    nest = _sparse(SEED_NESTS["event_driven"])
    measured = cli_json("evaluate", *files, "--density", f"I={tmp_path / 'x.npy'}")
    expected = evaluate(nest, {"I": Actual.of(inputs)})
    assert measured["macs"]["issued"] == pytest.approx(expected.macs_issued)
    assert measured["latency"]["compute"] == pytest.approx(expected.latency.compute)
    assert measured["sparsity"]["densities"] == {"I": 0.4}
    per_layer = cli_json("evaluate", *files, "--density", "I=0.9", "--density", "seed_conv:I=0.2")
    assert per_layer["macs"]["issued"] == pytest.approx(0.2 * nest.layer.macs)
    assert evaluate(nest, Densities(I=0.2)).latency == evaluate(nest, {"I": 0.2}).latency
    run = cli_json("simulate", *files, "--inputs", str(tmp_path / "x.npy"))
    assert run["golden"]["match"] and run["sparsity"]["densities"] == {"I": 0.4}
    assert run["macs"]["issued"] == simulate(nest, inputs).result.macs_issued
    assert run_cli("evaluate", *files, "--density", "I=dense").returncode == 2
