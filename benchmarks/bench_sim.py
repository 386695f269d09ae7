"""Reference simulator throughput and memory (issue: reference simulator).

Prints simulated MACs per second, without a MAC log, on LeNet-5 conv2 (240,000 MACs) and
AlexNet conv1 (105 million MACs) under dataflow presets, and the peak memory of each AlexNet
run, against the targets: at least 5 million MACs per second, under 1 GiB. Each run happens in
a fresh process, so that its peak resident memory is its own.

    python benchmarks/bench_sim.py [--arch examples/seed_dram/arch.yaml]
                                   [--lenet-dataflows ws,os,is,rs,ed] [--alexnet-dataflows ws,ed]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATE = 5e6  # MACs per second
TARGET_MEMORY = 1 << 30  # bytes
REPEATS_BELOW = 5e6  # MACs: repeat shorter runs and keep the best (timer and warm-up noise)


def _run(network: str, layer_name: str, arch_path: str, dataflow: str) -> dict[str, float]:
    """One simulation in this (fresh) process: seconds, MACs, resident memory before and at
    the peak (bytes)."""
    from ripple.arch import load_architecture
    from ripple.dse import preset_mapping
    from ripple.mapping import bind
    from ripple.sim import simulate
    from ripple.workload.zoo import zoo_workload

    layer = next(lyr for lyr in zoo_workload(network).mac_layers if lyr.name == layer_name)
    arch = load_architecture(arch_path)
    nest = bind(layer, arch, preset_mapping(layer, arch, dataflow))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    best = float("inf")
    repeats = 3 if layer.macs < REPEATS_BELOW else 1
    for _ in range(repeats):
        start = time.perf_counter()
        run = simulate(nest)
        best = min(best, time.perf_counter() - start)
    assert run.match, "golden check failed"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"seconds": best, "macs": run.result.macs_issued, "before": before, "peak": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default=str(ROOT / "examples" / "seed_dram" / "arch.yaml"))
    parser.add_argument("--lenet-dataflows", default="ws,os,is,rs,ed")
    parser.add_argument("--alexnet-dataflows", default="ws,ed")
    args = parser.parse_args()
    cases = [("lenet5", "conv2", d) for d in args.lenet_dataflows.split(",")]
    cases += [("alexnet", "conv1", d) for d in args.alexnet_dataflows.split(",")]

    print(f"architecture: {args.arch}; targets: >= {TARGET_RATE / 1e6:.0f} M MACs/s, peak "
          f"< {TARGET_MEMORY / 2**30:.0f} GiB (peak: resident memory of the whole process)")
    header = (f"{'layer':<14}{'dataflow':>9}{'MACs':>14}{'seconds':>10}{'M MACs/s':>10}"
              f"{'x target':>10}{'peak MiB':>10}{'x 1 GiB':>9}")
    print(header)
    print("-" * len(header))
    context = multiprocessing.get_context("spawn")
    worst_rate, worst_memory = float("inf"), 0.0
    for network, layer, dataflow in cases:
        with context.Pool(1) as pool:
            got = pool.apply(_run, (network, layer, args.arch, dataflow))
        rate = got["macs"] / got["seconds"]
        line = (f"{network + '/' + layer:<14}{dataflow:>9}{int(got['macs']):>14,}"
                f"{got['seconds']:>10.2f}{rate / 1e6:>10.2f}{rate / TARGET_RATE:>10.2f}")
        worst_rate = min(worst_rate, rate)
        if network == "alexnet":
            line += f"{got['peak'] / 2**20:>10.0f}{got['peak'] / TARGET_MEMORY:>9.2f}"
            worst_memory = max(worst_memory, got["peak"])
        print(line)
    print("-" * len(header))
    print(f"slowest: {worst_rate / 1e6:.2f} M MACs/s ({worst_rate / TARGET_RATE:.2f} x target); "
          f"largest AlexNet conv1 peak: {worst_memory / 2**20:.0f} MiB "
          f"({worst_memory / TARGET_MEMORY:.2f} x 1 GiB)")


if __name__ == "__main__":
    main()
