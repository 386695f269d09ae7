"""``--skip-unsupported`` on every command that reads a network, and the zoo's own ONNX exports
importing with no flag at all."""

from __future__ import annotations

import json

import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from ripple.api import evaluate_network
from ripple.workload.onnx_import import import_onnx
from ripple.workload.zoo import ZOO, zoo_workload
from tests.conftest import EXAMPLES, run_cli

SEED_DRAM = str(EXAMPLES / "seed_dram" / "arch.yaml")
MULTICORE = str(EXAMPLES / "multicore" / "quad_core.yaml")


@pytest.fixture
def conv_softmax(tmp_path):
    """The seed layer's convolution followed by a Softmax, which Ripple does not model."""
    import numpy as np

    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
             helper.make_node("Softmax", ["c"], ["y"], name="soft")]
    graph = helper.make_graph(
        nodes, "conv_softmax", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                              (1, 1, 5, 5))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(np.zeros((8, 1, 3, 3), np.float32), "w")])
    path = tmp_path / "conv_softmax.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


COMMANDS = {
    "evaluate": ["evaluate", "-a", SEED_DRAM, "--dataflow", "ws"],
    "evaluate -m": ["evaluate", "-a", str(EXAMPLES / "seed_case" / "arch.yaml"), "-m",
                    str(EXAMPLES / "seed_case" / "mapping_weight_stationary.yaml")],
    "compare": ["compare", "-a", SEED_DRAM, "--dataflows", "ws,ed"],
    "simulate": ["simulate", "-a", SEED_DRAM, "--dataflow", "ed"],
    "explore": ["explore", "-a", SEED_DRAM, "--limit", "20"],
    "multicore": ["multicore", "-a", MULTICORE],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_network_command_takes_the_flag(command, conv_softmax, tmp_path):
    args = [*COMMANDS[command], "-w", str(conv_softmax)]
    if command == "explore":
        args += ["--export", str(tmp_path / "space.parquet")]
    refused = run_cli(*args)
    assert refused.returncode == 2
    assert "node soft (Softmax)" in refused.stderr and "--skip-unsupported" in refused.stderr
    proc = run_cli(*args, "--skip-unsupported", "--json", "-")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)


@pytest.mark.slow
def test_zoo_exports_import_with_no_flag(tmp_path):
    for name in ZOO:
        path = tmp_path / f"{name}.onnx"
        assert run_cli("zoo", "export", name, str(path)).returncode == 0
        imported = import_onnx(path)
        assert not imported.skipped
        zoo = zoo_workload(name)
        assert [(lyr.name, lyr.macs) for lyr in imported.workload.mac_layers] == \
            [(lyr.name, lyr.macs) for lyr in zoo.mac_layers]


@pytest.mark.parametrize("name", ["lenet5", "resnet18",  # the others: the same operators (the
                                  # names and MACs of all: test_zoo_exports_import_with_no_flag)
                                  *[pytest.param(n, marks=pytest.mark.slow)
                                    for n in ("alexnet",)]])
def test_zoo_exports_evaluate_as_the_zoo(name, tmp_path):
    path = tmp_path / f"{name}.onnx"
    assert run_cli("zoo", "export", name, str(path)).returncode == 0
    arch = str(EXAMPLES / "eyeriss_like" / "arch.yaml")
    proc = run_cli("evaluate", "-w", str(path), "-a", arch, "--dataflow", "ed", "--json", "-")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["total"] == \
        evaluate_network(f"zoo:{name}", arch, "ed").to_dict()["total"]
