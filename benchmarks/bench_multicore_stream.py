"""Time of ``ripple multicore`` on Stream's own machines (issue: multi-core that pipelines).

Runs ResNet-18 on Stream's ``tpu_like_quad_core`` and LeNet-5 on its 1/2/4-core machines
through the CLI's code path (``ripple.api.multicore_files``: reading the files, the split
search, every candidate schedule) and prints the seconds, the ratio to the target of 60 s for
ResNet-18 (Stream takes about 64 s on a 2-core machine), and each run's cycles and energy
next to Stream's. CPU seconds (this process and the worker processes that evaluate the tiles)
are printed beside wall seconds: on a shared machine the wall clock depends on the load, the
CPU time much less.

    python benchmarks/bench_multicore_stream.py [--mode event|layer] [--dataflow best|explore]
                                                [--budget N] [--skip-resnet]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from ripple.api import multicore_files

SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"
TARGET_SECONDS = 60.0
#: Stream 2.1.1's figures (cycles, energy in pJ) as ../shared/reference reports them.
RUNS = [
    ("LeNet-5, 1 core", SHARED / "onnx" / "lenet5.onnx",
     SHARED / "stream_lenet5" / "hw" / "lenet_single_core.yaml", 133_469, 6.81e6),
    ("LeNet-5, 2 cores", SHARED / "onnx" / "lenet5.onnx",
     SHARED / "stream_lenet5" / "hw" / "lenet_dual_core.yaml", 67_386, 6.79e6),
    ("LeNet-5, 4 cores", SHARED / "onnx" / "lenet5.onnx",
     SHARED / "stream_lenet5" / "hw" / "lenet_quad_core.yaml", 40_180, 6.21e6),
    ("ResNet-18, quad", SHARED / "stream_resnet18" / "resnet18.onnx",
     SHARED / "stream_resnet18" / "hardware" / "tpu_like_quad_core.yaml", 7_739_942,
     9_748_577_183.92),
]


def cpu_seconds() -> float:
    """CPU seconds of this process and of its finished children (the tile workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="event", choices=("event", "layer"))
    parser.add_argument("--dataflow", default="best", choices=("best", "explore"))
    parser.add_argument("--budget", type=int, default=0)
    parser.add_argument("--skip-resnet", action="store_true")
    args = parser.parse_args()
    print(f"{'run':18} {'wall s':>8} {'cpu s':>8} {'cycles':>11} {'Stream':>11} "
          f"{'energy pJ':>16} {'Stream pJ':>16}")
    for name, workload, machine, cycles, energy in RUNS:
        if args.skip_resnet and name.startswith("ResNet"):
            continue
        wall, cpu = time.perf_counter(), cpu_seconds()
        result = multicore_files(workload, machine, mode=args.mode, dataflow=args.dataflow,
                                 budget=args.budget)
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        print(f"{name:18} {wall:8.1f} {cpu:8.1f} {result.latency_cycles:11,} {cycles:11,} "
              f"{result.energy_pj:16,.0f} {energy:16,.0f}")
        if name.startswith("ResNet"):
            print(f"ResNet-18 target {TARGET_SECONDS:.0f} s: ratio_to_target="
                  f"{wall / TARGET_SECONDS:.3f} (wall), {cpu / TARGET_SECONDS:.3f} (cpu)")


if __name__ == "__main__":
    main()
