"""Splitting a node's output over cores (by output channels, by output rows, or both on a
grid), and the partition file that states it.

A *share* is the contiguous block of channels and rows one core computes. Shares are
proportional to the cores' MAC counts, so a heterogeneous pair gets a balanced first guess, and
a core whose share would be empty is left out. A split by both cuts the channels into
``channel_blocks`` blocks, deals the cores to the blocks as evenly as they go (in order), gives
each block channels in proportion to its cores' MACs, and splits its rows over its cores: on
four cores, two channel halves of two row halves each, so every core reads half the weights and
half the input rows. A grouped convolution splits its channels at group boundaries (a share
must be one convolution). A MAC-free operation follows its first producer: each of its output
channels or rows goes to the core that finalises the last input it reads, so its data is mostly
local.

The partition file (``--partition``), every entry optional::

    rows_per_tile: 2               # row blocks of the fused and event modes
    layers:
      conv1: {split: rows, rows_per_tile: 28}  # channels | K | rows | auto; cores: all
      conv2: {split: channels, cores: [core0, core1]}
      conv3: {split: both, channel_blocks: 2}  # a grid: 2 channel blocks x their cores' rows
      fc1: {cores: [core2]}        # a layer-to-core allocation: the whole layer on core2
    stacks: [conv1, conv3]         # fused stacks: one starts at each node named (see .tiles)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from ripple.bounds import Size
from ripple.errors import RippleInputError
from ripple.multicore.regions import FeatureMap, Node, Range, is_view, needs, output_map
from ripple.multicore.spec import Multicore
from ripple.specio import load_spec
from ripple.workload.layer import Layer, StrictModel, also_accepts
from ripple.workload.network import Workload

Split = Literal["channels", "rows", "both"]


class NodePlacementSpec(StrictModel):
    """How one node is split (``auto``: MAC layers are searched, operations follow their
    producer), over which cores (default: all), and its row blocks in the fused and event
    modes (default: the file's, or the run's)."""

    split: Literal["channels", "rows", "both", "auto"] = Field(
        default="auto", description="K is channels; both: a grid of channel and row blocks",
        json_schema_extra=also_accepts({"const": "K"}))
    channel_blocks: Size | None = Field(
        default=None, description="channel blocks of a split by both (default: the largest "
        "divisor of the core count not above its square root)")
    cores: list[str] | None = Field(default=None, min_length=1, description="null: all")
    rows_per_tile: Size | None = Field(default=None, description="output rows per tile")

    @field_validator("split", mode="before")
    @classmethod
    def _k_is_channels(cls, value: object) -> object:
        return "channels" if value == "K" else value


class PartitionSpec(StrictModel):
    """The partition file: row blocks of every node (default: the run's ``--rows-per-tile``)
    and, per node name, how it is placed."""

    rows_per_tile: Size | None = Field(default=None,
                                       description="output rows per tile of every node")
    layers: dict[str, NodePlacementSpec] = Field(default_factory=dict,
                                                 description="node name -> its placement")
    stacks: list[str] | None = Field(
        default=None, description="fused stacks of the fused and event modes: a stack starts "
        "at each node named (and at the first); null: the whole network is one stack")


def load_partition(path: str | Path) -> PartitionSpec:
    return load_spec(PartitionSpec, path)


def check_partition(spec: PartitionSpec, workload: Workload, machine: Multicore,
                    source: str) -> None:
    """Names that exist, cores that exist and run the node (each once), splits the node has:
    before any work starts."""
    names = {node.name: node for node in workload.layers}
    for name, entry in spec.layers.items():
        field = f"layers.{name}"
        node = names.get(name)
        if node is None:
            raise RippleInputError(f"the workload has no node {name!r}", source=source,
                                   field=field)
        if is_view(node):
            raise RippleInputError(f"{name!r} is a {node.operator} (a view: it moves no data "
                                   "and is not placed)", source=source, field=field)
        running = machine.cores_running(node.operator)
        for index, core in enumerate(entry.cores or []):
            if core not in machine.cores:
                raise RippleInputError(f"unknown core {core!r}; the machine has "
                                       f"{', '.join(machine.cores)}", source=source,
                                       field=f"{field}.cores")
            if core not in running:
                raise RippleInputError(
                    f"core {core!r} does not run {node.operator} (node {name!r}); cores that "
                    f"do: {', '.join(running) or 'none'}", source=source,
                    field=f"{field}.cores")
            if core in entry.cores[:index]:
                raise RippleInputError(f"core {core!r} is named twice", source=source,
                                       field=f"{field}.cores")
        if entry.split in ("rows", "both") and output_map(node).h < 2:
            raise RippleInputError(f"{name!r} has a single output row; split it by channels",
                                   source=source, field=f"{field}.split")
        if entry.channel_blocks is not None:
            _check_channel_blocks(entry, node, len(entry.cores or running), source, field)
    for index, name in enumerate(spec.stacks or []):
        if name not in names or is_view(names[name]):
            raise RippleInputError(f"the workload has no scheduled node {name!r} to start a "
                                   "stack", source=source, field=f"stacks[{index}]")


def _check_channel_blocks(entry: NodePlacementSpec, node: Node, cores: int, source: str,
                          field: str) -> None:
    """Channel blocks only with a split by both, at most one per core and per channel unit."""
    if entry.split != "both":
        raise RippleInputError(f"channel_blocks is for split: both, not {entry.split}",
                               source=source, field=f"{field}.channel_blocks")
    units = channel_units(node)
    if entry.channel_blocks > min(cores, units):
        raise RippleInputError(
            f"{entry.channel_blocks} channel blocks over {cores} cores that run "
            f"{node.operator} and {units} channel units: expected at most {min(cores, units)}",
            source=source,
            field=f"{field}.channel_blocks")


@dataclass(frozen=True)
class Share:
    core: str
    channels: Range
    rows: Range


@dataclass(frozen=True)
class Placement:
    """A node's shares; ``rows_per_tile`` cuts them into tiles in the fused and event modes."""

    node: str
    split: Split
    shares: tuple[Share, ...]
    rows_per_tile: int


def split_units(units: int, weights: list[float]) -> list[tuple[int, int]]:
    """``units`` cut into contiguous blocks proportional to ``weights`` (largest remainder;
    ties to the first), as ``(first, end)`` pairs; empty blocks are kept as ``(i, i)``."""
    total = sum(weights)
    quotas = [units * w / total for w in weights]
    counts = [int(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - quotas[i], i))
    for i in order[: units - sum(counts)]:
        counts[i] += 1
    blocks, start = [], 0
    for count in counts:
        blocks.append((start, start + count))
        start += count
    return blocks


def default_channel_blocks(cores: int) -> int:
    """The most square grid's channel blocks: the largest divisor of ``cores`` not above its
    square root (4 cores: 2 x 2; 6: 2 x 3; a prime count: 1, rows only)."""
    return max(d for d in range(1, math.isqrt(cores) + 1) if cores % d == 0)


def even_placement(node: Node, split: Split, cores: list[str], weights: list[float],
                   rows_per_tile: int, channel_blocks: int | None = None) -> Placement:
    """``node`` split over ``cores`` in shares proportional to ``weights``; a split by both
    in ``channel_blocks`` channel blocks (default :func:`default_channel_blocks`): one block
    is the split by rows, one per core the split by channels, and the placement says so."""
    fmap = output_map(node)
    blocks = min(channel_blocks or default_channel_blocks(len(cores)), len(cores))
    if split == "both" and blocks in (1, len(cores)):  # a grid of one column or one row
        split = "rows" if blocks == 1 else "channels"
    if split == "both":
        shares = _grid_shares(node, cores, weights, blocks)
    else:
        step = _channel_unit(node) if split == "channels" else 1
        extent = fmap.c if split == "channels" else fmap.h
        shares = [_share(core, split, (first * step, end * step), fmap)
                  for core, (first, end) in zip(cores, split_units(extent // step, weights),
                                                strict=True)
                  if first != end]
    return Placement(node.name, split, tuple(shares), rows_per_tile)


def _channel_unit(node: Node) -> int:
    """Channels that must stay on one core: a group of a grouped convolution."""
    return node.K_group if isinstance(node, Layer) and node.G > 1 else 1


def channel_units(node: Node) -> int:
    """How many blocks of channels ``node``'s output can be cut into at most."""
    return output_map(node).c // _channel_unit(node)


def _grid_shares(node: Node, cores: list[str], weights: list[float], blocks: int
                 ) -> list[Share]:
    """Channel blocks over consecutive runs of cores, each block's rows over its cores. Each
    block gets a channel unit first (the grid asked for is the grid made, where there are
    enough channels), the rest in proportion to its cores' weights."""
    fmap, unit, units = output_map(node), _channel_unit(node), channel_units(node)
    runs = [range(*run) for run in split_units(len(cores), [1.0] * blocks)]
    floor = 1 if units >= blocks else 0
    extra = split_units(units - floor * blocks, [sum(weights[i] for i in run) for run in runs])
    shares, end = [], 0
    for run, (lo, hi) in zip(runs, extra, strict=True):
        first, end = end, end + floor + hi - lo
        rows = split_units(fmap.h, [weights[i] for i in run])
        shares += [Share(cores[i], (first * unit, end * unit), block)
                   for i, block in zip(run, rows, strict=True)
                   if first != end and block[0] != block[1]]
    return shares


def following_placement(workload: Workload, node: Node, producer: Placement,
                        placements: dict[str, Placement], weights: dict[str, float],
                        rows_per_tile: int) -> Placement:
    """A MAC-free node placed like its first producer: channel for channel or row for row
    (within each channel block of a split by both, where the channels correspond), each on
    the core that finalises the last input it reads (for a concatenation, from the input that
    holds it). Global pooling after a row split (no rows left) falls back to even channel
    shares over the producer's cores."""
    fmap = output_map(node)
    cores = list(dict.fromkeys(share.core for share in producer.shares))
    split = producer.split
    if split != "channels" and fmap.h < 2:
        return even_placement(node, "channels", cores, [weights[c] for c in cores],
                              rows_per_tile)
    # the pieces walked: channel by channel over all rows, or row by row over a channel span
    if split == "channels":
        spans = [(0, fmap.h)]
    elif split == "both" and fmap.c == output_map(workload.node(producer.node)).c:
        spans = sorted({s.channels for s in producer.shares})
    else:
        spans = [(0, fmap.c)]
    extent = fmap.c if split == "channels" else fmap.h

    def piece(core: str, block: Range, span: Range) -> Share:
        return Share(core, block, span) if split == "channels" else Share(core, span, block)

    shares: list[Share] = []
    for span in spans:
        owners: list[str] = []
        for index in range(extent):
            owners.append(_piece_owner(workload, node, piece("", (index, index + 1), span),
                                       split, placements, owners[-1] if owners else cores[0]))
        first = 0
        for index in range(1, extent + 1):
            if index == extent or owners[index] != owners[first]:
                shares.append(piece(owners[first], (first, index), span))
                first = index
    return Placement(node.name, split, tuple(shares), rows_per_tile)


def _share(core: str, split: Split, block: Range, fmap: FeatureMap) -> Share:
    """The share of ``core``: ``block`` along the split, everything along the other axis."""
    if split == "channels":
        return Share(core, block, (0, fmap.h))
    return Share(core, (0, fmap.c), block)


def _piece_owner(workload: Workload, node: Node, piece: Share, split: Split,
                 placements: dict[str, Placement], default: str) -> str:
    """The core finalising the last input ``piece`` reads from its first producer split the
    same way (``default`` when none is)."""
    for need in needs(workload, node, piece.channels, piece.rows):
        source = placements.get(need.producer or "")
        if source is not None and source.split == split:
            channel, row = need.channels[1] - 1, need.rows[1] - 1
            return next((s.core for s in source.shares
                         if s.channels[0] <= channel < s.channels[1]
                         and s.rows[0] <= row < s.rows[1]), source.shares[-1].core)
    return default
