"""An exploration that found no valid mapping of a layer is an error, not a result.

Every memory at 16 bits used to end in "total 0.00 pJ, 0 cycles", complete, exit 0. Now a
complete run with no valid mapping of some layer stops (exit 2) naming the tightest memory:
the one whose smallest tile among the mappings explored is largest against its capacity,
with that capacity and what the tile needs (words per operand, bits per word, doubled when
the memory is double-buffered: the rule of :func:`ripple.model.capacity.overflow`). When
every memory holds some tile, the mappings failed for another reason, and the first is named.
The export stays: its ``reason`` column says why each mapping was refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import reduce
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ripple.arch.spec import Architecture, Memory
from ripple.dse.rows import csv_options
from ripple.errors import RippleInputError
from ripple.model.capacity import word_bits
from ripple.workload.layer import Layer

SUFFIX = ".tile_words"


@dataclass
class SmallestTile:
    """The least a memory needed over the mappings read so far, and that mapping's tiles."""

    memory: Memory
    need: int
    tiles: dict[str, int]

    @property
    def excess(self) -> float:
        assert self.memory.capacity_bits is not None
        return self.need / self.memory.capacity_bits

    def describe(self, bits: dict[str, int]) -> str:
        detail = ", ".join(f"{op} {words:,} words x {bits[op]} b"
                           for op, words in self.tiles.items())
        buffered = ", double-buffered" if self.memory.double_buffered else ""
        return (f"the tightest memory, {self.memory.name!r}, holds "
                f"{self.memory.capacity_bits:,} bits and its smallest tile needs "
                f"{self.need:,} bits ({detail}{buffered})")


def no_valid_mapping(export: Path, layer: Layer, arch: Architecture, explored: int,
                     limit: int | None) -> RippleInputError:
    """The error of a complete run whose ``explored`` mappings of ``layer`` in ``export``
    are all invalid (an empty space: no export, nothing to scan)."""
    if explored == 0:
        return RippleInputError(f"no valid mapping of layer {layer.name!r}: under these "
                                "constraints the architecture offers it no mapping at all",
                                source=str(export), field="--export")
    smallest, reason = _scan(export, layer, arch)
    within = (f"none of the {explored:,} mappings explored (--limit {limit:,}) is valid"
              if limit else f"none of its {explored:,} mappings is valid")
    tight = [tile for tile in smallest.values() if tile.excess > 1]
    if tight:
        worst = max(tight, key=lambda tile: tile.excess)
        why = worst.describe(word_bits(layer.precision))
    else:
        why = f"the first is refused because {reason}"
    return RippleInputError(f"no valid mapping of layer {layer.name!r}: {within}: {why}",
                            source=str(export), field="--export")


def _scan(export: Path, layer: Layer, arch: Architecture
          ) -> tuple[dict[str, SmallestTile], str]:
    """Per memory of bounded capacity, its smallest tile over the layer's rows; the first
    row's reason."""
    bits = word_bits(layer.precision)
    smallest: dict[str, SmallestTile] = {}
    reason = ""
    for batch in _batches(export):
        batch = batch.filter(pc.equal(batch["layer"], layer.name))
        if batch.num_rows == 0:
            continue
        reason = reason or str(batch["reason"][0].as_py())
        for memory in _bounded(arch):
            columns = {op: batch[f"{memory.name}.{op}{SUFFIX}"] for op in memory.operands
                       if f"{memory.name}.{op}{SUFFIX}" in batch.schema.names}
            if not columns:
                continue
            copies = 2 if memory.double_buffered else 1
            need = pc.multiply(reduce(pc.add, (pc.multiply(col, bits[op])
                                               for op, col in columns.items())), copies)
            at = pc.index(need, pc.min(need)).as_py()
            best = smallest.get(memory.name)
            if best is None or need[at].as_py() < best.need:
                smallest[memory.name] = SmallestTile(
                    memory, need[at].as_py(), {op: col[at].as_py() for op, col in columns.items()})
    return smallest, reason


def _bounded(arch: Architecture) -> Iterator[Memory]:
    for level in arch.levels:
        yield from (memory for memory in level.memories if memory.capacity_bits is not None)


def _batches(export: Path) -> Iterator[pa.Table]:
    """The export in batches (memory bounded by a batch, not by the export)."""
    if export.suffix == ".parquet":
        for batch in pq.ParquetFile(export).iter_batches():
            yield pa.Table.from_batches([batch])
        return
    for batch in pacsv.open_csv(export, convert_options=csv_options()):
        yield pa.Table.from_batches([batch])
