"""Timeloop's files through the one model (docs/sparseloop.md, "Through the one model"):
``ripple evaluate --timeloop`` on the Eyeriss AlexNet mappings of Sparseloop's artifact against
Sparseloop's own figures where its optimisations change nothing, and the model equal to the
simulator on a small layer over
the same Eyeriss architecture: split partial sums summed down the PE columns, multicast per
class of instances, delta fills of sliding input windows.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from ripple.api import evaluate_timeloop_files, import_timeloop_files
from ripple.arch import Architecture
from ripple.mapping import bind, load_mapping
from ripple.model import evaluate
from ripple.sparseloop.table7 import SPARSELOOP
from ripple.workload.sources import load_any_workload
from tests.conftest import EXAMPLES, SHARED, model_equal_to_simulation, run_cli

TABLE7 = SHARED / "reference" / "sparseloop_table7"
ARCH, ERT = TABLE7 / "arch" / "arch.yaml", TABLE7 / "ert_art" / "ERT.yaml"


def _files(layer: str) -> tuple[Path, Path, Path, Path]:
    return (TABLE7 / "workload" / f"alexnet_{layer}.yaml", ARCH, ERT,
            TABLE7 / "mappings_found" / f"alexnet_{layer}.yaml")


def _total(value: float | dict) -> float:
    return sum(_total(v) for v in value.values()) if isinstance(value, dict) else value


@pytest.mark.parametrize("layer", ["conv1", "conv2", "conv3", "conv4", "conv5"])
def test_eyeriss_alexnet_dense_counts_every_mac_once_per_busy_pe(layer):
    """Every MAC of the layer issued once, compute cycles the MACs over the busy PEs (the
    product of the mapping's spatial factors)."""
    ripple = evaluate_timeloop_files(*_files(layer)).value
    nest = import_timeloop_files(*_files(layer)).value.nest
    assert ripple.macs_issued == nest.layer.macs
    assert ripple.latency.compute == nest.layer.macs // math.prod(
        loop.size for loop in nest.spatial)


def test_eyeriss_conv1_dense_spads_and_macs_are_sparseloops():
    """conv1's sparse optimisation only compresses the outputs in DRAM, so the MACs and the
    three spads of the dense evaluation are Sparseloop's own figures for them (to 0.05%)."""
    breakdown = evaluate_timeloop_files(*_files("conv1")).value.to_dict()["energy_breakdown_pj"]
    reference = SPARSELOOP["conv1"].components_pj
    assert reference is not None
    assert breakdown["mac"] == pytest.approx(reference["MACs"], rel=5e-4)
    for memory in ("ifmap_spad", "weights_spad", "psum_spad"):
        assert _total(breakdown[memory]) == pytest.approx(reference[memory], rel=5e-4), memory


