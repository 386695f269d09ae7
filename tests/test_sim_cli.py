"""``ripple simulate``: the JSON document, the golden check's exit code, user tensors, bad input
(one line, exit 2) and no partial files left behind by a failed run."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np
import pytest

from ripple import api
from ripple.cli import main
from ripple.sim import golden_convolution
from tests.conftest import EXAMPLES, run_cli

SEED = EXAMPLES / "seed_case"


def _seed_args(mapping: str = "event_driven") -> list[str]:
    return ["-w", str(SEED / "workload.yaml"), "-a", str(SEED / "arch.yaml"),
            "-m", str(SEED / f"mapping_{mapping}.yaml")]


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main([*args, "--json", "-"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("mapping", "rows"), [("event_driven", 648), ("input_scatter", 1800)])
def test_json_has_evaluate_keys_golden_and_log_rows(capsys, tmp_path, mapping, rows):
    evaluated = _json(capsys, "evaluate", *_seed_args(mapping))
    simulated = _json(capsys, "simulate", *_seed_args(mapping), "--log",
                      str(tmp_path / "macs.parquet"))
    assert set(simulated) == set(evaluated) | {"golden", "mac_log_rows"}
    assert simulated["golden"] == {"match": True, "max_abs_error": 0}
    assert simulated["mac_log_rows"] == rows
    for key in ("macs", "latency", "accesses", "output_readiness", "timing"):
        assert simulated[key] == evaluated[key], key
    without_log = _json(capsys, "simulate", *_seed_args(mapping))
    assert without_log["mac_log_rows"] == 0


def test_user_tensors_are_used(tmp_path):
    layer = api.load_nest(*_seed_args()[1::2]).layer
    rng = np.random.default_rng(7)
    inputs = rng.integers(-100, 100, size=layer.tensor_shape("I"))
    weights = rng.integers(-100, 100, size=layer.tensor_shape("W"))
    np.save(tmp_path / "x.npy", inputs)
    np.save(tmp_path / "w.npy", weights)
    run = api.simulate_files(*_seed_args()[1::2], inputs=tmp_path / "x.npy",
                             weights=tmp_path / "w.npy")
    assert run.match
    np.testing.assert_array_equal(run.output, golden_convolution(layer, inputs, weights))


def test_golden_mismatch_exits_1(monkeypatch, capsys, tmp_path):
    """A simulator that computed something else must fail loudly (here the reference is
    perturbed: no mapping file can make the two routes disagree)."""
    module = importlib.import_module("ripple.sim.simulate")  # the package exports a function
    monkeypatch.setattr(module, "golden_convolution",
                        lambda layer, i, w: golden_convolution(layer, i, w) + 1)
    out = tmp_path / "result.json"
    assert main(["simulate", *_seed_args(), "--json", str(out)]) == 1
    assert "golden check failed" in capsys.readouterr().err
    assert json.loads(out.read_text())["golden"] == {"match": False, "max_abs_error": 1}


def _bad_npy(folder: Path) -> dict[str, Path]:
    np.save(folder / "small.npy", np.zeros((1, 1, 4, 4), dtype=np.int64))
    np.save(folder / "float.npy", np.zeros((1, 1, 5, 5)))
    (folder / "text.npy").write_text("not an array")
    # sums of 9 products of 2^31 x 2^31 pass int64: both the simulator and the golden
    # convolution would wrap around and agree
    np.save(folder / "huge.npy", np.full((1, 1, 5, 5), 2**31, dtype=np.int64))
    np.save(folder / "huge_w.npy", np.full((8, 1, 3, 3), -(2**31), dtype=np.int64))
    np.save(folder / "unsigned_w.npy", np.full((8, 1, 3, 3), 2**64 - 1, dtype=np.uint64))
    return {name: folder / f"{name}.npy" for name in ("small", "float", "text", "huge",
                                                        "huge_w", "unsigned_w")}


BAD = {
    "missing inputs file": (["--inputs", "{tmp}/absent.npy"], "inputs"),
    "not an array": (["--inputs", "{tmp}/text.npy"], "cannot read a NumPy array"),
    "wrong shape": (["--inputs", "{tmp}/small.npy"], "small.npy: inputs: inputs have shape "
                    "(1, 1, 4, 4); layer 'seed_conv' needs (1, 1, 5, 5)"),
    "float inputs": (["--inputs", "{tmp}/float.npy"], "float.npy: inputs: inputs must be "
                     "integers"),
    "sums past int64": (["--inputs", "{tmp}/huge.npy", "--weights", "{tmp}/huge_w.npy"],
                        "C/G*FY*FX = 4.15e+19 exceeds 2^63-1"),
    "unsigned past int64": (["--weights", "{tmp}/unsigned_w.npy"],
                            "unsigned_w.npy: weights: weights hold 18,446,744,073,709,551,615"),
    "animation format": (["--animate", "{tmp}/run.avi"], "use .gif or .mp4"),
    "log format": (["--log", "{tmp}/macs.txt"], "use .csv or .parquet"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_and_leaves_nothing(case, tmp_path):
    args, words = BAD[case]
    _bad_npy(tmp_path)
    before = set(tmp_path.iterdir())
    out = tmp_path / "out"
    proc = run_cli("simulate", *_seed_args(), *[a.format(tmp=tmp_path) for a in args],
                   "--json", str(out / "result.json"), "--plot", str(out))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], proc.stderr
    assert set(tmp_path.iterdir()) == before


def test_mp4_without_ffmpeg_is_a_clear_error(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr("ripple.viz.animation.shutil.which", lambda name: None)
    assert main(["simulate", *_seed_args(), "--animate", str(tmp_path / "run.mp4")]) == 2
    assert "needs ffmpeg" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_failure_mid_run_leaves_no_partial_files(tmp_path):
    """The capacity check fails after the log and the stream have started."""
    arch = (SEED / "arch.yaml").read_text()
    assert "capacity_bits: 2097152" in arch
    small = tmp_path / "arch.yaml"
    small.write_text(arch.replace("capacity_bits: 2097152", "capacity_bits: 64"))
    before = set(tmp_path.iterdir())
    proc = run_cli("simulate", "-w", str(SEED / "workload.yaml"), "-a", str(small), "-m",
                   str(SEED / "mapping_event_driven.yaml"), "--log", str(tmp_path / "m.csv"),
                   "--animate", str(tmp_path / "run.gif"), "--plot", str(tmp_path / "figs"),
                   "--json", str(tmp_path / "r.json"))
    assert proc.returncode == 2 and "overflows" in proc.stderr
    assert set(tmp_path.iterdir()) == before


def test_plot_writes_utilisation_and_readiness(tmp_path):
    proc = run_cli("simulate", *_seed_args("input_scatter"), "--plot", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["readiness.png", "readiness.svg", "utilisation.png", "utilisation.svg"]


def test_simulate_a_preset_equals_the_model(tmp_path):
    """``--dataflow`` instead of ``-m``: the preset's mapping, simulated; same counts as
    ``evaluate --dataflow`` gives for the layer."""
    arch = str(EXAMPLES / "seed_dram" / "arch.yaml")
    sim = run_cli("simulate", "-w", "zoo:lenet5", "--layer", "conv2", "-a", arch,
                  "--dataflow", "ed", "--json", "-")
    model = run_cli("evaluate", "-w", "zoo:lenet5", "--layer", "conv2", "-a", arch,
                    "--dataflow", "ed", "--json", "-")
    assert sim.returncode == 0 and model.returncode == 0, sim.stderr + model.stderr
    sim_doc, model_doc = json.loads(sim.stdout), json.loads(model.stdout)["layers"][0]
    assert sim_doc["golden"]["match"] is True
    for key in ("macs", "latency", "accesses"):
        assert sim_doc[key] == model_doc[key]
