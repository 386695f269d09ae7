"""``ripple compare``: LeNet-5 under the five dataflows, as JSON and as figures."""

from __future__ import annotations

import json

from tests.conftest import EXAMPLES, SHARED, cli_json, run_cli


def test_compare_lenet5_json_and_plots(tmp_path):
    plots = tmp_path / "plots"
    arch = EXAMPLES / "eyeriss_like" / "arch.yaml"
    proc = run_cli("compare", "-n", "zoo:lenet5", "-a", str(arch),
                   "--dataflows", "ws,os,is,rs,ed", "--json", "-", "--plot", str(plots))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    flows = [r["dataflow"] for r in doc["comparison"]]
    assert flows == ["weight_stationary", "output_stationary", "input_stationary",
                     "row_stationary", "event_driven"]
    for result in doc["comparison"]:
        names = [lyr["layer"] for lyr in result["layers"]]
        assert names == ["conv1", "conv2", "fc1", "fc2", "fc3"]
        total = result["total"]
        assert total["macs"]["valid"] == total["macs"]["issued"] == 416_520
        lat = total["latency"]
        assert total["latency_cycles"] == lat["compute"] + lat["stall"] + lat["fill"] + lat["drain"]
        assert total["energy_pj"] == sum(lyr["energy_pj"] for lyr in result["layers"])
    for stem in ("latency_energy", "energy_breakdown", "readiness_conv1", "readiness_conv2"):
        for suffix in (".png", ".svg"):
            assert (plots / f"{stem}{suffix}").stat().st_size > 1000


def test_compare_unknown_dataflow_is_a_clear_error():
    proc = run_cli("compare", "-n", "zoo:lenet5", "-a", str(EXAMPLES / "seed_case" / "arch.yaml"),
                   "--dataflows", "ws,zz")
    assert proc.returncode == 2
    assert "unknown dataflow 'zz'" in proc.stderr and "Traceback" not in proc.stderr


def test_evaluate_whole_network_under_a_dataflow():
    """``ripple evaluate -w MODEL.onnx|zoo:NAME -a A --dataflow PRESET``: layers and total."""
    arch = str(EXAMPLES / "seed_dram" / "arch.yaml")
    onnx_model = str(SHARED / "reference" / "onnx" / "lenet5.onnx")
    docs = [cli_json("evaluate", "-w", spec, "-a", arch, "--dataflow", "ed")
            for spec in ("zoo:lenet5", onnx_model)]
    for doc in docs:
        assert doc["dataflow"] == "event_driven"
        assert len(doc["layers"]) == 5
        assert doc["total"]["macs"] == {"issued": 416_520, "valid": 416_520}
        assert doc["total"]["energy_pj"] == sum(layer["energy_pj"] for layer in doc["layers"])
    assert docs[0]["total"] == docs[1]["total"]  # the zoo's LeNet-5 is the reference model


def test_evaluate_dataflow_and_mapping_are_exclusive(seed_dir):
    proc = run_cli("evaluate", "-w", "zoo:lenet5", "-a", str(seed_dir / "arch.yaml"),
                   "--dataflow", "ws", "-m", str(seed_dir / "mapping_event_driven.yaml"))
    assert proc.returncode == 2 and "not both" in proc.stderr
