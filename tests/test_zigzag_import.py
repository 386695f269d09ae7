"""ZigZag YAML import: the seed files reproduce SPEC section 4, the LeNet-5 files import, and
bad files fail with one line naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from ripple import api
from ripple.arch import load_architecture
from ripple.arch.zigzag_import import import_zigzag_architecture
from ripple.mapping import Mapping, bind
from ripple.model import evaluate
from ripple.workload import load_any_workload, load_workload
from ripple.workload.zigzag_import import import_zigzag_workload
from tests.conftest import EXAMPLES, SHARED, run_cli

SEED = SHARED / "reference" / "zigzag" / "seed_case"
LENET = SHARED / "reference" / "zigzag" / "lenet5"
ACCEL, IC_WORKLOAD, IC_MAPPING = (SEED / "accelerator.yaml", SEED / "workload_input_centric.yaml",
                                  SEED / "mapping_input_centric.yaml")


def _reads_writes(result) -> dict:
    return {(memory, op): (acc.reads, acc.writes)
            for memory, per in result.accesses.items() for op, acc in per.items()}


def test_input_centric_scatter_is_zigzags_count():
    result = api.evaluate_zigzag(ACCEL, IC_WORKLOAD, IC_MAPPING, boundary="scatter").value
    assert result.energy_pj == pytest.approx(7939.5)
    assert result.latency.total == 225
    assert result.macs_issued == 1800
    assert _reads_writes(result) == {("sram_buffer_inputs_256KB", "I"): (25, 0),
                                     ("sram_256KB", "W"): (225, 0), ("sram_256KB", "O"): (225, 225)}


def test_input_centric_filter_is_the_event_driven_row():
    proc = run_cli("evaluate", "--zigzag", str(ACCEL), str(IC_WORKLOAD), str(IC_MAPPING),
                   "--boundary", "filter", "--json", "-")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    accesses = result["accesses"]
    assert accesses["sram_buffer_inputs_256KB"]["I"]["reads"] == 25
    assert accesses["sram_256KB"]["W"]["reads"] == 81
    assert (accesses["sram_256KB"]["O"]["reads"], accesses["sram_256KB"]["O"]["writes"]) == \
        (81, 81)
    assert result["macs"] == {"issued": 648, "valid": 648}
    assert result["latency_cycles"] == 81
    assert result["energy_pj"] == pytest.approx(3026.22)


def test_imported_seed_accelerator_is_ripples_seed_architecture():
    ours = load_architecture(EXAMPLES / "seed_case" / "arch.yaml")
    theirs = import_zigzag_architecture(ACCEL).value
    assert theirs.array == ours.array
    # the import counts under ZigZag's conventions; the seed case's figures are the same under
    # Ripple's (every seed nest has a loop over a tap above the MACs)
    # ZigZag gives a MAC area (unit_area), which Ripple's seed file leaves out
    assert theirs.mac == ours.mac.model_copy(update={"first_read_elision": "when_partial",
                                                     "area": theirs.mac.area})
    assert theirs.conventions.output_first_read == "when_partial"
    assert len(theirs.levels) == len(ours.levels) == 1
    skip = {"name", "served_dims", "area"}  # ZigZag gives areas; the seed file does not
    assert [m.model_dump(exclude=skip) for m in theirs.levels[0].memories] == \
        [m.model_dump(exclude=skip) for m in ours.levels[0].memories]


ORDERS = sorted(p.name for p in SEED.glob("mapping_oc_*_*_*_*.yaml"))


@pytest.mark.parametrize("mapping_file", ORDERS)
def test_output_centric_orders_equal_the_hand_written_mapping(mapping_file):
    """The import reverses ZigZag's innermost-first order; test_zigzag_crosscheck shows the
    hand-written reversal gives ZigZag's own numbers."""
    imported = api.evaluate_zigzag(ACCEL, SEED / "workload_output_centric.yaml",
                                   SEED / mapping_file).value
    entry = yaml.safe_load((SEED / mapping_file).read_text())[0]
    temporal = [(d, int(s)) for d, s in reversed(entry["temporal_ordering"])]
    layer = load_workload(EXAMPLES / "seed_case" / "workload.yaml").layers[0]
    arch = load_architecture(EXAMPLES / "seed_case" / "arch.yaml")
    by_hand = evaluate(bind(layer, arch, Mapping(spatial={"D1": [("K", 8)]},
                                                 temporal={"sram": temporal})))
    assert imported.nest.split(": ", 1)[1] == by_hand.nest.split(": ", 1)[1]
    assert [(acc.reads, acc.writes) for per in imported.accesses.values()
            for acc in per.values()] == \
        [(acc.reads, acc.writes) for per in by_hand.accesses.values() for acc in per.values()]
    assert imported.energy_pj == pytest.approx(by_hand.energy_pj)
    assert imported.latency == by_hand.latency


