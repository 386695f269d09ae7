"""The command-line fuzz: hostile input files through ``evaluate``, ``simulate``, ``explore``
(with ``--limit``), ``multicore`` and ``workload`` (the mutations: ``tests/fuzzing.py``).
Every example ends in exit 0 with finite numbers in the JSON and only complete outputs left
in the output folder, or exit 2 with exactly one line on stderr and nothing left; never a
traceback, a hang or a memory blow-up.

One worker process per command (``tests/fuzz_worker.py``) runs its examples in-process
through the CLI's entry function, under an address-space limit and a per-example alarm: 2,500
interpreters would take longer than the examples themselves. The workers run side by side.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

COMMANDS = ("evaluate", "simulate", "explore", "multicore", "workload")
WORKER_SECONDS = 600  # a whole worker; an example has its own alarm in the worker


def run_workers(examples: int) -> None:
    """Every command's worker on ``examples`` examples; the failures of all, reported at once
    (each with Hypothesis's falsifying example)."""
    workers = {command: subprocess.Popen(
        [sys.executable, "-m", "tests.fuzz_worker", command, str(examples)], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for command in COMMANDS}
    failures = {}
    for command, worker in workers.items():
        output, _ = worker.communicate(timeout=WORKER_SECONDS)
        if worker.returncode != 0:
            failures[command] = output[-6_000:]
    assert not failures, "\n\n".join(f"== {command}\n{text}" for command, text in
                                     failures.items())


def test_fuzz_every_command_briefly():
    """A few examples of each command, for development."""
    run_workers(30)


@pytest.mark.slow
def test_fuzz_every_command():
    run_workers(120)
