"""The event simulation: tiles placed in priority order at the earliest cycle their data allows.

A tile starts once (1) every producer row it reads is final, (2) those rows have arrived over
the links when they were produced on another core, (3) its weights have arrived from the
off-chip memory, and (4) its unit is free for the tile's whole duration. When rows are final:

- ``layer``: when the producer's whole layer has finished (on every core);
- ``fused``: when the producer tile holding them has finished (Stream's tile granularity);
- ``event``: at the row's own readiness from the single-core model: an event-driven producer
  finalises rows while it runs, so a consumer on another core starts before it ends.

Data moves once per core: rows a core already received are not sent again; weights are fetched
once per (layer, core, channel share), booked before the tile's other transfers and timed to
arrive when the first tile using them could start once its producers are final (no earlier
prefetch: they would occupy the buffer longer); the network input comes from the off-chip
memory. Outputs of the network's last nodes are written back.

Resources with busy intervals: each core's MAC array (MAC tiles), each core's post-processing
unit (MAC-free operations: ReLU or pooling of finished rows overlaps with the next MAC tile;
the two share the home memory's ports, which is not modelled), the links and the off-chip
port. A transfer holds every link on its route (:mod:`.routes`), and the off-chip port when it
is an endpoint, for ``bits / bandwidth`` cycles, bandwidth being the route's bottleneck.

Spilling (``spill=True``, chosen by :mod:`.run` when a schedule would overflow a core's
buffers): every tile's output is evicted to the off-chip memory when the tile ends and every
tile refetches what it reads from there (timed like weights, to arrive when it could start),
and weights and network input are fetched per tile; a core then holds little more than the
tiles it runs. The evictions and refetches cost the links and the off-chip port like any transfer.

Sparsity hook: :func:`payload_bits` is the one place that says how many bits an activation
transfer carries; with a sparsity model, only nonzero activations (and their metadata) travel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ripple.multicore.costs import CostModel, TileCost, access_energy, weight_bits
from ripple.multicore.regions import FeatureMap, Range, output_map
from ripple.multicore.routes import Route
from ripple.multicore.spec import Multicore
from ripple.multicore.tiles import Mode, Read, Tile, TileGraph
from ripple.multicore.timeline import Timeline, earliest_together
from ripple.workload.layer import Layer, Operand
from ripple.workload.network import Workload

What = Literal["weights", "input", "activations", "output", "evict", "refetch"]
#: Suffix of a core's post-processing unit, where MAC-free operations run.
POST = "/post"


@dataclass(frozen=True)
class TileRun:
    """A placed tile. ``row_final[r]``: the cycle at which its output row ``rows[0] + r``
    counts as final for consumers (the mode's rule)."""

    tile: Tile
    start: int
    end: int
    row_final: tuple[int, ...]
    cost: TileCost


@dataclass(frozen=True)
class Transfer:
    """Bits moved between two endpoints (cores or the off-chip memory). ``tile`` is the tile
    whose output moves (activations, output) or that needs the data (weights, input); ``rows``
    is None for weights. ``links``: the route; ``port``: the off-chip port it held, if any."""

    what: What
    node: str
    tile: int
    source: str
    target: str
    channels: Range
    rows: Range | None
    bits: int
    start: int
    end: int
    links: tuple[str, ...]
    port: str | None
    energy_pj: dict[str, float]
    #: The one tile that reads what the transfer brings (a refetch, or weights when spilling);
    #: None when every tile of the target core needing it may.
    reader: int | None = None


@dataclass
class Schedule:
    """Every tile placed (indexed like the tile graph) and every transfer; ``busy``: cycles
    each unit (core MAC array, ``core/post``, link, off-chip port) was in use."""

    runs: list[TileRun]
    transfers: list[Transfer]
    busy: dict[str, int] = field(default_factory=dict)

    @property
    def latency(self) -> int:
        ends = [run.end for run in self.runs] + [t.end for t in self.transfers]
        return max(ends, default=0)


def payload_bits(fmap: FeatureMap, channels: Range, rows: Range, bits: int) -> int:
    """Bits an activation transfer of this piece carries: every element, dense."""
    return fmap.elements(channels, rows) * bits


class _Simulation:
    def __init__(self, workload: Workload, machine: Multicore, costs: CostModel,
                 graph: TileGraph, mode: Mode, spill: bool):
        self.workload, self.machine, self.costs, self.graph, self.mode = (
            workload, machine, costs, graph, mode)
        self.spill = spill
        self.evicted: dict[int, int] = {}
        self.cores = {core: Timeline() for core in machine.cores}
        self.post = {core: Timeline() for core in machine.cores}
        self.links = {link.label: Timeline() for link in machine.spec.links}
        offchip = machine.offchip
        self.ports: dict[str, Timeline] = {}
        if offchip is not None:
            names = ("read", "write") if offchip.duplex else ("port",)
            self.ports = {f"{offchip.name}.{name}": Timeline() for name in names}
        self.runs: dict[int, TileRun] = {}
        self.transfers: list[Transfer] = []
        self.delivered: dict[tuple[object, ...], dict[int, int]] = {}
        self.weights: dict[tuple[str, str, Range], int] = {}
        read_nodes = {graph.tiles[r.producer].node for reads in graph.reads for r in reads}
        self.sinks = {tile.node for tile in graph.tiles} - read_nodes

    def run(self) -> Schedule:
        for index in self.graph.order:
            self._place(self.graph.tiles[index])
        runs = [self.runs[i] for i in range(len(self.graph.tiles))]
        units = {**self.cores, **{f"{core}{POST}": t for core, t in self.post.items()},
                 **self.links, **self.ports}
        busy = {name: timeline.busy for name, timeline in units.items()}
        return Schedule(runs, self.transfers, busy)

    def _place(self, tile: Tile) -> None:
        node = self.workload.node(tile.node)
        cost = self.costs.cost(node, tile.core, tile.channels, tile.rows)
        timeline = (self.cores if tile.mac else self.post)[tile.core]
        ready = 0
        remote = []
        for read in self.graph.reads[tile.index]:
            producer = self.runs[read.producer]
            first = producer.tile.rows[0]
            final = max(producer.row_final[r - first] for r in range(*read.rows))
            ready = max(ready, self._node_end(producer.tile.node) if self.mode == "layer"
                        else final)
            if producer.tile.core != tile.core or self.spill:
                remote.append((read, producer.tile, final))
        arrived = 0
        offchip = self.machine.offchip
        would_start = timeline.earliest(ready, cost.duration)
        if offchip is not None and isinstance(node, Layer):  # the largest transfer goes first
            arrived = self._fetch_weights(node, tile, would_start)
        for read, source, final in remote:
            if self.spill:
                assert offchip is not None
                arrived = max(arrived, self._deliver(
                    ("refetch", read.producer, tile.index, read.channels), "refetch", source,
                    offchip.name, tile.core, read.channels, read.rows,
                    self._fmap(source.node), self._refetch_from(read, source, would_start),
                    reader=tile.index))
                continue
            arrived = max(arrived, self._deliver(
                ("tile", read.producer, tile.core, read.channels), "activations", source,
                source.core, tile.core, read.channels, read.rows, self._fmap(source.node),
                final))
        if offchip is not None:
            for piece in self.graph.input_reads[tile.index]:
                holder = str(tile.index) if self.spill else tile.core
                bits = payload_bits(piece.fmap, piece.channels, piece.rows, self.costs.bits[None])
                arrived = max(arrived, self._deliver(
                    ("input", holder, piece.channels), "input", tile, offchip.name,
                    tile.core, piece.channels, piece.rows, piece.fmap,
                    max(would_start - self._lead(bits, tile.core), 0) if self.spill else 0,
                    reader=tile.index if self.spill else None))
        start = timeline.earliest(max(ready, arrived), cost.duration)
        timeline.reserve(start, cost.duration)
        end = start + cost.duration
        rows = tile.rows[1] - tile.rows[0]
        row_final = (tuple(start + t for t in cost.row_final) if self.mode == "event"
                     else (end,) * rows)
        self.runs[tile.index] = TileRun(tile, start, end, row_final, cost)
        if offchip is not None and (tile.node in self.sinks or self.spill):
            bits = payload_bits(self._fmap(tile.node), tile.channels, tile.rows,
                                self.costs.bits[tile.node])
            what: What = "output" if tile.node in self.sinks else "evict"
            self.evicted[tile.index] = self._move(what, tile, tile.core, offchip.name,
                                                  tile.channels, tile.rows, bits, end).end

    def _refetch_from(self, read: Read, source: Tile, would_start: int) -> int:
        """A refetch starts once the producer's output is off chip, and is timed like weights
        to arrive when its reader could start (the rows are held only from then)."""
        bits = payload_bits(self._fmap(source.node), read.channels, read.rows,
                            self.costs.bits[source.node])
        return max(self.evicted[read.producer], would_start - self._lead(bits, source.core))

    def _lead(self, bits: int, core: str) -> int:
        """Cycles ``bits`` take from the off-chip memory to ``core`` alone on the links."""
        offchip = self.machine.offchip
        assert offchip is not None
        return -(-bits // min(offchip.read_bandwidth,
                              self.machine.routes[(offchip.name, core)][0].bandwidth))

    def _node_end(self, name: str) -> int:
        return max(self.runs[i].end for i in self.graph.by_node[name])

    def _fmap(self, name: str) -> FeatureMap:
        return output_map(self.workload.node(name))

    def _deliver(self, key: tuple[object, ...], what: What, tile: Tile, source: str,
                 target: str, channels: Range, rows: Range, fmap: FeatureMap,
                 earliest: int, reader: int | None = None) -> int:
        """Send the rows of ``rows`` that ``target`` does not hold yet; the cycle at which all
        of ``rows`` are there."""
        have = self.delivered.setdefault(key, {})
        missing = [r for r in range(*rows) if r not in have]
        bits_per_row = payload_bits(fmap, channels, (0, 1), self._element_bits(what, tile))
        for run in _runs(missing):
            transfer = self._move(what, tile, source, target, channels, run,
                                  bits_per_row * (run[1] - run[0]), earliest, reader)
            have.update(dict.fromkeys(range(*run), transfer.end))
        return max(have[r] for r in range(*rows))

    def _element_bits(self, what: What, tile: Tile) -> int:
        name = None if what == "input" else tile.node
        return self.costs.bits[name]

    def _fetch_weights(self, layer: Layer, tile: Tile, would_start: int) -> int:
        """Weights arrive once per (layer, core, channel share), fetched just in time: the
        transfer is aimed to end when the tile could start were its data there."""
        key = (layer.name, tile.core if not self.spill else str(tile.index), tile.channels)
        if key not in self.weights:
            offchip = self.machine.offchip
            assert offchip is not None
            bits = weight_bits(layer, tile.channels)
            lead = self._lead(bits, tile.core)
            transfer = self._move("weights", tile, offchip.name, tile.core, tile.channels,
                                  None, bits, max(would_start - lead, 0),
                                  tile.index if self.spill else None)
            self.weights[key] = transfer.end
        return self.weights[key]

    def _move(self, what: What, tile: Tile, source: str, target: str, channels: Range,
              rows: Range | None, bits: int, earliest: int,
              reader: int | None = None) -> Transfer:
        """Book the transfer on the candidate route where it finishes first."""
        offchip = self.machine.offchip
        port_name = None
        width = None
        if offchip is not None and offchip.name in (source, target):
            direction = "read" if source == offchip.name else "write"
            port_name = f"{offchip.name}.{direction if offchip.duplex else 'port'}"
            width = offchip.read_bandwidth if direction == "read" else offchip.write_bandwidth
        port = [self.ports[port_name]] if port_name else []
        best: tuple[int, int, Route, list[Timeline]] | None = None
        for route in self.machine.routes[(source, target)]:
            resources = [self.links[name] for name in route.links] + port
            duration = -(-bits // min(route.bandwidth, width or route.bandwidth))
            start = earliest_together(resources, earliest, duration)
            if best is None or start + duration < best[0] + best[1]:
                best = (start, duration, route, resources)
        assert best is not None
        start, duration, route, resources = best
        for timeline in resources:
            timeline.reserve(start, duration)
        energy = {"links": bits * route.energy_pj_per_bit}
        operand: Operand = {"weights": "W", "input": "I", "activations": "I", "output": "O",
                            "evict": "O", "refetch": "I"}[what]
        for endpoint, side in ((source, "read"), (target, "write")):
            if offchip is not None and endpoint == offchip.name:
                energy["offchip"] = access_energy(offchip.as_memory(), bits, side)
            else:
                home = self.machine.home(endpoint, "O" if side == "read" else operand)
                energy[endpoint] = energy.get(endpoint, 0.0) + access_energy(home, bits, side)
        transfer = Transfer(what, tile.node, tile.index, source, target, channels, rows, bits,
                            start, start + duration, route.links, port_name, energy, reader)
        self.transfers.append(transfer)
        return transfer


def _runs(rows: list[int]) -> list[Range]:
    """Sorted row indices as contiguous ranges."""
    out: list[Range] = []
    for row in rows:
        if out and out[-1][1] == row:
            out[-1] = (out[-1][0], row + 1)
        else:
            out.append((row, row + 1))
    return out


def schedule(workload: Workload, machine: Multicore, costs: CostModel, graph: TileGraph,
             mode: Mode, spill: bool = False) -> Schedule:
    """Place every tile of ``graph`` and every transfer it needs (through the off-chip memory
    when ``spill``)."""
    return _Simulation(workload, machine, costs, graph, mode, spill).run()