def test_lenet5_workloads():
    expected = {"conv1": 117_600, "conv2": 240_000, "fc1": 48_000, "fc2": 10_080, "fc3": 840}
    for name, macs in expected.items():
        (layer,) = load_any_workload(LENET / f"workload_{name}.yaml").mac_layers
        assert (layer.name, layer.macs) == (name, macs)
    imported = import_zigzag_workload(LENET / "workload_lenet5_all.yaml")
    network = imported.value
    assert network.macs == 416_520
    # conv2 and fc1 name a producer whose output does not fit (the pools are omitted): dropped
    assert [lyr.inputs for lyr in network.mac_layers] == [(), (), (), ("fc1",), ("fc2",)]
    assert len(imported.notes) == 2 and "conv2: operand_source I = 0 dropped" in imported.notes[0]


def test_lenet5_accelerators():
    onchip = import_zigzag_architecture(LENET / "accelerator_onchip.yaml").value
    assert [lvl.name for lvl in onchip.levels] == ["sram_buffer_inputs_256KB+sram_256KB"]
    dram = import_zigzag_architecture(LENET / "accelerator_dram.yaml").value
    assert [[m.name for m in lvl.memories] for lvl in dram.levels] == \
        [["dram"], ["sram_buffer_inputs_256KB", "sram_256KB"]]
    top = dram.levels[0].memories[0]
    assert (top.operands, top.read_bandwidth, top.read_energy_pj, top.write_energy_pj) == \
        (["I", "W", "O"], 64, 700, 750)
    assert (top.ports, top.duplex) == ("shared", False)  # one read_write port for everything


def test_memory_depths_follow_each_operand_chain():
    """ZigZag's Eyeriss-like example: per-operand chains of different lengths."""
    zigzag = pytest.importorskip("zigzag", reason="ZigZag (test extra) ships the example")
    path = Path(zigzag.__file__).parent / "inputs" / "hardware" / "eyeriss_like.yaml"
    arch = import_zigzag_architecture(path).value
    assert [lvl.name for lvl in arch.levels] == ["dram", "sram_1M", "sram_8KB+sram_64KB",
                                                 "rf_64B_A+rf_64B_W+rf_16B"]
    assert [m.name for _, m in arch.chain("I")] == ["dram", "sram_1M", "rf_64B_A"]
    assert [m.name for _, m in arch.chain("O")] == ["dram", "sram_1M", "sram_8KB", "rf_16B"]


def test_same_padding_counts():
    (layer,) = load_any_workload(SEED / "workload_output_centric_same_pad.yaml").mac_layers
    assert (layer.IY, layer.OY, layer.padding) == (5, 5, (1, 1, 1, 1))
    assert layer.dense_macs == 1800  # ZigZag's count: the product of the loop sizes
    assert layer.macs == 8 * 13 * 13  # padding taps excluded: 13 valid pairs per axis


def _edited(tmp_path, source, edit):
    data = yaml.safe_load(source.read_text())
    edit(data)
    path = tmp_path / source.name
    path.write_text(yaml.safe_dump(data))
    return path


