"""Buffers that must fit: a schedule is kept only if no core ever holds more than its home
memory (:mod:`.occupancy`); when none fits, the run spills through the off-chip memory
(:mod:`.scheduler`); when that does not fit either, the error names the tile that needs the
most and how much.

A tile's own need, below which no schedule can go: its weight share (a MAC tile), every input
piece it reads and its output, held together while it runs.
"""

from __future__ import annotations

from ripple.errors import RippleInputError
from ripple.multicore.costs import weight_bits
from ripple.multicore.regions import output_map
from ripple.multicore.result import MulticoreResult
from ripple.workload.layer import Layer
from ripple.workload.network import Workload


def overflow(result: MulticoreResult) -> dict[str, tuple[int, int]]:
    """Cores whose peak exceeds their buffers: ``core: (peak, capacity)``."""
    out = {}
    for core in result.machine.cores:
        capacity = result.machine.home_capacity_bits(core)
        peak = result.peak_buffer_bits[core]
        if capacity is not None and peak > capacity:
            out[core] = (peak, capacity)
    return out


def tile_needs(workload: Workload, result: MulticoreResult, bits: dict[str | None, int],
               index: int) -> dict[str, int]:
    """Bits tile ``index`` holds while it runs: ``weights``, ``inputs``, ``output``."""
    graph = result.graph
    tile = graph.tiles[index]
    node = workload.node(tile.node)
    inputs = sum(output_map(workload.node(graph.tiles[read.producer].node)).elements(
        read.channels, read.rows) * bits[graph.tiles[read.producer].node]
        for read in graph.reads[index])
    inputs += sum(piece.fmap.elements(piece.channels, piece.rows) * bits[None]
                  for piece in graph.input_reads[index])
    return {"weights": weight_bits(node, tile.channels) if isinstance(node, Layer) else 0,
            "inputs": inputs,
            "output": output_map(node).elements(tile.channels, tile.rows) * bits[tile.node]}


def does_not_fit(workload: Workload, result: MulticoreResult,
                 bits: dict[str | None, int]) -> RippleInputError:
    """Why even the spilled schedule ``result`` overflows: the tile needing the most beyond
    its core's buffers, or else the core whose tiles together overflow."""
    worst: tuple[int, int, dict[str, int]] | None = None
    for tile in result.graph.tiles:
        capacity = result.machine.home_capacity_bits(tile.core)
        need = tile_needs(workload, result, bits, tile.index)
        if capacity is not None and sum(need.values()) > capacity and (
                worst is None or sum(need.values()) - capacity > worst[1]):
            worst = (tile.index, sum(need.values()) - capacity, need)
    if worst is not None:
        index, _, need = worst
        tile = result.graph.tiles[index]
        capacity = result.machine.home_capacity_bits(tile.core)
        parts = ", ".join(f"{name} {value:,}" for name, value in need.items())
        return RippleInputError(
            f"tile of {tile.node} (output rows {tile.rows[0]}-{tile.rows[1] - 1}, channels "
            f"{tile.channels[0]}-{tile.channels[1] - 1}) on {tile.core} needs "
            f"{sum(need.values()):,} bits ({parts}) but its buffers hold {capacity:,}; "
            f"{_hint(result)}", source=result.machine.name, field="capacity_bits")
    core, (peak, capacity) = next(iter(overflow(result).items()))
    how = ("even when spilling to the off-chip memory" if result.spilled
           else "and the machine has no off-chip memory to spill to")
    return RippleInputError(
        f"{core} holds {peak:,} bits at once {how}, more than its {capacity:,}; "
        f"{_hint(result)}", source=result.machine.name, field="capacity_bits")


def _hint(result: MulticoreResult) -> str:
    if result.mode == "layer":
        return "run it in fused or event mode (row tiles) or split it over more cores"
    return "give fewer --rows-per-tile or split it over more cores"
