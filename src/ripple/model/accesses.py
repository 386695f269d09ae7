"""Transactions per memory and operand, summed over the sides of every link's channels.

For every link the parent side and the child side are counted separately: the parent reads the
union of a fill once (multicast, in-array reduction), each child instance writes its own part,
and both pack words into transactions of their own port width (docs/accesses.md).
"""

from __future__ import annotations

from ripple.mapping.nest import LoopNest
from ripple.model.components import Transfer, side_totals
from ripple.model.links import operand_links
from ripple.model.nestview import NestFactors
from ripple.results.result import OperandAccess, empty_accesses
from ripple.workload.layer import OPERANDS


def count_accesses(nest: LoopNest, view: NestFactors) -> dict[str, dict[str, OperandAccess]]:
    """Reads, writes and final writes of every memory for every operand it holds."""
    table = empty_accesses(nest.arch)
    precision, elide = nest.layer.precision, nest.arch.mac.first_read_elision
    for operand in OPERANDS:
        for link in operand_links(nest, operand):
            qs = view.qs(link.prefix)
            for channel, sides in link.channels():
                for side in sides:
                    assert side.memory is not None
                    transfer = Transfer(operand, channel, side.bandwidth, precision, elide)
                    tx, bits, final_tx = side_totals(view.groups, qs, view.insts(side.instances),
                                                     transfer)
                    acc = table[side.memory.name][operand]
                    if side.direction == "read":
                        acc.add(OperandAccess(reads=tx, read_bits=bits))
                    else:
                        acc.add(OperandAccess(writes=tx, write_bits=bits, final_writes=final_tx))
    return table
