"""Latency from the executed stream: compute, stall, fill and drain (docs/timing.md).

The access pass (:mod:`ripple.sim.accesses`) hands over every transfer it counts: per link
channel (the fill, and for outputs the write-back) and per side, the transactions of each
(fill, instance) run. A transfer lasts as many cycles as the busiest port instance on either
side needs; :class:`ChannelClock` keeps the sum of these durations and the first and last one.
:class:`PortLoads` adds every transaction to the port instance that carries it over the whole
layer. :func:`layer_latency` composes the four parts from both, the way docs/timing.md states
them, without any closed form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ripple.arch import Memory
from ripple.results import Latency
from ripple.sim.tiles import join
from ripple.workload import OPERANDS, Operand

I64 = np.int64
Port = tuple[str, str, str]
Direction = Literal["read", "write"]


@dataclass(frozen=True)
class Transfer:
    """One side of one channel for a batch of completed fills: per (fill, instance) run, sorted
    by fill, its fill group, instance and transactions."""

    memory: Memory
    direction: Direction
    group: NDArray[np.int64]
    inst: NDArray[np.int64]
    transactions: NDArray[np.int64]


class ChannelClock:
    """Durations of the transfers of one channel of one link.

    A transfer's duration is the most transactions any one port instance moves in it, on either
    side. Fills arrive in order, each exactly once; the first and the last fill of the layer are
    the groups of its first and last issued step, whose tiles may be empty (duration 0), so they
    are matched by group id in :meth:`finish`."""

    def __init__(self) -> None:
        self.total = 0
        self.first = 0
        self.last = 0
        self._first_seen: tuple[int, int] | None = None
        self._last_seen: tuple[int, int] = (-1, 0)

    def add(self, sides: list[Transfer]) -> None:
        per_side = [_longest_per_fill(side) for side in sides]
        groups = per_side[0][0]  # every side covers the same fills (the same tiles)
        if groups.size == 0:
            return
        duration = np.max(np.stack([longest for _, longest in per_side]), axis=0)
        self.total += int(duration.sum())
        if self._first_seen is None:
            self._first_seen = (int(groups[0]), int(duration[0]))
        self._last_seen = (int(groups[-1]), int(duration[-1]))

    def finish(self, first_group: int | None, last_group: int | None) -> None:
        """Fix the first and last durations, given the groups of the first and last issued
        step (None: nothing was issued)."""
        if self._first_seen is not None and self._first_seen[0] == first_group:
            self.first = self._first_seen[1]
        if self._last_seen[0] == last_group:
            self.last = self._last_seen[1]


def _longest_per_fill(side: Transfer) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Per fill of ``side``: its group and the most transactions of one of its instances."""
    if side.group.size == 0:
        return side.group, side.transactions
    starts = np.flatnonzero(join(True, side.group[1:] != side.group[:-1]))
    return side.group[starts], np.maximum.reduceat(side.transactions, starts)


class PortLoads:
    """Transactions through every port instance over the whole layer (ports per
    :meth:`~ripple.arch.Memory.port`: per operand or shared, duplex or not)."""

    def __init__(self) -> None:
        self.per_instance: dict[Port, NDArray[np.int64]] = {}

    def register(self, memory: Memory, operand: Operand, direction: Direction,
                 n_inst: int) -> None:
        """Declare a port that some channel uses (it is reported even if it moves nothing)."""
        port = memory.port(operand, direction)
        if port not in self.per_instance:
            self.per_instance[port] = np.zeros(n_inst, dtype=I64)

    def add(self, operand: Operand, transfer: Transfer) -> None:
        load = self.per_instance[transfer.memory.port(operand, transfer.direction)]
        load += np.bincount(transfer.inst, weights=transfer.transactions,
                            minlength=load.size).astype(I64)

    def busiest(self) -> dict[Port, int]:
        """Per port, the total of its busiest instance."""
        return {port: int(load.max(initial=0)) for port, load in self.per_instance.items()}


@dataclass(frozen=True)
class LinkClocks:
    """The clocks of one link's channels, and what the latency rules need to know of it."""

    operand: Operand
    child: Memory | None  # None: the MACs
    fill: ChannelClock
    writeback: ChannelClock | None  # outputs only


def layer_latency(links: list[LinkClocks], loads: PortLoads, compute: int) -> Latency:
    """Compose the latency: single-buffered children wait for every transfer but the first
    fill (fill) and the last write-back (drain); operands fill in parallel, each down its chain
    link after link; the MACs' own transfers overlap with the steps; a port instance whose
    total exceeds the time the layer otherwise takes adds the excess as stall."""
    fill_by_operand = dict.fromkeys(OPERANDS, 0)
    drain = refill = 0
    for link in links:
        if link.child is None:
            continue
        fill_by_operand[link.operand] += link.fill.first
        waited = link.fill.total - link.fill.first
        if link.writeback is not None:
            drain += link.writeback.last
            waited += link.writeback.total - link.writeback.last
        if not link.child.double_buffered:
            refill += waited
    fill = max(fill_by_operand.values())
    otherwise = fill + compute + refill + drain
    busiest = max(loads.busiest().values(), default=0)
    return Latency(compute=compute, stall=refill + max(0, busiest - otherwise), fill=fill,
                   drain=drain)


def timing_extras(loads: PortLoads) -> dict[str, object]:
    """``{"port_transactions": {"memory/operand-or-*/read|write|rw": n}}``, as the model
    reports it, so that the two can be compared."""
    return {"port_transactions": {"/".join(p): n for p, n in loads.busiest().items()}}
