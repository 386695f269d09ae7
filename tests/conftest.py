"""Shared test helpers."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "src" / "ripple" / "examples"
SHARED = ROOT.parent / "shared"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ``ripple`` CLI in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "ripple.cli", *args], capture_output=True,
                          text=True, cwd=cwd)


def run_main(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI's entry function in this process (no interpreter start-up: a hundred times
    faster than :func:`run_cli`), with what a subprocess would report. An exception that is not
    a clean error propagates, as a traceback would."""
    from ripple.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def assert_one_clear_line(tmp_path: Path, arch: str, memory: str, line: str, field: str,
                          words: str) -> None:
    """The seed case's ``arch`` with ``line`` added to ``memory`` must fail ``ripple evaluate``
    with one line naming the file, ``field`` and ``words``."""
    seed = EXAMPLES / "seed_case"
    text = (seed / arch).read_text()
    anchor = f"- name: {memory}\n"
    assert anchor in text
    text = text.replace(anchor, f"{anchor}        {line}\n", 1)
    path = tmp_path / "arch.yaml"
    path.write_text(text)
    proc = run_cli("evaluate", "-w", str(seed / "workload.yaml"), "-a", str(path),
                   "-m", str(seed / "mapping_event_driven.yaml"))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(path) in lines[0]
    assert f": {field}" in lines[0], lines[0]
    assert words in lines[0], lines[0]


def cli_json(*args: str) -> dict:
    proc = run_cli(*args, "--json", "-")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def seed_dir() -> Path:
    return EXAMPLES / "seed_case"


def model_equal_to_simulation(nest):
    """Evaluate ``nest`` and simulate it; assert the run matches the golden convolution and the
    model equals it on every access, the latency and the port loads; return the model's
    result."""
    from ripple.model import evaluate
    from ripple.sim import simulate

    model = evaluate(nest)
    run = simulate(nest)
    assert run.match
    assert run.result.accesses == model.accesses
    assert run.result.latency == model.latency
    assert run.result.extras["timing"] == model.extras["timing"]
    return model
