"""Cross-check with ZigZag 3.9 on LeNet-5 (shared/reference/zigzag/lenet5, on-chip array).

ZigZag's own mapper (LOMA) picks a mapping per layer; Ripple evaluates the same mapping. Access
counts must be equal and energy within 0.5% (they are equal); the latency of this single-level
array is compute-bound in both tools (docs/zigzag.md explains the terms where they differ).
"""

from __future__ import annotations

import logging
import math

import pytest
import yaml

from ripple.arch import load_architecture
from ripple.mapping import Mapping, bind
from ripple.model import evaluate
from ripple.workload import Layer
from tests.conftest import EXAMPLES, SHARED

zigzag_api = pytest.importorskip("zigzag.api", reason="ZigZag is an optional test extra")
DataDirection = pytest.importorskip("zigzag.hardware.architecture.memory_port").DataDirection

LENET = SHARED / "reference" / "zigzag" / "lenet5"
DIMS = {"B": "N", "K": "K", "C": "C", "OY": "OY", "OX": "OX", "FY": "FY", "FX": "FX"}


def _ripple_layer(path) -> Layer:
    spec = yaml.safe_load(path.read_text())[0]
    sizes = dict(zip(spec["loop_dims"], spec["loop_sizes"], strict=True))
    bits = spec["operand_precision"]
    precision = {"I": bits["I"], "W": bits["W"], "O": bits["O"], "O_final": bits["O_final"]}
    if "OY" not in sizes:
        return Layer(name=spec["name"], operator="fc", N=sizes["B"], K=sizes["K"], C=sizes["C"],
                     precision=precision)
    # stride 1, no padding: the input is (OY + FY - 1) x (OX + FX - 1)
    return Layer(name=spec["name"], N=sizes["B"], K=sizes["K"], C=sizes["C"], FY=sizes["FY"],
                 FX=sizes["FX"], IY=sizes["OY"] + sizes["FY"] - 1,
                 IX=sizes["OX"] + sizes["FX"] - 1, precision=precision)


def _ripple_mapping(cme) -> Mapping:
    """ZigZag lists loops innermost first and may report a fractional (uneven) spatial size:
    Ripple's loops are outermost first with integer sizes, the last iteration clipped."""
    operand = next(op for op in cme.temporal_mapping.mapping_dic_origin if str(op) == "O")
    temporal = [(DIMS[str(d)], int(s)) for d, s in
                reversed(cme.temporal_mapping.mapping_dic_origin[operand][0])]
    spatial_levels = cme.spatial_mapping.mapping_dict_origin[operand]
    spatial = [(DIMS[str(d)], math.ceil(s - 1e-9)) for d, s in spatial_levels[0]]
    return Mapping(name="zigzag_choice", spatial={"D1": spatial}, temporal={"sram": temporal})


@pytest.mark.parametrize("layer_name", ["conv1", "conv2", "fc1", "fc2", "fc3"])
def test_zigzag_choice_evaluates_the_same(layer_name, tmp_path):
    logging.disable(logging.INFO)
    energy, latency, cmes = zigzag_api.get_hardware_performance_zigzag(
        str(LENET / f"workload_{layer_name}.yaml"), str(LENET / "accelerator_onchip.yaml"),
        str(LENET / "mapping_default_exploration.yaml"), dump_folder=str(tmp_path),
        loma_show_progress_bar=False, opt="energy",
    )
    cme = cmes[0][1][0][0]
    moves = {str(op): cme.memory_word_access[op][0] for op in cme.memory_word_access}

    layer = _ripple_layer(LENET / f"workload_{layer_name}.yaml")
    arch = load_architecture(EXAMPLES / "seed_case" / "arch.yaml")  # the same on-chip array
    result = evaluate(bind(layer, arch, _ripple_mapping(cme)))
    acc = result.accesses
    assert acc["input_sram"]["I"].reads == moves["I"].get(DataDirection.RD_OUT_TO_LOW)
    assert acc["weight_output_sram"]["W"].reads == moves["W"].get(DataDirection.RD_OUT_TO_LOW)
    assert acc["weight_output_sram"]["O"].reads == moves["O"].get(DataDirection.RD_OUT_TO_LOW)
    assert acc["weight_output_sram"]["O"].writes == moves["O"].get(DataDirection.WR_IN_BY_LOW)
    assert result.macs_valid == layer.macs
    assert result.energy_pj == pytest.approx(energy, rel=0.005)
    assert result.latency.total == latency
