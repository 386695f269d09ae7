"""Search mode (``ripple explore`` without ``--export``): the pruned search reaches the exhaustive
run's optimum exactly, its floors never exceed what they stand for, identical layers are
searched once, and ``--sample`` draws the same mappings for the same seed."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ripple.arch import Architecture, load_architecture
from ripple.dse import search as search_module
from ripple.dse import space
from ripple.dse.analysis import pareto_front
from ripple.dse.constraints import Constraints, LayerConstraints
from ripple.dse.search import search, search_layer
from ripple.workload import Layer, load_workload
from tests.conftest import EXAMPLES, run_cli, run_main
from tests.strategies import architectures, layers

SEED = EXAMPLES / "seed_case"
SMALL = 400  # mappings of a random case at most (each is evaluated whole for the reference)


def _capped(draw, arch: Architecture) -> Architecture:
    """Some inner memories get a capacity, so that some mappings do not fit and the search
    must skip invalid mappings whose energy is lowest."""
    data = arch.model_dump()
    for level in data["levels"][1:]:
        for memory in level["memories"]:
            if draw(st.booleans()):
                memory["capacity_bits"] = draw(st.sampled_from((64, 256, 1024)))
    return Architecture.model_validate(data)


@st.composite
def cases(draw):
    """A small layer on at most two levels, with few loops a level: spaces small enough to
    evaluate whole (drawn with three levels, the spaces are mostly too large)."""
    layer = draw(layers(max_input=4))
    data = _capped(draw, draw(architectures(window=True))).model_dump()
    data["levels"] = data["levels"][:2]
    rules = Constraints(index=[draw(st.sampled_from(("output", "input")))],
                        max_loops_per_level=draw(st.integers(1, 3)))
    return layer, Architecture.model_validate(data), rules


def _small(layer: Layer, arch: Architecture, rules: Constraints) -> int:
    """The mappings of the space, assumed few (at most 12 skeletons and ``SMALL`` mappings)."""
    skeletons = list(itertools.islice(space.evaluable(layer, arch, rules), 13))
    count = sum(space.count_orders(s, rules) for s in skeletons)
    assume(len(skeletons) <= 12 and 0 < count <= SMALL)
    return count


def _everything(layer: Layer, arch: Architecture, rules: Constraints):
    """Every mapping of the space evaluated (what the exhaustive run writes): energy,
    latency and validity, in the space's order."""
    energy, latency, valid = [], [], []
    for skeleton, chunk in space.layer_chunks(layer, arch, rules, 16_384):
        batch = space.skeleton_batch(layer, arch, skeleton)
        columns = batch.evaluate(chunk)
        energy.append(columns.energy_pj)
        latency.append(columns.latency["total"])
        valid.append(columns.valid)
    if not energy:
        return np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    return np.concatenate(energy), np.concatenate(latency), np.concatenate(valid)


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(cases())
def test_pruned_search_reaches_the_exhaustive_optimum(case):
    """Each objective's optimum (value, and the tie-break's latency and energy) and the Pareto
    front's points are those of every mapping evaluated."""
    layer, arch, rules = case
    count = _small(layer, arch, rules)
    energy, latency, valid = _everything(layer, arch, rules)
    assert len(energy) == count
    e, lat = energy[valid], latency[valid].astype(np.float64)
    for objective, score in (("energy", e), ("latency", lat), ("edp", e * lat)):
        found = search_layer(layer, arch, rules, objective)
        assert found.counts.mappings == count
        assert found.counts.evaluated + found.counts.pruned == count
        if not valid.any():
            assert found.best is None
            continue
        i = np.lexsort((e, lat, score))[0]
        best = found.best
        assert (best.energy_pj, best.latency_cycles) == (e[i], lat[i])
    front = search_layer(layer, arch, rules, "pareto").front
    expected = pareto_front(e, latency[valid])
    assert sorted((f.energy_pj, f.latency_cycles) for f in front) == sorted(
        zip(e[expected].tolist(), latency[valid][expected].tolist(), strict=True))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(cases())
