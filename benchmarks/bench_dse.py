"""Time to the optimum against ZigZag, whole processes, on LeNet-5 and ZigZag's arrays.

    python benchmarks/bench_dse.py --quick     # conv2 on the on-chip and the DRAM array
    python benchmarks/bench_dse.py             # conv1, conv2 and fc1 on both arrays
    python benchmarks/bench_dse.py --network   # the whole of LeNet-5 on both arrays

What a user feels is the wall time from the command to the best mapping, so each side runs as
its own process: ``ripple explore ... --objective energy`` (its search mode, no export) and a
Python process calling
ZigZag's ``get_hardware_performance_zigzag`` (its mapper LOMA with its defaults: lpf_limit 6,
the 3 best spatial mappings, energy objective). Both read the same files,
``shared/reference/zigzag/lenet5/workload_<layer>.yaml`` and ``accelerator_<arch>.yaml``:
Ripple imports the accelerator (``conventions: zigzag``, docs/zigzag.md), so the same mapping
costs the same in both. Ripple explores every unrolling of the array and every order of the
output-indexed prime-factor loops merged to at most 7 per level (ZigZag merges to 6).

Per case: both best energies, both wall times, Ripple's peak memory, the distinct mappings
each evaluated (the search's, of the space, and the skeletons it pruned; ZigZag's
``CostModelEvaluation`` count), and the old figures of the exhaustive run (``--export``): its
wall time, rows, the distinct cost vectors among them, and its rate (rows per second against
ZigZag's evaluations per second). The last line is ``time_to_optimum_ratio_vs_zigzag=<min over
cases of ZigZag's wall time / the search's>``. ``--network`` runs the whole of LeNet-5 instead (both
totals, whether every layer's best is no worse than ZigZag's, both wall times) and ends with
``network_time_ratio_vs_zigzag=<min over the two arrays>``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
LENET = ROOT.parent / "shared" / "reference" / "zigzag" / "lenet5"
CONSTRAINTS = {"index": ["output"], "max_loops_per_level": 7}
NETWORK = "lenet5_all"  # workload_lenet5_all.yaml: the five layers
#: Export columns that say which mapping a row is, not what it costs.
IDENTITY = {"task", "row", "layer", "index", "boundary", "spatial", "loops", "reason"}


@dataclass
class Side:
    """One tool's run of one case."""

    best_energy_pj: float
    seconds: float
    evaluated: int  # Ripple: export rows; ZigZag: cost-model evaluations
    distinct: int  # distinct cost vectors among them (ZigZag: its evaluations)
    peak_mib: float


def timed(command: list[str], out: Path) -> tuple[float, float]:
    """Run ``command`` with stdout to ``out``: its wall seconds and peak memory (MiB).

    The peak is the child's own ``VmHWM``, read while it runs: its ``ru_maxrss`` would start
    from this process's size at the fork (Linux carries it over the exec)."""
    peak_kib = 0
    with out.open("w") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.DEVNULL)
        while True:
            peak_kib = max(peak_kib, _high_water_kib(proc.pid))
            try:
                proc.wait(timeout=0.02)
                break
            except subprocess.TimeoutExpired:
                continue
        seconds = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode})")
    return seconds, peak_kib / 1024


def _high_water_kib(pid: int) -> int:
    """The process's peak resident memory so far (0 once it has exited)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def distinct_cost_vectors(export: Path) -> int:
    """Rows of the export that differ in some count (energy, latency, accesses, tiles)."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(export)
    costs = [name for name in schema.names if name not in IDENTITY]
    table = pq.read_table(export, columns=costs)
    return table.group_by(costs).aggregate([]).num_rows


@dataclass
class Search:
    """Ripple's search of one case (no export)."""

    best_energy_pj: float
    seconds: float
    peak_mib: float
    space: int
    evaluated: int
    skeletons: int
    skeletons_pruned: int


def _ripple_files(layer: str, arch: str, folder: Path) -> list[str]:
    """The explore command's inputs: ZigZag's accelerator imported, the constraints."""
    from ripple.arch.zigzag_import import import_zigzag_architecture

    accelerator = import_zigzag_architecture(LENET / f"accelerator_{arch}.yaml").value
    arch_file = folder / f"{arch}.yaml"
    arch_file.write_text(yaml.safe_dump(accelerator.model_dump(mode="json", exclude_none=True),
                                        sort_keys=False))
    rules = folder / "constraints.yaml"
    rules.write_text(yaml.safe_dump(CONSTRAINTS))
    return [sys.executable, "-m", "ripple.cli", "explore", "-w",
            str(LENET / f"workload_{layer}.yaml"), "-a", str(arch_file), "--constraints",
            str(rules), "--objective", "energy", "--json", "-"]


def ripple_search(layer: str, arch: str, folder: Path) -> Search:
    seconds, peak = timed(_ripple_files(layer, arch, folder), folder / "search.json")
    (found,) = json.loads((folder / "search.json").read_text())["layers"]
    counts = found["search"]
    return Search(found["best"]["energy_pj"], seconds, peak, counts["mappings"],
                  counts["mappings_evaluated"], counts["skeletons"], counts["skeletons_pruned"])


def ripple_side(layer: str, arch: str, folder: Path) -> Side:
    """The exhaustive run: every mapping evaluated and exported."""
    export = folder / f"{layer}_{arch}.parquet"
    seconds, peak = timed([*_ripple_files(layer, arch, folder), "--export", str(export),
                           "--force"], folder / "ripple.json")
    (found,) = json.loads((folder / "ripple.json").read_text())["layers"]
    return Side(found["best"]["energy_pj"], seconds, found["evaluated"],
                distinct_cost_vectors(export), peak)


