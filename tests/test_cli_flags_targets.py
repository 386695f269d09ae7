"""Flags out of range and output targets that cannot be written end in one line on stderr and
exit 2, before any work and without a file written; a terminated simulation leaves no partial
file; ``--limit`` on a network bounds every layer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ripple.cli.flags import cpu_count
from tests.conftest import EXAMPLES, ROOT, run_main

SEED = EXAMPLES / "seed_case"
SEED_FILES = ["-w", str(SEED / "workload.yaml"), "-a", str(SEED / "arch.yaml")]


def _one_line(proc, *words: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ripple: error: "), proc.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(("flag", "value", "expected"), [
    ("--limit", "-5", "from 1 to"), ("--limit", "0", "from 1 to"),
    ("--limit", "x", "expected an integer"), ("--limit", "1" * 30, "from 1 to"),
    ("--batch-size", "0", "from 1 to"), ("--batch-size", "-1", "from 1 to"),
    ("--workers", "0", f"from 1 to {cpu_count()}"),
    ("--workers", "1000", f"from 1 to {cpu_count()} (the processors"),
])
def test_explore_flags_out_of_range(tmp_path, flag, value, expected):
    proc = run_main("explore", *SEED_FILES, "--export", str(tmp_path / "x.csv"), flag, value)
    _one_line(proc, f"argument {flag}", expected)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("flag", "value"), [
    ("--max-macs", "0"), ("--max-macs", "-1"), ("--max-log-gb", "nan"), ("--max-log-gb", "-1"),
    ("--seed", "-1"), ("--max-memory", "inf"), ("--max-memory", "0"),
])
def test_simulate_flags_out_of_range(flag, value):
    _one_line(run_main("simulate", *SEED_FILES, "--dataflow", "ws", flag, value),
              f"argument {flag}")


def test_rows_per_tile_out_of_range():
    _one_line(run_main("multicore", "-w", "zoo:lenet5", "-a",
                       str(EXAMPLES / "multicore" / "dual_core.yaml"), "--rows-per-tile", "0"),
              "argument --rows-per-tile")


@pytest.mark.parametrize(("value", "expected"), [
    ("-1", "from 0 to 296 (the test split's images), got -1"),
    ("297", "from 0 to 296"), ("x", "expected an integer"),
])
def test_test_image_out_of_range(value, expected):
    _one_line(run_main("sparsity", "lenet5", "--image", value), "argument --image", expected)


def _targets(tmp_path):
    """Targets no file can be written at: a folder, a path under a file, a folder that refuses
    new files."""
    (tmp_path / "file").write_text("")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if os.geteuid() == 0:  # root writes into any folder, but no file can be made in /proc
        locked = Path("/proc")
    return {"folder": (str(tmp_path), "is a folder"),
            "under a file": (str(tmp_path / "file" / "out.x"), "is a file, not a folder"),
            "unwritable": (str(locked / "sub" / "out.x"), "cannot write into")}


COMMANDS = {
    "explore --json": ["explore", *SEED_FILES, "--export", "{ok}.csv", "--json", "{target}"],
    "explore --export": ["explore", *SEED_FILES, "--export", "{target}"],
    "simulate --log": ["simulate", *SEED_FILES, "--dataflow", "ws", "--log", "{target}"],
    "simulate --animate": ["simulate", *SEED_FILES, "--dataflow", "ws", "--animate",
                           "{target}"],
    "multicore --trace": ["multicore", "-w", "zoo:lenet5", "-a",
                          str(EXAMPLES / "multicore" / "dual_core.yaml"), "--trace", "{target}"],
    "evaluate --json": ["evaluate", *SEED_FILES, "--dataflow", "ws", "--json", "{target}"],
}


@pytest.mark.parametrize("kind", ["folder", "under a file", "unwritable"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_unwritable_file_targets_are_refused_before_the_work(tmp_path, command, kind):
    target, words = _targets(tmp_path)[kind]
    ok = tmp_path / "ok"
    argv = [a.format(target=target, ok=ok) for a in COMMANDS[command]]
    before = sorted(tmp_path.rglob("*"))
    _one_line(run_main(*argv), target, words)
    assert sorted(tmp_path.rglob("*")) == before, "written before the refusal"


def test_a_plot_folder_under_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("")
    proc = run_main("multicore", "-w", "zoo:lenet5", "-a",
                    str(EXAMPLES / "multicore" / "dual_core.yaml"), "--plot",
                    str(tmp_path / "file" / "figures"))
    _one_line(proc, "--plot", "is a file, not a folder")


def test_sigterm_during_simulate_log_leaves_no_file(tmp_path):
    """A layer of ~1.4e7 MACs logs for several seconds; SIGTERM halfway: one line, the
    shell's status 143, and neither the log nor its hidden partial file."""
    workload = tmp_path / "layer.yaml"
    workload.write_text("name: mid\noperator: conv\nN: 1\nK: 64\nC: 16\nIY: 56\nIX: 56\n"
                        "FY: 3\nFX: 3\nstride: 1\ndilation: 1\npadding: 1\n")
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ripple.cli", "simulate", "-w", str(workload), "-a",
         str(EXAMPLES / "eyeriss_like" / "arch.yaml"), "--dataflow", "ws",
         "--log", str(out / "macs.csv")], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    def logging() -> bool:  # the log's partial file, not the target check's probe
        return any(not f.name.startswith(".ripple-probe-") for f in out.iterdir())

    while not logging() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert logging(), "the log never started"
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    assert stderr == "ripple: terminated\n"
    assert list(out.iterdir()) == []