def test_floors_never_exceed_costs(case):
    """Per order the energy floor is the evaluated energy (valid or not) and the latency floor
    at most the latency, so a skeleton's floor is at most its best valid mapping's cost."""
    layer, arch, rules = case
    _small(layer, arch, rules)
    for skeleton in space.evaluable(layer, arch, rules):
        rows = np.concatenate(list(space.orders(skeleton, rules)))
        batch = space.skeleton_batch(layer, arch, skeleton)
        energy, compute = batch.floors(rows)
        columns = batch.evaluate(rows)
        assert np.array_equal(energy, columns.energy_pj)
        assert (compute <= columns.latency["total"]).all()
        assert np.array_equal(batch.floors(rows, energy=False)[1], compute)
        if columns.valid.any():
            ok = columns.valid
            assert energy.min() <= columns.energy_pj[ok].min()
            assert compute.min() <= columns.latency["total"][ok].min()
            assert (energy * compute).min() <= (columns.energy_pj * columns.latency["total"]
                                                )[ok].min()


def test_search_prunes_the_seed_space(seed_case):
    """On the seed case the search evaluates a small part of the space and prunes the rest,
    and its counts add up to the space."""
    (layer,), arch = seed_case
    found = search_layer(layer, arch, Constraints(), "energy")
    c = found.counts
    assert c.mappings == 3648 and c.skeletons == 16
    assert c.evaluated + c.pruned == c.mappings
    assert 0 < c.evaluated < c.mappings / 10
    assert 0 < c.skeletons_evaluated < c.skeletons


@pytest.fixture(scope="module")
def seed_case():
    return load_workload(SEED / "workload.yaml").layers, load_architecture(SEED / "arch.yaml")


def test_identical_layers_are_searched_once(seed_case, monkeypatch):
    """Two layers of the same shape and precision are searched once and reported under both
    names; a third with its own constraints is searched on its own."""
    (layer,), arch = seed_case
    calls = []
    real = search_module.search_layer

    def counted(lyr, *args, **kwargs):
        calls.append(lyr.name)
        return real(lyr, *args, **kwargs)

    monkeypatch.setattr(search_module, "search_layer", counted)
    twins = [layer.model_copy(update={"name": name, "inputs": inputs})
             for name, inputs in (("a", ()), ("b", ("a",)), ("c", ("b",)))]
    rules = Constraints(layers={"c": LayerConstraints(index=["output"])})
    results, searches = search(twins, arch, rules, "energy")
    assert calls == ["a", "c"] and searches == 2
    assert [r.layer for r in results] == ["a", "b", "c"]
    assert results[1].explored_as == "a" and results[1].best == results[0].best
    assert results[2].explored_as is None


def test_a_process_pool_finds_what_one_process_finds(seed_case):
    """``workers`` spreads the distinct layers over processes: the same findings, each layer
    under its own name, the twins still searched once."""
    (layer,), arch = seed_case
    wider = layer.model_copy(update={"name": "wide", "K": 4})
    network = [layer, wider, layer.model_copy(update={"name": "twin"})]
    alone, searches = search(network, arch, Constraints(), "edp")
    pooled, pooled_searches = search(network, arch, Constraints(), "edp", workers=2)
    assert searches == pooled_searches == 2
    assert [r.layer for r in pooled] == [layer.name, "wide", "twin"]
    assert pooled[2].explored_as == layer.name
    for one, other in zip(alone, pooled, strict=True):
        assert (one.best.energy_pj, one.best.latency_cycles, one.counts) == \
            (other.best.energy_pj, other.best.latency_cycles, other.counts)
    assert alone[0].best.energy_pj != alone[1].best.energy_pj


