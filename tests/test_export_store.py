"""The export store under abuse: two runs on one export, a lock left by a killed run, a
corrupt, empty or truncated part on resume, a resume of a finished run, and options that change
the rows between a run and its resume."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from ripple.arch import load_architecture
from ripple.dse.constraints import Constraints
from ripple.dse.explore import explore
from ripple.dse.lock import ExportLock
from ripple.errors import RippleInputError
from ripple.workload import load_workload
from tests.conftest import EXAMPLES, run_main

SEED = EXAMPLES / "seed_case"
BATCH = 200  # the seed's 3,648 mappings in 19 tasks


@pytest.fixture(scope="module")
def seed():
    return load_workload(SEED / "workload.yaml").layers, load_architecture(SEED / "arch.yaml")


@pytest.fixture(scope="module")
def whole(seed, tmp_path_factory):
    """The export of an uninterrupted run, to compare resumed ones with."""
    path = tmp_path_factory.mktemp("whole") / "whole.parquet"
    assert explore(*seed, Constraints(), path, batch_size=BATCH).complete
    return pq.read_table(path)


def _interrupted(seed, path, tasks: int) -> None:
    seen = []

    def progress(_rows: int) -> None:
        seen.append(1)
        if len(seen) == tasks:
            raise KeyboardInterrupt

    assert not explore(*seed, Constraints(), path, batch_size=BATCH, progress=progress).complete


def _explore_cli(path, *options: str):
    return run_main("explore", "-w", str(SEED / "workload.yaml"), "-a", str(SEED / "arch.yaml"),
                    "--export", str(path), "--batch-size", str(BATCH), *options)


def test_a_second_run_on_a_locked_export_is_refused_naming_the_holder(tmp_path):
    export = tmp_path / "run.parquet"
    with ExportLock(export):
        proc = _explore_cli(export)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"ripple: error: {export}: --export: another exploration (pid {os.getpid()}) is "
        "writing this export; wait for it to end or give another --export"]
    assert not export.exists() and not (tmp_path / "run.parquet.parts").exists()
    assert _explore_cli(export).returncode == 0  # released: the next run goes ahead
    assert not (tmp_path / "run.parquet.lock").exists()


def test_the_lock_of_a_dead_process_is_taken_over(tmp_path, whole):
    export = tmp_path / "run.parquet"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (tmp_path / "run.parquet.lock").write_text(f"{dead}\n")
    proc = _explore_cli(export)
    assert proc.returncode == 0, proc.stderr
    assert pq.read_table(export).equals(whole)


def test_a_lock_held_in_another_process_is_refused(tmp_path):
    export = tmp_path / "run.parquet"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, pathlib; from ripple.dse.lock import ExportLock\n"
         f"with ExportLock(pathlib.Path({str(export)!r})):\n"
         "    print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(RippleInputError, match=f"pid {holder.pid}"), ExportLock(export):
            pass
    finally:
        holder.communicate("")
    with ExportLock(export):  # the holder is gone, and so is its lock
        pass


@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage", "short"])
def test_a_damaged_part_is_done_again_on_resume(seed, whole, tmp_path, damage):
    export = tmp_path / "run.parquet"
    _interrupted(seed, export, tasks=5)
    part = tmp_path / "run.parquet.parts" / "part-000000002.parquet"
    content = part.read_bytes()
    if damage == "short":  # a readable part with fewer rows than its task
        table = pq.read_table(part)
        pq.write_table(table.slice(0, 3), part)
    else:
        part.write_bytes({"empty": b"", "truncated": content[: len(content) // 2],
                          "garbage": b"x" * len(content)}[damage])
    resumed = explore(*seed, Constraints(), export, batch_size=BATCH, resume=True)
    assert resumed.complete
    assert pq.read_table(export).equals(whole)
    assert sum(len(s.valid) for s in resumed.summaries) == whole.num_rows


def test_resuming_a_complete_run_says_so_and_does_nothing(tmp_path):
    export = tmp_path / "run.csv"
    assert _explore_cli(export).returncode == 0
    before = export.stat().st_mtime_ns
    proc = _explore_cli(export, "--resume")
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[-1] == (f"ripple: {export} is complete (3,648 rows); "
                                            "nothing to resume")
    assert export.stat().st_mtime_ns == before


@pytest.mark.parametrize(("first", "then", "named"), [
    (["--limit", "1000"], ["--limit", "500"], "--limit (was 1000, now 500)"),
    ([], ["--limit", "500"], "--limit (was None, now 500)"),
])
def test_a_resume_with_other_row_options_names_them(tmp_path, first, then, named):
    export = tmp_path / "run.parquet"
    assert _explore_cli(export, *first).returncode == 0
    proc = _explore_cli(export, *then, "--resume")
    assert proc.returncode == 2
    assert named in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_an_interrupted_run_resumed_with_another_batch_size_names_it(seed, tmp_path):
    export = tmp_path / "run.parquet"
    _interrupted(seed, export, tasks=2)
    proc = run_main("explore", "-w", str(SEED / "workload.yaml"), "-a", str(SEED / "arch.yaml"),
                    "--export", str(export), "--batch-size", "300", "--resume")
    assert proc.returncode == 2
    assert "--batch-size (was 200, now 300) changed since the interrupted run" in proc.stderr


def test_an_interrupted_csv_export_with_empty_text_columns_reads_back_as_parquet(tmp_path):
    """The seed layer's first tasks unroll nothing: their ``spatial`` column is all empty
    strings, which a CSV reader would take for nulls. Interrupted after two tasks, the CSV
    export's findings equal the Parquet export's, empty strings included."""
    from ripple.api import explore_files

    documents = {}
    for suffix in (".parquet", ".csv"):
        seen = {"tasks": 0}

        def interrupt(_rows: int, seen=seen) -> None:
            seen["tasks"] += 1
            if seen["tasks"] == 2:
                raise KeyboardInterrupt

        outcome = explore_files(SEED / "workload.yaml", SEED / "arch.yaml",
                                export=tmp_path / f"run{suffix}", batch_size=50,
                                progress=interrupt)
        assert not outcome.run.complete
        document = outcome.document("energy", front=True)
        del document["export"]
        documents[suffix] = document
    assert documents[".csv"] == documents[".parquet"]
    best = documents[".csv"]["layers"][0]["best"]
    assert best["spatial"] == "" and best["loops"].startswith("sram: ")
