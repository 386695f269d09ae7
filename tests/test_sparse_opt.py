"""Sparseloop's sparse optimisations as an option of the one model (docs/sparseloop.md):
``evaluate(nest, densities, sparse_opt=...)`` on the artifact's conv3 against the dense counts
of the same nest, with the expected shares worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from ripple.api import evaluate_timeloop_files
from ripple.sparseloop.table7 import TimeloopSpec, table7_specs
from ripple.workload.timeloop_import import import_timeloop_problem
from tests.conftest import run_cli

CONV3_MACS = 598_081_536
CONV3_OUTPUTS = 4 * 384 * 13 * 13


def _with_opt(tmp_path: Path, body: str) -> TimeloopSpec:
    spec = table7_specs()["conv3"]
    opt = tmp_path / "opt.yaml"
    opt.write_text("sparse_optimizations:\n  targets:\n" + body)
    return TimeloopSpec(spec.problem, spec.arch, spec.ert, spec.mapping, opt)


def _densities(spec: TimeloopSpec):
    return import_timeloop_problem(spec.problem).value.densities


def _dense(spec: TimeloopSpec):
    return evaluate_timeloop_files(spec.problem, spec.arch, spec.ert, spec.mapping).value


@pytest.mark.parametrize("kind", ["skipping", "gating"])
def test_an_upper_level_skips_tiles_whose_condition_tile_is_empty(tmp_path, kind):
    """DRAM weight reads into the weight spads, conditioned on inputs: a fill is ineffectual
    when the 12 inputs the spad's tile meets (C4 x R3 window, by hand from the mapping) are
    all zero."""
    spec = _with_opt(tmp_path, "    - name: DRAM\n      action-optimization:\n"
                     f"        - type: {kind}\n          options:\n"
                     "            - target: Weights\n              condition-on: [Inputs]\n")
    dense, sparse = _dense(spec), spec.evaluate()
    effectual = 1 - (1 - _densities(spec).I) ** 12
    for memory, action in (("DRAM", "reads"), ("weights_spad", "writes")):
        before = getattr(dense.accesses[memory]["W"], action)
        after = sparse.accesses[memory]["W"]
        gated = getattr(after, f"gated_{action}")
        assert getattr(after, action) - gated == pytest.approx(before * effectual)
        assert gated == (pytest.approx(before * (1 - effectual)) if kind == "gating" else 0)
    assert sparse.macs_issued == dense.macs_issued  # the MACs are governed by their own reads


def test_compressed_outputs_move_nonzeros_and_run_lengths(tmp_path):
    spec = _with_opt(tmp_path, "    - name: DRAM\n      representation-format:\n"
                     "        data-spaces:\n          - name: Outputs\n            ranks:\n"
                     "              - format: RLE\n                payload-word-bits: 8\n")
    result = spec.evaluate()
    density = _densities(spec).O
    assert result.accesses["DRAM"]["O"].write_bits / 16 == pytest.approx(
        CONV3_OUTPUTS * density)
    counts = result.extras["sparse_opt"]["memories"]
    # one 8-bit run per stored nonzero (runs of 255 zeros or more are vanishingly rare at this
    # density), charged per 5-bit metadata word of the DRAM
    assert counts["DRAM"]["O"]["metadata_write"] == pytest.approx(
        CONV3_OUTPUTS * density * 8 / 5, rel=1e-9)
    # the buffer reads every output once to write it back, and compresses it
    assert counts["shared_glb"]["O"]["compression_count"] == CONV3_OUTPUTS
    assert result.energy_breakdown()["DRAM"]["O"]["metadata_write"] == pytest.approx(
        counts["DRAM"]["O"]["metadata_write"] * 40.0)  # the ERT's metadata_write


def test_a_mac_is_lost_once_however_many_reads_its_zero_gates(tmp_path):
    """Weights and partial sums both gated on zero inputs: the MACs left are d_I of them, not
    d_I squared; adding inputs gated on zero weights makes it d_I x d_W."""
    gate = ("    - name: {level}\n      action-optimization:\n        - type: gating\n"
            "          options:\n            - target: {target}\n"
            "              condition-on: [{condition}]\n")
    body = (gate.format(level="weights_spad", target="Weights", condition="Inputs")
            + gate.format(level="psum_spad", target="Outputs", condition="Inputs"))
    spec = _with_opt(tmp_path, body)
    densities = _densities(spec)
    assert spec.evaluate().macs_issued == pytest.approx(CONV3_MACS * densities.I)
    both = _with_opt(tmp_path, body + gate.format(level="ifmap_spad", target="Inputs",
                                                  condition="Weights"))
    assert both.evaluate().macs_issued == pytest.approx(CONV3_MACS * densities.I * densities.W)


def test_without_optimisations_the_latency_is_timeloops(tmp_path):
    """An empty file keeps every count dense and gives Timeloop's latency: conv3 on 13 x 12
    busy PEs is compute bound, one MAC per PE per cycle, the spads' two words a cycle
    sufficing."""
    spec = _with_opt(tmp_path, "      []\n")
    result, dense = spec.evaluate(), _dense(spec)
    assert result.accesses == dense.accesses
    assert result.energy_pj == pytest.approx(dense.energy_pj, rel=1e-12)
    assert result.latency.total == CONV3_MACS / 156


def test_sparse_opt_needs_timeloop_files(tmp_path):
    proc = run_cli("evaluate", "-w", "x.yaml", "-a", "y.yaml", "-m", "z.yaml",
                   "--sparse-opt", str(tmp_path / "opt.yaml"))
    assert proc.returncode == 2 and "--timeloop" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_a_target_that_is_not_a_memory_is_refused(tmp_path):
    spec = _with_opt(tmp_path, "    - name: DummyBuffer\n      action-optimization:\n"
                     "        - type: gating\n          options:\n"
                     "            - target: Weights\n              condition-on: [Inputs]\n")
    proc = run_cli("evaluate", "--timeloop", str(spec.problem), str(spec.arch), str(spec.ert),
                   str(spec.mapping), "--sparse-opt", str(spec.sparse_opt))
    assert proc.returncode == 2
    assert str(spec.sparse_opt) in proc.stderr and "DummyBuffer" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_table_tells_what_the_optimisations_did():
    spec = table7_specs()["conv3"]
    proc = run_cli("evaluate", "--timeloop", str(spec.problem), str(spec.arch), str(spec.ert),
                   str(spec.mapping), "--sparse-opt", str(spec.sparse_opt))
    assert proc.returncode == 0, proc.stderr
    flat = " ".join(proc.stdout.split())
    assert "164,472,422.40 effectual of 598,081,536 MACs" in flat
    assert "metadata and (de)compression" in flat


def test_a_nest_outside_timeloops_multicast_is_refused():
    """The words a child receives come from its parent's reads under Timeloop's multicast; the
    seed case's memories multicast to the union of their children's needs."""
    from ripple.api import seed_case_nests
    from ripple.errors import ModelError
    from ripple.model import evaluate
    from ripple.model.sparse_opt import SparseOptimizations

    with pytest.raises(ModelError, match="multicast"):
        evaluate(seed_case_nests()[0], sparse_opt=SparseOptimizations({}))
