"""Exploration constraints, and whole networks explored layer by layer."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq

from ripple.arch import load_architecture
from ripple.dse.constraints import Constraints
from ripple.dse.explore import explore
from ripple.workload import Layer
from tests.conftest import EXAMPLES, run_cli

SEED = EXAMPLES / "seed_case"
CONV2 = Layer(name="conv2", K=16, C=6, IY=14, IX=14, FY=5, FX=5)


def _rows(tmp_path, layers, arch, rules):
    explore(layers, arch, rules, tmp_path / "x.parquet")
    return pq.read_table(tmp_path / "x.parquet").to_pylist()


def _dims(loops: str) -> list[str]:
    return ["".join(c for c in token if c.isalpha()) for level in loops.split(" | ")
            for token in level.split(": ")[1].split()]


def test_fixed_order_and_unrolling(tmp_path):
    arch = load_architecture(SEED / "arch.yaml")
    rules = Constraints(index=["output"], spatial={"D1": [("K", 8)]},
                        order=["K", "C", "FY", "FX", "OY", "OX"])
    rows = _rows(tmp_path, [CONV2], arch, rules)
    assert rows and all(r["spatial"] == "K8@D1" for r in rows)
    for r in rows:
        dims = _dims(r["loops"])
        ranks = [["K", "C", "FY", "FX", "OY", "OX"].index(d) for d in dims]
        assert ranks == sorted(ranks)
    # identical loops are not permuted: 2 C loops (2, 3), 2 OY (2, 5), 2 OX (2, 5) -> 2^3 orders
    assert len(rows) == 8


def test_partial_order_and_level(tmp_path):
    arch = load_architecture(EXAMPLES / "seed_dram" / "arch.yaml")
    rules = Constraints(index=["output"], spatial={"D1": [("K", 8)]},
                        partial_order=[("C", "K")], level_of={"FY": "sram", "FX": "sram"},
                        max_loops_per_level=6)
    explore([CONV2], arch, rules, tmp_path / "x.parquet", limit=20_000)
    rows = pq.read_table(tmp_path / "x.parquet").to_pylist()
    assert rows
    for r in rows:
        levels = dict(part.split(": ") for part in r["loops"].split(" | "))
        assert "FY" not in levels.get("dram", "") and "FX" not in levels.get("dram", "")
        dims = _dims(r["loops"])
        if "C" in dims and "K" in dims:
            assert max(i for i, d in enumerate(dims) if d == "C") < min(
                i for i, d in enumerate(dims) if d == "K")


def test_preset_as_constraint(tmp_path):
    arch = load_architecture(SEED / "arch.yaml")
    rows = _rows(tmp_path, [CONV2], arch, Constraints(dataflow="ed"))
    assert rows and {r["index"] for r in rows} == {"input"}
    assert all(r["macs_issued"] == r["macs_valid"] == 240_000 for r in rows)


def test_whole_network_layer_by_layer(tmp_path):
    constraints = tmp_path / "c.yaml"
    constraints.write_text("dataflow: ws\n")
    proc = run_cli("explore", "-w", "zoo:lenet5", "-a", str(SEED / "arch.yaml"),
                   "--constraints", str(constraints), "--export", str(tmp_path / "n.parquet"),
                   "--json", "-")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [layer["layer"] for layer in doc["layers"]] == ["conv1", "conv2", "fc1", "fc2", "fc3"]
    table = pq.read_table(tmp_path / "n.parquet")
    assert sorted(set(table["layer"].to_pylist())) == ["conv1", "conv2", "fc1", "fc2", "fc3"]
    best = [layer["best"]["energy_pj"] for layer in doc["layers"]]
    assert doc["total"]["energy_pj"] == sum(best)
    energy, layers = table["energy_pj"].to_numpy(), np.array(table["layer"].to_pylist())
    assert best == [energy[layers == name].min() for name in ["conv1", "conv2", "fc1", "fc2",
                                                              "fc3"]]


def test_bad_constraints_file(tmp_path):
    bad = tmp_path / "c.yaml"
    bad.write_text("order: [K, Q]\n")
    proc = run_cli("explore", "-w", str(SEED / "workload.yaml"), "-a", str(SEED / "arch.yaml"),
                   "--constraints", str(bad), "--export", str(tmp_path / "x.parquet"))
    assert proc.returncode == 2
    assert f"{bad}: order[1]" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "x.parquet").exists()


def test_per_layer_constraints_replace_the_ones_for_every_layer(tmp_path):
    """``layers:`` gives conv2 its own unrolling (C over the NPEs) and fixed loops; conv1
    keeps the unrolling for every layer."""
    from ripple.dse.constraints import LayerConstraints

    arch = load_architecture(SEED / "arch.yaml")
    conv1 = Layer(name="conv1", K=6, C=1, IY=32, IX=32, FY=5, FX=5)
    fixed = [("K", 16), ("OY", 10), ("OX", 10), ("FY", 5), ("FX", 5)]
    rules = Constraints(index=["output"], spatial={"D1": [("K", 6)]}, layers={
        "conv2": LayerConstraints(spatial={"D1": [("C", 6)]}, loops=fixed)})
    assert rules.for_layer("conv2").index == ["output"]  # not given for conv2: kept
    rows = _rows(tmp_path, [conv1, CONV2], arch, rules)
    by_layer = {name: [r for r in rows if r["layer"] == name] for name in ("conv1", "conv2")}
    assert by_layer["conv1"] and {r["spatial"] for r in by_layer["conv1"]} == {"K6@D1"}
    assert {r["spatial"] for r in by_layer["conv2"]} == {"C6@D1"}
    assert {r["loops"] for r in by_layer["conv2"]} == {"sram: K16 OY10 OX10 FY5 FX5"}
