"""Cross-check with ZigZag 3.9 on the output-indexed seed mappings (an optional test extra).

ZigZag lists temporal loops innermost first; Ripple outermost first. For each order, Ripple's
reads and writes per operand and its energy must equal ZigZag's.
"""

from __future__ import annotations

import math

import pytest
import yaml

from ripple.arch import load_architecture
from ripple.mapping import Mapping, bind
from ripple.model import evaluate
from ripple.workload import load_workload
from tests.conftest import EXAMPLES, SHARED

zigzag_api = pytest.importorskip("zigzag.api", reason="ZigZag is an optional test extra")
DataDirection = pytest.importorskip("zigzag.hardware.architecture.memory_port").DataDirection

SEED_ZZ = SHARED / "reference" / "zigzag" / "seed_case"
ORDERS = sorted(p.name for p in SEED_ZZ.glob("mapping_oc_*_*_*_*.yaml"))


def _ripple_mapping(zigzag_mapping: dict) -> Mapping:
    spatial = {
        dim: [tuple(str(part).replace(" ", "").split(",")) for part in loops]
        for dim, loops in zigzag_mapping["spatial_mapping"].items()
    }
    spatial = {dim: [(d, int(s)) for d, s in loops] for dim, loops in spatial.items()}
    temporal = [(d, int(s)) for d, s in reversed(zigzag_mapping["temporal_ordering"])]
    return Mapping(name="zigzag_order", spatial=spatial, temporal={"sram": temporal})


@pytest.mark.parametrize("mapping_file", ORDERS)
def test_output_indexed_orders_match_zigzag(mapping_file, tmp_path):
    zz_mapping = yaml.safe_load((SEED_ZZ / mapping_file).read_text())[0]
    energy, _, cmes = zigzag_api.get_hardware_performance_zigzag(
        str(SEED_ZZ / "workload_output_centric.yaml"), str(SEED_ZZ / "accelerator.yaml"),
        str(SEED_ZZ / mapping_file), dump_folder=str(tmp_path), loma_show_progress_bar=False,
    )
    cme = cmes[0][0]
    moves = {str(op): cme.memory_word_access[op][0] for op in cme.memory_word_access}
    reads = {op: m.get(DataDirection.RD_OUT_TO_LOW) for op, m in moves.items()}
    writes = {op: m.get(DataDirection.WR_IN_BY_LOW) for op, m in moves.items()}

    layer = load_workload(EXAMPLES / "seed_case" / "workload.yaml").layers[0]
    arch = load_architecture(EXAMPLES / "seed_case" / "arch.yaml")
    result = evaluate(bind(layer, arch, _ripple_mapping(zz_mapping)))
    acc = result.accesses
    assert acc["input_sram"]["I"].reads == reads["I"]
    assert acc["weight_output_sram"]["W"].reads == reads["W"]
    assert acc["weight_output_sram"]["O"].reads == reads["O"]
    assert acc["weight_output_sram"]["O"].writes == writes["O"]
    assert math.isclose(result.macs_issued * arch.mac.energy_pj, cme.mac_energy, rel_tol=1e-12)
    assert math.isclose(result.energy_pj, energy, rel_tol=1e-9)
