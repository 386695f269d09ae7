"""ONNX import: the reference LeNet-5 models, every supported operator, and bad models."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper, shape_inference

from ripple.errors import RippleInputError
from ripple.workload import Layer, Operation, Precision
from ripple.workload.onnx_import import import_onnx, import_onnx_model
from tests.conftest import EXAMPLES, SHARED, run_cli

ONNX_DIR = SHARED / "reference" / "onnx"
LENET_MACS = {"conv1": 117_600, "conv2": 240_000, "fc1": 48_000, "fc2": 10_080, "fc3": 840}


@pytest.mark.parametrize("name", ["lenet5", "lenet5_avgpool"])
def test_reference_lenet5_imports_to_five_mac_layers(name):
    workload = import_onnx(ONNX_DIR / f"{name}.onnx").workload
    assert {layer.name: layer.macs for layer in workload.mac_layers} == LENET_MACS
    assert workload.macs == workload.dense_macs == 416_520
    pool = "maxpool" if name == "lenet5" else "avgpool"
    assert [n.operator for n in workload.layers if isinstance(n, Operation)] == \
        ["relu", pool, "relu", pool, "flatten", "relu", "relu"]
    # the graph keeps producer/consumer edges through the MAC-free operations
    assert [p.name for p in workload.producers("conv2")] == ["pool1"]
    assert [c.name for c in workload.consumers("pool2")] == ["flatten"]
    conv2 = workload.node("conv2")
    assert (conv2.C, conv2.IY, conv2.K, conv2.OY) == (6, 14, 16, 10)
    assert all(layer.precision == Precision() for layer in workload.mac_layers)  # 16 bits


def _model(nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, "test", inputs, outputs, initializer=list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _tensor(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def _weight(name, shape):
    return numpy_helper.from_array(np.zeros(shape, dtype=np.float32), name)


def _single(node, x_shape, inits, y_shape=None, **kwargs):
    model = _model([node], [_tensor("x", x_shape)], [_tensor("y", y_shape)], inits)
    return import_onnx_model(model, **kwargs).workload


@pytest.mark.parametrize("trans_b", [0, 1])
def test_gemm_trans_b_gives_the_same_layer(trans_b):
    """PyTorch stores B as (out, in) with transB=1; alpha and beta scale values only."""
    w_shape = (120, 400) if trans_b else (400, 120)
    node = helper.make_node("Gemm", ["x", "w", "b"], ["y"], name="fc", transB=trans_b,
                            alpha=0.5, beta=2.0)
    workload = _single(node, (3, 400), [_weight("w", w_shape), _weight("b", (120,))])
    (layer,) = workload.mac_layers
    assert (layer.operator, layer.N, layer.C, layer.K) == ("fc", 3, 400, 120)
    assert layer.macs == 3 * 400 * 120


def test_gemm_trans_a_and_matmul_rows():
    node = helper.make_node("Gemm", ["x", "w"], ["y"], name="fc", transA=1)
    (layer,) = _single(node, (400, 2), [_weight("w", (400, 10))]).mac_layers
    assert (layer.N, layer.C, layer.K) == (2, 400, 10)
    node = helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")
    (layer,) = _single(node, (2, 7, 64), [_weight("w", (64, 32))]).mac_layers
    assert (layer.N, layer.C, layer.K, layer.macs) == (14, 64, 32, 14 * 64 * 32)


# (attributes, input HxW, expected padding [top, bottom, left, right])
CONVS = {
    "explicit pads": ({"pads": [1, 2, 0, 3], "strides": [2, 1]}, (9, 8), (1, 0, 2, 3)),
    "dilation": ({"dilations": [2, 3], "pads": [2, 2, 2, 2]}, (10, 11), (2, 2, 2, 2)),
    "SAME_UPPER stride 2": ({"auto_pad": "SAME_UPPER", "strides": [2, 2]}, (6, 7), (0, 1, 1, 1)),
    "SAME_LOWER stride 2": ({"auto_pad": "SAME_LOWER", "strides": [2, 2]}, (6, 7), (1, 0, 1, 1)),
    "VALID": ({"auto_pad": "VALID", "strides": [1, 2]}, (6, 7), (0, 0, 0, 0)),
}


@pytest.mark.parametrize("case", sorted(CONVS))
def test_conv_geometry_matches_onnx_shape_inference(case):
    attrs, (h, w), padding = CONVS[case]
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[3, 3], **attrs)
    model = _model([node], [_tensor("x", (2, 4, h, w))], [_tensor("y", None)],
                   [_weight("w", (8, 4, 3, 3))])
    inferred = shape_inference.infer_shapes(model, strict_mode=True)
    out = [d.dim_value for d in inferred.graph.output[0].type.tensor_type.shape.dim]
    (layer,) = import_onnx_model(model).workload.mac_layers
    assert layer.padding == padding
    assert out == [layer.N, layer.K, layer.OY, layer.OX]
    assert layer.stride == tuple(attrs.get("strides", (1, 1)))
    assert layer.dilation == tuple(attrs.get("dilations", (1, 1)))


def test_grouped_and_depthwise_conv():
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="dw", group=32, pads=[1, 1, 1, 1])
    (layer,) = _single(node, (1, 32, 14, 14), [_weight("w", (32, 1, 3, 3))]).mac_layers
    assert (layer.G, layer.K, layer.C, layer.K_group, layer.C_group) == (32, 32, 32, 1, 1)
    assert layer.dense_macs == 32 * 14 * 14 * 9
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="g2", group=2)
    (layer,) = _single(node, (1, 96, 27, 27), [_weight("w", (256, 48, 5, 5))]).mac_layers
    assert (layer.G, layer.K_group, layer.C_group, layer.OY) == (2, 128, 48, 23)


def test_operations_edges_and_shapes():
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("Add", ["r", "c"], ["a"], name="add"),
        helper.make_node("Concat", ["a", "r"], ["cat"], name="cat", axis=1),
        helper.make_node("MaxPool", ["cat"], ["p"], name="pool", kernel_shape=[3, 3],
                         strides=[2, 2], ceil_mode=1),
        helper.make_node("GlobalAveragePool", ["p"], ["g"], name="gap"),
        helper.make_node("Reshape", ["g", "shape"], ["flat"], name="reshape"),
        helper.make_node("Gemm", ["flat", "wf"], ["y"], name="fc", transB=1),
    ]
    inits = [_weight("w", (4, 3, 3, 3)), _weight("wf", (10, 8)),
             numpy_helper.from_array(np.array([1, -1], dtype=np.int64), "shape")]
    model = _model(nodes, [_tensor("x", (1, 3, 8, 8))], [_tensor("y", None)], inits)
    workload = import_onnx_model(model).workload
    by_name = {n.name: n for n in workload.layers}
    assert by_name["add"].inputs == ("relu", "conv")
    assert by_name["cat"].shape == (1, 8, 8, 8)
    assert by_name["pool"].shape == (1, 8, 4, 4)  # ceil mode: (8 - 3) / 2 rounded up, + 1
    assert by_name["gap"].shape == (1, 8, 1, 1)
    assert by_name["reshape"].shape == (1, 8)
    assert [c.name for c in workload.consumers("conv")] == ["relu", "add"]
    assert workload.node("fc").inputs == ("reshape",)


def test_unsupported_ops_are_all_named_at_once_or_skipped():
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
        helper.make_node("BatchNormalization", ["c", "s", "b", "m", "v"], ["n"], name="bn"),
        helper.make_node("Relu", ["n"], ["r"], name="relu"),
        helper.make_node("LRN", ["r"], ["l"], name="lrn", size=3),
        helper.make_node("Softmax", ["l"], ["y"], name="soft"),
    ]
    inits = [_weight("w", (4, 3, 3, 3))] + [_weight(t, (4,)) for t in "sbmv"]
    model = _model(nodes, [_tensor("x", (1, 3, 8, 8))], [_tensor("y", None)], inits)
    with pytest.raises(RippleInputError) as error:
        import_onnx_model(model)
    message = str(error.value)
    assert "\n" not in message and message.endswith("(use --skip-unsupported to leave them out)")
    assert "node lrn (LRN): ONNX operator LRN; node soft (Softmax)" in message
    result = import_onnx_model(model, skip_unsupported=True)
    assert [(s.name, s.op_type) for s in result.skipped] == [("lrn", "LRN"), ("soft", "Softmax")]
    # the ReLU reads the convolution through the folded normalisation
    assert result.workload.node("relu").inputs == ("conv",)
    assert result.folded == ("node bn (BatchNormalization) folded into conv: no MAC",)


def test_conv_batchnorm_relu_evaluates_as_conv_relu(tmp_path):
    """BatchNormalization folds into the Conv before it: the model with it evaluates, with no
    flag, exactly as the same model without it."""
    inits = [_weight("w", (8, 3, 3, 3))] + [_weight(t, (8,)) for t in "sbmv"]
    paths = {}
    for name, chain in (("with_bn", ["c", "n"]), ("without", ["c", "c"])):
        nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1])]
        if name == "with_bn":
            nodes.append(helper.make_node("BatchNormalization", ["c", "s", "b", "m", "v"],
                                          ["n"], name="bn"))
        nodes.append(helper.make_node("Relu", [chain[1]], ["y"], name="relu"))
        paths[name] = tmp_path / f"{name}.onnx"
        onnx.save(_model(nodes, [_tensor("x", (1, 3, 16, 16))], [_tensor("y", None)],
                         inits if name == "with_bn" else inits[:1]), str(paths[name]))
    arch = str(EXAMPLES / "seed_dram" / "arch.yaml")
    documents = {}
    for name, path in paths.items():
        proc = run_cli("evaluate", "-w", str(path), "-a", arch, "--dataflow", "ed", "--json", "-")
        assert proc.returncode == 0, proc.stderr
        documents[name] = json.loads(proc.stdout)
    assert documents["with_bn"]["total"] == documents["without"]["total"]
    # the event-driven nest issues the taps that read the 16x16 image, not its 1-pixel padding
    per_axis = sum(0 <= y + f - 1 < 16 for y in range(16) for f in range(3))
    assert documents["with_bn"]["total"]["macs"]["issued"] == 8 * 3 * per_axis ** 2


def test_precision_override():
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv")
    bits = Precision(I=8, W=4, O=24, O_final=8)
    (layer,) = _single(node, (1, 3, 8, 8), [_weight("w", (4, 3, 3, 3))],
                       precision=bits).mac_layers
    assert layer.precision == bits


# ----- bad models: one line naming the node or field, exit status 2 -------------------------
def _lenet() -> onnx.ModelProto:
    return onnx.load(str(ONNX_DIR / "lenet5.onnx"))


def _truncated(path):
    data = (ONNX_DIR / "lenet5.onnx").read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _missing_initializer(path):
    model = _lenet()
    del model.graph.initializer[1]  # conv2_w
    onnx.save(model, str(path))


def _channel_mismatch(path):
    model = _lenet()
    model.graph.initializer[1].dims[1] = 5  # conv2 expects 6 input channels
    onnx.save(model, str(path))


def _gemm_mismatch(path):
    model = _lenet()
    model.graph.initializer[2].dims[0] = 401  # fc1 receives 400 features
    onnx.save(model, str(path))


def _conv_without_weights(path):
    model = _lenet()
    del model.graph.node[0].input[1:]  # conv1 keeps its data input only
    onnx.save(model, str(path))


BAD = {
    "conv without weights": (_conv_without_weights, "node conv1 (Conv)",
                             "Conv with 1 input(s) and 1 output(s); expected at least 2"),
    "empty": (lambda path: path.write_bytes(b""), None, "not an ONNX model"),
    "truncated": (_truncated, None, "not a readable ONNX model"),
    "missing initializer": (_missing_initializer, "node conv2 (Conv)", "'conv2_w' is not defined"),
    "conv channel mismatch": (_channel_mismatch, "node conv2 (Conv)", "dimension mismatch"),
    "gemm mismatch": (_gemm_mismatch, "node fc1 (Gemm)", "401 and 400"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_model_is_one_clear_line(case, tmp_path):
    make, field, words = BAD[case]
    path = tmp_path / "bad.onnx"
    make(path)
    proc = run_cli("workload", str(path))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"ripple: error: {path}: ")
    if field:
        assert f": {field}: " in lines[0]
    assert words in lines[0]


def test_cli_evaluate_accepts_an_onnx_layer(tmp_path, seed_dir):
    """-w takes an .onnx model; with several MAC layers --layer chooses one."""
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="seed")
    model = _model([node], [_tensor("x", (1, 1, 5, 5))], [_tensor("y", None)],
                   [_weight("w", (8, 1, 3, 3))])
    onnx.save(model, str(tmp_path / "seed.onnx"))
    proc = run_cli("evaluate", "-w", str(tmp_path / "seed.onnx"), "-a",
                   str(seed_dir / "arch.yaml"), "-m", str(seed_dir / "mapping_event_driven.yaml"),
                   "--json", "-")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["macs"] == {"issued": 648, "valid": 648}
    assert result["energy_pj"] == pytest.approx(3026.22)
    proc = run_cli("evaluate", "-w", str(ONNX_DIR / "lenet5.onnx"), "-a",
                   str(seed_dir / "arch.yaml"), "-m", str(seed_dir / "mapping_event_driven.yaml"))
    assert proc.returncode == 2
    assert "5 MAC layers (conv1, conv2, fc1, fc2, fc3); choose one with --layer" in proc.stderr


def test_layer_is_the_fc_of_lenet():
    """A Layer built by hand equals the imported one: the import adds nothing of its own."""
    fc1 = import_onnx(ONNX_DIR / "lenet5.onnx").workload.node("fc1")
    assert fc1 == Layer(name="fc1", operator="fc", K=120, C=400, inputs=("flatten",))


def test_export_round_trip_of_every_operation():
    """Every operation survives export and re-import with its attributes and shapes."""
    from ripple.workload import Workload
    from ripple.workload.onnx_export import workload_to_onnx

    nodes = [
        Layer(name="conv", K=4, C=3, IY=9, IX=9, FY=3, FX=3, padding=(1, 0, 2, 1), stride=2),
        Operation(name="relu", operator="relu", inputs=("conv",), input_shapes=[(1, 4, 4, 5)]),
        Operation(name="cat", operator="concat", inputs=("conv", "relu"),
                  input_shapes=[(1, 4, 4, 5)] * 2),
        Operation(name="avg", operator="avgpool", inputs=("cat",), input_shapes=[(1, 8, 4, 5)],
                  kernel=2, stride=2, ceil_mode=True),
        Operation(name="max", operator="maxpool", inputs=("avg",), input_shapes=[(1, 8, 2, 3)],
                  kernel=(1, 2), padding=(0, 0, 1, 0)),
        Operation(name="add", operator="add", inputs=("max", "max"),
                  input_shapes=[(1, 8, 2, 3)] * 2),
        Operation(name="gap", operator="globalavgpool", inputs=("add",),
                  input_shapes=[(1, 8, 2, 3)]),
        Operation(name="reshape", operator="reshape", inputs=("gap",),
                  input_shapes=[(1, 8, 1, 1)], output_shape=(1, 8)),
        Layer(name="fc", operator="fc", K=5, C=8, inputs=("reshape",)),
        Operation(name="flat", operator="flatten", inputs=("fc",), input_shapes=[(1, 5)]),
    ]
    workload = Workload(name="ops", layers=nodes)
    back = import_onnx_model(workload_to_onnx(workload)).workload
    assert back.layers == workload.layers


@pytest.mark.parametrize(("attributes", "expected"), [
    ({}, (16, 16, 16, 16)),  # Ripple's default
    ({"act_size": 4}, (4, 16, 8, 4)),  # partial sums twice the activations, as in ZigZag
    ({"act_size": 8, "weight_size": 2, "output_size": 24}, (8, 2, 24, 8)),
])
def test_zigzag_size_attributes_set_a_nodes_precision(attributes, expected):
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", **attributes)
    (layer,) = _single(node, (1, 3, 8, 8), [_weight("w", (4, 3, 3, 3))]).mac_layers
    p = layer.precision
    assert (p.I, p.W, p.O, p.O_final) == expected


def test_a_size_attribute_that_is_no_number_of_bits_is_one_clear_error():
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", act_size=0)
    with pytest.raises(RippleInputError, match=r"node conv \(Conv\)\.act_size: .*1 to 64"):
        _single(node, (1, 3, 8, 8), [_weight("w", (4, 3, 3, 3))])
