"""Sparseloop's Table 7 (Eyeriss v1, AlexNet conv1-5) through the one model: cycles, energy,
computes and per-component energy against the artifact's figures (SPEC section 7), and the
table equal to ``ripple evaluate --timeloop ... --sparse-opt``."""

from __future__ import annotations

import filecmp

import pytest

from ripple.errors import RippleInputError
from ripple.sparseloop.table7 import (
    ACCELFORGE,
    LAYERS,
    SPARSELOOP,
    TimeloopSpec,
    table7_rows,
    table7_specs,
)
from ripple.workload.timeloop_import import import_timeloop_problem
from tests.conftest import SHARED, cli_json, run_cli

REFERENCE_DIR = SHARED / "reference" / "sparseloop_table7"
DENSE_COMPUTES = {"conv1": 437_133_312, "conv2": 963_379_200, "conv3": 598_081_536,
                  "conv4": 448_561_152, "conv5": 299_040_768}


@pytest.fixture(scope="module")
def rows() -> dict[str, dict]:
    return {row["layer"]: row for row in table7_rows(REFERENCE_DIR)}


@pytest.mark.parametrize("layer", LAYERS)
def test_cycles_energy_and_computes_match_sparseloop(rows, layer):
    row = rows[layer]
    assert abs(row["cycles"]["rel_error"]) < 0.005
    assert abs(row["energy_uJ"]["rel_error"]) < 0.03
    assert abs(row["computes"]["rel_error"]) < 0.001
    assert row["computes"]["dense"] == DENSE_COMPUTES[layer]
    # better than the best published re-implementation on every layer
    assert abs(row["energy_uJ"]["rel_error"]) < abs(row["energy_uJ"]["accelforge_rel_error"])
    assert abs(row["cycles"]["rel_error"]) <= abs(row["cycles"]["accelforge_rel_error"]) + 1e-6


@pytest.mark.parametrize("layer", ["conv1", "conv3", "conv4"])
def test_component_energies_within_ten_percent(rows, layer):
    components = rows[layer]["components"]
    assert set(components) == set(SPARSELOOP[layer].components_pj)
    for name, c in components.items():
        assert abs(c["rel_error"]) < 0.10, name
    # the MACs, the spads and DRAM: Timeloop's dense counts and Sparseloop's rules exactly
    # (the buffer's residual is the one known difference: docs/sparseloop.md)
    for name in ("MACs", "psum_spad", "weights_spad", "ifmap_spad", "DRAM"):
        assert abs(components[name]["rel_error"]) < 0.001, name


@pytest.mark.parametrize("layer", LAYERS)
def test_table7_is_evaluate_timeloop_with_sparse_opt(rows, layer):
    """The table's figures are the one model's: ``ripple evaluate --timeloop P A E M
    --sparse-opt F --json -`` prints the same cycles, energy and MACs."""
    spec = table7_specs(REFERENCE_DIR)[layer]
    document = cli_json("evaluate", "--timeloop", str(spec.problem), str(spec.arch),
                        str(spec.ert), str(spec.mapping), "--sparse-opt", str(spec.sparse_opt))
    row = rows[layer]
    assert document["latency_cycles"] == row["cycles"]["ripple"]
    assert document["energy_pj"] / 1e6 == pytest.approx(row["energy_uJ"]["ripple"], rel=1e-12)
    assert document["macs"]["issued"] == pytest.approx(row["computes"]["ripple"], rel=1e-12)
    assert document["sparse_opt"]["dense_macs"] == DENSE_COMPUTES[layer]
    breakdown = document["energy_breakdown_pj"]
    assert breakdown["mac"] / 1e6 == pytest.approx(row["components"]["MACs"]["ripple_uJ"])


def test_effectual_computes_follow_the_input_density(rows):
    """Gating weight reads on zero inputs leaves d_I of the MACs (conv1: dense inputs)."""
    for layer, spec in table7_specs(REFERENCE_DIR).items():
        density = import_timeloop_problem(spec.problem).value.densities.I
        expected = DENSE_COMPUTES[layer] * (1.0 if layer == "conv1" else density)
        assert rows[layer]["computes"]["ripple"] == pytest.approx(expected, rel=1e-12)


def test_without_sparse_optimisations_every_mac_runs(rows):
    spec = table7_specs(REFERENCE_DIR)["conv3"]
    dense = TimeloopSpec(spec.problem, spec.arch, spec.ert, spec.mapping).evaluate()
    assert dense.macs_issued == DENSE_COMPUTES["conv3"]
    assert dense.latency.compute == DENSE_COMPUTES["conv3"] / 156  # 13 x 12 PEs
    assert rows["conv3"]["energy_uJ"]["ripple"] * 1e6 < dense.energy_pj
    assert rows["conv3"]["cycles"]["ripple"] < dense.latency.compute


def test_cli_json_gives_every_layer_and_component(rows):
    document = cli_json("sparsity", "table7", "--dir", str(REFERENCE_DIR))
    assert [r["layer"] for r in document["table7"]] == list(LAYERS)
    for got in document["table7"]:
        want = rows[got["layer"]]
        assert got["energy_uJ"]["ripple"] == pytest.approx(want["energy_uJ"]["ripple"])
        assert got["components"].keys() == want["components"].keys()
    assert set(ACCELFORGE) == set(LAYERS)


def test_bundled_inputs_are_the_artifact_files():
    for spec in table7_specs().values():
        for path in (spec.problem, spec.arch, spec.ert, spec.mapping, spec.sparse_opt):
            relative = path.relative_to(path.parents[1])
            assert filecmp.cmp(path, REFERENCE_DIR / relative, shallow=False), relative


def test_missing_directory_is_a_clear_error(tmp_path):
    proc = run_cli("sparsity", "table7", "--dir", str(tmp_path))
    assert proc.returncode == 2
    assert str(tmp_path) in proc.stderr and "workload" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_metadata_field_too_narrow_for_its_tile_names_the_file(tmp_path):
    narrow = tmp_path / "narrow.yaml"
    narrow.write_text("sparse_optimizations:\n  targets:\n    - name: DRAM\n"
                      "      representation-format:\n        data-spaces:\n"
                      "          - name: Outputs\n            ranks:\n"
                      "              - format: CP\n                payload-word-bits: 2\n")
    spec = table7_specs(REFERENCE_DIR)["conv3"]
    with pytest.raises(RippleInputError) as raised:
        TimeloopSpec(spec.problem, spec.arch, spec.ert, spec.mapping, narrow).evaluate()
    assert str(narrow) in str(raised.value) and "Outputs at DRAM" in str(raised.value)
