"""Transactions per memory and operand, from the group statistics of each link.

For every link the parent side and the child side are counted separately: the parent reads the
union of a fill once (multicast, in-array reduction), each child instance writes its own part,
and both pack words into transactions of their own port width (docs/accesses.md).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ripple.arch.spec import Memory
from ripple.mapping.nest import LoopNest
from ripple.model.groups import FactorGroups, Histogram, combine
from ripple.model.links import Link, operand_links
from ripple.results.result import OperandAccess, empty_accesses
from ripple.workload.layer import OPERANDS


def _transactions(words: NDArray[np.int64], bits: int, bandwidth: int) -> NDArray[np.int64]:
    return -(-(words * bits) // bandwidth)


class _Side:
    """One side of a link: the statistics of its groups, combined over factors."""

    def __init__(self, groups: list[FactorGroups], link: Link, fixed: frozenset[int]):
        outputs = link.operand == "O"
        hist: Histogram = combine(g.histogram(fixed, link.operand, outputs) for g in groups)
        self.values, self.counts = hist

    def total(self, per_group: NDArray[np.int64]) -> int:
        return int((per_group * self.counts).sum())


def count_accesses(
    nest: LoopNest, groups: list[FactorGroups]
) -> dict[str, dict[str, OperandAccess]]:
    """Reads, writes and final writes of every memory for every operand it holds."""
    table = empty_accesses(nest.arch)
    precision = nest.layer.precision
    elide = nest.arch.mac.first_read_elision
    for operand in OPERANDS:
        for link in operand_links(nest, operand):
            parent = _Side(groups, link, link.parent_fixed)
            child = _Side(groups, link, link.child_fixed) if link.child is not None else None
            if operand == "O":
                _count_outputs(table, link, parent, child, precision.O, precision.O_final, elide)
            else:
                _count_read_only(table, link, parent, child, getattr(precision, operand))
    return table


def _count_read_only(table: dict[str, dict[str, OperandAccess]], link: Link, parent: _Side,
                     child: _Side | None, bits: int) -> None:
    words = parent.values[:, 0]
    acc = OperandAccess(
        reads=parent.total(_transactions(words, bits, link.parent.read_bandwidth)),
        read_bits=parent.total(words) * bits,
    )
    table[link.parent.name][link.operand].add(acc)
    if child is not None and link.child is not None:
        words = child.values[:, 0]
        table[link.child.name][link.operand].add(OperandAccess(
            writes=child.total(_transactions(words, bits, link.child.write_bandwidth)),
            write_bits=child.total(words) * bits,
        ))


def _count_outputs(table: dict[str, dict[str, OperandAccess]], link: Link, parent: _Side,
                   child: _Side | None, partial_bits: int, final_bits: int, elide: bool) -> None:
    """Fill reads (partial sums brought down) and write-backs (partial and final sums up)."""

    def moves(side: _Side, memory: Memory, fill_side: str) -> OperandAccess:
        fp, fin, first = (side.values[:, i] for i in range(3))
        fetched = fp - first if elide else fp
        partial = fp - fin
        fill_bw = memory.read_bandwidth if fill_side == "read" else memory.write_bandwidth
        back_bw = memory.write_bandwidth if fill_side == "read" else memory.read_bandwidth
        fill_tx = side.total(_transactions(fetched, partial_bits, fill_bw))
        final_tx = side.total(_transactions(fin, final_bits, back_bw))
        back_tx = side.total(_transactions(partial, partial_bits, back_bw)) + final_tx
        fill_bits = side.total(fetched) * partial_bits
        back_bits = side.total(partial) * partial_bits + side.total(fin) * final_bits
        if fill_side == "read":  # the parent: reads the fill, writes the write-back
            return OperandAccess(reads=fill_tx, read_bits=fill_bits, writes=back_tx,
                                 write_bits=back_bits, final_writes=final_tx)
        return OperandAccess(writes=fill_tx, write_bits=fill_bits, reads=back_tx,
                             read_bits=back_bits)

    table[link.parent.name]["O"].add(moves(parent, link.parent, "read"))
    if child is not None and link.child is not None:
        table[link.child.name]["O"].add(moves(child, link.child, "write"))
