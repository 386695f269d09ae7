"""A ZigZag mapping file as exploration constraints, and a ZigZag accelerator's ONNX workload
at ZigZag's precisions (docs/zigzag.md, "Mapping hints" and "ONNX precisions").

The unrolling is checked against ZigZag's own mapping parser (``MappingFactory``), which picks
the entry and reads its ``spatial_mapping`` independently of Ripple's import."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ripple.api import exploration_constraints, explore_files, load_nest
from ripple.peer_workload import import_workload_for
from ripple.workload import load_any_workload
from ripple.workload.layer import Precision
from ripple.workload.zigzag_import import import_zigzag_workload
from tests.conftest import EXAMPLES, run_main

zigzag = pytest.importorskip("zigzag", reason="ZigZag is an optional test extra")
from zigzag.parser.mapping_factory import MappingFactory  # noqa: E402

INPUTS = Path(zigzag.__file__).parent / "inputs"
TPU = INPUTS / "hardware" / "tpu_like.yaml"
RESNET = INPUTS / "workload" / "resnet18.onnx"
TPU_MAPPING = INPUTS / "mapping" / "tpu_like.yaml"
DOWNSAMPLE = "/layer4/layer4.0/downsample/downsample.0/Conv"  # 256 -> 512 channels, 7x7


def _zigzags_unrolling(layer: str, operator_type: str) -> str:
    """The unrolling ZigZag's parser gives the layer, in the export's ``K32@D1`` form."""
    factory = MappingFactory(layer, operator_type, yaml.safe_load(TPU_MAPPING.read_text()))
    spatial = factory.create_spatial_mapping()
    return " ".join(f"{dim}{int(size)}@{oa}" for oa, per in spatial.items()
                    for dim, size in per.items())


def test_explore_keeps_zigzags_unrolling_and_chooses_the_loops(tmp_path):
    outcome = explore_files(RESNET, TPU, constraints=TPU_MAPPING, layer=DOWNSAMPLE,
                            export=tmp_path / "space.parquet")
    rows = pd.read_parquet(tmp_path / "space.parquet", columns=["spatial", "loops", "index"])
    assert len(rows) > 1000  # the explorer chose the loops: many orders and tilings
    assert set(rows["spatial"]) == {_zigzags_unrolling(DOWNSAMPLE, "Conv")} == {"K32@D1 C32@D2"}
    assert set(rows["index"]) == {"output"}
    assert any("'example_name_of_layer0' names no layer" in note for note in outcome.notes)
    assert any("ZigZag's ONNX precisions" in note for note in outcome.notes)


def _two_layers(folder: Path) -> Path:
    """A strided 1x1 convolution and a fully connected layer, as an ONNX model."""
    from tests.test_zigzag_shipped import _model

    return _model(folder / "two.onnx")


def test_entries_are_matched_by_name_then_operator_type_then_default(tmp_path):
    model = _two_layers(tmp_path)
    hints = tmp_path / "hints.yaml"
    hints.write_text(yaml.safe_dump([
        {"name": "default", "spatial_mapping": {"D1": ["K, 4"]}},
        {"name": "Gemm", "spatial_mapping": {"D1": ["C, 8"], "D2": ["K, 2", "B, 1"]}},
        {"name": "down", "spatial_mapping": {"D1": ["K, 16", "OX, 2"]}},
        {"name": "no_such_layer", "spatial_mapping": {"D1": ["K, 2"]}},
    ]))
    network = load_any_workload(model)
    rules = exploration_constraints(hints, model, network, network.mac_layers)
    assert rules.value.for_layer("down").spatial == {"D1": [("K", 16), ("OX", 2)]}  # mixed
    assert rules.value.for_layer("fc").spatial == {"D1": [("C", 8)], "D2": [("K", 2)]}
    assert any("'no_such_layer' names no layer" in note for note in rules.notes)
    factory = MappingFactory("fc", "Gemm", yaml.safe_load(hints.read_text()))
    assert factory.mapping_data["name"] == "Gemm"


def test_a_temporal_ordering_fixes_the_loops_and_the_explorer_cuts_them(tmp_path):
    """ResNet's layer4 downsample on tpu_like: K 512 and C 256 over the 32x32 array leave K16,
    C8 and the 7x7 outputs; the ordering (innermost first) fixes them."""
    ordering = [["C", 8], ["OX", 7], ["OY", 7], ["K", 4], ["K", 4]]
    hints = tmp_path / "hints.yaml"
    hints.write_text(yaml.safe_dump([{"name": "default",
                                      "spatial_mapping": {"D1": ["K, 32"], "D2": ["C, 32"]},
                                      "temporal_ordering": ordering}]))
    explore_files(RESNET, TPU, constraints=hints, layer=DOWNSAMPLE,
                  export=tmp_path / "space.csv")
    rows = pd.read_csv(tmp_path / "space.csv")
    outermost_first = [f"{d}{s}" for d, s in reversed(ordering)]
    cuts = set()
    for text in rows["loops"]:
        loops = re.findall(r"[A-Z]+\d+", re.sub(r"[\w+]+: ", "", text))
        assert loops == outermost_first
        cuts.add(text)
    assert len(cuts) == len(rows) > 1  # distinct cuts of the one sequence into levels


def _refused(folder: Path, entry: dict, field: str) -> str:
    """``ripple explore`` with the one-entry mapping file: exit 2, one line naming the file
    and ``field``, no export; the line."""
    hints = folder / "hints.yaml"
    hints.write_text(yaml.safe_dump([{"name": "default", **entry}]))
    export = folder / "space.csv"
    done = run_main("explore", "-a", str(TPU), "-w", str(RESNET), "--layer", DOWNSAMPLE,
                    "--constraints", str(hints), "--export", str(export))
    assert done.returncode == 2 and not export.exists()
    assert done.stderr.count("\n") == 1
    assert "hints.yaml" in done.stderr and field in done.stderr
    return done.stderr


def test_a_temporal_ordering_that_does_not_cover_the_layer_is_refused(tmp_path):
    line = _refused(tmp_path, {"spatial_mapping": {"D1": ["K, 32"], "D2": ["C, 32"]},
                               "temporal_ordering": [["K", 4]]}, "[0].temporal_ordering")
    assert "the loops over K run 4 times" in line


def test_an_onnx_model_under_a_zigzag_accelerator_takes_zigzags_precisions(tmp_path):
    model = _two_layers(tmp_path)
    seed_arch = EXAMPLES / "seed_dram" / "arch.yaml"
    assert load_nest(model, TPU, None, "down", dataflow="ws").layer.precision == Precision(
        I=8, W=8, O=16, O_final=8)
    assert load_nest(model, seed_arch, None, "down", dataflow="ws").layer.precision == Precision()
    done = run_main("compare", "-a", str(TPU), "-w", str(model), "--dataflows", "ws")
    assert done.returncode == 0, done.stderr
    assert "imported: the ONNX model's nodes take ZigZag's ONNX precisions" in done.stdout
    done = run_main("compare", "-a", str(seed_arch), "-w", str(model), "--dataflows", "ws")
    assert "ZigZag's ONNX precisions" not in done.stdout


def test_zigzags_layers_without_macs_are_listed_as_skipped(tmp_path):
    def entry(i: int, kind: str, source: int | None) -> dict:
        dims = ["B", "K", "C", "OY", "OX"] if kind == "Conv" else ["B", "G", "OY", "OX"]
        sizes = [1, 8, 8, 6, 6] if kind == "Conv" else [1, 8, 6, 6]
        equation = ("O[b][k][oy][ox]+=W[k][c]*I[b][c][oy][ox]" if kind == "Conv"
                    else "O[b][g][oy][ox]+=W[b][g][oy][ox]*I[b][g][oy][ox]")
        return {"id": i, "name": f"l{i}", "operator_type": kind, "equation": equation,
                "loop_dims": dims, "loop_sizes": sizes,
                "operand_precision": {"I": 8, "W": 8, "O": 16, "O_final": 8},
                **({"operand_source": {"I": source}} if source is not None else {})}
    path = tmp_path / "workload.yaml"
    path.write_text(yaml.safe_dump([entry(0, "Conv", None), entry(1, "Pooling", 0),
                                    entry(2, "Add", 1), entry(3, "Conv", 2)]))
    imported = import_zigzag_workload(path)
    assert [layer.name for layer in imported.value.layers] == ["l0", "l3"]
    assert ("skipped 2 layer(s) without MACs, which ZigZag evaluates and Ripple does not "
            "(Pooling 1, Add 1): l1, l2") in imported.notes
    assert any("l3: operand_source I = 2 dropped" in note for note in imported.notes)


def test_a_star_size_is_what_the_unrolling_and_the_other_loops_leave(tmp_path):
    """ZigZag's ``[K, "*"]``: K 512 over 32 on the array, and 4 in another loop, leaves 4."""
    hints = tmp_path / "hints.yaml"
    hints.write_text(yaml.safe_dump([{
        "name": "default", "spatial_mapping": {"D1": ["K, 32"], "D2": ["C, 32"]},
        "temporal_ordering": [["C", "*"], ["OX", 7], ["OY", 7], ["K", 4], ["K", "*"]]}]))
    network = load_any_workload(RESNET)
    layer = next(lyr for lyr in network.mac_layers if lyr.name == DOWNSAMPLE)
    assert (layer.K, layer.C) == (512, 256)
    rules = exploration_constraints(hints, RESNET, network, [layer]).value.for_layer(DOWNSAMPLE)
    assert rules.loops == [("K", 4), ("K", 4), ("OY", 7), ("OX", 7), ("C", 8)]


def test_links_other_than_the_default_are_refused_by_the_explorer(tmp_path):
    _refused(tmp_path, {"spatial_mapping": {"D1": ["K, 32"]},
                        "memory_operand_links": {"O": "O", "W": "I1", "I": "I2"}},
             "[0].memory_operand_links")


def test_zigzags_networks_leave_out_what_zigzags_onnx_parser_leaves_out():
    """ZigZag's MobileNetV2 and AlexNet under its tpu_like: every Conv, Gemm and MatMul node is
    a MAC layer, the rest (Clip; LRN, Softmax) counted in one note."""
    import onnx

    for name, skipped in (("mobilenetv2", "(Clip 35;"), ("alexnet", "(LRN 2, Softmax 1;")):
        model = INPUTS / "workload" / f"{name}.onnx"
        imported = import_workload_for(model, TPU)
        nodes = onnx.load(str(model), load_external_data=False).graph.node
        assert len(imported.value.mac_layers) == sum(
            node.op_type in ("Conv", "Gemm", "MatMul") for node in nodes)
        assert any(skipped in note for note in imported.notes), imported.notes
        assert {layer.precision for layer in imported.value.mac_layers} == {
            Precision(I=8, W=8, O=16, O_final=8)}
