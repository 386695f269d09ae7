"""Tiles, what each one reads, and the order in which the scheduler places them.

The three modes differ in two things only, both decided here or in the scheduler:

- granularity: ``layer`` runs each core's share of a node as one tile; ``fused`` and
  ``event`` cut every share into blocks of its node's ``rows_per_tile`` output rows (a vector
  is one row);
- when a producer's rows count as final (see :mod:`ripple.multicore.scheduler`).

A tile reads, from every producer tile whose output overlaps its need (:mod:`.regions`), the
overlap: these are the edges the dependency test checks. Priority: ``layer`` goes node by node;
``fused`` and ``event`` go depth first, the way Stream walks a fused stack: a tile's key is the
fraction of its node's rows it completes, raised to the largest key among the tiles it reads
in its own stack, so a consumer follows right after the producer rows it needs (ties: earlier
node first, which keeps producers before consumers). *Stacks* (the partition file's
``stacks``: a stack starts at each node named) are walked one after the other, each depth
first: the whole network is one stack by default; a stack per node is the layer order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ripple.multicore.partition import Placement, Share
from ripple.multicore.regions import FeatureMap, Range, is_view, needs, output_map
from ripple.workload.layer import Layer
from ripple.workload.network import Workload

Mode = Literal["layer", "fused", "event"]
MODES: tuple[Mode, ...] = ("layer", "fused", "event")
#: Per-tile dataflow when none is given: each tile's fastest preset, in every mode. A fixed
#: preset is a study of that preset; a user scheduling a network wants its tiles run well (on
#: LeNet-5's 4 cores event-driven tiles take several times the cycles of the best ones, and the
#: comparison of modes would show the worst case of the event mode: docs/multicore.md).
DEFAULT_DATAFLOW = "best"


@dataclass(frozen=True)
class Tile:
    index: int
    node: str
    node_index: int
    core: str
    channels: Range
    rows: Range
    mac: bool


@dataclass(frozen=True)
class Read:
    """Rows and channels (in the producer's output) that a tile reads from producer tile
    ``producer``."""

    producer: int
    channels: Range
    rows: Range


@dataclass(frozen=True)
class InputRead:
    """A piece of the network input a tile reads."""

    channels: Range
    rows: Range
    fmap: FeatureMap


@dataclass(frozen=True)
class TileGraph:
    """Every tile (indexed by ``Tile.index``), what each reads from producer tiles and from the
    network input, the tiles of each node, and the scheduler's order."""

    tiles: list[Tile]
    reads: list[list[Read]]
    input_reads: list[list[InputRead]]
    by_node: dict[str, list[int]]
    order: list[int]

    def consumers(self) -> list[list[int]]:
        """For every tile, the tiles that read it."""
        out: list[list[int]] = [[] for _ in self.tiles]
        for consumer, reads in enumerate(self.reads):
            for read in reads:
                out[read.producer].append(consumer)
        return out


def share_blocks(placement: Placement, share: Share, mode: Mode) -> list[Range]:
    """The row ranges of the tiles a share is cut into."""
    if mode == "layer":
        return [share.rows]
    size = placement.rows_per_tile
    return [(lo, min(lo + size, share.rows[1])) for lo in range(*share.rows, size)]


def stack_starts(workload: Workload, starts: list[str] | None) -> tuple[str, ...]:
    """The nodes of ``starts`` that begin a stack after the first, in network order."""
    named = set(starts or [])
    return tuple(node.name for node in workload.layers[1:] if node.name in named)


def stack_indices(workload: Workload, starts: list[str] | None) -> dict[str, int]:
    """Each node's stack: how many of the stack ``starts`` come at or before it (after the
    first node) in network order."""
    later = set(stack_starts(workload, starts))
    stacks: dict[str, int] = {}
    index = 0
    for node in workload.layers:
        index += node.name in later
        stacks[node.name] = index
    return stacks


def tile_graph(workload: Workload, placements: dict[str, Placement], mode: Mode,
               stacks: list[str] | None = None) -> TileGraph:
    """The tiles of ``placements`` cut for ``mode``, their reads, and the scheduler's order
    (depth first within each of ``stacks``, the stack starts, in the fused and event
    modes)."""
    tiles: list[Tile] = []
    by_node: dict[str, list[int]] = {}
    for node_index, node in enumerate(workload.layers):
        if is_view(node):
            continue
        placement = placements[node.name]
        for share in placement.shares:
            for rows in share_blocks(placement, share, mode):
                by_node.setdefault(node.name, []).append(len(tiles))
                tiles.append(Tile(len(tiles), node.name, node_index, share.core, share.channels,
                                  rows, isinstance(node, Layer)))
    reads: list[list[Read]] = []
    input_reads: list[list[InputRead]] = []
    for tile in tiles:
        node = workload.node(tile.node)
        mine: list[Read] = []
        from_input: list[InputRead] = []
        for need in needs(workload, node, tile.channels, tile.rows):
            if need.producer is None:
                from_input.append(InputRead(need.channels, need.rows, need.fmap))
                continue
            for index in by_node[need.producer]:
                other = tiles[index]
                channels = _overlap(need.channels, other.channels)
                rows = _overlap(need.rows, other.rows)
                if channels and rows:
                    mine.append(Read(index, channels, rows))
        reads.append(mine)
        input_reads.append(from_input)
    return TileGraph(tiles, reads, input_reads, by_node,
                     _priority(workload, tiles, reads, mode, stack_indices(workload, stacks)))


def _overlap(a: Range, b: Range) -> Range | None:
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo < hi else None


def _priority(workload: Workload, tiles: list[Tile], reads: list[list[Read]],
              mode: Mode, stacks: dict[str, int]) -> list[int]:
    def place(tile: Tile) -> tuple[int, int, int]:
        return (tile.node_index, tile.rows[0], tile.channels[0])

    if mode == "layer":
        return sorted(range(len(tiles)), key=lambda i: place(tiles[i]))
    keys: list[float] = []
    for tile, mine in zip(tiles, reads, strict=True):  # producers come first
        own = tile.rows[1] / output_map(workload.node(tile.node)).h
        keys.append(max([own, *(keys[read.producer] for read in mine
                                if stacks[tiles[read.producer].node] == stacks[tile.node])]))
    return sorted(range(len(tiles)),
                  key=lambda i: (stacks[tiles[i].node], keys[i], *place(tiles[i])))
