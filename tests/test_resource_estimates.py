"""Runs too large for the machine are refused before they start, with the estimate and the
flags past the refusal; explore says how large its space is."""

from __future__ import annotations

import json

import pytest

from ripple.dse.estimate import BASE_BYTES as EXPLORE_BASE
from ripple.dse.estimate import BYTES_PER_ROW, BYTES_PER_TASK_ROW, MAX_COUNTED_SKELETONS
from ripple.resources import BASE_BYTES, FACTOR_BYTES_PER_ELEMENT, MODEL_BYTES_PER_OUTPUT, size
from tests.conftest import EXAMPLES, run_main

SEED = EXAMPLES / "seed_case"
EYERISS = str(EXAMPLES / "eyeriss_like" / "arch.yaml")
HUGE = ("name: huge\noperator: conv\nN: 1\nK: 4096\nC: 4096\nIY: 224\nIX: 224\nFY: 3\n"
        "FX: 3\nstride: 1\ndilation: 1\npadding: 1\n")
HUGE_OUTPUTS = 4096 * 224 * 224  # padding 1 keeps 224x224


def _refused(proc) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    (line,) = proc.stderr.splitlines()
    assert line.startswith("ripple: error: ")
    assert "--max-memory GB raises the limit, --force runs anyway" in line
    return line


@pytest.mark.parametrize("command", [["evaluate", "--dataflow", "ws"],
                                     ["simulate", "--dataflow", "ws"],
                                     ["simulate", "--dataflow", "ed", "--max-macs", str(10**13)]])
def test_k_c_4096_at_224_is_refused_with_its_estimate(tmp_path, command):
    workload = tmp_path / "huge.yaml"
    workload.write_text(HUGE)
    line = _refused(run_main(command[0], "-w", str(workload), "-a", EYERISS, *command[1:],
                             "--max-memory", "8"))
    estimate = size(BASE_BYTES + HUGE_OUTPUTS * MODEL_BYTES_PER_OUTPUT)
    assert f"{HUGE_OUTPUTS:,} outputs, about {estimate} of memory" in line
    assert "past the memory limit of 8.0 GB" in line


def test_force_and_max_memory_lift_the_refusal():
    argv = ["evaluate", "-w", str(SEED / "workload.yaml"), "-a", str(SEED / "arch.yaml"),
            "--dataflow", "ws", "--json", "-"]
    _refused(run_main(*argv, "--max-memory", "0.01"))
    assert run_main(*argv, "--max-memory", "0.01", "--force").returncode == 0
    assert run_main(*argv, "--max-memory", "1").returncode == 0


def test_explore_counts_its_space_before_running(tmp_path):
    """The count said before the run equals the rows the run then exports."""
    proc = run_main("explore", "-w", str(SEED / "workload.yaml"), "-a", str(SEED / "arch.yaml"),
                    "--export", str(tmp_path / "x.parquet"), "--json", "-")
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    assert document["mappings_in_space"] == document["rows"] == 3_648


def test_explore_past_the_memory_limit_is_refused(tmp_path):
    proc = run_main("explore", "-w", str(SEED / "workload.yaml"), "-a", str(SEED / "arch.yaml"),
                    "--export", str(tmp_path / "x.parquet"), "--max-memory", "0.1")
    line = _refused(proc)
    memory = EXPLORE_BASE + 3_648 * (BYTES_PER_ROW + BYTES_PER_TASK_ROW)  # one batch holds all
    assert f"the space has 3,648 mappings, about {size(memory)} of memory" in line
    assert list(tmp_path.iterdir()) == []


def test_a_space_too_large_to_count_needs_a_limit(tmp_path):
    argv = ["explore", "-w", "zoo:lenet5", "-a", EYERISS, "--export", str(tmp_path / "x.csv")]
    proc = run_main(*argv)
    assert proc.returncode == 2
    assert proc.stderr == (f"ripple: error: {tmp_path / 'x.csv'}: the space is too large to "
                           f"count (more than {MAX_COUNTED_SKELETONS:,} unrollings and tilings):"
                           " give --limit N (mappings a layer) or --force to explore it all\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["evaluate", "--dataflow", "ed"],
                                     ["simulate", "--dataflow", "ws"],
                                     ["explore", "--limit", "10", "--export", "EXPORT"]])
def test_a_dimension_of_2_31_is_refused_before_its_table(tmp_path, command):
    """N = 2^31 - 1 on the seed layer: the model's table of N alone would take 16 GiB per
    array; every path to the model refuses it first, with the table's estimate."""
    seed = (SEED / "workload.yaml").read_text()
    assert "\nN: 1\n" in seed
    workload = tmp_path / "wide.yaml"
    workload.write_text(seed.replace("\nN: 1\n", f"\nN: {2**31 - 1}\n"))
    argv = [str(tmp_path / "out" / "x.csv") if a == "EXPORT" else a for a in command]
    line = _refused(run_main(argv[0], "-w", str(workload), "-a", str(SEED / "arch.yaml"),
                             *argv[1:], "--max-memory", "8"))
    estimate = size(BASE_BYTES + (2**31 - 1) * FACTOR_BYTES_PER_ELEMENT)
    assert f"factor N: a table of {2**31 - 1:,} elements, about {estimate} of memory" in line
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