def test_limit_on_a_network_bounds_every_layer(tmp_path):
    """LeNet-5 has 5 MAC layers: ``--limit 40`` evaluates 40 mappings of each, and the total
    is the sum of each layer's best."""
    proc = run_main("explore", "-w", "zoo:lenet5", "-a", str(EXAMPLES / "eyeriss_like" /
                    "arch.yaml"), "--export", str(tmp_path / "x.parquet"), "--limit", "40",
                    "--json", "-")
    assert proc.returncode == 0, proc.stderr
    import json

    document = json.loads(proc.stdout)
    assert [layer["evaluated"] for layer in document["layers"]] == [40] * 5
    assert document["rows"] == 200
    assert document["total"]["energy_pj"] == pytest.approx(
        sum(layer["best"]["energy_pj"] for layer in document["layers"]))
    assert document["limit_per_layer"] == 40


# an animation takes seconds and its writer is the figures' path, which the others cover
@pytest.mark.parametrize("command", sorted(c for c in COMMANDS if "--animate" not in c))
def test_file_targets_in_a_missing_folder_are_made(tmp_path, command):
    """A target whose folder does not exist yet: its writer makes the folder (the MAC log and
    the export's lock used to fail there with a traceback), and the run leaves the file."""
    target = tmp_path / "new" / "deeper" / ("out.csv" if "--log" in command or "export" in
                                            command else "out.json")
    argv = [a.format(target=target, ok=tmp_path / "ok") for a in COMMANDS[command]]
    proc = run_main(*argv)
    assert proc.returncode == 0, proc.stderr
    assert target.is_file()
    assert sorted(p.name for p in target.parent.iterdir()) == sorted(
        [target.name] + ([f"{target.name}.status.json"] if "export" in command else []))


@pytest.mark.parametrize("option", ["--json", "--report-html"])
def test_an_output_onto_an_input_is_refused(tmp_path, option):
    """Writing the result over one of the command's own input files would lose the input."""
    workload = tmp_path / "workload.yaml"
    text = (SEED / "workload.yaml").read_text()
    workload.write_text(text)
    proc = run_main("evaluate", "-w", str(workload), "-a", str(SEED / "arch.yaml"),
                    "-m", str(SEED / "mapping_event_driven.yaml"), option, str(workload))
    _one_line(proc, str(workload), option, "is an input of this command")
    assert workload.read_text() == text
