"""Evaluating many loop orders of one skeleton at once.

Per order, NumPy computes the keys of every counting component (which permutation each factor's
loops take, how many of them lie in each fill prefix); each distinct key is then evaluated once,
by the same memoized components that ``ripple.model.evaluate`` uses, and gathered back. The
numbers are therefore those of ``ripple evaluate`` (tests sample and compare), at a cost per
order of a few array operations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ripple.arch.spec import Architecture
from ripple.dse.skeleton import Skeleton
from ripple.mapping.nest import bind
from ripple.model.capacity import check_output_replication
from ripple.model.components import (
    Transfer,
    busiest_port,
    channel_durations,
    side_totals,
    tile_words,
)
from ripple.model.evaluate import mac_counts
from ripple.model.factors import FACTOR_NAMES, FactorLoop, FactorSpec, NestKind
from ripple.model.groups import FactorGroups
from ripple.model.links import Link, instance_loops, operand_links
from ripple.model.nestview import NestFactors, factor_groups
from ripple.model.relevance import is_relevant
from ripple.workload.layer import OPERANDS, Layer

IntArray = NDArray[np.int64]


def unique_inverse(keys: IntArray) -> tuple[IntArray, IntArray]:
    """Row indices of the distinct rows of ``keys`` (B, k) and, per row, its distinct index.

    A sort-based version: NumPy's own unique takes a much slower path on some int64 inputs."""
    order = np.lexsort(keys.T[::-1]) if keys.shape[1] else np.arange(len(keys))
    ordered = keys[order]
    new = np.r_[True, (ordered[1:] != ordered[:-1]).any(axis=1)] if len(keys) else np.zeros(0, bool)
    group = np.cumsum(new) - 1
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = group
    return order[new], inverse


@dataclass
class BatchColumns:
    """Per order: the numbers of ``ripple evaluate`` as columns."""

    energy_pj: NDArray[np.float64]
    latency: dict[str, IntArray]  # compute, stall, fill, drain, total
    accesses: dict[tuple[str, str], dict[str, IntArray]]  # (memory, operand) -> reads, writes...
    tiles: dict[tuple[str, str], IntArray]  # (memory, operand) -> largest tile, words
    valid: NDArray[np.bool_]
    reason: list[str]
    macs_issued: int
    macs_valid: int
    extras: dict[str, IntArray] = field(default_factory=dict)


