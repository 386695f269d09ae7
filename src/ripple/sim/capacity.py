"""The capacity check: every instance of a memory must hold its largest tile of each operand.

The tiles are those the simulator actually filled (the outermost memory of an operand holds
every element the layer uses). Outputs count at the larger of the partial and final precision
(or at the final one, under ZigZag's ``output_capacity`` convention, above every reduction);
a double-buffered memory holds two tiles of each operand.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ripple.arch import Memory
from ripple.errors import MappingError
from ripple.mapping.nest import LoopNest
from ripple.workload import Operand

#: Loops over these leave every output they run over complete.
_OUTPUT_SAFE = frozenset({"N", "G", "K", "OY", "OX"})


def final_outputs_only(nest: LoopNest, memory: Memory) -> bool:
    """Whether ``memory`` reserves output words at the final precision: under
    ``output_capacity: final_above_reductions`` (docs/conventions.md), when every loop above
    it (its cut, and the loops unrolled along array dimensions it does not serve) runs over
    dimensions that index the outputs one to one."""
    if nest.arch.conventions.output_capacity != "final_above_reductions":
        return False
    cuts = dict(nest.cuts["O"])
    if memory.name not in cuts:
        return False
    served = nest.arch.served(memory)
    above = list(nest.temporal[:cuts[memory.name]])
    above += [lp for lp in nest.spatial if lp.array_dim not in served]
    return not [lp for lp in above if lp.size > 1 and lp.dim not in _OUTPUT_SAFE]


def check_capacity(nest: LoopNest, memory: Memory,
                   largest: dict[Operand, NDArray[np.int64]]) -> None:
    """Raise :class:`MappingError` when some instance's largest tiles, summed over the
    operands (twice over when double-buffered), exceed ``memory.capacity_bits``.
    ``largest[op][i]`` is instance ``i``'s words."""
    if memory.capacity_bits is None or not largest:
        return
    p = nest.layer.precision
    out_bits = p.O_final if final_outputs_only(nest, memory) else max(p.O, p.O_final)

    def operand_bits(operand: Operand) -> int:
        return {"I": p.I, "W": p.W, "O": out_bits}[operand]

    n_inst = max(words.size for words in largest.values())
    total = np.zeros(n_inst, dtype=np.int64)
    for operand, words in largest.items():
        total[: words.size] += words * operand_bits(operand)
    buffers = 2 if memory.double_buffered else 1
    total *= buffers
    worst = int(np.argmax(total))
    if int(total[worst]) <= memory.capacity_bits:
        return
    parts = ", ".join(
        f"{op} tile {int(words[worst])} words = {int(words[worst]) * operand_bits(op)} bits"
        for op, words in largest.items() if words.size > worst)
    where = f" (instance {worst})" if n_inst > 1 else ""
    where += " (double-buffered: two tiles each)" if buffers == 2 else ""
    raise MappingError(
        f"memory {memory.name!r}{where} overflows: {parts}; total {int(total[worst])} bits "
        f"exceeds its capacity of {memory.capacity_bits} bits", field="temporal")