BAD = {
    "loop sizes": ("workload", lambda d: d[0]["loop_sizes"].pop(), "[0]",
                   "dimension mismatch: 7 loop_dims but 6 loop_sizes"),
    "unknown dimension": ("workload", lambda d: d[0]["loop_dims"].__setitem__(1, "Z"),
                          "[0].loop_dims", "loop dimension 'Z' has no Ripple equivalent"),
    "strided input relation": ("workload", lambda d: d[0].__setitem__(
        "dimension_relations", ["ox=2*ix+1*fx", "oy=1*iy+1*fy"]), "[0].dimension_relations",
        "a strided convolution has no input-indexed relation"),
    "missing precision": ("workload", lambda d: d[0]["operand_precision"].pop("W"),
                          "[0].operand_precision", "needs the precision of W"),
    "bad unrolling": ("mapping", lambda d: d[0]["spatial_mapping"].__setitem__("D1", ["K 8"]),
                      "[0].spatial_mapping.D1[0]", "expected 'DIM, size'"),
    "no ordering": ("mapping", lambda d: d[0].pop("temporal_ordering"), "[0]",
                    "ZigZag's mapper (LOMA) would choose"),
    "bad port": ("accel", lambda d: d["memories"]["sram_256KB"]["ports"][0].__setitem__(
        "type", "rw"), "memories.sram_256KB.ports[0].type", "'read', 'write' or 'read_write'"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_zigzag_files(case, tmp_path):
    which, edit, field, words = BAD[case]
    files = {"accel": ACCEL, "workload": IC_WORKLOAD, "mapping": IC_MAPPING}
    files[which] = _edited(tmp_path, files[which], edit)
    proc = run_cli("evaluate", "--zigzag", str(files["accel"]), str(files["workload"]),
                   str(files["mapping"]))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"ripple: error: {files[which]}: {field}: "), lines[0]
    assert words in lines[0]


def test_deeper_hierarchy_takes_zigzags_allocation():
    """On the seed array with DRAM the seed layer fits the SRAMs whole: ZigZag's allocator puts
    every loop there, so DRAM only fills the SRAMs once (25 inputs = 400 bits: 7 reads of 64
    bits; 72 weights: 18) and takes the 72 final outputs back (18 writes)."""
    nest = api.load_zigzag_nest(LENET / "accelerator_dram.yaml",
                                SEED / "workload_output_centric.yaml",
                                SEED / "mapping_oc_FX_FY_OX_OY.yaml").value
    for operand, per_memory in nest.mapping.placement.items():
        assert per_memory["dram"] == [], operand
    result = api.evaluate_zigzag(LENET / "accelerator_dram.yaml",
                                 SEED / "workload_output_centric.yaml",
                                 SEED / "mapping_oc_FX_FY_OX_OY.yaml").value
    dram = result.accesses["dram"]
    assert (dram["I"].reads, dram["W"].reads, dram["O"].reads) == (7, 18, 0)
    assert (dram["O"].writes, dram["O"].final_writes) == (18, 18)


def test_an_onnx_workload_takes_the_place_of_zigzags_yaml(tmp_path):
    """``evaluate --zigzag ACCEL model.onnx MAPPING`` as ZigZag runs an ONNX model: the layer
    is chosen with --layer, its mapping entry by the ONNX operator (``Conv``), and its
    precisions are ZigZag's for ONNX nodes (8-bit activations and weights, 16-bit partial
    sums): LeNet-5's conv2 from ONNX evaluates exactly as ZigZag's YAML of that layer at
    those precisions, and differently from the same YAML at 16 bits."""
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(yaml.safe_dump([{
        "name": "Conv",
        "spatial_mapping": {"D1": ["K, 8"]},
        "temporal_ordering": [["FX", 5], ["FY", 5], ["OX", 10], ["OY", 10], ["C", 6],
                              ["K", 2]],
        "memory_operand_links": {"O": "O", "W": "I2", "I": "I1"},
    }]))
    accelerator = LENET / "accelerator_dram.yaml"
    spec = yaml.safe_load((LENET / "workload_conv2.yaml").read_text())
    spec[0]["operand_precision"] = {"I": 8, "W": 8, "O": 16, "O_final": 8}
    (tmp_path / "conv2_8bit.yaml").write_text(yaml.safe_dump(spec))
    as_zigzag = api.evaluate_zigzag(accelerator, tmp_path / "conv2_8bit.yaml", mapping).value
    from_onnx = api.evaluate_zigzag(accelerator, SHARED / "reference" / "onnx" / "lenet5.onnx",
                                    mapping, layer="conv2").value
    wide = api.evaluate_zigzag(accelerator, LENET / "workload_conv2.yaml", mapping).value
    assert from_onnx.macs_issued == as_zigzag.macs_issued == 16 * 6 * 10 * 10 * 5 * 5
    assert from_onnx.to_dict()["accesses"] == as_zigzag.to_dict()["accesses"]
    assert from_onnx.energy_pj == as_zigzag.energy_pj < wide.energy_pj
    assert from_onnx.latency == as_zigzag.latency
