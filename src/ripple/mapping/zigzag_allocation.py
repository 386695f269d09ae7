"""ZigZag's allocation of a temporal ordering to each operand's memories, reproduced.

A ZigZag mapping fixes the spatial unrolling and one temporal ordering; ZigZag's mapper then
decides, per operand, which memory holds which loops (LOMA's memory allocator,
``zigzag/opt/loma/memory_allocator.py``), and so does this module, so that a ZigZag mapping runs
on a deep hierarchy as it does in ZigZag (an uneven mapping: ``placement`` in Ripple's terms).

Memories are visited bottom-up. Each operand a memory holds may take any prefix of its
remaining loops (innermost first) whose tile fits the memory; among the combinations over the
operands sharing the memory that fit together, the one with the fewest accesses to the level
above wins (per operand: the iterations of the loops left above times the tile size; later
combinations win ties); an operand's top memory takes all that remains. Tile sizes are ZigZag's
(``LayerNode.calc_tensor_size``): products of the loop sizes per dimension, inputs' rows and
columns from output rows and taps (``a*b - max(0, b - sa/g) * (a - sb/g)``), clipped to the
layer's input without padding; the tile spans the temporal loops allocated so far and the
spatial loops of the array dimensions served by this memory or one below it; outputs count at
the partial precision while a loop irrelevant to them is left above, else at the final one; a
double-buffered memory counts a tile twice unless it is the whole remainder. Spatial factors
that do not divide a dimension count as ZigZag's fractional ones (``bound / iterations``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ripple.arch.spec import Architecture, Memory
from ripple.errors import RippleInputError
from ripple.workload.layer import OPERANDS, Layer, Operand

Loop = tuple[str, int | float]
RELEVANT: dict[Operand, tuple[str, ...]] = {"I": ("N", "G", "C"), "W": ("G", "K", "C", "FY", "FX"),
                                            "O": ("N", "G", "K", "OY", "OX")}
IRRELEVANT_TO_O = ("C", "FY", "FX")


def zigzag_placement(layer: Layer, arch: Architecture, spatial: dict[str, list[tuple[str, int]]],
                     ordering: Sequence[tuple[str, int]], source: str
                     ) -> dict[Operand, dict[str, list[tuple[str, int]]]]:
    """Per operand, the loops ZigZag allocates to each of its memories (outermost first, as a
    Ripple ``placement``), for ``ordering`` (innermost first, as ZigZag writes it)."""
    factors = _spatial_factors(layer, spatial)
    allocator = _Allocator(layer, arch, factors, list(ordering), source)
    for level in reversed(arch.levels):
        for memory in level.memories:
            allocator.allocate(memory)
    return {op: {name: list(reversed(loops)) for name, loops in reversed(placed)}
            for op, placed in allocator.placed.items()}


def _spatial_factors(layer: Layer, spatial: dict[str, list[tuple[str, int]]]
                     ) -> dict[str, list[Loop]]:
    """Per array dimension its unrolled loops, with ZigZag's fractional size for a dimension
    whose unrolling does not divide it."""
    total: dict[str, int] = {}
    for loops in spatial.values():
        for dim, size in loops:
            total[dim] = total.get(dim, 1) * size
    out: dict[str, list[Loop]] = {}
    for array_dim, loops in spatial.items():
        out[array_dim] = []
        for dim, size in loops:
            bound = layer.bound(dim)
            iterations = math.ceil(bound / total[dim])
            scale = bound / iterations / total[dim]  # 1 when the unrolling divides the bound
            out[array_dim].append((dim, size * scale))
    return out


class _Allocator:
    def __init__(self, layer: Layer, arch: Architecture, spatial: dict[str, list[Loop]],
                 ordering: list[tuple[str, int]], source: str):
        self.layer, self.arch, self.source = layer, arch, source
        self.chains = {op: [m for _, m in reversed(arch.chain(op))] for op in OPERANDS}
        self.unallocated: dict[Operand, list[tuple[str, int]]] = {op: list(ordering)
                                                                  for op in OPERANDS}
        self.placed: dict[Operand, list[tuple[str, list[tuple[str, int]]]]] = {
            op: [] for op in OPERANDS}
        # per operand and memory (lowest first): the spatial loops of the array dimensions it
        # is the first to serve; those no memory serves stay above every one
        self.spatial_at: dict[Operand, list[list[Loop]]] = {}
        for op in OPERANDS:
            left = dict(spatial)
            per_memory = []
            for memory in self.chains[op]:
                here: list[Loop] = []
                for array_dim in arch.served(memory):
                    here += left.pop(array_dim, [])
                per_memory.append(here)
            per_memory.append([loop for loops in left.values() for loop in loops])
            self.spatial_at[op] = per_memory
        self.allocated: dict[Operand, list[Loop]] = {op: list(self.spatial_at[op][0])
                                                     for op in OPERANDS}

    def allocate(self, memory: Memory) -> None:
        operands = [op for op in OPERANDS if op in memory.operands]
        sizes = {op: self._slice_sizes(op, memory) for op in operands}
        offsets = dict.fromkeys(operands, 0)
        accesses: dict[Operand, list[float]] = {}
        for op in operands:
            top = self.chains[op][-1] is memory
            if top:  # the top memory of an operand takes everything left
                offsets[op] = len(sizes[op]) - 1
                sizes[op] = sizes[op][-1:]
            accesses[op] = [0.0 if top else math.prod(
                s for _, s in self.unallocated[op][i + offsets[op]:]) * size
                for i, size in enumerate(sizes[op])]
        capacity = memory.capacity_bits if memory.capacity_bits is not None else math.inf
        best: list[int] | None = None
        best_accesses = math.inf
        radix = [len(sizes[op]) for op in operands]
        for code in range(math.prod(radix)):
            choice = []
            for k in range(len(operands)):
                choice.append(code // math.prod(radix[k + 1:]) % radix[k])
            total = sum(sizes[op][i] for op, i in zip(operands, choice, strict=True))
            if total > capacity:
                if code == 0:
                    raise self._too_small(memory, "the loops below it and the spatial unrolling")
                continue
            cost = sum(accesses[op][i] for op, i in zip(operands, choice, strict=True))
            if cost <= best_accesses:
                best_accesses, best = cost, choice
        assert best is not None
        for op, i in zip(operands, best, strict=True):
            take = i + offsets[op]
            loops = self.unallocated[op][:take]
            del self.unallocated[op][:take]
            self.placed[op].append((memory.name, loops))
            self.allocated[op] += loops
            self.allocated[op] += self.spatial_at[op][len(self.placed[op])]
            if self.chains[op][-1] is memory and self.unallocated[op]:
                raise self._too_small(memory, f"every loop of {op}")

    def _too_small(self, memory: Memory, what: str) -> RippleInputError:
        return RippleInputError(
            f"ZigZag's allocation: memory {memory.name!r} cannot hold {what}; the "
            "temporal_ordering does not fit this accelerator", source=self.source,
            field="temporal_ordering")

    def _slice_sizes(self, op: Operand, memory: Memory) -> list[float]:
        """Bits of the tile for each prefix of the remaining loops that fits (ZigZag's
        ``calc_size_slices``)."""
        remaining = self.unallocated[op]
        bits = self._precision(op, memory)
        double = memory.double_buffered
        whole = self._tile(self.allocated[op] + remaining, op) * bits
        capacity = memory.capacity_bits if memory.capacity_bits is not None else math.inf
        out: list[float] = []
        for i in range(len(remaining) + 1):
            size = self._tile(self.allocated[op] + remaining[:i], op) * bits
            if double and remaining[i:] and size < whole:
                size *= 2
            if size > capacity:
                if i == 0:
                    raise self._too_small(memory, f"the tile of {op} below it")
                break
            out.append(size)
        return out

    def _precision(self, op: Operand, memory: Memory) -> int:
        precision = self.layer.precision
        if op != "O":
            return getattr(precision, op)
        level = len(self.placed[op]) + 1  # the spatial loops above this memory
        above = [d for loops in self.spatial_at[op][level:] for d, _ in loops]
        above += [d for d, _ in self.unallocated[op]]
        return precision.O if any(d in IRRELEVANT_TO_O for d in above) else precision.O_final

    def _tile(self, loops: list[Loop], op: Operand) -> float:
        sizes: dict[str, float] = {}
        for dim, size in loops:
            sizes[dim] = sizes.get(dim, 1) * size
        words = math.prod(sizes.get(d, 1) for d in RELEVANT[op])
        if op == "I":
            for axis in ("y", "x"):
                words *= self._input_extent(axis, sizes)
        return words

    def _input_extent(self, axis: str, sizes: dict[str, float]) -> float:
        """ZigZag's partially relevant input extent along ``axis``."""
        geom = self.layer.axis(axis)
        pos, tap = ("OY", "FY") if axis == "y" else ("OX", "FX")
        if pos not in sizes and tap not in sizes:
            return 1
        a, b = int(sizes.get(pos, 1)), int(sizes.get(tap, 1))
        pads = self.layer.padding[:2] if axis == "y" else self.layer.padding[2:]
        total = _pr_size(geom.stride, geom.outputs, geom.dilation, geom.taps) - sum(pads)
        return min(total, _pr_size(geom.stride, a, geom.dilation, b))


def _pr_size(sa: int, a: int, sb: int, b: int) -> int:
    """Distinct ``sa*i + sb*j`` over ``i < a``, ``j < b`` (ZigZag's
    ``calc_pr_dimension_size``)."""
    g = math.gcd(sa, sb)
    return a * b - max(0, b - sa // g) * (a - sb // g)
