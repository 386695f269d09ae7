"""Hostile input files through the CLI: the bundled examples, mutated (keys deleted, values of
the wrong type, huge, negative, zero, NaN or infinite numbers, duplicate keys, non-UTF-8 bytes,
truncation, alias bombs, python tags), must each end in exit 0 with finite numbers in the JSON
or exit 2 with one line on stderr: never a traceback, a warning or a file left behind. The
commands: ``evaluate`` (a mapping, or a dataflow preset on another example architecture),
``workload`` and ``multicore`` (a machine, its core file and a partition).

The commands run in this process (their entry function, not a subprocess: a hundred times
faster), derandomised so that every run tries the same files.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings

from tests.conftest import run_main
from tests.fuzzing import (
    FUZZ,
    SEED,
    Mutation,
    assert_finite_json,
    assert_one_error_line,
    changes,
    evaluate_runs,
    multicore_runs,
    mutated,
    preset_runs,
)


def check_run(argv: list[str], folder: Path) -> None:
    """Run the CLI on files in ``folder``; check the outcome and that it wrote nothing."""
    before = sorted(folder.iterdir())
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # an overflow NumPy only warns about
        proc = run_main(*argv, "--json", "-")
    assert sorted(folder.iterdir()) == before, "a file was left behind"
    if proc.returncode == 0:
        assert_finite_json(proc.stdout)
        assert proc.stderr == ""
    else:
        assert_one_error_line(proc.returncode, proc.stderr)


def fuzz(files: dict[str, Path], role: str, changes: list[Mutation],
         argv: Callable[[dict[str, Path]], list[str]]) -> None:
    """Copy ``files`` into an empty folder, the one at ``role`` mutated, and check the command
    ``argv`` makes of their paths."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = {name: folder / original.name for name, original in files.items()}
        for name, original in files.items():
            content = mutated(original, changes) if name == role else original.read_bytes()
            paths[name].write_bytes(content)
        check_run(argv(paths), folder)




def fuzz_evaluate(run: tuple[dict[str, Path], str, list[Mutation]]) -> None:
    fuzz(*run, lambda paths: ["evaluate", "-w", str(paths["workload"]), "-a", str(paths["arch"]),
                              "-m", str(paths["mapping"])])


def fuzz_workload(mutation: list[Mutation]) -> None:
    fuzz({"workload": SEED / "workload.yaml"}, "workload", mutation,
         lambda paths: ["workload", str(paths["workload"])])


def fuzz_multicore(run: tuple[dict[str, Path], str, list[Mutation], str]) -> None:
    files, role, mutation, mode = run

    def argv(paths: dict[str, Path]) -> list[str]:
        partition = ["--partition", str(paths["partition"])] if "partition" in paths else []
        return ["multicore", "-w", "zoo:lenet5", "-a", str(paths["machine"]), "--mode", mode,
                *partition]

    fuzz(files, role, mutation, argv)


@settings(max_examples=500, **FUZZ)
@given(evaluate_runs())
def test_fuzz_evaluate(run):
    fuzz_evaluate(run)


@settings(max_examples=500, **FUZZ)
@given(changes)
def test_fuzz_workload(mutation):
    fuzz_workload(mutation)


@settings(max_examples=200, **FUZZ)
@given(preset_runs())
def test_fuzz_evaluate_preset(run):
    files, role, mutation, preset = run
    fuzz(files, role, mutation, lambda paths: ["evaluate", "-w", str(SEED / "workload.yaml"),
                                               "-a", str(paths["arch"]), "--dataflow", preset])


@settings(max_examples=60, **FUZZ)
@given(multicore_runs())
def test_fuzz_multicore(run):
    fuzz_multicore(run)


@pytest.mark.slow
@settings(max_examples=1000, **FUZZ)
@given(evaluate_runs())
def test_fuzz_evaluate_many(run):
    fuzz_evaluate(run)


@pytest.mark.slow
@settings(max_examples=500, **FUZZ)
@given(changes)
def test_fuzz_workload_many(mutation):
    fuzz_workload(mutation)


@pytest.mark.slow
@settings(max_examples=100, **FUZZ)
@given(multicore_runs())
def test_fuzz_multicore_many(run):
    fuzz_multicore(run)
