"""ZigZag's shipped examples, run unchanged by ZigZag and by Ripple, side by side.

    python benchmarks/bench_zigzag_examples.py --quick   # tpu_like and ascend_like, ResNet-18
    python benchmarks/bench_zigzag_examples.py           # five accelerators x three networks

For each pair (accelerator, network) from ``zigzag/inputs/`` (ZigZag 3.9, the ``zigzag-dse``
test extra) two processes run one after the other on the same files:

- ZigZag: ``get_hardware_performance_zigzag(network, accelerator, mapping, opt="energy")``,
  its mapper LOMA with its defaults, the accelerator's own mapping file (``mapping/<acc>.yaml``);
- Ripple: ``ripple explore -a <accelerator> -w <network> --constraints <the same mapping file>
  --objective energy --workers <cores>`` (``--workers 1``: one process, as ZigZag's): the
  accelerator is imported as it is (``conventions: zigzag``), the
  mapping file's ``spatial_mapping`` constrains the unrolling, the explorer chooses the loops.

Per pair: both network energies (the sum of the layers' optima; ZigZag's over the layers it
maps, Ripple's over the same layers), both wall times (whole processes) and their ratios, and
ZigZag's own choice for each layer (from its dump) counted by Ripple: the lowest and highest
ratio to ZigZag's energy, and how many layers lie within 0.5%. The line before the last is
``worst_layer_deviation_of_zigzags_choices=<max over pairs and layers of |ratio - 1|>``; the
last line is ``worst_energy_ratio_vs_zigzag=<max over pairs of Ripple / ZigZag>
time_ratio_vs_zigzag=<min over pairs of ZigZag's time / Ripple's>``. Where the two tools count
a mapping differently (an unrolling that does not divide a layer: docs/zigzag.md), the
energies differ by that much for the same loops.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench_dse import timed

ACCELERATORS = ("tpu_like", "edge_tpu_like", "ascend_like", "meta_prototype", "tesla_npu_like")
NETWORKS = ("resnet18", "mobilenetv2", "alexnet")
QUICK = (("tpu_like", "resnet18"), ("ascend_like", "resnet18"))
#: ZigZag's mapping file for each accelerator (meta_prototype's is named ..._like).
MAPPING_FILE = {"meta_prototype": "meta_prototype_like"}

ZIGZAG_SCRIPT = """
import json, logging, sys
logging.disable(logging.WARNING)
from zigzag.api import get_hardware_performance_zigzag
network, accelerator, mapping, dump = sys.argv[1:5]
energy, latency, cmes = get_hardware_performance_zigzag(
    network, accelerator, mapping, opt="energy", dump_folder=dump,
    loma_show_progress_bar=False)
layers = {}
for cme, _ in cmes[0][1]:  # the network's sum, then each layer's best
    layers[cme.layer.name] = layers.get(cme.layer.name, 0.0) + cme.energy_total
print(json.dumps({"energy_pj": energy, "layers": layers}))
"""


@dataclass
class Side:
    energy_pj: float
    seconds: float
    layers: dict[str, float]


def zigzag_inputs() -> Path:
    import zigzag  # the optional test extra

    return Path(zigzag.__file__).parent / "inputs"


def files(accelerator: str, network: str) -> tuple[Path, Path, Path]:
    inputs = zigzag_inputs()
    return (inputs / "hardware" / f"{accelerator}.yaml",
            inputs / "workload" / f"{network}.onnx",
            inputs / "mapping" / f"{MAPPING_FILE.get(accelerator, accelerator)}.yaml")


def zigzag_side(accelerator: str, network: str, folder: Path) -> Side:
    hardware, model, mapping = files(accelerator, network)
    seconds, _ = timed([sys.executable, "-c", ZIGZAG_SCRIPT, str(model), str(hardware),
                        str(mapping), str(folder / "dump")], folder / "zigzag.json")
    found = json.loads((folder / "zigzag.json").read_text())
    return Side(found["energy_pj"], seconds, found["layers"])


def ripple_side(accelerator: str, network: str, folder: Path, workers: int) -> Side:
    hardware, model, mapping = files(accelerator, network)
    seconds, _ = timed([sys.executable, "-m", "ripple.cli", "explore", "-a", str(hardware),
                        "-w", str(model), "--constraints", str(mapping),
                        "--objective", "energy", "--workers", str(workers), "--json", "-"],
                       folder / "ripple.json")
    document = json.loads((folder / "ripple.json").read_text())
    layers = {entry["layer"]: entry["best"]["energy_pj"] for entry in document["layers"]
              if entry.get("best")}
    return Side(sum(layers.values()), seconds, layers)


def own_choices(accelerator: str, network: str, folder: Path) -> dict[str, float]:
    """Per layer ZigZag mapped, Ripple's energy of ZigZag's own choice (from its dump, on the
    imported accelerator) over ZigZag's energy of it."""
    from ripple.api import evaluate_zigzag
    from ripple.mapping.zigzag_dump import chosen_mapping

    hardware, model, _ = files(accelerator, network)
    ratios = {}
    for path in sorted((folder / "dump").glob("*_complete.json")):
        dump = json.loads(path.read_text())
        mapping = folder / "chosen.yaml"
        mapping.write_text(json.dumps([chosen_mapping(dump)]))
        name = dump["inputs"]["layer"]["name"]
        ours = evaluate_zigzag(hardware, model, mapping, layer=name).value.energy_pj
        ratios[name] = ours / dump["outputs"]["energy"]["energy_total"]
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tpu_like and ascend_like, ResNet-18")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="Ripple's processes, searching distinct layers side by side "
                             "(default: the cores; ZigZag's mapper runs in one)")
    args = parser.parse_args()
    pairs = QUICK if args.quick else [(a, n) for n in NETWORKS for a in ACCELERATORS]
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
          f"Ripple with --workers {args.workers}")
    energy_ratios, time_ratios, deviations = [], [], []
    for accelerator, network in pairs:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            theirs = zigzag_side(accelerator, network, folder)
            ours = ripple_side(accelerator, network, folder, args.workers)
            choices = own_choices(accelerator, network, folder)
        common = sorted(set(theirs.layers) & set(ours.layers))
        zig = sum(theirs.layers[name] for name in common)
        rip = sum(ours.layers[name] for name in common)
        energy_ratios.append(rip / zig)
        time_ratios.append(theirs.seconds / ours.seconds)
        missing = sorted(set(theirs.layers) - set(ours.layers))
        print(f"{accelerator} / {network}: {len(common)} layers; energy ZigZag {zig:,.0f} pJ, "
              f"Ripple {rip:,.0f} pJ (ratio {rip / zig:.5f}); wall ZigZag {theirs.seconds:.1f} s, "
              f"Ripple {ours.seconds:.1f} s (ZigZag / Ripple {theirs.seconds / ours.seconds:.2f})"
              + (f"; not in Ripple's result: {', '.join(missing)}" if missing else ""))
        low, high = min(choices, key=choices.get), max(choices, key=choices.get)
        deviations.append(max(abs(r - 1) for r in choices.values()))
        print(f"  ZigZag's own choice per layer, counted by Ripple: {len(choices)} layers, "
              f"ratio {choices[low]:.5f} ({low}) to {choices[high]:.5f} ({high}); within "
              f"0.5%: {sum(abs(r - 1) <= 5e-3 for r in choices.values())}")
    print(f"worst_layer_deviation_of_zigzags_choices={max(deviations):.5f}")
    print(f"worst_energy_ratio_vs_zigzag={max(energy_ratios):.5f} "
          f"time_ratio_vs_zigzag={min(time_ratios):.3f}")


if __name__ == "__main__":
    main()
