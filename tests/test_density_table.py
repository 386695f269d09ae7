"""Densities as a per-layer YAML table (``--density table.yaml``)."""

from __future__ import annotations

import numpy as np
import pytest

from ripple.errors import RippleInputError
from ripple.sparse.distributions import Actual, Uniform
from ripple.workload.densities import DensityTable, load_density_table
from tests.conftest import EXAMPLES, cli_json, run_cli


def test_table_defaults_layers_and_tensors(tmp_path):
    np.save(tmp_path / "acts.npy", np.array([[0, 1], [0, 0]]))
    table = tmp_path / "d.yaml"
    table.write_text("densities:\n  default: {I: 0.5, W: 0.9}\n"
                     "  layers:\n    conv2: {I: acts.npy}\n")
    loaded = load_density_table(table)
    assert loaded.of("conv1") == {"I": Uniform(0.5), "W": Uniform(0.9)}
    assert loaded.of("conv2") == {"I": Actual(1, 4), "W": Uniform(0.9)}
    # later command-line entries win over the table's
    mixed = DensityTable.parse([str(table), "conv2:I=0.25"])
    assert mixed.of("conv2")["I"] == Uniform(0.25)


@pytest.mark.parametrize(("body", "field"), [
    ("densities:\n  layers:\n    conv1: {I: 1.5}\n", "densities.layers.conv1.I"),
    ("densities:\n  default: {X: 0.5}\n", "densities.default.X"),
    ("densities:\n  default: {I: missing.npy}\n", "densities.default.I"),
])
def test_bad_tables_name_the_file_and_field(tmp_path, body, field):
    table = tmp_path / "bad.yaml"
    table.write_text(body)
    with pytest.raises(RippleInputError) as raised:
        load_density_table(table)
    assert str(table) in str(raised.value) and field in str(raised.value)


def test_compare_reads_a_table(tmp_path):
    table = tmp_path / "d.yaml"
    table.write_text("densities:\n  default: {I: 0.5}\n")
    document = cli_json("compare", "-n", "zoo:lenet5", "-a",
                        str(EXAMPLES / "seed_dram" / "arch.yaml"), "--dataflows", "ed",
                        "--density", str(table))
    (row,) = document["comparison"]
    assert row["sparse"]["total"]["macs"]["issued"] == pytest.approx(0.5 * 416_520)
    proc = run_cli("compare", "-n", "zoo:lenet5", "-a", str(EXAMPLES / "seed_dram" / "arch.yaml"),
                   "--density", str(tmp_path / "none.yaml"))
    assert proc.returncode == 2 and "none.yaml" in proc.stderr and "Traceback" not in proc.stderr
