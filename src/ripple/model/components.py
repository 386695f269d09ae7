"""The counting components, each a memoized function of per-factor groups.

Every count of a mapping is assembled from a few components: the transactions of one side of a
transfer channel summed over its fills, the durations of a channel's transfers, the load of a
port at its busiest instance, the largest tile of a memory. Each depends only on the factors'
tables (:class:`FactorGroups`), how many of each factor's temporal loops lie in the fill prefix
(``qs``) and which of its spatial loops select an instance (``insts``). Keyed that way, the
components are shared by every mapping that agrees on them: one evaluation computes each once,
and an exploration over many loop orders computes each distinct one once.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from ripple.model.groups import FactorGroups, Part, combine
from ripple.model.transfers import Channel, words_and_transactions
from ripple.workload.layer import Operand, Precision

Groups = tuple[FactorGroups, ...]
Qs = tuple[int, ...]
Insts = tuple[Part, ...]  # per factor, how a side splits its elements


@dataclass(frozen=True)
class Transfer:
    """What one side of a channel moves and how it packs words into transactions."""

    operand: Operand
    channel: Channel
    bandwidth: int
    precision: Precision
    elide: bool
    partial_only: bool = False

    def count(self, rows: NDArray[np.int64]
              ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        return words_and_transactions(self.operand, self.channel, rows, self.precision,
                                      self.bandwidth, self.elide, self.partial_only)

    @property
    def outputs(self) -> bool:
        return self.operand == "O"


@lru_cache(maxsize=1 << 16)
def side_totals(groups: Groups, qs: Qs, insts: Insts, transfer: Transfer) -> tuple[int, int, int]:
    """Transactions, bits and final-output transactions of one side over all its fills."""
    rows, counts = combine(g.histogram(q, inst, transfer.operand, transfer.outputs)
                           for g, q, inst in zip(groups, qs, insts, strict=True))
    bits, tx, final_tx = transfer.count(rows)
    return int(tx @ counts), int(bits @ counts), int(final_tx @ counts)


def _sum_by_row(keys: NDArray[np.int64], values: NDArray[np.int64]
                ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Distinct rows of ``keys`` and, per row, the sum of the ``values`` rows that have it."""
    distinct, inverse = np.unique(keys, axis=0, return_inverse=True)
    sums = np.zeros((len(distinct), values.shape[1]), dtype=np.int64)
    np.add.at(sums, inverse.reshape(-1), values)
    return distinct, sums


@lru_cache(maxsize=1 << 12)
def condition_histogram(groups: Groups, qs: Qs, insts: Insts, condition: tuple[Operand, ...]
                        ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Over the groups (``qs`` leading temporal loops, instance digits ``insts``): per distinct
    row of the numbers of distinct real elements of each ``condition`` operand the group's MACs
    use, how many groups have it (a column). With every temporal loop fixed, the groups are
    the issued steps."""
    rows, counts = combine(g.histogram(q, inst, condition[0], False, condition[1:])
                           for g, q, inst in zip(groups, qs, insts, strict=True))
    return _sum_by_row(rows, counts[:, None])


@lru_cache(maxsize=1 << 12)
def fill_sizes(groups: Groups, qs: Qs, insts: Insts, operand: Operand
               ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Histogram of one side's fill tiles (``qs`` leading temporal loops, instance digits
    ``insts``): the distinct tile sizes in words and how many fills have each. What a
    compressed format's expected size needs, fill by fill, without enumerating the fills."""
    rows, counts = combine(g.histogram(q, inst, operand, False)
                           for g, q, inst in zip(groups, qs, insts, strict=True))
    sizes, totals = _sum_by_row(rows, counts[:, None])
    return sizes[:, 0], totals[:, 0]


@lru_cache(maxsize=1 << 12)
def side_totals_by_condition(groups: Groups, qs: Qs, insts: Insts, transfer: Transfer,
                             condition: tuple[Operand, ...]
                             ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """:func:`side_totals` split by the fills' numbers of distinct real elements of each
    ``condition`` operand: those rows, and per row the transactions, bits and final-output
    transactions of the fills that have it. Summed over the rows, it is ``side_totals``."""
    rows, counts = combine(g.histogram(q, inst, transfer.operand, transfer.outputs, condition)
                           for g, q, inst in zip(groups, qs, insts, strict=True))
    width = rows.shape[1] - len(condition)
    bits, tx, final_tx = transfer.count(rows[:, :width])
    return _sum_by_row(rows[:, width:], np.stack([tx, bits, final_tx], axis=1) * counts[:, None])


def _outer(row_sets: Sequence[NDArray[np.int64]]) -> NDArray[np.int64]:
    """Element-wise products of every combination of one row from each set."""
    rows = row_sets[0]
    for other in row_sets[1:]:
        rows = (rows[:, None, :] * other[None, :, :]).reshape(-1, rows.shape[1])
    return rows


@lru_cache(maxsize=1 << 16)
def channel_durations(groups: Groups, qs: Qs, side_insts: tuple[Insts, ...],
                      transfers: tuple[Transfer, ...]) -> tuple[int, int, int]:
    """A channel's transfers (one per fill): the sum of their durations, and the first's and
    the last's. A transfer lasts as many cycles as its busiest port instance needs."""
    operand = transfers[0].operand
    per_factor = [g.instance_sets(q, [insts[i] for insts in side_insts], operand,
                                  transfers[0].outputs)
                  for i, (g, q) in enumerate(zip(groups, qs, strict=True))]

    def duration(sets_per_factor: list[tuple[NDArray[np.int64], ...]]) -> int:
        longest = 0
        for side, transfer in enumerate(transfers):
            _, tx, _ = transfer.count(_outer([sets[side] for sets in sets_per_factor]))
            longest = max(longest, int(tx.max(initial=0)))
        return longest

    total = 0
    for combo in itertools.product(*(f.histogram for f in per_factor)):
        total += math.prod(c for _, c in combo) * duration([sets for sets, _ in combo])
    return total, duration([f.first for f in per_factor]), duration([f.last for f in per_factor])


@lru_cache(maxsize=1 << 16)
def busiest_port(groups: Groups, parts: tuple[tuple[Qs, Transfer, Insts], ...]) -> int:
    """Transactions through one port at its busiest instance; ``parts`` are the fills of every
    link channel side that uses the port (the port's memory: every part has its instances)."""
    if not any(part.instances for part in parts[0][2]):  # one instance: the parts' totals
        return sum(side_totals(groups, qs, insts, transfer)[0]
                   for qs, transfer, insts in parts)
    profiles = [
        g.instance_profiles([(qs[i], insts[i], t.operand, t.outputs)
                             for qs, t, insts in parts], parts[0][2][i].instances)
        for i, g in enumerate(groups)
    ]
    busiest = 0
    for combo in itertools.product(*profiles):
        total = 0
        for p, (_, transfer, _) in enumerate(parts):
            rows, counts = combine(profile[p] for profile in combo)
            total += int(transfer.count(rows)[1] @ counts)
        busiest = max(busiest, total)
    return busiest


def tile_words(groups: Groups, qs: Qs, insts: Insts, operand: Operand) -> int:
    """Words of the largest tile of ``operand`` held by one memory instance."""
    return math.prod(g.max_footprint(q, inst.instances, operand)
                     for g, q, inst in zip(groups, qs, insts, strict=True))
