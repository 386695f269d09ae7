"""Latency: compute, stall, fill and drain (docs/timing.md).

Transfers happen per channel of a link (fill, write-back). A transfer lasts as many cycles as the
busiest port instance on either side needs. Single-buffered memories wait for every refill;
double-buffered ones overlap it with compute and stall only when a port instance's total traffic
exceeds the time the layer otherwise takes. All sums and maxima run over histograms of per-factor
group statistics, never over steps.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ripple.mapping.nest import LoopNest
from ripple.model.groups import combine
from ripple.model.links import Link, operand_links
from ripple.model.nestview import NestFactors
from ripple.model.transfers import Channel, Side, words_and_transactions
from ripple.results.result import Latency
from ripple.workload.layer import OPERANDS

Port = tuple[str, str, str]


@dataclass(frozen=True)
class Timing:
    latency: Latency
    port_transactions: dict[Port, int]  # busiest instance of each port

    def to_dict(self) -> dict[str, object]:
        return {"port_transactions": {"/".join(p): t for p, t in self.port_transactions.items()}}


def _outer(row_sets: Sequence[NDArray[np.int64]]) -> NDArray[np.int64]:
    """Element-wise products of every combination of one row from each set."""
    rows = row_sets[0]
    for other in row_sets[1:]:
        rows = (rows[:, None, :] * other[None, :, :]).reshape(-1, rows.shape[1])
    return rows


class _ChannelTimes:
    """Duration of each transfer of one channel: summed over groups, and the first and last."""

    def __init__(self, nest: LoopNest, view: NestFactors, link: Link, channel: Channel,
                 sides: list[Side]):
        self.link, self.channel, self.sides = link, channel, sides
        self.precision = nest.layer.precision
        self.elide = nest.arch.mac.first_read_elision
        outputs = link.operand == "O"
        per_factor = []
        for i, group in enumerate(view.groups):
            q = view.local(link.prefix)[i][0]
            specs = [view.local(0, s.instances)[i][1] for s in sides]
            per_factor.append(group.instance_sets(q, specs, link.operand, outputs))
        self.total = 0
        for combo in itertools.product(*(f.histogram for f in per_factor)):
            count = math.prod(c for _, c in combo)
            self.total += count * self._duration([sets for sets, _ in combo])
        self.first = self._duration([f.first for f in per_factor])
        self.last = self._duration([f.last for f in per_factor])

    def _duration(self, sets_per_factor: list[tuple[NDArray[np.int64], ...]]) -> int:
        longest = 0
        for i, side in enumerate(self.sides):
            rows = _outer([sets[i] for sets in sets_per_factor])
            _, tx, _ = words_and_transactions(self.link.operand, self.channel, rows,
                                              self.precision, side.bandwidth, self.elide)
            longest = max(longest, int(tx.max(initial=0)))
        return longest


def _port_loads(nest: LoopNest, view: NestFactors) -> dict[Port, int]:
    """Transactions through each port, at its busiest instance."""
    parts: dict[Port, list[tuple[Link, Channel, Side]]] = defaultdict(list)
    for operand in OPERANDS:
        for link in operand_links(nest, operand):
            for channel, sides in link.channels():
                for side in sides:
                    assert side.memory is not None
                    parts[side.memory.port(operand, side.direction)].append((link, channel, side))
    precision, elide = nest.layer.precision, nest.arch.mac.first_read_elision
    loads: dict[Port, int] = {}
    for port, users in parts.items():
        instances = users[0][2].instances  # one memory: the same instance loops for every user
        busiest = 0
        profiles = []
        for i, group in enumerate(view.groups):
            parts = [(view.local(link.prefix)[i][0], link.operand, link.operand == "O")
                     for link, _, _ in users]
            profiles.append(group.instance_profiles(parts, view.local(0, instances)[i][1]))
        for combo in itertools.product(*profiles):
            total = 0
            for i, (link, channel, side) in enumerate(users):
                rows, counts = combine(profile[i] for profile in combo)
                _, tx, _ = words_and_transactions(link.operand, channel, rows, precision,
                                                  side.bandwidth, elide)
                total += int(tx @ counts)
            busiest = max(busiest, total)
        loads[port] = busiest
    return loads


def layer_timing(nest: LoopNest, view: NestFactors) -> Timing:
    compute = view.issued_steps
    fill_by_operand = dict.fromkeys(OPERANDS, 0)
    drain = refill = 0
    for operand in OPERANDS:
        for link in operand_links(nest, operand):
            if link.child is None:  # the MACs: their transfers overlap with the steps
                continue
            for channel, sides in link.channels():
                times = _ChannelTimes(nest, view, link, channel, sides)
                edge = times.first if channel == "fill" else times.last
                if channel == "fill":
                    fill_by_operand[operand] += edge
                else:
                    drain += edge
                if not link.child.double_buffered:
                    refill += times.total - edge
    fill = max(fill_by_operand.values())
    loads = _port_loads(nest, view)
    otherwise = fill + compute + refill + drain
    bandwidth_stall = max(0, max(loads.values(), default=0) - otherwise)
    return Timing(Latency(compute=compute, stall=refill + bandwidth_stall, fill=fill,
                          drain=drain), loads)
