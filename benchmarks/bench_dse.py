"""Exploration speed against ZigZag, on LeNet-5 conv2 and the seed's on-chip 8-NPE array.

    python benchmarks/bench_dse.py --quick     # ZigZag's LOMA and Ripple on the same space
    python benchmarks/bench_dse.py             # also: one million mappings on 2 workers

ZigZag (an optional test extra) runs its own mapper, LOMA, with its default settings
(lpf_limit 6, the 3 best spatial mappings), counting the cost-model evaluations it makes.
Ripple explores every spatial unrolling of the array and every order of the prime-factor loops
merged to at most 7 per level (ZigZag merges to 6), output-indexed as ZigZag's workload is. Both
rates include reading the inputs and writing the results (ZigZag's pickles and JSON, Ripple's
export). The last line is ``ratio_vs_zigzag=<Ripple rate / ZigZag rate>`` (target >= 100).
"""

from __future__ import annotations

import argparse
import logging
import resource
import tempfile
import time
from pathlib import Path

from ripple.arch import load_architecture
from ripple.dse.analysis import findings
from ripple.dse.constraints import Constraints
from ripple.dse.explore import explore
from ripple.workload import Layer

ROOT = Path(__file__).resolve().parents[1]
ZIGZAG = ROOT.parent / "shared" / "reference" / "zigzag" / "lenet5"
CONV2 = Layer(name="conv2", K=16, C=6, IY=14, IX=14, FY=5, FX=5)


def zigzag_rate(folder: Path) -> tuple[float, float, int]:
    """ZigZag's LOMA on conv2: mappings per second, best energy, mappings evaluated."""
    logging.disable(logging.CRITICAL)
    import zigzag.cost_model.cost_model as cost_model
    from zigzag.api import get_hardware_performance_zigzag

    evaluated = {"n": 0}
    original = cost_model.CostModelEvaluation.__init__

    def counted(self: object, *args: object, **kwargs: object) -> None:
        evaluated["n"] += 1
        return original(self, *args, **kwargs)

    cost_model.CostModelEvaluation.__init__ = counted
    start = time.perf_counter()
    energy, _, _ = get_hardware_performance_zigzag(
        str(ZIGZAG / "workload_conv2.yaml"), str(ZIGZAG / "accelerator_onchip.yaml"),
        str(ZIGZAG / "mapping_default_exploration.yaml"), dump_folder=str(folder),
        loma_show_progress_bar=False, opt="energy")
    elapsed = time.perf_counter() - start
    cost_model.CostModelEvaluation.__init__ = original
    return evaluated["n"] / elapsed, float(energy), evaluated["n"]


def ripple_run(folder: Path, rules: Constraints, workers: int, limit: int | None
               ) -> tuple[float, float, int, float]:
    """Ripple's exploration: mappings per second, best energy, rows, seconds."""
    arch = load_architecture(ROOT / "src" / "ripple" / "examples" / "seed_case" / "arch.yaml")
    start = time.perf_counter()
    run = explore([CONV2], arch, rules, folder / "conv2.parquet", workers=workers, limit=limit,
                  batch_size=65_536)
    elapsed = time.perf_counter() - start
    found = findings(run)
    return found.evaluated / elapsed, found.values["energy"]["energy_pj"], found.evaluated, elapsed


def peak_memory_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the one-million run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if not args.quick:
            rules = Constraints(index=["output"], max_loops_per_level=9)
            rate, best, rows, seconds = ripple_run(folder, rules, workers=2, limit=1_000_000)
            print(f"ripple_million: {rows:,} mappings in {seconds:.1f} s on 2 workers "
                  f"({rate:,.0f} mappings/s), peak memory {peak_memory_mib():,.0f} MiB, "
                  f"best energy {best:,.1f} pJ (target: under 120 s, under 2048 MiB)")
        z_rate, z_best, z_count = zigzag_rate(folder / "zigzag")
        print(f"zigzag_loma: {z_count:,} mappings, {z_rate:,.1f} mappings/s, "
              f"best energy {z_best:,.1f} pJ")
        rules = Constraints(index=["output"], max_loops_per_level=7)
        r_rate, r_best, r_count, _ = ripple_run(folder, rules, workers=1, limit=None)
        print(f"ripple: {r_count:,} mappings, {r_rate:,.1f} mappings/s, "
              f"best energy {r_best:,.1f} pJ (no worse than ZigZag's: {r_best <= z_best})")
    print(f"ratio_vs_zigzag={r_rate / z_rate:.1f}")


if __name__ == "__main__":
    main()
