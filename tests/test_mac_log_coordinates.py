"""The MAC log's coordinate columns agree with its flat indices and with the convolution's
geometry, on a grouped, strided, dilated and padded layer under output- and input-indexed
nests."""

from __future__ import annotations

import numpy as np
import pytest

from ripple.api import seed_case_nests
from ripple.arch import load_architecture
from ripple.dse import preset_mapping
from ripple.mapping import bind
from ripple.sim import simulate
from ripple.sim.maclog import COORDINATES, read_mac_log
from ripple.workload.layer import Layer
from tests.conftest import EXAMPLES

LAYER = Layer(name="odd", K=4, C=6, G=2, IY=9, IX=8, FY=3, FX=2, stride=(2, 1),
              dilation=(1, 2), padding=(1, 1, 2, 0))


def logged(nest, tmp_path, suffix):
    path = tmp_path / f"macs{suffix}"
    run = simulate(nest, log_path=path)
    return run, read_mac_log(path)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("dataflow", ["ws", "os", "ed"])
def test_coordinates_match_the_flat_indices_and_the_geometry(dataflow, suffix, tmp_path):
    arch = load_architecture(EXAMPLES / "seed_dram" / "arch.yaml")
    nest = bind(LAYER, arch, preset_mapping(LAYER, arch, dataflow))
    run, log = logged(nest, tmp_path, suffix)
    assert list(log)[-len(COORDINATES) - 1:-1] == list(COORDINATES)
    n, k, c, oy, ox, iy, ix, fy, fx = (log[name] for name in COORDINATES)
    L = LAYER
    np.testing.assert_array_equal(log["output"],
                                  np.ravel_multi_index((n, k, oy, ox), (L.N, L.K, L.OY, L.OX)))
    group = k // (L.K // L.G)
    np.testing.assert_array_equal(
        log["weight"], np.ravel_multi_index((k, c - group * (L.C // L.G), fy, fx),
                                            (L.K, L.C // L.G, L.FY, L.FX)))
    # input row = output row x stride + tap x dilation - leading padding, on every MAC
    np.testing.assert_array_equal(iy, oy * 2 + fy * 1 - 1)
    np.testing.assert_array_equal(ix, ox * 1 + fx * 2 - 2)
    inside = (iy >= 0) & (iy < L.IY) & (ix >= 0) & (ix < L.IX)
    np.testing.assert_array_equal(inside, log["valid"])
    np.testing.assert_array_equal(
        log["input"][inside], np.ravel_multi_index(
            (n[inside], c[inside], iy[inside], ix[inside]), (L.N, L.C, L.IY, L.IX)))
    assert len(log["cycle"]) == run.mac_log_rows == run.result.macs_issued


def test_scatter_outputs_are_positions_in_the_enlarged_buffer(tmp_path):
    """ZigZag's scatter count writes into an enlarged output buffer: the coordinates decode
    it, and every MAC reads a real input."""
    nest = next(n for n in seed_case_nests() if n.mapping.name == "input_scatter")
    _, log = logged(nest, tmp_path, ".parquet")
    L = nest.layer
    rows, cols = L.axis("y").scatter_extent, L.axis("x").scatter_extent
    np.testing.assert_array_equal(
        log["output"], np.ravel_multi_index((log["n"], log["k"], log["oy"], log["ox"]),
                                            (L.N, L.K, rows, cols)))
    assert (log["input"] >= 0).all()
    np.testing.assert_array_equal(
        log["input"], np.ravel_multi_index((log["n"], log["c"], log["iy"], log["ix"]),
                                           (L.N, L.C, L.IY, L.IX)))
    # an input-indexed scatter: output position = input position + taps' reach - tap
    np.testing.assert_array_equal(log["oy"], log["iy"] + (L.FY - 1) - log["fy"])
