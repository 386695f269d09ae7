"""Library entry points behind the CLI: each command is one call a notebook can make too."""

from __future__ import annotations

from pathlib import Path

from ripple.arch import load_architecture
from ripple.errors import RippleInputError
from ripple.examples import SEED_MAPPINGS, example_path
from ripple.mapping import LoopNest, bind, load_mapping
from ripple.model import evaluate
from ripple.results import LayerResult
from ripple.workload import load_workload


def load_nest(workload: str | Path, arch: str | Path, mapping: str | Path,
              layer: str | None = None) -> LoopNest:
    """Read the three files and bind the mapping to the chosen layer of the workload."""
    wl = load_workload(workload)
    if layer is None:
        if len(wl.layers) != 1:
            names = ", ".join(lyr.name for lyr in wl.layers)
            raise RippleInputError(f"the workload has {len(wl.layers)} layers ({names}); choose "
                                   "one with --layer", source=str(workload))
        chosen = wl.layers[0]
    else:
        matches = [lyr for lyr in wl.layers if lyr.name == layer]
        if not matches:
            raise RippleInputError(f"no layer named {layer!r}", source=str(workload))
        chosen = matches[0]
    return bind(chosen, load_architecture(arch), load_mapping(mapping), source=str(mapping))


def evaluate_files(workload: str | Path, arch: str | Path, mapping: str | Path,
                   layer: str | None = None) -> LayerResult:
    """Evaluate one mapping of one layer with the analytical model."""
    return evaluate(load_nest(workload, arch, mapping, layer))


def seed_case_nests() -> list[LoopNest]:
    """The three mappings of SPEC section 4 on the seed layer and array."""
    folder = ("seed_case",)
    return [
        load_nest(example_path(*folder, "workload.yaml"), example_path(*folder, "arch.yaml"),
                  example_path(*folder, f"mapping_{name}.yaml"))
        for name in SEED_MAPPINGS
    ]


def seed_case() -> list[LayerResult]:
    """The seed case evaluated: weight-stationary, input-indexed scatter, event-driven."""
    return [evaluate(nest) for nest in seed_case_nests()]
