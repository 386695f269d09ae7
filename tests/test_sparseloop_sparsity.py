"""Sparseloop's sparsity rules on the Table 7 nests: compression, and gating or skipping at a
level above the MACs (conditioned on a tile of another operand), against closed forms."""

from __future__ import annotations

from pathlib import Path

import pytest

from ripple.sparseloop.counts import NestCounts
from ripple.sparseloop.evaluate import TimeloopSpec, evaluate_timeloop
from ripple.sparseloop.nest import load_timeloop_nest
from ripple.sparseloop.table7 import table7_specs
from ripple.workload.timeloop_import import import_timeloop_problem

LEVELS = ("DRAM", "shared_glb", "DummyBuffer", "ifmap_spad", "weights_spad", "psum_spad")


def _with_opt(tmp_path: Path, body: str) -> TimeloopSpec:
    spec = table7_specs()["conv3"]
    opt = tmp_path / "opt.yaml"
    opt.write_text("sparse_optimizations:\n  targets:\n" + body)
    return TimeloopSpec(spec.problem, spec.arch, spec.ert, spec.mapping, opt)


def _counts() -> NestCounts:
    spec = table7_specs()["conv3"]
    layer = import_timeloop_problem(spec.problem).value.layer
    return NestCounts(load_timeloop_nest(spec.mapping, layer, LEVELS))


@pytest.mark.parametrize("kind", ["skipping", "gating"])
def test_an_upper_level_skips_tiles_whose_condition_tile_is_empty(tmp_path, kind):
    """DRAM weight reads into the weight spads, conditioned on inputs: a fill is ineffectual
    when the 12 inputs the spad's tile meets (C4 x R3 window) are all zero."""
    spec = _with_opt(tmp_path, "    - name: DRAM\n      action-optimization:\n"
                     f"        - type: {kind}\n          options:\n"
                     "            - target: Weights\n              condition-on: [Inputs]\n")
    dense = evaluate_timeloop(TimeloopSpec(spec.problem, spec.arch, spec.ert, spec.mapping))
    sparse = evaluate_timeloop(spec)
    density = import_timeloop_problem(spec.problem).value.densities.I
    assert _counts().tile("weights_spad", "I") == 12
    effectual = 1 - (1 - density) ** 12
    for component, action in (("DRAM", "read"), ("weights_spad", "write")):
        before = dense.count(component, "W", action)
        assert sparse.count(component, "W", action) == pytest.approx(before * effectual)
        gated = sparse.count(component, "W", f"gated_{action}")
        assert gated == (pytest.approx(before * (1 - effectual)) if kind == "gating" else 0)
    assert sparse.computes == dense.computes  # the MACs are governed by their own reads


def test_compressed_outputs_move_nonzeros_and_run_lengths(tmp_path):
    spec = _with_opt(tmp_path, "    - name: DRAM\n      representation-format:\n"
                     "        data-spaces:\n          - name: Outputs\n            ranks:\n"
                     "              - format: RLE\n                payload-word-bits: 8\n")
    result = evaluate_timeloop(spec)
    density = import_timeloop_problem(spec.problem).value.densities.O
    outputs = 4 * 384 * 13 * 13
    assert result.count("DRAM", "O", "write") == pytest.approx(outputs * density)
    # one 8-bit run per stored nonzero (runs of 255 zeros or more are vanishingly rare at this
    # density), charged per 5-bit metadata word of the DRAM
    assert result.count("DRAM", "O", "metadata_write") == pytest.approx(
        outputs * density * 8 / 5, rel=1e-9)
    # the buffer reads every output once to write it back, and compresses it
    assert result.count("shared_glb", "O", "compression_count") == outputs


def test_a_mac_is_lost_once_however_many_reads_its_zero_gates(tmp_path):
    """Weights and partial sums both gated on zero inputs: the MACs left are d_I of them, not
    d_I squared; adding inputs gated on zero weights makes it d_I x d_W."""
    gate = ("    - name: {level}\n      action-optimization:\n        - type: gating\n"
            "          options:\n            - target: {target}\n"
            "              condition-on: [{condition}]\n")
    body = (gate.format(level="weights_spad", target="Weights", condition="Inputs")
            + gate.format(level="psum_spad", target="Outputs", condition="Inputs"))
    spec = _with_opt(tmp_path, body)
    densities = import_timeloop_problem(spec.problem).value.densities
    dense = 598_081_536
    assert evaluate_timeloop(spec).computes == pytest.approx(dense * densities.I)
    both = _with_opt(tmp_path, body + gate.format(level="ifmap_spad", target="Inputs",
                                                  condition="Weights"))
    assert evaluate_timeloop(both).computes == pytest.approx(dense * densities.I * densities.W)
