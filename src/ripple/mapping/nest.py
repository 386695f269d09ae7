"""Binding a mapping to a layer and an architecture: the validated loop nest.

The :class:`LoopNest` is the one description of an execution that both the analytical model
and the reference simulator read. Binding rejects, with the reason, a mapping whose loops do
not cover the layer exactly, that overflows the array, names an unknown level or array
dimension, or mixes output- and input-indexed dimensions.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Literal

from ripple.arch.spec import Architecture, Memory
from ripple.errors import MappingError
from ripple.mapping.spec import LoopSpec, Mapping
from ripple.workload.layer import (
    INPUT_INDEXED_DIMS,
    OPERANDS,
    OUTPUT_INDEXED_DIMS,
    IndexKind,
    Layer,
    Operand,
)


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
class Residence:
    """A memory that holds an operand under a mapping, and where the operand is cut there:
    ``cut`` temporal loops (the first ``cut`` of the nest) lie above the memory, so its tile is
    spanned by the others. The outermost residence holds the whole tensor whatever its cut."""

    memory: Memory
    level: int
    cut: int


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
    cuts: dict[Operand, tuple[tuple[str, int], ...]]  # per operand: (memory name, cut)
    source: str = "mapping"

    def chain(self, operand: Operand) -> tuple[Residence, ...]:
        """The memories holding ``operand`` under this mapping (bypassed ones left out),
        outermost first, with the operand's cut at each. Memories are looked up by name in
        ``arch``, so a nest given another version of its architecture reads that one."""
        level_of = {m.name: i for i, lvl in enumerate(self.arch.levels) for m in lvl.memories}
        return tuple(Residence(self.arch.memory(name), level_of[name], cut)
                     for name, cut in self.cuts[operand])

    @property
    def dims(self) -> tuple[str, ...]:
        return OUTPUT_INDEXED_DIMS if self.index == "output" else INPUT_INDEXED_DIMS

    def bound(self, dim: str) -> int:
        return self.layer.bound(dim)

    def fills_delta(self, operand: Operand, memory: Memory | None) -> bool:
        """Whether fills of ``operand`` into ``memory`` (``None``: the MACs) move only what the
        previous tile lacks (docs/accesses.md, "Delta fills"): the memory's ``fills`` convention
        is ``delta``, except for the outputs of an output-indexed nest. Those never share a word
        between consecutive tiles (the innermost loop of a fill's prefix indexes them and
        changes at every fill), so their delta fills are whole fills."""
        if memory is None or self.arch.convention(memory, "fills") != "delta":
            return False
        return not (operand == "O" and self.index == "output")

    def loops_of(self, dim: str) -> list[Loop]:
        """Loops over ``dim`` from the most significant digit to the least: temporal loops in
        nest order, then spatial ones (spatial loops are the innermost digits)."""
        return [lp for lp in self.temporal + self.spatial if lp.dim == dim]

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
        parts = levels + ([f"spatial: {spatial}"] if spatial else [])
        for operand in OPERANDS:
            chain = self.chain(operand)
            if chain != _level_chain(self.arch, self.temporal, operand, set()):
                parts.append(f"{operand}: " + ", ".join(
                    f"{r.memory.name}@{r.cut}" for r in chain))
        return " | ".join(parts)


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

    cuts = {operand: tuple((r.memory.name, r.cut) for r in chain)
            for operand, chain in _chains(arch, mapping, tuple(temporal), source).items()}
    nest = LoopNest(layer, arch, mapping, index, mapping.boundary, mapping.skip_padding,
                    tuple(temporal), tuple(spatial), cuts, source)
    _check_delta_fills(nest)
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


def _level_chain(arch: Architecture, temporal: tuple[Loop, ...], operand: Operand,
                 bypassed: set[tuple[str, Operand]]) -> tuple[Residence, ...]:
    """Every memory holding ``operand`` but the bypassed ones, cut at its level: the loops of
    the levels above lie above it."""
    return tuple(Residence(memory, level, sum(1 for lp in temporal if (lp.level or 0) < level))
                 for level, memory in arch.chain(operand) if (memory.name, operand) not in bypassed)


def _memories_named(arch: Architecture, key: str, source: str, field: str) -> list[Memory]:
    """The memories a mapping key names: one memory by its name, or every memory of a level."""
    by_level = next((lvl.memories for lvl in arch.levels if lvl.name == key), None)
    by_name = [m for lvl in arch.levels for m in lvl.memories if m.name == key]
    if by_level is not None and by_name and by_name[0] not in by_level:
        raise MappingError(f"{key!r} names both a level and a memory of another level",
                           source=source, field=field)
    if by_level is None and not by_name:
        names = [m.name for lvl in arch.levels for m in lvl.memories]
        raise MappingError(f"unknown memory or level {key!r}; the architecture has memories "
                           f"{names}", source=source, field=field)
    return by_name or list(by_level or [])


def _holder(arch: Architecture, key: str, operand: Operand, source: str, field: str) -> Memory:
    """The memory named by ``key`` (a memory or a level) that holds ``operand``."""
    memories = _memories_named(arch, key, source, field)
    holder = next((m for m in memories if operand in m.operands), None)
    if holder is None:
        held = sorted({op for m in memories for op in m.operands})
        raise MappingError(f"{key!r} does not hold {operand} (it holds {held}); only a memory "
                           f"holding {operand} can keep or place its loops", source=source,
                           field=field)
    return holder


def _chains(arch: Architecture, mapping: Mapping, temporal: tuple[Loop, ...],
            source: str) -> dict[Operand, tuple[Residence, ...]]:
    """Per operand, the memories holding it and its cut at each (docs/mapping.md)."""
    bypassed: set[tuple[str, Operand]] = set()
    for key, operands in mapping.bypass.items():
        for operand in operands:
            field = f"bypass.{key}"
            memory = _holder(arch, key, operand, source, field)
            if memory is arch.chain(operand)[0][1]:
                raise MappingError(f"{memory.name!r} is the outermost memory of {operand}: it "
                                   f"holds the whole tensor and cannot be bypassed",
                                   source=source, field=field)
            bypassed.add((memory.name, operand))
    chains = {}
    for operand in OPERANDS:
        chain = _level_chain(arch, temporal, operand, bypassed)
        if operand in mapping.placement:
            chain = _placed(arch, chain, mapping.placement[operand], temporal, operand, source)
        chains[operand] = chain
    return chains


def _placed(arch: Architecture, chain: tuple[Residence, ...], placement: dict[str, list[LoopSpec]],
            temporal: tuple[Loop, ...], operand: Operand, source: str
            ) -> tuple[Residence, ...]:
    """``chain`` cut where ``placement`` (memory -> loops held there) says."""
    loops_at: dict[str, list[LoopSpec]] = {}
    for key, loops in placement.items():
        field = f"placement.{operand}.{key}"
        memory = _holder(arch, key, operand, source, field)
        if memory.name not in {r.memory.name for r in chain}:
            raise MappingError(f"{memory.name!r} is bypassed for {operand}; it holds no loops "
                               "of it", source=source, field=field)
        if memory.name in loops_at:
            raise MappingError(f"{memory.name!r} is named twice for {operand}", source=source,
                               field=field)
        loops_at[memory.name] = list(loops)
    missing = [r.memory.name for r in chain if r.memory.name not in loops_at]
    if missing:
        raise MappingError(f"no loops given for {missing[0]!r}, which holds {operand}: list it "
                           "(with [] if it holds no loop) or bypass it", source=source,
                           field=f"placement.{operand}")
    placed = [tuple(lp) for r in chain for lp in loops_at[r.memory.name]]
    order = [(lp.dim, lp.size) for lp in temporal]
    if placed != order:
        shown = " ".join(f"{d}{s}" for d, s in placed) or "no loop"
        expected = " ".join(f"{d}{s}" for d, s in order) or "no loop"
        raise MappingError(f"its loops, outermost memory first, are {shown}; they must be the "
                           f"nest's temporal loops in their order ({expected})", source=source,
                           field=f"placement.{operand}")
    cuts, above = [], 0
    for r in chain:
        cuts.append(above)
        above += len(loops_at[r.memory.name])
    return tuple(Residence(r.memory, r.level, cut) for r, cut in zip(chain, cuts, strict=True))


#: Dimensions whose loops index outputs one to one: a memory replicated along any other holds
#: parts of reductions (docs/accesses.md, "Outputs split over instances").
OUTPUT_PARALLEL = frozenset({"N", "G", "K", "OY", "OX"})


def _check_delta_fills(nest: LoopNest) -> None:
    """Refuse the delta fills the counting does not cover (docs/accesses.md, "Delta fills"):
    into a memory holding outputs split over its instances, and from or into a memory that
    stores the operand compressed or skips or gates it."""
    for operand in OPERANDS:
        chain = nest.chain(operand)
        for parent, child in itertools.pairwise(chain):
            memory = child.memory
            if not nest.fills_delta(operand, memory):
                continue
            served = set(nest.arch.served(memory))
            why = None
            if operand == "O" and any(lp.array_dim not in served and lp.size > 1
                                      and lp.dim not in OUTPUT_PARALLEL for lp in nest.spatial):
                why = "holds outputs split over its instances (a reduction)"
            elif operand != "O" and (memory.stored_format(operand) is not None
                                     or parent.memory.stored_format(operand) is not None):
                why = f"or its parent stores {operand} compressed"
            elif parent.memory.sparsity_of(operand) is not None:
                why = f"is filled by {parent.memory.name!r}, which skips or gates {operand}"
            if why is not None:
                raise MappingError(f"memory {memory.name!r} has delta fills and {why}: not "
                                   "modelled; use fills: whole there", source=nest.source,
                                   field="spatial" if operand == "O" else "temporal")
