"""Splitting a node's output over cores (by output channels or by output rows), and the
partition file that states it.

A *share* is the contiguous block of channels or rows one core computes. Shares are
proportional to the cores' MAC counts, so a heterogeneous pair gets a balanced first guess,
and a core whose share would be empty is left out. A grouped convolution splits its channels at
group boundaries (a share must be one convolution). A MAC-free operation follows its first
producer: each of its output channels or rows goes to the core that finalises the last input
it reads, so its data is mostly local.

The partition file (``--partition``), every entry optional::

    rows_per_tile: 2               # row blocks of the fused and event modes
    layers:
      conv1: {split: rows, rows_per_tile: 28}  # channels | K | rows | auto; cores: all
      conv2: {split: channels, cores: [core0, core1]}
      fc1: {cores: [core2]}        # a layer-to-core allocation: the whole layer on core2
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from ripple.bounds import Size
from ripple.errors import RippleInputError
from ripple.multicore.regions import FeatureMap, Node, Range, is_view, needs, output_map
from ripple.specio import load_spec
from ripple.workload.layer import Layer, StrictModel, also_accepts
from ripple.workload.network import Workload

Split = Literal["channels", "rows"]


class NodePlacementSpec(StrictModel):
    """How one node is split (``auto``: MAC layers are searched, operations follow their
    producer), over which cores (default: all), and its row blocks in the fused and event
    modes (default: the file's, or the run's)."""

    split: Literal["channels", "rows", "auto"] = Field(
        default="auto", description="K is channels", json_schema_extra=also_accepts({"const": "K"}))
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


def load_partition(path: str | Path) -> PartitionSpec:
    return load_spec(PartitionSpec, path)


def check_partition(spec: PartitionSpec, workload: Workload, cores: list[str],
                    source: str) -> None:
    """Names that exist, cores that exist, splits the node has: before any work starts."""
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
        unknown = [c for c in entry.cores or [] if c not in cores]
        if unknown:
            raise RippleInputError(f"unknown core {unknown[0]!r}; the machine has "
                                   f"{', '.join(cores)}", source=source, field=f"{field}.cores")
        if entry.split == "rows" and output_map(node).h < 2:
            raise RippleInputError(f"{name!r} has a single output row; split it by channels",
                                   source=source, field=f"{field}.split")


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


def even_placement(node: Node, split: Split, cores: list[str], weights: list[float],
                   rows_per_tile: int) -> Placement:
    """``node`` split over ``cores`` in shares proportional to ``weights``."""
    fmap = output_map(node)
    unit = node.K_group if isinstance(node, Layer) and node.G > 1 else 1
    step = unit if split == "channels" else 1
    extent = fmap.c if split == "channels" else fmap.h
    shares = [_share(core, split, (first * step, end * step), fmap)
              for core, (first, end) in zip(cores, split_units(extent // step, weights),
                                            strict=True)
              if first != end]
    return Placement(node.name, split, tuple(shares), rows_per_tile)


def following_placement(workload: Workload, node: Node, producer: Placement,
                        placements: dict[str, Placement], weights: dict[str, float],
                        rows_per_tile: int) -> Placement:
    """A MAC-free node placed like its first producer: channel for channel or row for row,
    each on the core that finalises the last input it reads (for a concatenation, from the
    input that holds it). Global pooling after a row split (no rows left) falls back to even
    channel shares over the producer's cores."""
    fmap = output_map(node)
    cores = list(dict.fromkeys(share.core for share in producer.shares))
    split = producer.split
    if split == "rows" and fmap.h < 2:
        return even_placement(node, "channels", cores, [weights[c] for c in cores],
                              rows_per_tile)
    extent = fmap.c if split == "channels" else fmap.h
    owners: list[str] = []
    for index in range(extent):
        piece = _share("", split, (index, index + 1), fmap)
        owner = owners[-1] if owners else cores[0]
        for need in needs(workload, node, piece.channels, piece.rows):
            source = placements.get(need.producer or "")
            if source is not None and source.split == split:
                last = (need.channels if split == "channels" else need.rows)[1] - 1
                owner = _owner(source, split, last)
                break
        owners.append(owner)
    shares, start = [], 0
    for index in range(1, extent + 1):
        if index == extent or owners[index] != owners[start]:
            shares.append(_share(owners[start], split, (start, index), fmap))
            start = index
    return Placement(node.name, split, tuple(shares), rows_per_tile)


def _share(core: str, split: Split, block: Range, fmap: FeatureMap) -> Share:
    """The share of ``core``: ``block`` along the split, everything along the other axis."""
    if split == "channels":
        return Share(core, block, (0, fmap.h))
    return Share(core, (0, fmap.c), block)


def _owner(placement: Placement, split: Split, index: int) -> str:
    for share in placement.shares:
        lo, hi = share.channels if split == "channels" else share.rows
        if lo <= index < hi:
            return share.core
    return placement.shares[-1].core
