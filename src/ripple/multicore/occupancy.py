"""Buffer occupancy per core: the bits a core's home memory holds over time (its peak is
what must fit).

What a core holds, and for how long:

- a tile's output region, from the tile's start (its partial sums) until the last use of it:
  a consumer tile on the same core ends, or a transfer sending it away (or evicting it) ends;
- data received (activations from another core, network input from off chip, a refetch of
  evicted rows), from the transfer's start until the last tile on this core that reads it
  ends (a refetch and a spilled schedule's weights: until their one reader ends);
- a layer's weight share, from its transfer's start until the last tile using it ends.

Without an off-chip memory, weights and the network input sit in the home memory from the
first tile that uses them (the input: from cycle 0) until the last.
"""

from __future__ import annotations

from collections import defaultdict

from ripple.multicore.costs import weight_bits
from ripple.multicore.regions import Range, output_map
from ripple.multicore.scheduler import Schedule, Transfer
from ripple.multicore.tiles import TileGraph
from ripple.workload.layer import Layer
from ripple.workload.network import Workload

Interval = tuple[int, int, int]  # start, end, bits


def occupancy_curves(workload: Workload, graph: TileGraph, schedule: Schedule,
                     bits: dict[str | None, int], cores: list[str],
                     offchip: bool) -> dict[str, list[tuple[int, int]]]:
    """Per core, the bits held over time as steps ``(cycle, bits from then on)``, for the
    Gantt chart and the trace; their maximum is the peak."""
    held: dict[str, list[Interval]] = defaultdict(list)
    runs = schedule.runs
    sent: dict[int, list[Transfer]] = defaultdict(list)
    for transfer in schedule.transfers:
        if transfer.what in ("activations", "output", "evict"):
            sent[transfer.tile].append(transfer)
    for run, readers in zip(runs, graph.consumers(), strict=True):
        tile = run.tile
        size = output_map(workload.node(tile.node)).elements(tile.channels, tile.rows)
        local = [runs[c].end for c in readers if runs[c].tile.core == tile.core]
        release = max([run.end, *local, *(t.end for t in sent[tile.index])])
        held[tile.core].append((run.start, release, size * bits[tile.node]))
    on_core: dict[str, list[int]] = defaultdict(list)
    for tile in graph.tiles:
        on_core[tile.core].append(tile.index)
    for transfer in schedule.transfers:
        if transfer.what in ("activations", "input", "weights", "refetch"):
            readers = ([transfer.reader] if transfer.reader is not None
                       else _readers(graph, transfer, on_core[transfer.target]))
            ends = [runs[i].end for i in readers]
            held[transfer.target].append((transfer.start, max([transfer.end, *ends]),
                                          transfer.bits))
    if not offchip:
        _resident(workload, graph, schedule, bits, held)
    return {core: _steps(held[core]) for core in cores}


def _readers(graph: TileGraph, transfer: Transfer, candidates: list[int]) -> list[int]:
    """Tiles among ``candidates`` (the target core's) that read what the transfer carried."""
    out = []
    for index in candidates:
        tile = graph.tiles[index]
        if transfer.what == "weights":
            hit = tile.node == transfer.node and tile.channels == transfer.channels
        elif transfer.what == "input":
            hit = any(_meets(piece.rows, transfer.rows) for piece in graph.input_reads[index])
        else:
            hit = any(read.producer == transfer.tile and _meets(read.rows, transfer.rows)
                      for read in graph.reads[index])
        if hit:
            out.append(index)
    return out


def _meets(a: Range, b: Range | None) -> bool:
    return b is not None and max(a[0], b[0]) < min(a[1], b[1])


def _resident(workload: Workload, graph: TileGraph, schedule: Schedule,
              bits: dict[str | None, int], held: dict[str, list[Interval]]) -> None:
    """Weights and the network input already in each core's home memory (no off-chip)."""
    weights: dict[tuple[str, str, Range], list[int]] = defaultdict(list)
    inputs: dict[str, list[int]] = defaultdict(list)
    for run in schedule.runs:
        tile = run.tile
        if tile.mac:
            weights[(tile.node, tile.core, tile.channels)].append(run.tile.index)
        if graph.input_reads[tile.index]:
            inputs[tile.core].append(run.tile.index)
    for (name, core, channels), users in weights.items():
        layer = workload.node(name)
        assert isinstance(layer, Layer)
        held[core].append((min(schedule.runs[i].start for i in users),
                           max(schedule.runs[i].end for i in users),
                           weight_bits(layer, channels)))
    for core, users in inputs.items():
        pieces = [p for i in users for p in graph.input_reads[i]]
        channels = (min(p.channels[0] for p in pieces), max(p.channels[1] for p in pieces))
        rows = (min(p.rows[0] for p in pieces), max(p.rows[1] for p in pieces))
        held[core].append((0, max(schedule.runs[i].end for i in users),
                           pieces[0].fmap.elements(channels, rows) * bits[None]))


def _steps(intervals: list[Interval]) -> list[tuple[int, int]]:
    """The level after each cycle's changes. Releases at a cycle come before acquisitions at
    it, so within a cycle the level falls and then only rises: its last value is the cycle's
    highest."""
    events = sorted([(start, 1, size) for start, _, size in intervals]
                    + [(end, 0, -size) for _, end, size in intervals])
    level = 0
    steps: list[tuple[int, int]] = [(0, 0)]
    for time, _, change in events:
        level += change
        if steps[-1][0] == time:
            steps[-1] = (time, level)
        else:
            steps.append((time, level))
    return steps
