"""Capacity check: every memory instance must hold its largest tile of each operand."""

from __future__ import annotations

from ripple.errors import MappingError
from ripple.mapping.nest import LoopNest
from ripple.model.components import tile_words
from ripple.model.links import fill_prefix, instance_loops
from ripple.model.nestview import NestFactors
from ripple.model.relevance import OUTPUT_PARALLEL_DIMS
from ripple.workload.layer import OPERANDS, Operand


def largest_tiles(nest: LoopNest, view: NestFactors) -> dict[str, dict[Operand, int]]:
    """Words of the largest tile each memory instance holds, per operand."""
    out: dict[str, dict[Operand, int]] = {}
    for operand in OPERANDS:
        for position, (level, memory) in enumerate(nest.arch.chain(operand)):
            # the outermost memory of an operand is never refilled: it holds all of it
            prefix = 0 if position == 0 else fill_prefix(nest, operand, nest.cut(level))
            words = tile_words(view.groups, view.qs(prefix),
                               view.insts(instance_loops(nest, memory)), operand)
            out.setdefault(memory.name, {})[operand] = words
    return out


def check_capacity(nest: LoopNest, tiles: dict[str, dict[Operand, int]]) -> None:
    precision = nest.layer.precision
    bits = {"I": precision.I, "W": precision.W, "O": max(precision.O, precision.O_final)}
    for name, per_operand in tiles.items():
        memory = nest.arch.memory(name)
        if memory.capacity_bits is None:
            continue
        copies = 2 if memory.double_buffered else 1  # the next tile arrives beside the current
        need = copies * sum(words * bits[op] for op, words in per_operand.items())
        if need > memory.capacity_bits:
            detail = ", ".join(f"{op} {words} words x {bits[op]} b" for op, words in
                               per_operand.items())
            buffered = " (double-buffered: twice)" if copies == 2 else ""
            raise MappingError(f"memory {name!r} overflows: its largest tiles ({detail}){buffered}"
                               f" need {need} bits, capacity is {memory.capacity_bits} bits",
                               source=nest.source, field="temporal")


def check_output_replication(nest: LoopNest) -> None:
    """Reject a memory holding outputs replicated along a dimension that splits outputs."""
    for _, memory in nest.arch.chain("O"):
        served = set(nest.arch.served(memory))
        for lp in nest.spatial:
            if lp.array_dim not in served and lp.dim not in OUTPUT_PARALLEL_DIMS:
                raise MappingError(
                    f"memory {memory.name!r} holds outputs per instance along array dimension "
                    f"{lp.array_dim}, which unrolls {lp.dim}: one output would be split over "
                    f"instances; let {memory.name!r} serve {lp.array_dim} or unroll another "
                    "dimension there", source=nest.source, field="spatial")
