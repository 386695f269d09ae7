"""Networks in Ripple's YAML: MAC layers and operations, edges, and graph errors."""

from __future__ import annotations

import pytest
import yaml

from ripple.errors import RippleInputError
from ripple.workload import Operation, load_workload
from tests.conftest import run_cli

NETWORK = {
    "name": "tiny",
    "layers": [
        {"name": "conv1", "K": 4, "C": 1, "IY": 8, "IX": 8, "FY": 3, "FX": 3, "padding": 1},
        {"name": "relu1", "operator": "relu", "inputs": ["conv1"],
         "input_shapes": [[1, 4, 8, 8]]},
        {"name": "pool1", "operator": "maxpool", "inputs": ["relu1"],
         "input_shapes": [[1, 4, 8, 8]], "kernel": 2, "stride": 2},
        {"name": "conv2", "K": 8, "C": 4, "IY": 4, "IX": 4, "FY": 3, "FX": 3,
         "inputs": ["pool1"]},
        {"name": "flat", "operator": "flatten", "inputs": ["conv2"],
         "input_shapes": [[1, 8, 2, 2]]},
        {"name": "fc", "operator": "fc", "K": 10, "C": 32, "inputs": ["flat"]},
    ],
}


def _write(tmp_path, data):
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_network_yaml(tmp_path):
    workload = load_workload(_write(tmp_path, NETWORK))
    assert [lyr.name for lyr in workload.mac_layers] == ["conv1", "conv2", "fc"]
    pool = workload.node("pool1")
    assert isinstance(pool, Operation) and pool.shape == (1, 4, 4, 4)  # derived
    assert [c.name for c in workload.consumers("relu1")] == ["pool1"]
    assert workload.macs == 4 * 9 * 64 - 4 * (4 * 8 * 3 - 4) + 8 * 4 * 9 * 4 + 320


@pytest.mark.parametrize(("change", "field", "words"), [
    (("conv2", "C", 5), "layers[3].inputs[0]", "dimension mismatch: 'pool1' produces 1x4x4x4"),
    (("fc", "C", 33), "layers[5].inputs[0]", "'flat' produces 1x32"),
    (("relu1", "inputs", ["pool1"]), "layers[1].inputs[0]", "listed after its consumer"),
    (("relu1", "inputs", ["nope"]), "layers[1].inputs[0]", "not a layer name"),
    (("pool1", "output_shape", [1, 4, 3, 3]), "layers[2]", "maxpool gives [1, 4, 4, 4]"),
    (("relu1", "operator", "relux"), "layers[1].operator", "unknown operator 'relux'"),
    (("flat", "kernel", 2), "layers[4]", "apply to maxpool and avgpool only"),
])
def test_graph_errors_name_the_field(tmp_path, seed_dir, change, field, words):
    name, key, value = change
    data = yaml.safe_load(yaml.safe_dump(NETWORK))
    next(n for n in data["layers"] if n["name"] == name)[key] = value
    path = _write(tmp_path, data)
    with pytest.raises(RippleInputError) as info:
        load_workload(path)
    assert info.value.field == field
    assert words in info.value.detail
    proc = run_cli("evaluate", "-w", str(path), "-a", str(seed_dir / "arch.yaml"), "-m",
                   str(seed_dir / "mapping_weight_stationary.yaml"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"ripple: error: {path}: {field}: "
                                                f"{info.value.detail}"]


def test_duplicate_names(tmp_path):
    data = yaml.safe_load(yaml.safe_dump(NETWORK))
    data["layers"][1]["name"] = "conv1"
    with pytest.raises(RippleInputError, match=r"layers\[1\]\.name: layer name 'conv1' is used"):
        load_workload(_write(tmp_path, data))
