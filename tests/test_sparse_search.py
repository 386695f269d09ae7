"""A search under densities (``ripple explore --density``): the pruned search reaches the
optimum of every mapping's expected sparse costs, evaluated one by one with the sparse model,
and its floors never exceed those costs (docs/exploration.md, "Densities")."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ripple.arch import Architecture
from ripple.dse import space
from ripple.dse.analysis import pareto_front
from ripple.dse.search import search_layer
from ripple.dse.sparse_ranking import SparseRanking
from ripple.errors import MappingError
from ripple.mapping import bind
from ripple.model import evaluate
from tests.conftest import EXAMPLES, run_main
from tests.test_search import _small, cases

SEED = EXAMPLES / "seed_case"


@st.composite
def sparse_cases(draw):
    """A small case of the dense search's, whose MACs skip or gate zero operands (or not:
    then every count is dense), with densities."""
    layer, arch, rules = draw(cases())
    data = arch.model_dump()
    data["conventions"]["padding"] = "generated"  # window counts refuse sparsity
    sparsity = draw(st.none() | st.fixed_dictionaries({
        "action": st.sampled_from(("skip", "gate")),
        "condition_on": st.sampled_from((["I"], ["W"], ["I", "W"]))}))
    data["mac"]["sparsity"] = sparsity
    densities = {op: draw(st.sampled_from((0.2, 0.5, 0.9, 1.0))) for op in ("I", "W")}
    return layer, Architecture.model_validate(data), rules, densities


def _every_mapping(layer, arch, rules, densities):
    """Each mapping of the space evaluated with the sparse model: energy, latency, valid."""
    rows = []
    for skeleton in space.evaluable(layer, arch, rules):
        for chunk in space.orders(skeleton, rules):
            for order in chunk:
                mapping = skeleton.mapping(arch, order)
                nest = bind(layer, arch, mapping)
                try:
                    result = evaluate(nest, densities)
                except MappingError:
                    continue
                rows.append((result.energy_pj, result.latency.total))
    return np.array(rows, dtype=np.float64).reshape(-1, 2)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(sparse_cases())
def test_the_sparse_search_reaches_every_mappings_sparse_optimum(case):
    layer, arch, rules, densities = case
    count = _small(layer, arch, rules)
    costs = _every_mapping(layer, arch, rules, densities)
    for objective in ("energy", "latency", "edp"):
        found = search_layer(layer, arch, rules, objective, densities=densities)
        assert found.counts.mappings == count
        assert found.counts.evaluated + found.counts.pruned == count
        if not len(costs):
            assert found.best is None
            continue
        e, lat = costs[:, 0], costs[:, 1]
        score = {"energy": e, "latency": lat, "edp": e * lat}[objective]
        i = np.lexsort((e, lat, score))[0]
        assert (found.best.energy_pj, found.best.latency_cycles) == (e[i], lat[i])
    if len(costs):
        front = search_layer(layer, arch, rules, "pareto", densities=densities).front
        expected = pareto_front(costs[:, 0], costs[:, 1])
        assert sorted((f.energy_pj, f.latency_cycles) for f in front) == sorted(
            map(tuple, costs[expected].tolist()))


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(sparse_cases())
def test_sparse_floors_never_exceed_sparse_costs(case):
    layer, arch, rules, densities = case
    _small(layer, arch, rules)
    ranking = SparseRanking(densities, arch)
    for skeleton in space.evaluable(layer, arch, rules):
        batch = space.skeleton_batch(layer, arch, skeleton)
        rows = np.concatenate(list(space.orders(skeleton, rules)))
        energy, compute = ranking.floors(batch, rows)
        for order, least, steps in zip(rows, energy, compute, strict=True):
            result = evaluate(bind(layer, batch.arch, skeleton.mapping(arch, order)),
                              densities)
            assert least <= result.energy_pj * (1 + 1e-12)
            assert steps <= result.latency.total


def test_explore_ranks_the_seed_case_by_its_sparse_counts(tmp_path):
    """On the seed array that skips zero inputs, at input density 0.5 the optimum costs less
    than the dense search's, and it is ``evaluate --density``'s count of the mapping it saves."""
    arch = SEED / "arch_skip.yaml"
    common = ["explore", "-a", str(arch), "-w", str(SEED / "workload.yaml"),
              "--objective", "energy"]
    dense = tmp_path / "dense.json"
    sparse = tmp_path / "sparse.json"
    assert run_main(*common, "--json", str(dense)).returncode == 0
    proc = run_main(*common, "--density", "I=0.5", "--json", str(sparse),
                    "--save-best", str(tmp_path / "best"))
    assert proc.returncode == 0, proc.stderr
    dense_best = json.loads(dense.read_text())["layers"][0]["best"]
    document = json.loads(sparse.read_text())
    best = document["layers"][0]["best"]
    assert document["densities"] == {"default": {"I": 0.5}}
    assert best["energy_pj"] < dense_best["energy_pj"]
    saved = run_main("evaluate", "-a", str(arch), "-w",
                     str(SEED / "workload.yaml"), "-m", str(next((tmp_path / "best").iterdir())),
                     "--density", "I=0.5", "--json", "-")
    assert saved.returncode == 0, saved.stderr
    assert json.loads(saved.stdout)["energy_pj"] == pytest.approx(
        best["energy_pj"], rel=1e-12)


def test_densities_are_refused_with_an_export(tmp_path):
    proc = run_main("explore", "-a", str(SEED / "arch.yaml"), "-w", str(SEED / "workload.yaml"),
                    "--export", str(tmp_path / "x.parquet"), "--density", "I=0.5")
    assert proc.returncode == 2
    assert "--density" in proc.stderr and "export" in proc.stderr


def test_densities_for_a_layer_the_workload_lacks_are_refused():
    proc = run_main("explore", "-a", str(SEED / "arch_skip.yaml"), "-w",
                    str(SEED / "workload.yaml"), "--objective", "energy",
                    "--density", "seed_cnov:I=0.5")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "ripple: error: --density: densities for layer 'seed_cnov', which the workload does "
        "not have (its MAC layers: seed_conv)"]


def test_densities_on_an_array_without_sparsity_rank_the_dense_costs():
    """Zeros change no count there: the dense search's optimum, and a note saying so."""
    common = ["explore", "-a", str(SEED / "arch.yaml"), "-w", str(SEED / "workload.yaml"),
              "--objective", "energy", "--json", "-"]
    dense = json.loads(run_main(*common).stdout)
    sparse = json.loads(run_main(*common, "--density", "I=0.5").stdout)
    assert sparse["layers"][0]["best"] == dense["layers"][0]["best"]
    assert any("the densities change no count" in note for note in sparse["imported"])
