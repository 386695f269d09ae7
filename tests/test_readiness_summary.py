"""The readiness summary of the JSON (``output_readiness``) against the simulator's MAC log: the
first and last ready cycles are recomputed from the cycles of the MACs each output received
(docs/energy-latency.md: an output is final one cycle after its last MAC, and one that receives
no MAC is final from the start, at cycle 0)."""

from __future__ import annotations

import numpy as np
import pytest

from ripple.api import seed_case_nests
from ripple.arch import load_architecture
from ripple.dse import ALIASES, preset_mapping
from ripple.mapping import LoopNest, bind
from ripple.mapping.spec import Mapping
from ripple.model import evaluate
from ripple.sim import simulate
from ripple.sim.maclog import read_mac_log
from ripple.workload.layer import Layer
from ripple.workload.zoo import zoo_workload
from tests.conftest import EXAMPLES, cli_json


def ready_from_log(nest: LoopNest, tmp_path) -> np.ndarray:
    """Per output (flat, in the result's output buffer), the cycle after its last MAC in the
    simulator's log; 0 for an output no MAC reached."""
    path = tmp_path / "macs.parquet"
    run = simulate(nest, log_path=path)
    log = read_mac_log(path)
    ready = np.zeros(run.result.ready.size, dtype=np.int64)
    np.maximum.at(ready, log["output"], log["cycle"] + 1)
    return ready


def assert_summary_matches_log(nest: LoopNest, tmp_path) -> dict:
    summary = evaluate(nest).to_dict()["output_readiness"]
    ready = ready_from_log(nest, tmp_path)
    assert summary["first_output_ready_cycle"] == ready.min()
    assert summary["last_output_ready_cycle"] == ready.max()
    assert summary["outputs"] == ready.size
    return summary


def test_seed_case_json_says_45(tmp_path):
    document = cli_json("demo", "--out", str(tmp_path))
    event = next(r for r in document["seed_case"] if r["mapping"] == "event_driven")
    assert event["output_readiness"]["first_output_ready_cycle"] == 45
    nest = next(n for n in seed_case_nests() if n.mapping.name == "event_driven")
    assert assert_summary_matches_log(nest, tmp_path)["first_output_ready_cycle"] == 45


@pytest.mark.parametrize("dataflow", sorted(ALIASES))
def test_every_preset_on_lenet5_conv1(dataflow, tmp_path):
    layer = zoo_workload("lenet5").mac_layers[0]
    arch = load_architecture(EXAMPLES / "eyeriss_like" / "arch.yaml")
    nest = bind(layer, arch, preset_mapping(layer, arch, dataflow))
    assert assert_summary_matches_log(nest, tmp_path)["first_output_ready_cycle"] > 0


def test_an_output_with_no_mac_is_ready_at_cycle_0(tmp_path):
    """A 1x1 filter over a padded input, padding taps skipped: the border outputs receive no
    MAC and are final from the start."""
    layer = Layer(name="pad1x1", K=2, C=1, IY=3, IX=3, FY=1, FX=1, padding=1)
    arch = load_architecture(EXAMPLES / "seed_case" / "arch.yaml")
    mapping = Mapping(name="skip", index="output", skip_padding=True,
                      spatial={"D1": [("K", 2)]}, temporal={"sram": [("OY", 5), ("OX", 5)]})
    nest = bind(layer, arch, mapping)
    summary = assert_summary_matches_log(nest, tmp_path)
    assert summary["first_output_ready_cycle"] == 0
    assert summary["last_output_ready_cycle"] == 9