def zigzag_side(layer: str, arch: str, folder: Path) -> Side:
    out = folder / "zigzag.json"
    seconds, peak = timed([sys.executable, __file__, "--zigzag", layer, arch, str(folder)], out)
    found = json.loads(out.read_text())
    return Side(found["energy"], seconds, found["evaluated"], found["evaluated"], peak)


def run_zigzag(layer: str, arch: str, folder: Path) -> None:
    """In its own process: ZigZag's mapper on one case; prints its best energy and how many
    cost-model evaluations it made, as JSON."""
    import logging

    logging.disable(logging.CRITICAL)
    import zigzag.cost_model.cost_model as cost_model
    from zigzag.api import get_hardware_performance_zigzag

    evaluated = {"n": 0}
    original = cost_model.CostModelEvaluation.__init__

    def counted(self: object, *args: object, **kwargs: object) -> None:
        evaluated["n"] += 1
        return original(self, *args, **kwargs)

    cost_model.CostModelEvaluation.__init__ = counted
    energy, _, cmes = get_hardware_performance_zigzag(
        str(LENET / f"workload_{layer}.yaml"), str(LENET / f"accelerator_{arch}.yaml"),
        str(LENET / "mapping_default_exploration.yaml"), dump_folder=str(folder / "dump"),
        loma_show_progress_bar=False, opt="energy")
    layers = {cme.layer.name: float(cme.energy_total) for cme, _ in cmes[0][1]}
    print(json.dumps({"energy": float(energy), "evaluated": evaluated["n"], "layers": layers}))


def network_case(arch: str, workers: int) -> float:
    """The whole of LeNet-5 by both tools, each a whole process (Ripple's search spreads the
    layers over ``workers`` processes; ZigZag's mapper runs in one): prints both totals and
    wall times, whether every layer's best is no worse than ZigZag's; returns the time ratio."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        zz_seconds, _ = timed([sys.executable, __file__, "--zigzag", NETWORK, arch, str(folder)],
                              folder / "zigzag.json")
        theirs = json.loads((folder / "zigzag.json").read_text())["layers"]
        seconds, peak = timed([*_ripple_files(NETWORK, arch, folder), "--workers", str(workers)],
                              folder / "search.json")
        ours = {found["layer"]: found["best"]["energy_pj"]
                for found in json.loads((folder / "search.json").read_text())["layers"]}
    no_worse = all(ours[name] <= energy * (1 + 1e-12) for name, energy in theirs.items())
    print(f"LeNet-5 ({len(theirs)} layers) on {arch}: energy ripple {sum(ours.values()):,.1f} "
          f"pJ, zigzag {sum(theirs.values()):,.1f} pJ (every layer no worse: {no_worse}); wall "
          f"ripple --workers {workers} {seconds:.1f} s ({peak:,.0f} MiB, its main process), "
          f"zigzag {zz_seconds:.1f} s; ratio {zz_seconds / seconds:.2f}", flush=True)
    return zz_seconds / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="conv2 on both arrays only")
    parser.add_argument("--network", action="store_true",
                        help="the whole of LeNet-5 on both arrays instead of single layers")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="--network: Ripple's processes (default: the cores)")
    parser.add_argument("--zigzag", nargs=3, metavar=("LAYER", "ARCH", "DIR"),
                        help=argparse.SUPPRESS)  # the ZigZag process of one case
    args = parser.parse_args()
    if args.zigzag:
        layer, arch, folder = args.zigzag
        run_zigzag(layer, arch, Path(folder))
        return
    if args.network:
        ratios = [network_case(arch, args.workers) for arch in ("onchip", "dram")]
        print(f"network_time_ratio_vs_zigzag={min(ratios):.2f}")
        return
    layers = ["conv2"] if args.quick else ["conv1", "conv2", "fc1"]
    ratios = []
    for arch in ("onchip", "dram"):
        for layer in layers:
            with tempfile.TemporaryDirectory() as tmp:
                zz = zigzag_side(layer, arch, Path(tmp))
                found = ripple_search(layer, arch, Path(tmp))
                rp = ripple_side(layer, arch, Path(tmp))
            ratio = zz.seconds / found.seconds
            ratios.append(ratio)
            rate = (rp.evaluated / rp.seconds) / (zz.evaluated / zz.seconds)
            print(f"{layer} on {arch}: best energy ripple {found.best_energy_pj:,.1f} pJ, zigzag "
                  f"{zz.best_energy_pj:,.1f} pJ (ripple no worse: "
                  f"{found.best_energy_pj <= zz.best_energy_pj}); wall ripple search "
                  f"{found.seconds:.1f} s ({found.peak_mib:,.0f} MiB), zigzag {zz.seconds:.1f} s;"
                  f" distinct mappings evaluated: ripple {found.evaluated:,} of {found.space:,}"
                  f" ({found.skeletons_pruned:,} of {found.skeletons:,} skeletons pruned), "
                  f"zigzag {zz.evaluated:,}; time_to_optimum_ratio {ratio:.2f}; exhaustive "
                  f"ripple --export: {rp.seconds:.1f} s, {rp.evaluated:,} rows holding "
                  f"{rp.distinct:,} distinct cost vectors, best {rp.best_energy_pj:,.1f} pJ, "
                  f"rows/s ratio_vs_zigzag {rate:.1f}", flush=True)
    print(f"time_to_optimum_ratio_vs_zigzag={min(ratios):.2f}")


if __name__ == "__main__":
    main()
