"""Binding a mapping to a layer and an architecture: the validated loop nest.

The :class:`LoopNest` is the one description of an execution that both the analytical model
and the reference simulator read. Binding rejects, with the reason, a mapping whose loops do
not cover the layer exactly, that overflows the array, names an unknown level or array
dimension, or mixes output- and input-indexed dimensions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from ripple.arch.spec import Architecture
from ripple.errors import MappingError
from ripple.mapping.spec import Mapping
from ripple.workload.layer import INPUT_INDEXED_DIMS, OUTPUT_INDEXED_DIMS, IndexKind, Layer


@dataclass(frozen=True)
class Loop:
    """One loop of the nest. Temporal loops carry their level; spatial ones their array dim."""

    dim: str
    size: int
    level: int | None = None
    array_dim: str | None = None

    @property
    def spatial(self) -> bool:
        return self.array_dim is not None

    def __str__(self) -> str:
        return f"{self.dim}{self.size}"


@dataclass(frozen=True)
class LoopNest:
    """A mapping bound to its layer and architecture.

    ``temporal`` lists every temporal loop outermost first (levels outermost first, then the
    order within each level); ``spatial`` the unrolled loops in array-dimension order.
    """

    layer: Layer
    arch: Architecture
    mapping: Mapping
    index: IndexKind
    boundary: Literal["filter", "scatter"]
    skip_padding: bool
    temporal: tuple[Loop, ...]
    spatial: tuple[Loop, ...]
    source: str = "mapping"

    @property
    def dims(self) -> tuple[str, ...]:
        return OUTPUT_INDEXED_DIMS if self.index == "output" else INPUT_INDEXED_DIMS

    def bound(self, dim: str) -> int:
        return self.layer.bound(dim)

    def loops_of(self, dim: str) -> list[Loop]:
        """Loops over ``dim`` from the most significant digit to the least: temporal loops in
        nest order, then spatial ones (spatial loops are the innermost digits)."""
        return [lp for lp in self.temporal + self.spatial if lp.dim == dim]

    def cut(self, level: int) -> int:
        """Number of temporal loops above the memories of ``level`` (at outer levels)."""
        return sum(1 for lp in self.temporal if lp.level is not None and lp.level < level)

    @property
    def filtered(self) -> bool:
        """True when only valid (input, tap) pairs are issued."""
        return (self.index == "input" and self.boundary == "filter") or (
            self.index == "output" and self.skip_padding
        )

    def describe(self) -> str:
        levels = []
        for index, lvl in enumerate(self.arch.levels):
            loops = " ".join(str(lp) for lp in self.temporal if lp.level == index)
            if loops:
                levels.append(f"{lvl.name}: {loops}")
        spatial = " ".join(f"{lp}@{lp.array_dim}" for lp in self.spatial)
        return " | ".join(levels + ([f"spatial: {spatial}"] if spatial else []))


def bind(layer: Layer, arch: Architecture, mapping: Mapping, source: str = "mapping") -> LoopNest:
    """Validate ``mapping`` against ``layer`` and ``arch`` and build the loop nest."""
    index = _index_kind(mapping, source)
    allowed = OUTPUT_INDEXED_DIMS if index == "output" else INPUT_INDEXED_DIMS
    if mapping.boundary == "scatter" and index == "output":
        raise MappingError("'scatter' applies to input-indexed nests only (IY/IX loops)",
                           source=source, field="boundary")
    if mapping.skip_padding and index == "input":
        raise MappingError("'skip_padding' applies to output-indexed nests only; an input-indexed "
                           "nest never issues a padding tap", source=source, field="skip_padding")

    spatial: list[Loop] = []
    for array_dim, loops in mapping.spatial.items():
        if array_dim not in arch.array:
            raise MappingError(f"unknown array dimension {array_dim!r}; the array has "
                               f"{list(arch.array)}", source=source, field=f"spatial.{array_dim}")
        used = math.prod(size for _, size in loops)
        if used > arch.array[array_dim]:
            raise MappingError(f"unrolls {used} iterations on an array dimension of size "
                               f"{arch.array[array_dim]}", source=source,
                               field=f"spatial.{array_dim}")
        spatial += [Loop(dim, size, array_dim=array_dim) for dim, size in loops]
    order = list(arch.array)
    spatial.sort(key=lambda lp: order.index(lp.array_dim or ""))

    level_index = {lvl.name: i for i, lvl in enumerate(arch.levels)}
    temporal: list[Loop] = []
    for level_name in mapping.temporal:
        if level_name not in level_index:
            raise MappingError(f"unknown level {level_name!r}; the architecture has "
                               f"{list(level_index)}", source=source,
                               field=f"temporal.{level_name}")
    for level_name, i in sorted(level_index.items(), key=lambda kv: kv[1]):
        temporal += [Loop(dim, size, level=i) for dim, size in mapping.temporal.get(level_name, [])]

    for where, loops in (("spatial", spatial), ("temporal", temporal)):
        for lp in loops:
            if lp.dim not in allowed:
                raise MappingError(f"dimension {lp.dim} does not belong to an {index}-indexed nest "
                                   f"(dimensions: {' '.join(allowed)})", source=source, field=where)

    nest = LoopNest(layer, arch, mapping, index, mapping.boundary, mapping.skip_padding,
                    tuple(temporal), tuple(spatial), source)
    for dim in allowed:
        _check_cover(nest, dim, source)
    return nest


def _index_kind(mapping: Mapping, source: str) -> IndexKind:
    all_loops = (*mapping.spatial.values(), *mapping.temporal.values())
    dims = {dim for loops in all_loops for dim, _ in loops}
    has_out = bool(dims & {"OY", "OX"})
    has_in = bool(dims & {"IY", "IX"})
    if has_out and has_in:
        raise MappingError("mixes output-indexed (OY/OX) and input-indexed (IY/IX) loops; a nest "
                           "iterates one or the other", source=source, field="temporal")
    inferred: IndexKind | None = "input" if has_in else "output" if has_out else None
    if mapping.index is not None and inferred is not None and mapping.index != inferred:
        raise MappingError(f"declared {mapping.index}-indexed but its loops are {inferred}-indexed",
                           source=source, field="index")
    return mapping.index or inferred or "output"


def _check_cover(nest: LoopNest, dim: str, source: str) -> None:
    bound = nest.bound(dim)
    loops = nest.loops_of(dim)
    total = math.prod(lp.size for lp in loops)
    shown = " x ".join(str(lp.size) for lp in loops) or "no loop"
    if total < bound:
        raise MappingError(f"loops over {dim} cover {total} of {bound} ({shown}); the loops of a "
                           "dimension must cover the layer", source=source, field="temporal")
    if loops:
        inner = total // loops[0].size
        needed = -(-bound // inner)
        if loops[0].size != needed:
            raise MappingError(f"outermost loop over {dim} has size {loops[0].size} but {needed} "
                               f"iterations cover {dim}={bound} with the inner loops ({shown}); "
                               "only the last iteration may be clipped", source=source,
                               field="temporal")
