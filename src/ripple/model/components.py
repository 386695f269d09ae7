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

from ripple.model.deltas import (
    Carry,
    DeltaPart,
    as_whole_rows,
    carries,
    delta_histogram,
    delta_rows,
    transition_pairs,
)
from ripple.model.groups import FactorGroups, Histogram, Part, combine
from ripple.model.transfers import Channel, words_and_transactions
from ripple.workload.layer import Operand, Precision

Groups = tuple[FactorGroups, ...]
IntArray = NDArray[np.int64]
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


@dataclass(frozen=True)
class PortPart:
    """The fills of one link channel side through a port: whole fills, or delta fills when
    ``interleave`` (the factor of each loop of the link's prefix) is given."""

    qs: Qs
    transfer: Transfer
    insts: Insts
    interleave: tuple[int, ...] | None = None
    dparts: DeltaParts | None = None

    def totals(self, groups: Groups) -> tuple[int, int, int]:
        if self.interleave is None:
            return side_totals(groups, self.qs, self.insts, self.transfer)
        assert self.dparts is not None
        return delta_side_totals(groups, self.qs, self.interleave, self.insts, self.dparts,
                                 self.transfer)

    def kinds(self, groups: Groups, f: int) -> list[tuple[IntArray, IntArray, bool]]:
        """Factor ``f``'s sources of rows, each as (instance key per row, rows, delta style):
        the groups of whole fills; or the edge group and the transitions at every carry."""
        g, t = groups[f], self.transfer
        part = self.insts[f]
        if self.interleave is None:
            keys, rows = g.rows(self.qs[f], part, t.operand, t.outputs)
            return [(keys % g.n_values(part.instances), rows, False)]
        assert self.dparts is not None
        leaving = t.channel == "writeback"
        out = [(*g.edge_rows(self.qs[f], part, t.operand, t.outputs, leaving), False)]
        for carry in carries(self.interleave, len(groups)):
            _, inst, rows = delta_rows(g, carry[f], self.dparts[f], t.operand, t.outputs,
                                       leaving)
            out.append((inst, rows, True))
        return out


@lru_cache(maxsize=1 << 16)
def busiest_port(groups: Groups, parts: tuple[PortPart, ...]) -> int:
    """Transactions through one port at its busiest instance; ``parts`` are the fills of every
    link channel side that uses the port (the port's memory: every part has its instances)."""
    if not any(part.instances for part in parts[0].insts):  # one instance: the parts' totals
        return sum(part.totals(groups)[0] for part in parts)
    profiles = []
    for f, g in enumerate(groups):
        instances = parts[0].insts[f].instances
        sources = [part.kinds(groups, f) for part in parts]
        distinct: dict[bytes, list[list[Histogram]]] = {}
        for value in np.unique(g.key(0, instances)):
            profile = []
            for kinds in sources:
                hists = []
                for inst, rows, _ in kinds:
                    values, counts = np.unique(rows[inst == value], axis=0, return_counts=True)
                    hists.append((values, counts.astype(np.int64)))
                profile.append(hists)
            signature = b"|".join(v.tobytes() + b":" + c.tobytes()
                                  for hists in profile for v, c in hists)
            distinct.setdefault(signature, profile)
        profiles.append(list(distinct.values()))
    styles = [[delta for _, _, delta in part.kinds(groups, 0)] for part in parts]
    busiest = 0
    for combo in itertools.product(*profiles):
        total = 0
        for p, part in enumerate(parts):
            t = part.transfer
            for k, delta in enumerate(styles[p]):
                rows, counts = combine(profile[p][k] for profile in combo)
                if delta:
                    rows = as_whole_rows(rows, t.outputs, t.channel == "writeback")
                total += int(t.count(rows)[1] @ counts)
        busiest = max(busiest, total)
    return busiest


def tile_words(groups: Groups, qs: Qs, insts: Insts, operand: Operand) -> int:
    """Words of the largest tile of ``operand`` held by one memory instance."""
    return math.prod(g.max_footprint(q, inst.instances, operand)
                     for g, q, inst in zip(groups, qs, insts, strict=True))


def fullest_instance_bits(groups: Groups, held: Sequence[tuple[Qs, Operand, int]],
                          insts: Insts) -> int:
    """Bits held by a memory's fullest instance: per instance, the largest tile of each
    operand it holds (``held``: the operand's fill prefix per factor, and its word bits) times
    its word bits, summed over the operands (docs/accesses.md, "Capacity"). Operands can be
    largest at different instances (a border instance holds fewer outputs but more inputs),
    so the sum is per instance. An instance is a product of per-factor instance digits and
    its fills a product of per-factor groups, so its largest tile is the outer product of the
    per-factor largest footprints."""
    total = np.zeros((), dtype=np.int64)
    for qs, operand, bits in held:
        words = np.ones((), dtype=np.int64)
        for g, q, inst in zip(groups, qs, insts, strict=True):
            words = np.multiply.outer(words, g.instance_footprints(q, inst.instances, operand))
        total = total + bits * words
    return int(total.max(initial=0))


