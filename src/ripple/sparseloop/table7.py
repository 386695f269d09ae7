"""Table 7 of the Sparseloop artifact: Eyeriss v1 on AlexNet conv1-5.

Each layer is evaluated by the one model (``ripple evaluate --timeloop ... --sparse-opt``).
Inputs are the artifact's files (bundled in ``ripple/examples/sparseloop_table7``; ``--dir``
points at another copy): conv1 with ``dense_iact_opt`` (compressed outputs in DRAM only), conv2-5
with ``sparse_iact_opt`` (compressed inputs and outputs in DRAM, weight reads gated on zero
inputs). The reference figures are Sparseloop's outputs as the project's seed notebook quotes them
(``timeloop-model.stats.txt`` per layer); the per-component energies are given there for conv1,
conv3 (pJ) and conv4 (uJ, two decimals). The best published re-implementation (AccelForge, same
notebook) is kept for comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ripple.errors import RippleInputError
from ripple.examples import example_path
from ripple.results import LayerResult

LAYERS = ("conv1", "conv2", "conv3", "conv4", "conv5")
COMPONENTS = ("MACs", "psum_spad", "weights_spad", "ifmap_spad", "shared_glb", "DRAM")


@dataclass(frozen=True)
class Reference:
    cycles: int
    energy_uj: float
    computes: int
    components_pj: dict[str, float] | None = None


SPARSELOOP = {
    "conv1": Reference(2_838_528, 2_059.86, 437_133_312, {
        "MACs": 961_846_283.06, "psum_spad": 227_721_022.34, "weights_spad": 319_238_379.69,
        "ifmap_spad": 87_918_847.19, "shared_glb": 70_184_877.29 + 74_391_611.73,
        "DRAM": 142_737_408 + 99_348_480 + 76_474_800}),
    "conv2": Reference(4_128_768, 3_160.50, 578_027_520),
    "conv3": Reference(1_916_929, 1_534.63, 164_472_423, {
        "MACs": 361_896_895.95, "psum_spad": 314_805_192.70, "weights_spad": 132_377_569.83,
        "ifmap_spad": 120_360_343.63, "shared_glb": 57_059_921.66 + 357_783_479.14,
        "DRAM": 113_246_208 + 63_883_032 + 13_214_408}),
    "conv4": Reference(1_437_697, 1_110.05, 92_852_159, {
        "MACs": 204.31e6, "psum_spad": 236.05e6, "weights_spad": 77.80e6,
        "ifmap_spad": 93.66e6, "shared_glb": 363.96e6, "DRAM": 134.26e6}),
    "conv5": Reference(958_464, 756.75, 68_779_377),
}
#: AccelForge's reproduction in the same notebook (cycles, energy uJ): the figures to beat.
ACCELFORGE = {"conv1": (2_838_528, 1_960.69), "conv2": (4_128_768, 3_045.16),
              "conv3": (1_916_928, 1_517.25), "conv4": (1_437_696, 1_039.11),
              "conv5": (958_464, 709.65)}


@dataclass(frozen=True)
class TimeloopSpec:
    """Paths of one Sparseloop evaluation: problem, architecture, ERT, mapping and (optional)
    sparse optimisations."""

    problem: Path
    arch: Path
    ert: Path
    mapping: Path
    sparse_opt: Path | None = None

    def evaluate(self) -> LayerResult:
        """The one model's evaluation (``ripple evaluate --timeloop ... --sparse-opt``)."""
        from ripple.api import evaluate_timeloop_files

        return evaluate_timeloop_files(self.problem, self.arch, self.ert, self.mapping,
                                       self.sparse_opt).value


def component_energy(result: LayerResult) -> dict[str, float]:
    """pJ per Timeloop component: the MACs and each memory (every operand and action)."""
    breakdown = result.energy_breakdown()
    out = {"MACs": breakdown.pop("mac")}
    for name, per_operand in breakdown.items():
        out[name] = sum(sum(actions.values()) for actions in per_operand.values())
    return out


def table7_specs(directory: str | Path | None = None) -> dict[str, TimeloopSpec]:
    root = Path(directory) if directory else example_path("sparseloop_table7")
    specs = {}
    for layer in LAYERS:
        opt = "dense_iact_opt" if layer == "conv1" else "sparse_iact_opt"
        spec = TimeloopSpec(problem=root / "workload" / f"alexnet_{layer}.yaml",
                            arch=root / "arch" / "arch.yaml", ert=root / "ert_art" / "ERT.yaml",
                            mapping=root / "mappings_found" / f"alexnet_{layer}.yaml",
                            sparse_opt=root / "sparse_opt" / f"{opt}.yaml")
        missing = [p for p in vars(spec).values() if isinstance(p, Path) and not p.is_file()]
        if missing:
            raise RippleInputError(f"missing {missing[0]} (expected the Sparseloop artifact's "
                                   "arch/, ert_art/, mappings_found/, sparse_opt/, workload/)",
                                   source=str(root))
        specs[layer] = spec
    return specs


def _relative(value: float, reference: float) -> float:
    return value / reference - 1.0


def table7_rows(directory: str | Path | None = None) -> list[dict[str, object]]:
    """One row per layer: Ripple, Sparseloop and the relative error for cycles, energy,
    computes and (where the reference gives them) per-component energies."""
    rows = []
    for layer, spec in table7_specs(directory).items():
        rows.append(_row(layer, spec, spec.evaluate()))
    return rows


def _row(layer: str, spec: TimeloopSpec, result: LayerResult) -> dict[str, object]:
    ref = SPARSELOOP[layer]
    energy_uj = result.energy_pj / 1e6
    measured = component_energy(result)
    cycles = result.latency.total
    components = {}
    for name in COMPONENTS:
        value = measured.get(name, 0.0) / 1e6
        reference = ref.components_pj[name] / 1e6 if ref.components_pj else None
        components[name] = {"ripple_uJ": value, "sparseloop_uJ": reference,
                            "rel_error": None if reference is None
                            else _relative(value, reference)}
    accelforge_cycles, accelforge_energy = ACCELFORGE[layer]
    return {
        "layer": layer, "sparse_opt": spec.sparse_opt.stem if spec.sparse_opt else None,
        "cycles": {"ripple": cycles, "sparseloop": ref.cycles,
                   "rel_error": _relative(cycles, ref.cycles),
                   "accelforge_rel_error": _relative(accelforge_cycles, ref.cycles)},
        "energy_uJ": {"ripple": energy_uj, "sparseloop": ref.energy_uj,
                      "rel_error": _relative(energy_uj, ref.energy_uj),
                      "accelforge_rel_error": _relative(accelforge_energy, ref.energy_uj)},
        "computes": {"ripple": result.macs_issued,
                     "dense": result.extras["sparse_opt"]["dense_macs"],
                     "sparseloop": ref.computes,
                     "rel_error": _relative(result.macs_issued, ref.computes)},
        "components": components,
    }
