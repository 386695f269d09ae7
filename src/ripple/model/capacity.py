"""Capacity: every memory instance must hold its largest tile of each operand (docs/accesses.md),
and a memory holding outputs may not split an output over its instances."""

from __future__ import annotations

from ripple.arch.spec import Memory
from ripple.errors import MappingError
from ripple.mapping.nest import LoopNest
from ripple.model.relevance import OUTPUT_PARALLEL_DIMS
from ripple.workload.layer import Operand, Precision


def word_bits(precision: Precision, final_outputs: bool = False) -> dict[Operand, int]:
    """Bits a memory reserves per word: outputs at the larger of partial and final, or at the
    final precision in a memory that holds only ``final_outputs``."""
    out = precision.O_final if final_outputs else max(precision.O, precision.O_final)
    return {"I": precision.I, "W": precision.W, "O": out}


def holds_final_outputs(nest: LoopNest, memory: Memory) -> bool:
    """Whether ``memory`` reserves output words at the final precision: under
    ``output_capacity: final_above_reductions``, when no loop that leaves outputs unreduced lies
    above it (in its cut, or unrolled along an array dimension it does not serve)."""
    if nest.arch.conventions.output_capacity != "final_above_reductions":
        return False
    cut = dict(nest.cuts["O"]).get(memory.name)
    if cut is None:
        return False
    served = set(nest.arch.served(memory))
    above = [*nest.temporal[:cut], *(lp for lp in nest.spatial if lp.array_dim not in served)]
    return all(lp.dim in OUTPUT_PARALLEL_DIMS or lp.size == 1 for lp in above)


def overflow(memory: Memory, tiles: dict[Operand, int], need: int, precision: Precision,
             final_outputs: bool = False) -> str | None:
    """Why ``memory`` cannot hold its tiles, or None. ``need``: the bits its fullest instance
    holds (one tile of each operand); ``tiles``: each operand's largest tile (words), for the
    message."""
    if memory.capacity_bits is None:
        return None
    copies = 2 if memory.double_buffered else 1  # the next tile arrives beside the current
    if copies * need <= memory.capacity_bits:
        return None
    bits = word_bits(precision, final_outputs)
    detail = ", ".join(f"{op} {words} words x {bits[op]} b" for op, words in tiles.items())
    buffered = " (double-buffered: twice)" if copies == 2 else ""
    return (f"memory {memory.name!r} overflows: its fullest instance needs {copies * need} "
            f"bits{buffered} (largest tiles: {detail}), capacity is {memory.capacity_bits} "
            "bits")


def check_output_replication(nest: LoopNest) -> None:
    """Reject partial sums the model does not follow: a memory holding outputs may be
    replicated along an array dimension that unrolls a reduction only when it is the innermost
    memory of the outputs (its instances hold parts of reductions, summed on the way up) and
    not the outermost (something must hold them whole)."""
    chain = nest.chain("O")
    for position, residence in enumerate(chain):
        memory = residence.memory
        served = set(nest.arch.served(memory))
        for lp in nest.spatial:
            if lp.array_dim in served or lp.dim in OUTPUT_PARALLEL_DIMS or lp.size == 1:
                continue
            if position == 0:
                raise MappingError(
                    f"memory {memory.name!r}, the outermost holding outputs, is replicated "
                    f"along array dimension {lp.array_dim}, which unrolls {lp.dim}: the partial "
                    "sums of its instances would never be summed; let it serve "
                    f"{lp.array_dim} (a reduction path) or unroll another dimension there",
                    source=nest.source, field="spatial")
            if position < len(chain) - 1:
                raise MappingError(
                    f"memory {memory.name!r} holds outputs per instance along array dimension "
                    f"{lp.array_dim}, which unrolls {lp.dim}, and is not the innermost memory "
                    "of the outputs: only the innermost may hold parts of reductions; let it "
                    f"serve {lp.array_dim}", source=nest.source, field="spatial")
