"""Presets map every layer whenever a mapping exists, on small global buffers too, and
``compare`` reports a layer a preset cannot map (named, with the reason) and goes on with the
others."""

from __future__ import annotations

import json
import math

import pytest

from ripple.api import compare_dataflows
from ripple.arch import load_architecture
from ripple.dse import PRESETS, preset_mapping
from ripple.errors import MappingError
from ripple.mapping import bind
from ripple.model import evaluate
from ripple.sim import simulate
from ripple.workload.layer import Layer
from ripple.workload.zoo import ZOO, zoo_workload
from tests.conftest import ROOT, run_cli

FIXTURES = ROOT / "tests" / "fixtures"
GLB_VARIANTS = [FIXTURES / f"eyeriss_glb_{kib}k.yaml" for kib in (8, 32, 108)]


def assert_every_layer_accounted(document: dict, workload: str) -> None:
    """Every MAC layer is either evaluated or listed unmappable with a reason naming it."""
    names = [layer.name for layer in zoo_workload(workload).mac_layers]
    for result in document["comparison"]:
        mapped = [r["layer"] for r in result["layers"]]
        unmapped = {u["layer"]: u["reason"] for u in result["unmapped"]}
        assert sorted(mapped + list(unmapped)) == sorted(names)
        for layer, reason in unmapped.items():
            assert f"layer '{layer}' cannot be mapped" in reason
            assert result["dataflow"] in reason


@pytest.mark.parametrize("arch", GLB_VARIANTS, ids=lambda p: p.stem)
def test_lenet5_on_small_global_buffers(arch):
    proc = run_cli("compare", "-w", "zoo:lenet5", "-a", str(arch), "--json", "-")
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    assert_every_layer_accounted(document, "lenet5")
    assert all(not r["unmapped"] for r in document["comparison"])


@pytest.mark.slow
@pytest.mark.parametrize("network", sorted(set(ZOO) - {"vgg16"}))  # vgg16: resnet's convs
def test_every_zoo_network_on_the_smallest_global_buffer(network):
    """On the 8 KiB buffer, the tightest of the three: the larger ones hold what it holds."""
    arch = GLB_VARIANTS[0]
    results = compare_dataflows(zoo_workload(network), load_architecture(arch), list(PRESETS))
    document = {"comparison": [r.to_dict() for r in results]}
    assert_every_layer_accounted(document, network)
    assert all(not r.unmapped for r in results)  # a DRAM on top: every layer has a mapping


@pytest.mark.parametrize("dataflow", sorted(PRESETS))
def test_scratchpads_larger_than_the_buffer_above_them(dataflow):
    """Filling the 64 KiB scratchpads first would overflow the 8 KiB buffer holding what they
    hold: the allocation keeps every level above a placed loop within its capacity, and the
    simulator, which checks every memory instance's largest tile, agrees."""
    arch = load_architecture(FIXTURES / "eyeriss_big_spads_glb_8k.yaml")
    layer = zoo_workload("lenet5").mac_layers[0]
    nest = bind(layer, arch, preset_mapping(layer, arch, dataflow))
    sim = simulate(nest)
    assert sim.match
    assert sim.result.accesses == evaluate(nest).accesses


def whole_tensors_fit(layer: Layer, capacities: dict[str, int]) -> bool:
    """With no DRAM the one memory level holds every tensor whole: inputs in ``input_sram``,
    weights and outputs in ``weight_output_sram``."""
    p = layer.precision
    inputs = math.prod(layer.tensor_shape("I")) * p.I
    weights = math.prod(layer.tensor_shape("W")) * p.W
    outputs = math.prod(layer.tensor_shape("O")) * max(p.O, p.O_final)
    return (inputs <= capacities["input_sram"]
            and weights + outputs <= capacities["weight_output_sram"])


def test_compare_reports_unmappable_layers_and_goes_on():
    arch_path = FIXTURES / "seed_1mib_no_dram.yaml"
    proc = run_cli("compare", "-w", "zoo:resnet18", "-a", str(arch_path), "--dataflows",
                   "ws,ed", "--json", "-")
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    assert_every_layer_accounted(document, "resnet18")
    arch = load_architecture(arch_path)
    capacities = {m.name: m.capacity_bits for lvl in arch.levels for m in lvl.memories}
    fits = {lyr.name: whole_tensors_fit(lyr, capacities)
            for lyr in zoo_workload("resnet18").mac_layers}
    assert 0 < sum(fits.values()) < len(fits)  # the case has both kinds
    for result in document["comparison"]:
        assert {r["layer"] for r in result["layers"]} == {n for n, ok in fits.items() if ok}
    table = run_cli("compare", "-w", "zoo:resnet18", "-a", str(arch_path), "--dataflows", "ws")
    assert table.returncode == 0, table.stderr
    assert "not mapped" in table.stdout


def test_nothing_mapped_is_one_line_and_status_2():
    proc = run_cli("compare", "-w", "zoo:alexnet", "-a", str(ROOT / "examples" / "seed_case"
                                                             / "arch.yaml"), "--dataflows", "ws")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "cannot be mapped" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_preset_error_names_the_layer():
    arch = load_architecture(ROOT / "examples" / "seed_case" / "arch.yaml")
    layer = zoo_workload("alexnet").mac_layers[0]
    with pytest.raises(MappingError, match=f"layer '{layer.name}' cannot be mapped"):
        preset_mapping(layer, arch, "ws")