class SkeletonBatch:
    """Everything about one skeleton that does not depend on the order of its loops."""

    def __init__(self, layer: Layer, arch: Architecture, skeleton: Skeleton):
        self.layer, self.arch, self.skeleton = layer, arch, skeleton
        loops = skeleton.loops
        self.n = len(loops)
        nest = bind(layer, arch, skeleton.mapping(arch, np.arange(self.n)), source="exploration")
        check_output_replication(nest)
        self.nest = nest
        self.macs_issued, self.macs_valid = mac_counts(nest)
        self.kind = NestKind(layer, nest.index, nest.boundary, nest.skip_padding)
        view = NestFactors.of(nest)
        self.spatial_of = view.spatial
        # each factor's temporal loops, as skeleton loop indices
        self.factor_loops = [list(pos) for pos in view.positions]  # identity order: pos == index
        self.spatial_loops = [
            tuple(FactorLoop(nest.spatial[j].dim, nest.spatial[j].size, nest.spatial[j].array_dim)
                  for j in sp) for sp in view.spatial]
        self._groups: list[dict[int, FactorGroups]] = [{} for _ in FACTOR_NAMES]
        self.links = {op: operand_links(nest, op) for op in OPERANDS}
        self.relevant = {op: np.array([is_relevant(nest.index, op, d) for d, _ in loops],
                                      dtype=bool) for op in OPERANDS}
        self.level_of = np.array(skeleton.level_of, dtype=np.int64)

    # ----- keys per order --------------------------------------------------------------
    def _insts(self, instances: frozenset[int]) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(i for i, j in enumerate(sp) if j in instances) for sp in self.spatial_of)

    def _factor_ids(self, pos_of: IntArray) -> tuple[IntArray, list[IntArray]]:
        """Per order and factor, an id of the permutation its loops take, and the sorted
        positions of its loops (for counting how many fall in a prefix)."""
        ids = np.zeros((len(pos_of), len(FACTOR_NAMES)), dtype=np.int64)
        sorted_positions = []
        for f, loops in enumerate(self.factor_loops):
            positions = pos_of[:, loops]
            perm = np.argsort(positions, axis=1, kind="stable")
            code = np.zeros(len(pos_of), dtype=np.int64)
            for column in range(perm.shape[1]):
                code = code * max(len(loops), 1) + perm[:, column]
            ids[:, f] = code
            sorted_positions.append(np.sort(positions, axis=1))
            for value in np.unique(code):
                if value not in self._groups[f]:
                    row = perm[np.flatnonzero(code == value)[0]]
                    temporal = tuple(FactorLoop(*self.skeleton.loops[loops[i]]) for i in row)
                    spec = FactorSpec(FACTOR_NAMES[f], temporal + self.spatial_loops[f])
                    self._groups[f][int(value)] = factor_groups(self.kind, spec)
        return ids, sorted_positions

    def _prefix(self, link: Link, pos_of: IntArray) -> IntArray:
        """Per order, the fill prefix ``r`` of a link (docs/accesses.md)."""
        if link.child is None:
            if link.operand == "O" or link.operand not in self.arch.mac.latch:
                return np.full(len(pos_of), self.n, dtype=np.int64)
            cut = self.n
        else:
            child_level = next(lvl for lvl, m in self.arch.chain(link.operand) if m is link.child)
            cut = int((self.level_of < child_level).sum())
        # the first `cut` positions hold exactly the loops of the levels above the child
        masked = np.where(self.relevant[link.operand][None, :] & (pos_of < cut), pos_of, -1)
        return masked.max(axis=1, initial=-1) + 1

    @staticmethod
    def _qs(sorted_positions: list[IntArray], prefix: IntArray) -> IntArray:
        return np.stack([(s < prefix[:, None]).sum(axis=1) for s in sorted_positions], axis=1)

    def _groups_of(self, ids_row: IntArray) -> tuple[FactorGroups, ...]:
        return tuple(self._groups[f][int(v)] for f, v in enumerate(ids_row))

    def _per_key(self, ids: IntArray, qs_list: list[IntArray], compute: Callable) -> IntArray:
        """Evaluate ``compute(groups, qs...)`` once per distinct (factor ids, qs...) row and
        gather the results per order."""
        first, inverse = unique_inverse(np.concatenate([ids, *qs_list], axis=1))
        values = [compute(self._groups_of(ids[i]), *(tuple(int(q) for q in qs[i])
                                                      for qs in qs_list)) for i in first]
        return np.array(values, dtype=np.int64)[inverse]

    # ----- evaluation ------------------------------------------------------------------
    def evaluate(self, orders: IntArray) -> BatchColumns:
        orders = np.asarray(orders, dtype=np.int64)
        batch = len(orders)
        pos_of = np.empty_like(orders)
        np.put_along_axis(pos_of, orders, np.arange(self.n)[None, :], axis=1)
        ids, sorted_positions = self._factor_ids(pos_of)
        precision, elide = self.layer.precision, self.arch.mac.first_read_elision
        accesses: dict[tuple[str, str], dict[str, IntArray]] = defaultdict(
            lambda: {k: np.zeros(batch, dtype=np.int64)
                     for k in ("reads", "writes", "final_writes", "read_bits", "write_bits")})
        for memory in (m for lvl in self.arch.levels for m in lvl.memories):
            for op in memory.operands:
                accesses[(memory.name, op)]  # every memory and operand appears, as in evaluate
        fill_by_operand = {op: np.zeros(batch, dtype=np.int64) for op in OPERANDS}
        drain = np.zeros(batch, dtype=np.int64)
        refill = np.zeros(batch, dtype=np.int64)
        port_parts: dict[tuple, list] = defaultdict(list)
        port_insts: dict[tuple, tuple] = {}
        prefixes: dict[int, IntArray] = {}
        for operand in OPERANDS:
            for link in self.links[operand]:
                prefix = self._prefix(link, pos_of)
                qs = self._qs(sorted_positions, prefix)
                if link.child is not None:
                    prefixes[(link.child.name, operand)] = prefix
                for channel, sides in link.channels():
                    transfers = []
                    for side in sides:
                        assert side.memory is not None
                        transfer = Transfer(operand, channel, side.bandwidth, precision, elide)
                        transfers.append(transfer)
                        insts = self._insts(side.instances)
                        totals = self._per_key(
                            ids, [qs], lambda g, q, i=insts, t=transfer: side_totals(g, q, i, t))
                        acc = accesses[(side.memory.name, operand)]
                        if side.direction == "read":
                            acc["reads"] += totals[:, 0]
                            acc["read_bits"] += totals[:, 1]
                        else:
                            acc["writes"] += totals[:, 0]
                            acc["write_bits"] += totals[:, 1]
                            acc["final_writes"] += totals[:, 2]
                        port = side.memory.port(operand, side.direction)
                        port_parts[port].append((qs, transfer))
                        port_insts[port] = insts
                    if link.child is None:
                        continue
                    side_insts = tuple(self._insts(s.instances) for s in sides)
                    times = self._per_key(
                        ids, [qs], lambda g, q, si=side_insts, ts=tuple(transfers):
                            channel_durations(g, q, si, ts))
                    edge = times[:, 1] if channel == "fill" else times[:, 2]
                    if channel == "fill":
                        fill_by_operand[operand] += edge
                    else:
                        drain += edge
                    if not link.child.double_buffered:
                        refill += times[:, 0] - edge
        compute = np.ones(batch, dtype=np.int64)
        for f in range(len(FACTOR_NAMES)):
            steps = {v: g.issued_steps for v, g in self._groups[f].items()}
            compute *= np.array([steps[int(v)] for v in ids[:, f]], dtype=np.int64)
        fill = np.max(np.stack(list(fill_by_operand.values())), axis=0)
        otherwise = fill + compute + refill + drain
        busiest = np.zeros(batch, dtype=np.int64)
        for port, parts in port_parts.items():
            transfers = [t for _, t in parts]
            busiest = np.maximum(busiest, self._per_key(
                ids, [qs for qs, _ in parts],
                lambda g, *qs_parts, ts=transfers, i=port_insts[port]: busiest_port(
                    g, tuple(zip(qs_parts, ts, strict=True)), i)))
        stall = refill + np.maximum(0, busiest - otherwise)
        total = compute + stall + fill + drain
        tiles, valid, reason = self._capacity(ids, sorted_positions, prefixes, batch)
        energy = np.full(batch, self.macs_issued * self.arch.mac.energy_pj, dtype=np.float64)
        for (name, _), acc in accesses.items():
            memory = self.arch.memory(name)
            per_bit = memory.energy_per == "bit"
            energy += (acc["read_bits"] if per_bit else acc["reads"]) * memory.read_energy_pj
            energy += (acc["write_bits"] if per_bit else acc["writes"]) * memory.write_energy_pj
        return BatchColumns(
            energy_pj=energy,
            latency={"compute": compute, "stall": stall, "fill": fill, "drain": drain,
                     "total": total},
            accesses=dict(accesses), tiles=tiles, valid=valid, reason=reason,
            macs_issued=self.macs_issued, macs_valid=self.macs_valid)

    def _capacity(self, ids: IntArray, sorted_positions: list[IntArray],
                  prefixes: dict, batch: int) -> tuple[dict, NDArray[np.bool_], list[str]]:
        """Largest tile per memory and operand, and whether every memory holds its tiles."""
        p = self.layer.precision
        bits = {"I": p.I, "W": p.W, "O": max(p.O, p.O_final)}
        tiles: dict[tuple[str, str], IntArray] = {}
        need: dict[str, IntArray] = defaultdict(lambda: np.zeros(batch, dtype=np.int64))
        for operand in OPERANDS:
            for position, (_, memory) in enumerate(self.arch.chain(operand)):
                if position == 0:  # the outermost memory holds everything
                    prefix = np.zeros(batch, dtype=np.int64)
                else:
                    prefix = prefixes[(memory.name, operand)]
                qs = self._qs(sorted_positions, prefix)
                insts = self._insts(instance_loops(self.nest, memory))
                words = self._per_key(
                    ids, [qs], lambda g, q, i=insts, op=operand: tile_words(g, q, i, op))
                tiles[(memory.name, operand)] = words
                need[memory.name] += words * bits[operand]
        valid = np.ones(batch, dtype=bool)
        reason = [""] * batch
        for name, bits_needed in need.items():
            memory = self.arch.memory(name)
            if memory.capacity_bits is None:
                continue
            copies = 2 if memory.double_buffered else 1
            over = copies * bits_needed > memory.capacity_bits
            for b in np.flatnonzero(over & valid):
                reason[b] = (f"memory {name!r} needs {int(copies * bits_needed[b])} bits, "
                             f"capacity {memory.capacity_bits}")
            valid &= ~over
        return tiles, valid, reason