# ----- delta fills (docs/accesses.md, "Delta fills") ------------------------------------------
DeltaParts = tuple[DeltaPart, ...]


def _edge_histogram(g: FactorGroups, q: int, part: Part, operand: Operand, outputs: bool,
                    last: bool) -> Histogram:
    _, rows = g.edge_rows(q, part, operand, outputs, last)
    values, counts = np.unique(rows, axis=0, return_counts=True)
    return values, counts.astype(np.int64)


@lru_cache(maxsize=1 << 16)
def delta_side_totals(groups: Groups, qs: Qs, interleave: tuple[int, ...], insts: Insts,
                      dparts: DeltaParts, transfer: Transfer) -> tuple[int, int, int]:
    """:func:`side_totals` of a delta-filled channel side: the first fill (or the last
    write-back) whole, and every other one the words consecutive tiles do not share."""
    leaving = transfer.channel == "writeback"
    operand, outputs = transfer.operand, transfer.outputs
    rows, counts = combine(_edge_histogram(g, q, part, operand, outputs, leaving)
                           for g, q, part in zip(groups, qs, insts, strict=True))
    bits, tx, final_tx = transfer.count(rows)
    totals = np.array([tx @ counts, bits @ counts, final_tx @ counts], dtype=np.int64)
    for carry in carries(interleave, len(groups)):
        rows, counts = combine(delta_histogram(g, c, part, operand, outputs, leaving)
                               for g, c, part in zip(groups, carry, dparts, strict=True))
        bits, tx, final_tx = transfer.count(as_whole_rows(rows, outputs, leaving))
        totals += np.array([tx @ counts, bits @ counts, final_tx @ counts], dtype=np.int64)
    return int(totals[0]), int(totals[1]), int(totals[2])


def _transition_sets(g: FactorGroups, carry: Carry, side_dparts: tuple[DeltaPart, ...],
                     operand: Operand, outputs: bool, leaving: bool
                     ) -> list[tuple[tuple[NDArray[np.int64], ...], int]]:
    """Over the factor's transitions at ``carry``: per side the distinct rows of its instances,
    as a histogram of those row-set tuples."""
    n = len(transition_pairs(g, carry)[0])
    per_side = []
    for part in side_dparts:
        tid, _, rows = delta_rows(g, carry, part, operand, outputs, leaving)
        bounds = np.searchsorted(tid, np.arange(n + 1))
        per_side.append([np.unique(rows[a:b], axis=0)
                         for a, b in itertools.pairwise(bounds)])
    histogram: dict[bytes, list] = {}
    for sets in zip(*per_side, strict=True):
        signature = b"|".join(s.tobytes() + bytes([len(s)]) for s in sets)
        histogram.setdefault(signature, [sets, 0])[1] += 1
    return [(sets, count) for sets, count in histogram.values()]


@lru_cache(maxsize=1 << 16)
def delta_channel_durations(groups: Groups, qs: Qs, interleave: tuple[int, ...],
                            side_insts: tuple[Insts, ...], side_dparts: tuple[DeltaParts, ...],
                            transfers: tuple[Transfer, ...]) -> tuple[int, int, int]:
    """:func:`channel_durations` of a delta-filled channel: the first fill and the last
    write-back whole, the others the durations of their deltas."""
    leaving = transfers[0].channel == "writeback"
    operand, outputs = transfers[0].operand, transfers[0].outputs
    _, first, last = channel_durations(groups, qs, side_insts, transfers)
    total = last if leaving else first
    for carry in carries(interleave, len(groups)):
        per_factor = [_transition_sets(g, c, tuple(dparts[f] for dparts in side_dparts),
                                       operand, outputs, leaving)
                      for f, (g, c) in enumerate(zip(groups, carry, strict=True))]
        for combo in itertools.product(*per_factor):
            longest = 0
            for side, transfer in enumerate(transfers):
                rows = _outer([sets[side] for sets, _ in combo])
                _, tx, _ = transfer.count(as_whole_rows(rows, outputs, leaving))
                longest = max(longest, int(tx.max(initial=0)))
            total += math.prod(c for _, c in combo) * longest
    return total, first, last
