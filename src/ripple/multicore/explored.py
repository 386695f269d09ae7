"""A tile's mapping from the explorer, in a space small enough to search per tile.

A tile's whole mapspace is far too large to search once per distinct tile (LeNet-5's conv2 in
4-row blocks has 9.1 million mappings on Stream's 16-MAC core, counted by ``ripple explore``;
it takes minutes). The explorer (:func:`ripple.dse.explore.explore`, its public entry: no
internals are used) is therefore run on a **bounded subspace** anchored on the tile's best
preset for the objective: the preset's nest kind and loop order, each dimension's loops kept at
the level where the preset puts them (its outermost one), and every spatial unrolling using at
least :data:`UTILISATION_FLOOR` of the array, with every factorisation of what the unrolling
leaves. The unrolling is what the presets fix and the tiles gain most from (conv1's 4-row tile
of LeNet-5 on Stream's core: ``OY4 x FY4`` instead of the presets' ``OX4 x FY3``).

The optimum the explorer reports is read back from its export as a mapping
(:func:`ripple.dse.saved.mapping_of_row`, the same path as ``explore --save-best``); the cost
model then evaluates it like any mapping, and the tests check the explorer's figures equal
that evaluation.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from ripple.arch.spec import Architecture
from ripple.dse.constraints import Constraints
from ripple.dse.explore import explore
from ripple.dse.outcome import ExplorationOutcome
from ripple.dse.presets import resolve
from ripple.dse.saved import mapping_of_row
from ripple.mapping.spec import Mapping
from ripple.workload.layer import INPUT_INDEXED_DIMS, OUTPUT_INDEXED_DIMS, Layer

#: The smallest share of the array an explored unrolling must use: half the NPEs, so that the
#: explorer skips unrollings that leave most of the array idle (the presets are still
#: candidates, whatever their utilisation).
UTILISATION_FLOOR = 0.5

#: What a tile's mapping is chosen for.
OBJECTIVES = ("latency", "energy", "edp")


@dataclass(frozen=True)
class ExploredTile:
    """The explorer's optimum of one tile: its mapping, its figures as the explorer reported
    them, and how many mappings of the bounded subspace it evaluated."""

    mapping: Mapping
    latency_cycles: int
    energy_pj: float
    evaluated: int


def bounded_space(layer: Layer, arch: Architecture, anchor: Mapping, preset: str) -> Constraints:
    """The subspace explored for a tile whose best preset is ``preset`` (mapped as
    ``anchor``): its nest kind, loop order and per-dimension levels; any unrolling."""
    chosen = resolve(preset)
    top = arch.levels[0].name
    level_of: dict[str, str] = {}
    for level, loops in anchor.temporal.items():  # outermost level first: it wins
        for dim, _ in loops:
            level_of.setdefault(dim, level)
    dims = OUTPUT_INDEXED_DIMS if chosen.index == "output" else INPUT_INDEXED_DIMS
    for dim in dims:
        level_of.setdefault(dim, top)
    return Constraints(index=[chosen.index], boundary=anchor.boundary, order=list(chosen.order),
                       level_of=level_of, utilisation_floor=UTILISATION_FLOOR)


def explore_tile(layer: Layer, arch: Architecture, anchor: Mapping, preset: str,
                 objective: str) -> ExploredTile | None:
    """The explorer's optimum for ``objective`` over :func:`bounded_space` (None when no
    mapping of it is valid). The export lives in a temporary folder only as long as the
    optimum takes to read back."""
    constraints = bounded_space(layer, arch, anchor, preset)
    with tempfile.TemporaryDirectory(prefix="ripple-tile-") as folder:
        export = Path(folder) / "tile.parquet"
        run = explore([layer], arch, constraints, export)
        document = ExplorationOutcome(run, [layer.name], export, layer.name).document(objective)
    found = document["layers"][0]
    best = found.get("best")
    if not best:
        return None
    mapping = mapping_of_row(best, f"explored ({resolve(preset).name} order)")
    return ExploredTile(mapping, int(best["latency_cycles"]), float(best["energy_pj"]),
                        int(found["evaluated"]))
