"""Evaluation time of Sparseloop's Table 7 layers (issue: sparsity).

Times ``ripple evaluate --timeloop ... --sparse-opt`` (the one model, as a library call) per
AlexNet layer on Eyeriss v1 (reading the five input files, binding the nest, counting it,
applying the sparse optimisations) and prints the
milliseconds per layer (wall clock, and the process's CPU time, which a loaded machine inflates
less) and the ratio to the target of 50 ms a layer, with the cycles and energy each evaluation
gives and their errors against Sparseloop.

    python benchmarks/bench_table7.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import statistics
import time

from ripple.sparseloop.table7 import SPARSELOOP, table7_specs

TARGET_SECONDS = 0.050


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    specs = table7_specs()
    specs["conv1"].evaluate()  # imports and first-call warm-up
    print(f"{'layer':6} {'median ms':>10} {'best ms':>8} {'cpu ms':>7} {'target ratio':>13} "
          f"{'cycles err':>11} {'energy err':>11}")
    worst = 0.0
    for layer, spec in specs.items():
        times, cpu = [], []
        for _ in range(args.repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            result = spec.evaluate()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        median = statistics.median(times)
        worst = max(worst, median)
        ref = SPARSELOOP[layer]
        print(f"{layer:6} {median * 1e3:10.2f} {min(times) * 1e3:8.2f} "
              f"{statistics.median(cpu) * 1e3:7.2f} "
              f"{median / TARGET_SECONDS:13.3f} {result.latency.total / ref.cycles - 1:+11.4%} "
              f"{result.energy_pj / 1e6 / ref.energy_uj - 1:+11.4%}")
    print(f"worst median {worst * 1e3:.2f} ms a layer; target {TARGET_SECONDS * 1e3:.0f} ms: "
          f"{'met' if worst < TARGET_SECONDS else 'MISSED'} "
          f"(ratio_to_target={worst / TARGET_SECONDS:.3f})")


if __name__ == "__main__":
    main()