def _cli(tmp_path, *extra: str):
    done = run_cli("explore", "-w", str(SEED / "workload.yaml"), "-a", str(SEED / "arch.yaml"),
                   *extra, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.parametrize("objective", ["energy", "latency", "edp"])
def test_cli_search_matches_the_exhaustive_export(tmp_path, objective):
    """Without --export the CLI prints the optimum, the space, what was evaluated and pruned,
    writes no export, and its optimum is the exhaustive run's (JSON of both)."""
    exhaustive = json.loads(_cli(tmp_path, "--objective", objective, "--export", "x.parquet",
                                 "--json", "-").stdout)
    searched = json.loads(_cli(tmp_path, "--objective", objective, "--json", "-").stdout)
    assert searched["total"] == exhaustive["total"]
    best, row = searched["layers"][0]["best"], exhaustive["layers"][0]["best"]
    assert (best["energy_pj"], best["latency_cycles"]) == (row["energy_pj"],
                                                           row["latency_cycles"])
    counts = searched["layers"][0]["search"]
    assert counts["mappings"] == exhaustive["rows"] == 3648
    assert counts["mappings_evaluated"] + counts["mappings_pruned"] == 3648
    assert searched["export"] is None and searched["searches"] == 1


def test_cli_search_prints_and_saves_the_optimum(tmp_path):
    done = _cli(tmp_path, "--objective", "energy", "--save-best", "best")
    out = done.stdout
    assert "pruned search" in out and "seed_conv" in out and "3,648" in out and "total" in out
    assert list(tmp_path.iterdir()) == [tmp_path / "best"]  # no export, no parts
    check = run_cli("evaluate", "-w", str(SEED / "workload.yaml"), "-a", str(SEED / "arch.yaml"),
                    "-m", str(tmp_path / "best" / "best_seed_conv.yaml"), "--json", "-")
    searched = json.loads(_cli(tmp_path, "--objective", "energy", "--json", "-").stdout)
    assert check.returncode == 0, check.stderr
    evaluated = json.loads(check.stdout)
    assert evaluated["latency_cycles"] == searched["total"]["latency_cycles"]
    assert evaluated["energy_pj"] == pytest.approx(searched["total"]["energy_pj"], rel=1e-12)


def test_cli_search_refuses_what_needs_an_export(tmp_path):
    for extra in (["--report"], ["--resume"], ["--limit", "5"],
                  ["--objective", "energy", "--save-front", "f"]):
        done = run_cli("explore", "-w", str(SEED / "workload.yaml"), "-a",
                       str(SEED / "arch.yaml"), *extra, cwd=tmp_path)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr


def _sampled(tmp_path, name: str, n: int, seed: int) -> list[str]:
    _cli(tmp_path, "--export", name, "--sample", str(n), "--seed", str(seed), "--json", "-")
    table = pq.read_table(tmp_path / name)
    return [f"{s} {i} {lp}" for s, i, lp in zip(table["spatial"].to_pylist(),
                                              table["index"].to_pylist(),
                                              table["loops"].to_pylist(), strict=True)]


def test_sample_is_reproducible_and_spread_over_the_space(tmp_path):
    """The same seed draws the same mappings, another seed others; the draw is N distinct
    mappings of the space, spread over it (not its first skeletons)."""
    every = _sampled(tmp_path, "all.parquet", 10**6, 0)  # more than the space: all of it
    assert len(every) == 3648 and len(set(every)) == 3648
    first = _sampled(tmp_path, "s1.parquet", 400, 7)
    again = _sampled(tmp_path, "s2.parquet", 400, 7)
    other = _sampled(tmp_path, "s3.parquet", 400, 8)
    assert first == again and first != other
    assert len(set(first)) == 400 and set(first) <= set(every)
    where = np.array(sorted(every.index(m) for m in first))
    assert where.min() < 3648 / 10 and where.max() > 3648 * 9 / 10
    assert abs(where.mean() - 3647 / 2) < 3648 / 10  # uniform: centred on the middle


def test_sample_without_export_and_resume_guard(tmp_path):
    """Without --export a sample is searched (its best is among the drawn mappings); an
    export's resume refuses another seed."""
    found = json.loads(_cli(tmp_path, "--sample", "50", "--seed", "3", "--json", "-").stdout)
    counts = found["layers"][0]["search"]
    assert found["mode"] == "sample" and counts["mappings_evaluated"] == 50
    drawn = _sampled(tmp_path, "s.parquet", 50, 3)
    table = pq.read_table(tmp_path / "s.parquet")
    energies = table["energy_pj"].to_numpy()[table["valid"].to_numpy()]
    assert found["total"]["energy_pj"] == energies.min() and len(drawn) == 50
    done = run_cli("explore", "-w", str(SEED / "workload.yaml"), "-a", str(SEED / "arch.yaml"),
                   "--export", "s.parquet", "--sample", "50", "--seed", "4", "--resume",
                   cwd=tmp_path)
    assert done.returncode == 2 and "--sample/--seed" in done.stderr


@pytest.mark.parametrize(("flag", "value", "expected"), [
    ("--sample", "0", "from 1 to"), ("--sample", "x", "expected an integer"),
    ("--seed", "-1", "from 0 to"),
])
def test_sample_flags_out_of_range(tmp_path, flag, value, expected):
    proc = run_main("explore", "-w", str(SEED / "workload.yaml"), "-a", str(SEED / "arch.yaml"),
                    flag, value)
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert f"argument {flag}" in line and expected in line