def test_evaluate_timeloop_cli_json(tmp_path):
    out = tmp_path / "conv5.json"
    proc = run_cli("evaluate", "--timeloop", *map(str, _files("conv5")), "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    document = json.loads(out.read_text())
    direct = evaluate_timeloop_files(*_files("conv5")).value
    assert document["energy_pj"] == pytest.approx(direct.energy_pj, rel=1e-12)
    assert document["latency_cycles"] == direct.latency.total
    assert {"accesses", "energy_breakdown_pj", "macs"} <= set(document)


def _small_layer(tmp_path: Path) -> tuple[Path, Path]:
    """AlexNet conv3's problem and mapping shrunk to C2 M4 P4 Q3 R3 S3: Q over the GLB's
    14 columns, M4 x S3 down the 12 PE rows (S is a reduction: per-PE psum spads summed down
    the columns), R in the weight spads, P at the GLB sliding the input windows."""
    problem = yaml.safe_load((TABLE7 / "workload" / "alexnet_conv3.yaml").read_text())
    problem["problem"]["instance"].update({"C": 2, "M": 4, "N": 1, "P": 4, "Q": 3, "R": 3,
                                           "S": 3})
    factors = {("DRAM", "temporal"): "R=1 S=1 P=1 C=2 M=1 N=1 Q=1",
               ("shared_glb", "spatial"): "N=1 C=1 P=1 R=1 S=1 Q=0 M=1",
               ("shared_glb", "temporal"): "Q=1 R=1 S=1 P=0 C=1 N=1 M=1",
               ("DummyBuffer", "spatial"): "N=1 P=1 Q=1 R=1 S=0 C=1 M=4",
               ("weights_spad", "temporal"): "N=1 M=1 P=1 Q=1 S=1 R=0 C=1",
               ("psum_spad", "temporal"): "N=1 C=1 R=1 S=1 P=1 Q=1 M=1"}
    mapping = yaml.safe_load((TABLE7 / "mappings_found" / "alexnet_conv3.yaml").read_text())
    for directive in mapping["mapping"]:
        key = (directive["target"], directive["type"])
        if key in factors:
            directive["factors"] = factors[key]
    paths = tmp_path / "problem.yaml", tmp_path / "mapping.yaml"
    paths[0].write_text(yaml.safe_dump(problem))
    paths[1].write_text(yaml.safe_dump(mapping))
    return paths


def test_small_eyeriss_layer_model_equals_simulator(tmp_path):
    problem, mapping = _small_layer(tmp_path)
    nest = import_timeloop_files(problem, ARCH, ERT, mapping).value.nest
    model = model_equal_to_simulation(nest)
    # delta fills: each of the 36 busy PEs receives its 3-input window whole once per C step
    # and then one new input per step of P (4 steps): (3 + 1 + 1 + 1) x 2 = 12 words each
    assert model.accesses["ifmap_spad"]["I"].writes == 36 * 12
    # psum spads: one output per PE, refilled at each (C, P) step (R3 above them is irrelevant
    # to outputs): 8 fills of 3 updates. The MACs write all 24 updates and read 16 (not the
    # first of each fill); at the second C step each output returns to all 3 spads of its
    # column (S3): 4 partial-sum writes; each fill ends with the part read out: 8 reads
    psum = model.accesses["psum_spad"]["O"]
    assert (psum.writes, psum.reads) == (36 * (24 + 4), 36 * (16 + 8))


def _eyeriss_like(conventions: str | None) -> Architecture:
    spec = yaml.safe_load((EXAMPLES / "eyeriss_like" / "arch.yaml").read_text())
    if conventions is not None:
        spec["conventions"] = conventions
        spec["mac"].pop("first_read_elision")  # the preset's
    return Architecture.model_validate(spec)


def test_the_eyeriss_like_example_is_timeloops_eyeriss_under_its_conventions():
    """The artifact's row-stationary conv3 written for examples/eyeriss_like: under
    ``conventions: timeloop`` every access, the energy and the latency equal the imported
    Timeloop files'; under Ripple's own conventions DRAM and the buffer move the same words and
    only the spads differ (a latched input is read once per change, not once per MAC; a
    returning partial sum goes to one spad of its column)."""
    problem, arch, ert, mapping = _files("conv3")
    timeloop = evaluate_timeloop_files(problem, arch, ert, mapping).value
    layer = load_any_workload(problem).layers[0]
    ours = load_mapping(EXAMPLES / "eyeriss_like" / "mapping_alexnet_conv3_rs.yaml")
    same = evaluate(bind(layer, _eyeriss_like("timeloop"), ours))
    renamed = {"DRAM": "dram", "shared_glb": "glb"}
    assert same.accesses == {renamed.get(m, m): a for m, a in timeloop.accesses.items()}
    assert same.energy_pj == pytest.approx(timeloop.energy_pj, rel=1e-12)
    assert same.latency == timeloop.latency
    own = evaluate(bind(layer, _eyeriss_like(None), ours))
    for memory in ("dram", "glb", "weights_spad"):
        assert own.accesses[memory] == same.accesses[memory]
    assert own.accesses["ifmap_spad"]["I"].reads < same.accesses["ifmap_spad"]["I"].reads


def test_simulate_timeloop_cli_equals_evaluate(tmp_path):
    problem, mapping = _small_layer(tmp_path)
    files = [str(problem), str(ARCH), str(ERT), str(mapping)]
    simulated = run_cli("simulate", "--timeloop", *files, "--json", "-")
    evaluated = run_cli("evaluate", "--timeloop", *files, "--json", "-")
    assert simulated.returncode == 0 and evaluated.returncode == 0, simulated.stderr
    sim, model = json.loads(simulated.stdout), json.loads(evaluated.stdout)
    assert sim["golden"]["match"]
    assert sim["accesses"] == model["accesses"]
    assert sim["latency"] == model["latency"]
    assert sim["energy_pj"] == pytest.approx(model["energy_pj"], rel=1e-12)
