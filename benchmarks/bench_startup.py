"""Start-up time of the command line: ``ripple --help`` and ``ripple evaluate --help`` as
whole processes (interpreter start, imports, the parser), the median of N runs each, against
the target of 0.5 s. The commands import the model, pyarrow, onnx, matplotlib or Dask only
when they run (``ripple.lazy``), so asking for help costs none of them.

    python benchmarks/bench_startup.py [--runs 11]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

TARGET_SECONDS = 0.5
COMMANDS = (["--help"], ["evaluate", "--help"])


def wall_seconds(argv: list[str]) -> float:
    """One whole ``python -m ripple ARGV`` process, wall clock."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ripple", *argv], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="runs per command (median)")
    runs = parser.parse_args().runs
    wall_seconds(["--help"])  # warm the file cache
    for argv in COMMANDS:
        times = [wall_seconds(argv) for _ in range(runs)]
        median = statistics.median(times)
        print(f"ripple {' '.join(argv):<16} median {median:.3f} s (min {min(times):.3f}, "
              f"max {max(times):.3f}, {runs} runs): {median / TARGET_SECONDS:.2f}x the "
              f"{TARGET_SECONDS} s target")


if __name__ == "__main__":
    main()
