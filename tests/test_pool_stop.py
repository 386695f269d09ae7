"""A search or an export with a process pool stops at once on SIGTERM or Ctrl-C, its workers
with it, and says so in one line with the shell's status for that signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES

LONG_SEARCH = ["explore", "-a", str(EXAMPLES / "eyeriss_like" / "arch.yaml"),
               "-w", "zoo:resnet18", "--objective", "energy", "--workers", "2"]
LONG_EXPORT = ["explore", "-a", str(EXAMPLES / "seed_case" / "arch.yaml"), "-w", "zoo:lenet5",
               "--layer", "conv1", "--workers", "2", "--export", "rows.parquet"]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize(("sig", "group", "status", "command"), [
    (signal.SIGTERM, True, 128 + signal.SIGTERM, LONG_SEARCH),   # `timeout`: the process group
    (signal.SIGTERM, False, 128 + signal.SIGTERM, LONG_SEARCH),  # `kill PID`: the main process
    (signal.SIGINT, True, 128 + signal.SIGINT, LONG_SEARCH),     # Ctrl-C in a terminal: the group
    (signal.SIGTERM, True, 128 + signal.SIGTERM, LONG_EXPORT),
    (signal.SIGINT, True, 128 + signal.SIGINT, LONG_EXPORT),
], ids=["search-timeout", "search-kill", "search-ctrl-c", "export-timeout", "export-ctrl-c"])
def test_a_pooled_run_stops_with_its_workers(tmp_path: Path, sig: int, group: bool, status: int,
                                             command: list[str]) -> None:
    process = subprocess.Popen([sys.executable, "-m", "ripple", *command], cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(_children(process.pid)) < 2 and time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read().decode()
            time.sleep(0.2)
        workers = _children(process.pid)
        assert len(workers) >= 2, "the pool's workers never started"
        time.sleep(1.0)  # the workers are busy with a layer each
        if group:
            os.killpg(process.pid, sig)
        else:
            os.kill(process.pid, sig)
        assert process.wait(timeout=30) == status
        last = process.stderr.read().decode().strip().splitlines()[-1]
        assert last.startswith("ripple: terminated" if sig == signal.SIGTERM
                               else "ripple: interrupted"), last
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(w) for w in workers), "a worker outlived the search"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
