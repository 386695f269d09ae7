"""Dense versus sparse activations: ``ripple compare --density/--digits`` and the simulator on
the digits-trained LeNet-5's real tensors (issue: sparsity)."""

from __future__ import annotations

import numpy as np
import pytest

from ripple import api
from ripple.arch import load_architecture
from ripple.sparse.dataflows import sparse_architecture
from ripple.sparse.real_tensors import effectual_macs, real_tensor_rows
from ripple.workload.densities import DensityTable
from ripple.workload.zoo import lenet5
from tests.conftest import EXAMPLES, cli_json

ARCH = EXAMPLES / "seed_dram" / "arch.yaml"


@pytest.fixture(scope="module")
def digits_document() -> dict:
    return cli_json("compare", "-n", "zoo:lenet5", "-a", str(ARCH), "--digits")


def test_only_the_event_driven_dataflow_skips_by_itself():
    arch = load_architecture(ARCH)
    assert arch.mac.sparsity is None
    assert sparse_architecture(arch, "ed").mac.sparsity.condition_on == ["I"]
    for other in ("ws", "os", "is", "rs"):
        assert sparse_architecture(arch, other) is arch
    skipping = load_architecture(EXAMPLES / "seed_case" / "arch_skip.yaml")
    assert sparse_architecture(skipping, "ws") is skipping  # the architecture's rule wins


def test_measured_densities_help_event_driven_and_only_it(digits_document):
    by_flow = {row["dataflow"]: row for row in digits_document["comparison"]}
    for name, row in by_flow.items():
        dense, sparse = row["dense"]["total"], row["sparse"]["total"]
        if name == "event_driven":
            assert sparse["latency_cycles"] < dense["latency_cycles"]
            assert sparse["energy_pj"] < dense["energy_pj"]
            assert sparse["macs"]["issued"] < 0.7 * dense["macs"]["issued"]
        else:
            assert sparse == dense


def test_density_one_is_dense_for_every_dataflow():
    workload, arch = lenet5(1), load_architecture(ARCH)
    pairs = api.compare_sparsity(workload, arch, ["ed", "os"],
                                 DensityTable.parse(["I=1.0"]))
    (ed_dense, ed_sparse), (os_dense, os_sparse) = pairs
    assert ed_sparse.latency_cycles == ed_dense.latency_cycles
    assert ed_sparse.energy_pj == pytest.approx(ed_dense.energy_pj)
    macs = [sum(r.macs_issued for r in n.layers) for n in (ed_sparse, os_sparse, os_dense)]
    assert macs[0] == macs[1] == macs[2] == 416_520


def test_simulator_on_real_tensors_counts_the_effectual_macs_exactly():
    rows = real_tensor_rows(load_architecture(ARCH), ["ed", "os"])
    layers = {layer.name: layer for layer in lenet5(1).mac_layers}
    for row in rows:
        assert row.golden
        assert row.macs_simulated == row.macs_exact
        if row.dataflow == "output_stationary":  # runs every MAC: model = simulator
            assert row.macs_simulated == row.macs_dense == layers[row.layer].macs
            assert row.cycles_simulated == row.cycles_expected
        elif row.layer.startswith("fc"):
            # every input meets every weight: where the nonzeros sit cannot matter, so the
            # expectation over placements is the real count
            assert row.macs_expected == pytest.approx(row.macs_simulated)
            assert row.cycles_expected == pytest.approx(row.cycles_simulated)
            assert row.energy_expected_pj == pytest.approx(row.energy_simulated_pj)
        else:
            assert row.macs_simulated < row.macs_dense


def test_effectual_macs_closed_form_by_brute_force():
    layer = lenet5(1).mac_layers[1]

    rng = np.random.default_rng(3)
    inputs = rng.integers(-1, 2, size=layer.tensor_shape("I"))
    brute = 0
    for oy in range(layer.OY):
        for ox in range(layer.OX):
            window = inputs[0, :, oy:oy + layer.FY, ox:ox + layer.FX]
            brute += int(np.count_nonzero(window)) * layer.K
    assert effectual_macs(layer, inputs) == brute
