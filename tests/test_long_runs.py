"""Long runs: the simulator's up-front estimate and limits, the progress bar (only on a
terminal, never beside JSON on stdout), and Ctrl-C or SIGTERM ending a run cleanly."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time

import pytest

from ripple.arch import load_architecture
from ripple.budget import SimulationLimits, simulation_budget
from ripple.dse import preset_mapping
from ripple.errors import RippleInputError
from ripple.mapping import bind
from ripple.sim import simulate
from ripple.workload.zoo import zoo_workload
from tests.conftest import EXAMPLES, run_cli

EYERISS = str(EXAMPLES / "eyeriss_like" / "arch.yaml")


@pytest.mark.parametrize("dataflow", ["ws", "ed"])
def test_the_estimate_counts_the_macs_the_simulator_streams(dataflow, tmp_path):
    layer = zoo_workload("lenet5").mac_layers[1]
    arch = load_architecture(EYERISS)
    nest = bind(layer, arch, preset_mapping(layer, arch, dataflow))
    budget = simulation_budget(nest, tmp_path / "macs.csv")
    run = simulate(nest, log_path=tmp_path / "macs.csv")
    assert budget.exact and budget.macs == run.mac_log_rows == run.result.macs_issued
    with pytest.raises(RippleInputError, match="--max-macs N raises it"):
        budget.check(SimulationLimits(max_macs=budget.macs - 1))
    budget.check(SimulationLimits(max_macs=budget.macs))


def test_a_large_layer_is_refused_with_the_flag_that_overrides_it():
    layer = zoo_workload("alexnet").mac_layers[1]
    proc = run_cli("simulate", "-w", "zoo:alexnet", "--layer", layer.name, "-a", EYERISS,
                   "--dataflow", "ws")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert f"layer {layer.name} under weight_stationary: " in proc.stderr
    assert "MACs: about" in proc.stderr and "--max-macs N raises it" in proc.stderr
    logged = run_cli("simulate", "-w", "zoo:resnet18", "--layer", "conv1", "-a", EYERISS,
                     "--dataflow", "ws", "--log", "macs.csv")
    assert logged.returncode == 2 and "--max-log-gb N raises it" in logged.stderr
    assert "a MAC log (macs.csv) of about" in logged.stderr


def test_lenet5_conv1_count_in_the_refusal():
    """The count is the layer's: 6 output channels x 28 x 28 outputs x 25 taps."""
    proc = run_cli("simulate", "-w", "zoo:lenet5", "--layer", "conv1", "-a", EYERISS,
                   "--dataflow", "os", "--max-macs", "1000")
    assert proc.returncode == 2 and f"{6 * 28 * 28 * 25:,} MACs" in proc.stderr


def _start(tmp_path, log_name):
    """A simulation long enough to be stopped while it writes its MAC log."""
    command = [sys.executable, "-m", "ripple.cli", "simulate", "-w", "zoo:alexnet", "--layer",
               "conv1", "-a", EYERISS, "--dataflow", "ed", "--log", log_name]
    # Ctrl-C's default, even when the tests run in a background job (whose commands inherit
    # SIGINT ignored, and Python keeps an ignored SIGINT ignored)
    proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    partial = tmp_path / f".{log_name}.partial"
    deadline = time.monotonic() + 120
    while not (partial.exists() and partial.stat().st_size > 0):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the log was never started"
        time.sleep(0.2)
    return proc


@pytest.mark.parametrize(("signum", "status", "word"), [(signal.SIGINT, 130, "interrupted"),
                                                        (signal.SIGTERM, 143, "terminated")])
def test_a_stopped_run_leaves_no_log_and_no_traceback(signum, status, word, tmp_path):
    proc = _start(tmp_path, "macs.parquet")
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == status
    assert stderr == f"ripple: {word}\n"
    assert list(tmp_path.iterdir()) == []  # neither the log nor its hidden partial file


def _on_a_terminal(*args: str) -> str:
    """What the command writes to stderr when stderr is a terminal."""
    controller, terminal = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "120"}
    proc = subprocess.Popen([sys.executable, "-m", "ripple.cli", *args], stdout=subprocess.PIPE,
                            stderr=terminal, env=env)
    os.close(terminal)
    seen = b""
    while True:
        try:
            data = os.read(controller, 65536)
        except OSError:  # the terminal closed: the command ended
            break
        if not data:
            break
        seen += data
    proc.communicate(timeout=300)
    os.close(controller)
    return seen.decode(errors="replace")


def test_the_progress_bar_only_on_a_terminal_and_never_beside_json():
    args = ("compare", "-w", "zoo:lenet5", "-a", EYERISS, "--dataflows", "ws,ed")
    assert "comparing" in _on_a_terminal(*args)
    assert "comparing" not in _on_a_terminal(*args, "--json", "-")
    piped = run_cli(*args)
    assert piped.returncode == 0 and piped.stderr == ""
