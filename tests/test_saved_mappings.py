"""``explore --save-best/--save-front`` write mapping files that evaluate and simulate read and
that give exactly the explorer's figures; ``ripple mapping show`` prints a nest.

Cycles and every access count are equal exactly; energies are sums of the same products taken
in another order by the batch evaluator, so they agree to the last bits of a float64 (a
relative 1e-12).
"""

from __future__ import annotations

import json
import math

import pyarrow.parquet as pq
import pytest
from pytest import approx

from ripple.arch import load_architecture
from ripple.dse.saved import mapping_of_row
from ripple.mapping import bind, load_mapping
from ripple.model import evaluate
from ripple.workload import load_workload
from tests.conftest import EXAMPLES, run_main

SEED = EXAMPLES / "seed_case"
FILES = ("-w", str(SEED / "workload.yaml"), "-a", str(SEED / "arch.yaml"))


@pytest.fixture(scope="module")
def explored(tmp_path_factory):
    """The seed case's whole mapspace, its EDP optimum and Pareto front saved."""
    folder = tmp_path_factory.mktemp("explore")
    proc = run_main("explore", *FILES, "--objective", "edp", "--export",
                    str(folder / "space.parquet"), "--save-best", str(folder / "best"),
                    "--save-front", str(folder / "front"), "--json", "-")
    assert proc.returncode == 0, proc.stderr
    return folder, json.loads(proc.stdout)


def _evaluated(path) -> dict:
    proc = run_main("evaluate", *FILES, "-m", str(path), "--json", "-")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_saved_optimum_evaluates_to_the_explorers_cost(explored):
    folder, document = explored
    best = document["layers"][0]["best"]
    result = _evaluated(folder / "best" / "best_seed_conv.yaml")
    assert result["energy_pj"] == approx(best["energy_pj"], rel=1e-12)
    assert result["latency_cycles"] == best["latency_cycles"]


def test_every_saved_pareto_point_evaluates_to_its_row(explored):
    folder, document = explored
    front = document["layers"][0]["pareto_front"]
    assert front
    for point, row in enumerate(front):
        result = _evaluated(folder / "front" / f"front_seed_conv_{point}.yaml")
        assert result["energy_pj"] == approx(row["energy_pj"], rel=1e-12)
        assert result["latency_cycles"] == row["latency_cycles"]
    assert not (folder / "front" / f"front_seed_conv_{len(front)}.yaml").exists()


def test_saved_optimum_simulates_to_the_same_cycles(explored):
    folder, document = explored
    proc = run_main("simulate", *FILES, "-m", str(folder / "best" / "best_seed_conv.yaml"),
                    "--json", "-")
    assert proc.returncode == 0, proc.stderr
    run = json.loads(proc.stdout)
    assert run["golden"]["match"] if isinstance(run["golden"], dict) else run["golden"]
    assert run["latency_cycles"] == document["layers"][0]["best"]["latency_cycles"]


def test_rows_of_every_kind_parse_back_to_the_mapping_evaluated(explored):
    """Every 40th row of the export (both nest kinds, every unrolling): the parsed mapping,
    evaluated again, gives the row's access counts and cycles, and its energy."""
    folder, _ = explored
    rows = pq.read_table(folder / "space.parquet").to_pylist()[::40]
    layer = load_workload(SEED / "workload.yaml").mac_layers[0]
    arch = load_architecture(SEED / "arch.yaml")
    assert {row["index"] for row in rows} == {"output", "input"}
    assert any(row["spatial"] for row in rows)
    for row in rows:
        result = evaluate(bind(layer, arch, mapping_of_row(row, "row")))
        assert result.latency.total == row["latency_cycles"], row
        assert result.energy_pj == approx(row["energy_pj"], rel=1e-12), row
        for memory, per_operand in result.accesses.items():
            for operand, counts in per_operand.items():
                for key in ("reads", "writes", "final_writes"):
                    assert getattr(counts, key) == row[f"{memory}.{operand}.{key}"], row


def test_save_best_needs_one_objective(tmp_path):
    proc = run_main("explore", *FILES, "--objective", "pareto", "--export",
                    str(tmp_path / "s.parquet"), "--save-best", str(tmp_path / "best"))
    assert proc.returncode == 2
    assert "--save-best saves one optimum" in proc.stderr
    assert not (tmp_path / "s.parquet").exists()


def test_mapping_show_prints_the_nest():
    """The event-driven seed nest: 5x5 inputs, 3x3 taps, K over the 8 NPEs; its loops span the
    1800 (input, tap, channel) triples ZigZag counts (SPEC section 4), of which the filter
    boundary issues 648."""
    proc = run_main("mapping", "show", str(SEED / "mapping_event_driven.yaml"))
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0] == "mapping event_driven: input-indexed nest, boundary filter"
    sizes = [int(line.split("..")[1].rstrip(":").split(":")[0]) + 1
             for line in lines if " in 0.." in line]
    assert math.prod(sizes) == 1800
    assert sum("parallel for K in 0..7:" in line for line in lines) == 1
    assert lines[-1].strip() == "MAC"
    mapping = load_mapping(SEED / "mapping_event_driven.yaml")
    assert len(sizes) == sum(len(loops) for loops in (*mapping.spatial.values(),
                                                      *mapping.temporal.values()))


def test_save_folder_that_is_a_file_is_refused_before_the_run(tmp_path):
    (tmp_path / "best").write_text("")
    proc = run_main("explore", *FILES, "--export", str(tmp_path / "s.parquet"),
                    "--save-best", str(tmp_path / "best"))
    assert proc.returncode == 2
    assert "--save-best: exists and is not a folder" in proc.stderr
    assert not (tmp_path / "s.parquet").exists()
