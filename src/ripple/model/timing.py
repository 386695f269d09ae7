"""Latency: compute, stall, fill and drain (docs/timing.md).

Transfers happen per channel of a link (fill, write-back). A transfer lasts as many cycles as the
busiest port instance on either side needs. Single-buffered memories wait for every refill;
double-buffered ones overlap it with compute and stall only when a port instance's total traffic
exceeds the time the layer otherwise takes. All sums and maxima run over histograms of per-factor
group statistics (``model/components.py``), never over steps.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ripple.mapping.nest import LoopNest
from ripple.model.components import Transfer, busiest_port, channel_durations
from ripple.model.links import operand_links
from ripple.model.nestview import NestFactors
from ripple.results.result import Latency
from ripple.workload.layer import OPERANDS

Port = tuple[str, str, str]


@dataclass(frozen=True)
class Timing:
    latency: Latency
    port_transactions: dict[Port, int]  # busiest instance of each port

    def to_dict(self) -> dict[str, object]:
        return {"port_transactions": {"/".join(p): t for p, t in self.port_transactions.items()}}


def layer_timing(nest: LoopNest, view: NestFactors) -> Timing:
    precision, elide = nest.layer.precision, nest.arch.mac.first_read_elision
    fill_by_operand = dict.fromkeys(OPERANDS, 0)
    drain = refill = 0
    port_parts: dict[Port, list] = defaultdict(list)
    port_insts: dict[Port, tuple] = {}
    for operand in OPERANDS:
        for link in operand_links(nest, operand):
            qs = view.qs(link.prefix)
            for channel, sides in link.channels():
                transfers = []
                for side in sides:
                    assert side.memory is not None
                    transfer = Transfer(operand, channel, side.bandwidth, precision, elide)
                    transfers.append(transfer)
                    port = side.memory.port(operand, side.direction)
                    port_parts[port].append((qs, transfer))
                    port_insts[port] = view.insts(side.instances)
                if link.child is None:  # the MACs: their transfers overlap with the steps
                    continue
                total, first, last = channel_durations(
                    view.groups, qs, tuple(view.insts(s.instances) for s in sides),
                    tuple(transfers))
                edge = first if channel == "fill" else last
                if channel == "fill":
                    fill_by_operand[operand] += edge
                else:
                    drain += edge
                if not link.child.double_buffered:
                    refill += total - edge
    fill = max(fill_by_operand.values())
    loads = {port: busiest_port(view.groups, tuple(parts), port_insts[port])
             for port, parts in port_parts.items()}
    compute = view.issued_steps
    otherwise = fill + compute + refill + drain
    bandwidth_stall = max(0, max(loads.values(), default=0) - otherwise)
    return Timing(Latency(compute=compute, stall=refill + bandwidth_stall, fill=fill,
                          drain=drain), loads)
