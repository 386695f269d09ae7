"""The capacity check: every instance of a memory must hold its largest tile of each operand.

The tiles are those the simulator actually filled (the outermost memory of an operand holds
every element the layer uses). Outputs count at the larger of the partial and final precision;
a double-buffered memory holds two tiles of each operand.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ripple.arch import Memory
from ripple.errors import MappingError
from ripple.workload import Layer, Operand


def operand_bits(layer: Layer, operand: Operand) -> int:
    """Bits a memory reserves per word of ``operand``."""
    p = layer.precision
    return {"I": p.I, "W": p.W, "O": max(p.O, p.O_final)}[operand]


def check_capacity(layer: Layer, memory: Memory,
                   largest: dict[Operand, NDArray[np.int64]]) -> None:
    """Raise :class:`MappingError` when some instance's largest tiles, summed over the
    operands (twice over when double-buffered), exceed ``memory.capacity_bits``.
    ``largest[op][i]`` is instance ``i``'s words."""
    if memory.capacity_bits is None or not largest:
        return
    n_inst = max(words.size for words in largest.values())
    total = np.zeros(n_inst, dtype=np.int64)
    for operand, words in largest.items():
        total[: words.size] += words * operand_bits(layer, operand)
    buffers = 2 if memory.double_buffered else 1
    total *= buffers
    worst = int(np.argmax(total))
    if int(total[worst]) <= memory.capacity_bits:
        return
    parts = ", ".join(
        f"{op} tile {int(words[worst])} words = {int(words[worst]) * operand_bits(layer, op)} bits"
        for op, words in largest.items() if words.size > worst)
    where = f" (instance {worst})" if n_inst > 1 else ""
    where += " (double-buffered: two tiles each)" if buffers == 2 else ""
    raise MappingError(
        f"memory {memory.name!r}{where} overflows: {parts}; total {int(total[worst])} bits "
        f"exceeds its capacity of {memory.capacity_bits} bits", field="temporal")
