"""Transactions per memory and operand, from the group statistics of each link.

For every link the parent side and the child side are counted separately: the parent reads the
union of a fill once (multicast, in-array reduction), each child instance writes its own part,
and both pack words into transactions of their own port width (docs/accesses.md).
"""

from __future__ import annotations

from ripple.mapping.nest import LoopNest
from ripple.model.groups import combine
from ripple.model.links import operand_links
from ripple.model.nestview import NestFactors
from ripple.model.transfers import words_and_transactions
from ripple.results.result import OperandAccess, empty_accesses
from ripple.workload.layer import OPERANDS


def count_accesses(nest: LoopNest, view: NestFactors) -> dict[str, dict[str, OperandAccess]]:
    """Reads, writes and final writes of every memory for every operand it holds."""
    table = empty_accesses(nest.arch)
    elide = nest.arch.mac.first_read_elision
    for operand in OPERANDS:
        outputs = operand == "O"
        for link in operand_links(nest, operand):
            for channel, sides in link.channels():
                for side in sides:
                    assert side.memory is not None
                    rows, counts = combine(view.histograms(link.prefix, side.instances, operand,
                                                           outputs))
                    bits, tx, final_tx = words_and_transactions(
                        operand, channel, rows, nest.layer.precision, side.bandwidth, elide)
                    total_bits, total_tx = int(bits @ counts), int(tx @ counts)
                    acc = table[side.memory.name][operand]
                    if side.direction == "read":
                        acc.add(OperandAccess(reads=total_tx, read_bits=total_bits))
                    else:
                        acc.add(OperandAccess(writes=total_tx, write_bits=total_bits,
                                              final_writes=int(final_tx @ counts)))
    return table
