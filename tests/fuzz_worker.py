"""One process of the command-line fuzz (``tests/test_fuzz_cli.py``): runs one command's
examples through the CLI's entry function, in this process, under an address-space limit and a
per-example alarm, so that a memory blow-up or a hang fails one example instead of the machine.

    python -m tests.fuzz_worker COMMAND EXAMPLES

Exit 0 when every example passed; otherwise Hypothesis's report of the falsifying example
(shrunk) and its traceback on stderr, exit 1.
"""

from __future__ import annotations

import contextlib
import resource
import signal
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES, run_main
from tests.fuzzing import (
    FUZZ,
    PRESETS,
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

MEMORY_LIMIT = 3 * 2**30  # address space: the interpreter with NumPy, pyarrow and rich is ~1 GB
EXAMPLE_SECONDS = 30  # far above any example's run on a loaded 2-core box (at most ~2 s)

Argv = Callable[[dict[str, Path], Path], list[str]]


class ExampleTimeout(BaseException):
    """An example ran past :data:`EXAMPLE_SECONDS` (not an ``Exception``: no handler in the
    CLI may swallow it)."""


@dataclass(frozen=True)
class Case:
    """One run: ``files`` copied into a fresh input folder, the one at ``role`` mutated; the
    command line ``argv`` makes of their paths and the output folder; the files a successful
    run may leave there (``outputs``)."""

    files: dict[str, Path]
    role: str
    changes: list[Mutation]
    argv: Argv
    outputs: frozenset[str] = field(default_factory=frozenset)


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise ExampleTimeout(f"an example ran past {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check(case: Case) -> None:
    """Run ``case``: exit 0 with a finite JSON document on stdout, or exit 2 with one
    ``ripple: error:`` line; only complete outputs left (an exploration with no valid mapping
    keeps its export), never a partial or hidden file, never an input touched."""
    with tempfile.TemporaryDirectory() as tmp:
        inputs, out = Path(tmp) / "in", Path(tmp) / "out"
        inputs.mkdir()
        out.mkdir()
        paths = {name: inputs / original.name for name, original in case.files.items()}
        for name, original in case.files.items():
            content = (mutated(original, case.changes) if name == case.role
                       else original.read_bytes())
            paths[name].write_bytes(content)
        before = sorted(inputs.iterdir())
        with deadline(EXAMPLE_SECONDS), warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)  # an overflow NumPy only warns of
            proc = run_main(*case.argv(paths, out), "--json", "-")
        assert sorted(inputs.iterdir()) == before, "a file was written among the inputs"
        left = {path.name for path in out.rglob("*")}
        if proc.returncode == 0:
            assert proc.stderr == "", proc.stderr
            assert_finite_json(proc.stdout)
            assert left <= case.outputs, f"left behind: {sorted(left - case.outputs)}"
        else:
            assert_one_error_line(proc.returncode, proc.stderr)
            assert left <= case.outputs, f"a failed run left {sorted(left - case.outputs)}"


def _mapping_argv(command: str) -> Argv:
    return lambda paths, out: [command, "-w", str(paths["workload"]), "-a", str(paths["arch"]),
                               "-m", str(paths["mapping"])]


@st.composite
def evaluate_cases(draw: st.DrawFn) -> Case:
    """A seed case mapping, or a preset on a mutated example architecture."""
    if draw(st.booleans()):
        return Case(*draw(evaluate_runs()), _mapping_argv("evaluate"))
    files, role, mutation, preset = draw(preset_runs())
    return Case(files, role, mutation, lambda paths, out: [
        "evaluate", "-w", str(SEED / "workload.yaml"), "-a", str(paths["arch"]),
        "--dataflow", preset])


@st.composite
def simulate_cases(draw: st.DrawFn) -> Case:
    """The seed case's files, one mutated, under a mapping or a preset, sometimes logged."""
    files, role, mutation = draw(evaluate_runs())
    log = draw(st.sampled_from([None, "macs.csv", "macs.parquet"]))
    preset = draw(st.sampled_from([None, *PRESETS]))

    def argv(paths: dict[str, Path], out: Path) -> list[str]:
        which = ["--dataflow", preset] if preset else ["-m", str(paths["mapping"])]
        logged = ["--log", str(out / log)] if log else []
        return ["simulate", "-w", str(paths["workload"]), "-a", str(paths["arch"]), *which,
                *logged]

    return Case(files, role, mutation, argv, frozenset([log] if log else []))


@st.composite
def explore_cases(draw: st.DrawFn) -> Case:
    """The seed layer on an example architecture, with the seed constraints or none, one of
    the files mutated, a few mappings exported. Mostly the seed accelerator: on a deeper one
    counting the space before the run (400 unrollings and tilings) takes over a second."""
    arch = draw(st.sampled_from([SEED / "arch.yaml"] * 8 + [  # two levels: 20 times slower
        EXAMPLES / "seed_dram" / "arch.yaml", EXAMPLES / "eyeriss_like" / "arch.yaml"]))
    files = {"workload": SEED / "workload.yaml", "arch": arch}
    if draw(st.booleans()):
        files["constraints"] = SEED / "constraints.yaml"
    limit = draw(st.sampled_from(["1", "20", "100"]))
    export = draw(st.sampled_from(["space.parquet", "space.csv"]))

    def argv(paths: dict[str, Path], out: Path) -> list[str]:
        constraints = (["--constraints", str(paths["constraints"])]
                       if "constraints" in paths else [])
        return ["explore", "-w", str(paths["workload"]), "-a", str(paths["arch"]),
                *constraints, "--limit", limit, "--export", str(out / export)]

    return Case(files, draw(st.sampled_from(sorted(files))), draw(changes), argv,
                frozenset([export, f"{export}.status.json"]))


@st.composite
def multicore_cases(draw: st.DrawFn) -> Case:
    """An example machine and its core file in one of the modes, on the seed layer (either
    mutated) or, for the dual core, LeNet-5 under its partition (any of the three mutated)."""
    files, role, mutation, mode = draw(multicore_runs())
    if "partition" not in files:  # the seed layer: a tenth of LeNet-5's time, and mutable
        files["workload"] = SEED / "workload.yaml"
        role = draw(st.sampled_from(sorted(files)))

    def argv(paths: dict[str, Path], out: Path) -> list[str]:
        partition = ["--partition", str(paths["partition"])] if "partition" in paths else []
        workload = str(paths["workload"]) if "workload" in paths else "zoo:lenet5"
        return ["multicore", "-w", workload, "-a", str(paths["machine"]), "--mode", mode,
                *partition]

    return Case(files, role, mutation, argv)


@st.composite
def workload_cases(draw: st.DrawFn) -> Case:
    return Case({"workload": SEED / "workload.yaml"}, "workload", draw(changes),
                lambda paths, out: ["workload", str(paths["workload"])])


CASES = {"evaluate": evaluate_cases, "simulate": simulate_cases, "explore": explore_cases,
         "multicore": multicore_cases, "workload": workload_cases}


def run(command: str, examples: int) -> None:
    """Run ``examples`` derandomised examples of ``command`` (Hypothesis raises on the first
    that fails, after shrinking it)."""

    @settings(max_examples=examples, **FUZZ)
    @given(CASES[command]())
    def fuzz(case: Case) -> None:
        check(case)

    fuzz()


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    run(sys.argv[1], int(sys.argv[2]))
