"""Transactions of one side of one transfer, from group statistics (docs/accesses.md).

A link moves a tile in two *channels*: the fill (parent read -> child write) and, for outputs,
the write-back (child read -> parent write). Access counting sums these transactions; timing
takes their maxima. Both use the formulas here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ripple.arch.spec import Memory
from ripple.workload.layer import Operand, Precision

Channel = Literal["fill", "writeback"]


@dataclass(frozen=True)
class Side:
    """One end of a channel: a memory (or None for the MACs) and the direction it is used in."""

    memory: Memory | None
    direction: Literal["read", "write"]
    instances: frozenset[int]
    classes: frozenset[int] = frozenset()  # child instance loops served apart (multicast)
    owned: bool = False  # outputs delivered to the first instance holding them only
    partial_only: bool = False  # every output word here is a partial sum (a split reduction)
    child: frozenset[int] = frozenset()  # the child's instance loops (whose tiles it holds)
    local_first: bool = False  # outputs start at zero at each instance (a split memory)
    # per_fill at the MACs: the cut of the memory whose fills restart first accumulations
    residency: int | None = None

    @property
    def bandwidth(self) -> int:
        assert self.memory is not None
        return self.memory.bandwidth(self.direction)

    @property
    def granule(self) -> int | None:
        """The memory's narrowest access in this direction, when narrower than the bandwidth."""
        assert self.memory is not None
        return self.memory.granule(self.direction)


def _tx(words: NDArray[np.int64], bits: int, bandwidth: int) -> NDArray[np.int64]:
    return -(-(words * bits) // bandwidth)


def words_and_transactions(operand: Operand, channel: Channel, rows: NDArray[np.int64],
                           precision: Precision, bandwidth: int, elide: bool,
                           partial_only: bool = False
                           ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Per row: bits moved, transactions, and transactions carrying final outputs.

    Rows are ``(fp,)`` for inputs and weights, ``(fp, fin, first)`` for outputs. A side that
    holds parts of reductions (``partial_only``) moves partial sums only."""
    if operand != "O":
        bits = getattr(precision, operand)
        fp = rows[:, 0]
        return fp * bits, _tx(fp, bits, bandwidth), np.zeros_like(fp)
    fp, fin, first = rows[:, 0], rows[:, 1], rows[:, 2]
    if channel == "fill":
        fetched = fp - first if elide else fp
        return fetched * precision.O, _tx(fetched, precision.O, bandwidth), np.zeros_like(fp)
    if partial_only:
        fin = np.zeros_like(fin)
    partial = fp - fin
    final_tx = _tx(fin, precision.O_final, bandwidth)
    bits = partial * precision.O + fin * precision.O_final
    return bits, _tx(partial, precision.O, bandwidth) + final_tx, final_tx
