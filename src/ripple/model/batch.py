"""Counting many loop orders of one skeleton at once; ``evaluate`` is a batch of one.

Per order, NumPy computes the keys of every counting component (which permutation each factor's
loops take, how many of them lie in each fill prefix); each distinct key is then evaluated once
by the memoized components (``model/components.py``) and gathered back per order. Accesses sum
the sides of every link's channels (docs/accesses.md); latency follows docs/timing.md:
single-buffered memories wait for every refill, double-buffered ones overlap it and stall only
when a port instance's total traffic exceeds the time the layer otherwise takes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from ripple.arch.spec import Architecture
from ripple.mapping.nest import LoopNest, bind
from ripple.mapping.skeleton import Skeleton
from ripple.model.capacity import (
    check_output_replication,
    holds_final_outputs,
    overflow,
    word_bits,
)
from ripple.model.components import (
    PortPart,
    Transfer,
    busiest_port,
    channel_durations,
    delta_channel_durations,
    fullest_instance_bits,
    side_totals,
    tile_words,
)
from ripple.model.factors import FACTOR_NAMES, FactorLoop, FactorSpec
from ripple.model.groups import FactorGroups
from ripple.model.links import Link, Side, instance_loops, operand_links
from ripple.model.macs import mac_counts
from ripple.model.nestview import NestFactors, factor_groups, nest_kind
from ripple.model.relevance import is_relevant
from ripple.workload.layer import OPERANDS, Layer

IntArray = NDArray[np.int64]
Port = tuple[str, str, str]
ACCESS_KEYS = ("reads", "writes", "final_writes", "read_bits", "write_bits", "read_granules",
               "write_granules")


def unique_inverse(keys: IntArray) -> tuple[IntArray, IntArray]:
    """Row indices of the distinct rows of ``keys`` (B, k) and, per row, its distinct index.

    Sort-based: NumPy's own unique takes a much slower path on some int64 inputs."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.lexsort(keys.T[::-1]) if keys.shape[1] else np.arange(len(keys))
    ordered = keys[order]
    new = np.ones(len(ordered), dtype=bool)
    new[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return order[new], inverse


@dataclass(frozen=True)
class _SideKeys:
    """One side of a channel: what it moves, how it splits, and the keys of its counts."""

    side: Side
    transfer: Transfer
    insts: tuple
    dparts: tuple | None
    keys: list[IntArray]


@dataclass
class BatchColumns:
    """Per order, the counts of ``ripple evaluate`` as columns."""

    energy_pj: NDArray[np.float64]
    latency: dict[str, IntArray]  # compute, stall, fill, drain, total
    accesses: dict[tuple[str, str], dict[str, IntArray]]  # (memory, operand) -> ACCESS_KEYS
    ports: dict[Port, IntArray]  # transactions through each port at its busiest instance
    tiles: dict[tuple[str, str], IntArray]  # (memory, operand) -> largest tile, words
    valid: NDArray[np.bool_]
    reason: list[str]
    macs_issued: int
    macs_valid: int


class SkeletonBatch:
    """Everything about one skeleton that does not depend on the order of its loops."""

    def __init__(self, nest: LoopNest, skeleton: Skeleton):
        check_output_replication(nest)
        self.nest, self.skeleton = nest, skeleton
        self.layer, self.arch = nest.layer, nest.arch
        loops = skeleton.loops
        self.n = len(loops)
        self.macs_issued, self.macs_valid = mac_counts(nest)
        self.kind = nest_kind(nest)
        self.view = view = NestFactors.of(nest)
        self.spatial_of = view.spatial
        self.factor_loops = [list(pos) for pos in view.positions]  # identity order
        self.factor_of_loop = np.zeros(self.n, dtype=np.int64)
        for f, members in enumerate(self.factor_loops):
            self.factor_of_loop[members] = f
        self.spatial_loops = [
            tuple(FactorLoop(nest.spatial[j].dim, nest.spatial[j].size, nest.spatial[j].array_dim)
                  for j in sp) for sp in view.spatial]
        self._groups: list[dict[int, FactorGroups]] = [{} for _ in FACTOR_NAMES]
        self.links = {op: operand_links(nest, op) for op in OPERANDS}
        self.relevant = {op: np.array([is_relevant(nest.index, op, d) for d, _ in loops],
                                      dtype=bool) for op in OPERANDS}

    @property
    def interleaved(self) -> bool:
        """Whether a link fills by deltas: its counts depend on how the factors interleave."""
        return any(link.delta for links in self.links.values() for link in links)

    @classmethod
    def of(cls, layer: Layer, arch: Architecture, skeleton: Skeleton) -> SkeletonBatch:
        nest = bind(layer, arch, skeleton.mapping(arch, np.arange(len(skeleton.loops))),
                    source="exploration")
        return cls(nest, skeleton)

    @classmethod
    def of_nest(cls, nest: LoopNest) -> SkeletonBatch:
        """The batch of a bound nest, whose own order is the identity."""
        levels = tuple(tuple((lp.dim, lp.size) for lp in nest.temporal if lp.level == i)
                       for i in range(len(nest.arch.levels)))
        spatial = tuple((lp.dim, lp.size, lp.array_dim or "") for lp in nest.spatial)
        return cls(nest, Skeleton(nest.index, nest.boundary, nest.skip_padding, spatial, levels))

    # ----- keys per order --------------------------------------------------------------
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

    def _prefix(self, operand: str, cut: int, pos_of: IntArray) -> IntArray:
        """Per order, the fill prefix ``r`` of a child with ``cut`` loops above it: one past
        the innermost relevant loop among them. Cuts are positions, so they hold for every
        order of the skeleton (its orders permute loops within a level, and cuts other than
        the levels' come from bound nests, whose one order is their own)."""
        masked = np.where(self.relevant[operand][None, :] & (pos_of < cut), pos_of, -1)
        return masked.max(axis=1, initial=-1) + 1

    def _link_prefix(self, link: Link, pos_of: IntArray) -> IntArray:
        if link.child is None and (link.operand == "O" or link.operand not in self.arch.mac.latch):
            return np.full(len(pos_of), self.n, dtype=np.int64)  # every step fills the MACs
        return self._prefix(link.operand, link.cut, pos_of)

    @staticmethod
    def _qs(sorted_positions: list[IntArray], prefix: IntArray) -> IntArray:
        return np.stack([(s < prefix[:, None]).sum(axis=1) for s in sorted_positions], axis=1)

    def _per_key(self, ids: IntArray, qs_list: list[IntArray], compute: Callable) -> IntArray:
        """Evaluate ``compute(groups, qs...)`` once per distinct (factor ids, qs...) row and
        gather the results per order."""
        first, inverse = unique_inverse(np.concatenate([ids, *qs_list], axis=1))
        groups = self._groups
        rows = [[tuple(row) for row in qs[first].tolist()] for qs in qs_list]  # Python ints
        values = [compute(tuple(groups[f][v] for f, v in enumerate(row)),
                          *(per_qs[k] for per_qs in rows))
                  for k, row in enumerate(ids[first].tolist())]
        return np.array(values, dtype=np.int64)[inverse]

    def _positions(self, orders: IntArray) -> IntArray:
        pos_of = np.empty_like(orders)
        np.put_along_axis(pos_of, orders, np.arange(self.n)[None, :], axis=1)
        return pos_of

    def _interleave(self, orders: IntArray, prefix: IntArray) -> IntArray:
        """Per order, the factor of each loop of the prefix (-1 past it): what fixes where a
        delta fill's carries fall among each factor's loops."""
        factors = self.factor_of_loop[orders]
        return np.where(np.arange(self.n)[None, :] < prefix[:, None], factors, -1)

    @staticmethod
    def _carried(interleave: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(f for f in interleave if f >= 0)

    def _port_part(self, qs: tuple[int, ...], extra: tuple[tuple[int, ...], ...],
                   transfer: Transfer, insts: tuple, dparts: tuple | None) -> PortPart:
        """A side's fills. ``extra`` is empty for whole fills; for a delta fill it holds the
        interleave of the prefix's factors; for the MACs under ``per_fill``, how many of each
        factor's loops lie in the prefix of the fills that restart first accumulations."""
        if not extra:
            return PortPart(qs, transfer, insts)
        if dparts is None:
            return PortPart(qs, transfer, tuple(replace(part, first_within=within)
                                                for part, within in zip(insts, extra[0],
                                                                        strict=True)))
        return PortPart(qs, transfer, insts, self._carried(extra[0]), dparts)

    def _port_parts(self, values: tuple, parts: list) -> tuple[PortPart, ...]:
        """The port's parts from the flat key values of :meth:`_per_key`."""
        out, at = [], 0
        for keys, transfer, insts, dparts in parts:
            mine = values[at:at + len(keys)]
            at += len(keys)
            out.append(self._port_part(mine[0], mine[1:], transfer, insts, dparts))
        return tuple(out)

    # ----- tiles -----------------------------------------------------------------------
    def capacity(self, orders: IntArray) -> tuple[dict[tuple[str, str], IntArray],
                                                  dict[str, IntArray]]:
        """Per order, the largest tile (words) of every memory and operand, and the bits each
        memory's fullest instance holds (one tile of each operand: :meth:`_needs`)."""
        orders = np.asarray(orders, dtype=np.int64)
        pos_of = self._positions(orders)
        return self._capacity(pos_of, *self._factor_ids(pos_of))

    def _capacity(self, pos_of: IntArray, ids: IntArray, sorted_positions: list[IntArray]
                  ) -> tuple[dict[tuple[str, str], IntArray], dict[str, IntArray]]:
        prefixes = self._tile_prefixes(pos_of)
        return (self._tiles(ids, sorted_positions, prefixes),
                self._needs(ids, sorted_positions, prefixes))

    def _tile_prefixes(self, pos_of: IntArray) -> dict[tuple[str, str], IntArray]:
        """Per memory and operand, per order, the prefix of the fills of its tiles."""
        prefixes = {}
        for operand in OPERANDS:
            for position, residence in enumerate(self.nest.chain(operand)):
                if position == 0:  # the outermost memory is never refilled: it holds it all
                    prefix = np.zeros(len(pos_of), dtype=np.int64)
                else:
                    prefix = self._prefix(operand, residence.cut, pos_of)
                prefixes[(residence.memory.name, operand)] = prefix
        return prefixes

    def _tiles(self, ids: IntArray, sorted_positions: list[IntArray],
               prefixes: dict[tuple[str, str], IntArray]) -> dict[tuple[str, str], IntArray]:
        tiles = {}
        for (name, operand), prefix in prefixes.items():
            insts = self.view.insts(instance_loops(self.nest, self.arch.memory(name)))
            tiles[(name, operand)] = self._per_key(
                ids, [self._qs(sorted_positions, prefix)],
                lambda g, q, i=insts, op=operand: tile_words(g, q, i, op))
        return tiles

    def overflowing(self, orders: IntArray, memories: set[str]) -> NDArray[np.bool_]:
        """Per order, whether one of ``memories`` cannot hold its tiles: what a placement
        checks level by level, without the tiles' words that only the messages need."""
        orders = np.asarray(orders, dtype=np.int64)
        pos_of = self._positions(orders)
        needs = self._needs(*self._factor_ids(pos_of), self._tile_prefixes(pos_of), memories)
        return self._overflowing(needs, len(orders))

    def _needs(self, ids: IntArray, sorted_positions: list[IntArray],
               prefixes: dict[tuple[str, str], IntArray], memories: set[str] | None = None
               ) -> dict[str, IntArray]:
        """Per memory of bounded capacity (of ``memories``), per order, the bits its fullest
        instance holds: the largest tile of each operand at that instance, summed over the
        operands."""
        held: dict[str, list[str]] = defaultdict(list)
        for name, operand in prefixes:
            if memories is None or name in memories:
                held[name].append(operand)
        needs = {}
        for name, operands in held.items():
            memory = self.arch.memory(name)
            if memory.capacity_bits is None:
                continue
            bits = word_bits(self.layer.precision, self._final_outputs(name))
            insts = self.view.insts(instance_loops(self.nest, memory))
            needs[name] = self._per_key(
                ids, [self._qs(sorted_positions, prefixes[(name, op)]) for op in operands],
                lambda g, *qs, i=insts, ops=tuple(operands), b=bits: fullest_instance_bits(
                    g, [(q, op, b[op]) for q, op in zip(qs, ops, strict=True)], i))
        return needs

    def _overflowing(self, needs: dict[str, IntArray], batch: int) -> NDArray[np.bool_]:
        """Per order, whether some memory cannot hold its tiles (messages: ``overflows``)."""
        over = np.zeros(batch, dtype=bool)
        for name, bits_needed in needs.items():
            memory = self.arch.memory(name)
            assert memory.capacity_bits is not None, "needs are kept for bounded memories"
            copies = 2 if memory.double_buffered else 1
            over |= copies * bits_needed > memory.capacity_bits
        return over

    def _final_outputs(self, name: str) -> bool:
        return holds_final_outputs(self.nest, self.arch.memory(name))

    def overflows(self, tiles: dict[tuple[str, str], IntArray], needs: dict[str, IntArray],
                  row: int, memories: set[str] | None = None) -> list[str]:
        """Why the order in ``row`` does not fit (one message per overflowing memory)."""
        per_memory: dict[str, dict] = defaultdict(dict)
        for (name, op), words in tiles.items():
            per_memory[name][op] = int(words[row])
        messages = []
        for name, need in needs.items():
            if memories is None or name in memories:
                message = overflow(self.arch.memory(name), per_memory[name], int(need[row]),
                                   self.layer.precision, self._final_outputs(name))
                if message:
                    messages.append(message)
        return messages

    # ----- evaluation ------------------------------------------------------------------
    def _channels(self, orders: IntArray, pos_of: IntArray, sorted_positions: list[IntArray]
                  ) -> Iterator[tuple[str, Link, str, list[IntArray], list[_SideKeys]]]:
        """Per channel of every link: its operand, link, name and keys, and its sides with
        the keys each side's counts depend on."""
        precision = self.layer.precision
        for operand in OPERANDS:
            for link in self.links[operand]:
                prefix = self._link_prefix(link, pos_of)
                qs = self._qs(sorted_positions, prefix)
                keys = [qs, self._interleave(orders, prefix)] if link.delta else [qs]
                for channel, sides in link.channels():
                    described = []
                    for side in sides:
                        assert side.memory is not None
                        side_keys = keys
                        if side.residency is not None:  # per_fill: the parent's fills, per order
                            side_keys = [qs, self._qs(sorted_positions, self._prefix(
                                operand, side.residency, pos_of))]
                        described.append(_SideKeys(
                            side, link.transfer(channel, side, precision), self.view.parts(side),
                            self.view.delta_parts(side) if link.delta else None, side_keys))
                    yield operand, link, channel, keys, described

    def _count_side(self, ids: IntArray, operand: str, s: _SideKeys,
                    accesses: dict[tuple[str, str], dict[str, IntArray]]) -> None:
        """Add one side's transactions and bits (and granules) over all its fills."""
        side, transfer, insts, dparts = s.side, s.transfer, s.insts, s.dparts
        assert side.memory is not None
        whole = len(s.keys) == 1 and dparts is None
        totals = self._per_key(ids, s.keys, self._side_totals(transfer, insts, dparts, whole))
        acc = accesses[(side.memory.name, operand)]
        if side.granule is not None:
            narrow = replace(transfer, bandwidth=side.granule)
            acc[f"{side.direction}_granules"] += self._per_key(
                ids, s.keys, self._side_totals(narrow, insts, dparts, whole))[:, 0]
        if side.direction == "read":
            acc["reads"] += totals[:, 0]
            acc["read_bits"] += totals[:, 1]
        else:
            acc["writes"] += totals[:, 0]
            acc["write_bits"] += totals[:, 1]
            acc["final_writes"] += totals[:, 2]

    def _side_totals(self, transfer: Transfer, insts: tuple, dparts: tuple | None,
                     whole: bool) -> Callable[..., tuple[int, int, int]]:
        """What :meth:`_per_key` computes per key for one side: its totals over its fills;
        ``whole`` (keyed by ``qs`` alone, no delta): straight from the memoized component,
        the hot path of the floors."""
        if whole:
            return lambda groups, qs: side_totals(groups, qs, insts, transfer)
        return lambda groups, qs, *extra: self._port_part(qs, extra, transfer, insts,
                                                          dparts).totals(groups)

    def _no_accesses(self, batch: int) -> dict[tuple[str, str], dict[str, IntArray]]:
        return {(m.name, op): {k: np.zeros(batch, dtype=np.int64) for k in ACCESS_KEYS}
                for lvl in self.arch.levels for m in lvl.memories for op in m.operands}

    def _compute(self, ids: IntArray) -> IntArray:
        """Per order, the steps the MACs issue (the product of each factor's)."""
        compute = np.ones(len(ids), dtype=np.int64)
        for f in range(len(FACTOR_NAMES)):
            steps = {v: g.issued_steps for v, g in self._groups[f].items()}
            compute *= np.array([steps[int(v)] for v in ids[:, f]], dtype=np.int64)
        return compute

    def _energy(self, accesses: dict[tuple[str, str], dict[str, IntArray]], batch: int,
                macs: bool = True) -> NDArray[np.float64]:
        energy = np.full(batch, self.macs_issued * self.arch.mac.energy_pj if macs else 0.0,
                         dtype=np.float64)
        for (name, _), acc in accesses.items():
            memory = self.arch.memory(name)
            per_bit = memory.energy_per == "bit"
            for direction, energy_pj in (("read", memory.read_energy_pj),
                                         ("write", memory.write_energy_pj)):
                energy += energy_pj * (acc[f"{direction}_bits"] if per_bit else
                                       memory.energy_units(direction, acc[f"{direction}s"],
                                                           acc[f"{direction}_granules"]))
        return energy

    def counted_above(self, memories: frozenset[str]) -> int:
        """The nest position above which every count of ``memories``' sides is decided: one
        past the deepest loop any of their links' fills depend on (the whole nest when one
        feeds the MACs). Loops below it may take any order: those counts stay the same."""
        cuts = [self.n if link.child is None else link.cut
                for links in self.links.values() for link in links
                if link.parent.name in memories
                or (link.child is not None and link.child.name in memories)]
        return max(cuts, default=0)

    def floors(self, orders: IntArray, energy: bool = True,
               memories: frozenset[str] | None = None, dense_only: bool = False
               ) -> tuple[NDArray[np.float64] | None, IntArray]:
        """Per order, its energy (exactly :meth:`evaluate`'s, valid or not; None unless
        ``energy``) and its compute steps, a floor of its latency (stall, fill and drain are
        never negative). What the search bounds mappings by, without the latency, ports and
        tiles that make most of an evaluation's time (docs/exploration.md). With
        ``memories``, the energy counts only their accesses (and the MACs'): a floor still.
        ``dense_only``: only what zero operands cannot change (:meth:`_unchanged`), a floor of
        the expected sparse energy, whose MACs count nothing."""
        orders = np.asarray(orders, dtype=np.int64)
        pos_of = self._positions(orders)
        ids, sorted_positions = self._factor_ids(pos_of)
        if not energy:
            return None, self._compute(ids)
        accesses = self._no_accesses(len(orders))
        for operand, link, _, _, described in self._channels(orders, pos_of, sorted_positions):
            for s in described:
                if (memories is None or s.side.memory.name in memories) and (
                        not dense_only or self._unchanged(link, s.side)):
                    self._count_side(ids, operand, s, accesses)
        return self._energy(accesses, len(orders), macs=not dense_only), self._compute(ids)

    def _unchanged(self, link: Link, side: Side) -> bool:
        """Whether zero operands leave this side's counts as in the dense schedule: not a
        transfer with MACs that skip, not at a memory storing compressed tiles or skipping or
        gating transfers, not on a link whose parent does (docs/sparsity.md)."""
        skipping = self.arch.mac.sparsity is not None and self.arch.mac.sparsity.action == "skip"
        assert side.memory is not None
        return not ((link.child is None and skipping) or side.memory.formats
                    or side.memory.sparsity or link.parent.sparsity)

    def evaluate(self, orders: IntArray) -> BatchColumns:
        orders = np.asarray(orders, dtype=np.int64)
        batch = len(orders)
        pos_of = self._positions(orders)
        ids, sorted_positions = self._factor_ids(pos_of)
        accesses = self._no_accesses(batch)
        fill_by_operand = {op: np.zeros(batch, dtype=np.int64) for op in OPERANDS}
        drain = np.zeros(batch, dtype=np.int64)
        refill = np.zeros(batch, dtype=np.int64)
        port_parts: dict[Port, list] = defaultdict(list)
        for operand, link, channel, keys, described in self._channels(orders, pos_of,
                                                                      sorted_positions):
            for s in described:
                self._count_side(ids, operand, s, accesses)
                assert s.side.memory is not None
                port = s.side.memory.port(operand, s.side.direction)
                port_parts[port].append((s.keys, s.transfer, s.insts, s.dparts))
            if link.child is None:  # the MACs: their transfers overlap with the steps
                continue
            transfers = tuple(s.transfer for s in described)
            side_insts = tuple(s.insts for s in described)
            if link.delta:
                side_dparts = tuple(s.dparts for s in described)
                times = self._per_key(
                    ids, keys, lambda g, q, inter, si=side_insts, sd=side_dparts,
                    ts=transfers: delta_channel_durations(
                        g, q, self._carried(inter), si, sd, ts))
            else:
                times = self._per_key(
                    ids, keys, lambda g, q, si=side_insts, ts=transfers:
                        channel_durations(g, q, si, ts))
            edge = times[:, 1] if channel == "fill" else times[:, 2]
            if channel == "fill":
                fill_by_operand[operand] += edge
            else:
                drain += edge
            if not link.child.double_buffered:
                refill += times[:, 0] - edge
        compute = self._compute(ids)
        fill = np.max(np.stack(list(fill_by_operand.values())), axis=0)
        ports = {port: self._per_key(
                     ids, [key for keys, _, _, _ in parts for key in keys],
                     lambda g, *values, ps=parts: busiest_port(g, self._port_parts(values, ps)))
                 for port, parts in port_parts.items()}
        busiest = np.max(np.stack(list(ports.values())), axis=0)
        otherwise = fill + compute + refill + drain
        stall = refill + np.maximum(0, busiest - otherwise)
        tiles, needs = self._capacity(pos_of, ids, sorted_positions)
        reason = [""] * batch
        for row in np.flatnonzero(self._overflowing(needs, batch)):
            reason[row] = "; ".join(self.overflows(tiles, needs, int(row)))
        energy = self._energy(accesses, batch)
        return BatchColumns(
            energy_pj=energy,
            latency={"compute": compute, "stall": stall, "fill": fill, "drain": drain,
                     "total": compute + stall + fill + drain},
            accesses=accesses, ports=ports, tiles=tiles,
            valid=np.array([not r for r in reason], dtype=bool), reason=reason,
            macs_issued=self.macs_issued, macs_valid=self.macs_valid)
