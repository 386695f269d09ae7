"""One multi-core run: place the nodes, cut the tiles, schedule them, measure the buffers."""

from __future__ import annotations

from collections.abc import Callable

from ripple.errors import RippleInputError
from ripple.multicore.allocation import place_nodes
from ripple.multicore.costs import CostModel
from ripple.multicore.occupancy import peak_occupancy
from ripple.multicore.partition import PartitionSpec, check_partition
from ripple.multicore.regions import is_view
from ripple.multicore.result import MulticoreResult
from ripple.multicore.scheduler import schedule
from ripple.multicore.spec import Multicore
from ripple.multicore.tiles import DEFAULT_DATAFLOW, MODES, Mode, tile_graph
from ripple.workload.layer import Layer, Precision
from ripple.workload.network import Workload

#: Output rows per tile in the fused and event modes when neither the call nor the partition
#: file says: small enough for a consumer to start early, large enough that event-driven
#: readiness (rows final inside a tile) differs from whole-tile completion.
DEFAULT_ROWS_PER_TILE = 4


def with_precision(workload: Workload, precision: Precision) -> Workload:
    """Every MAC layer with the machine's datapath precisions."""
    layers = [node.model_copy(update={"precision": precision}) if isinstance(node, Layer)
              else node for node in workload.layers]
    return workload.model_copy(update={"layers": layers})


def progress_steps(workload: Workload) -> int:
    """Steps :func:`run_multicore` reports: one a node placed (views are not), and the
    schedule."""
    return sum(not is_view(node) for node in workload.layers) + 1


def run_multicore(workload: Workload, machine: Multicore, mode: str = "event", *,
                  partition: PartitionSpec | None = None, partition_source: str = "partition",
                  dataflow: str | None = None, rows_per_tile: int | None = None,
                  progress: Callable[[int], None] | None = None) -> MulticoreResult:
    """Schedule ``workload`` on ``machine`` in ``mode`` (layer, fused or event).

    ``dataflow`` is the preset every tile runs under, or ``best`` for each tile's fastest
    preset (the default);
    ``rows_per_tile`` overrides the partition file's global row blocks (its per-node entries
    still win) and the default. ``progress`` is told of each of the
    :func:`progress_steps` done."""
    if mode not in MODES:
        raise RippleInputError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}",
                               field="mode")
    if rows_per_tile is not None and rows_per_tile < 1:
        raise RippleInputError(f"rows per tile must be at least 1, got {rows_per_tile}",
                               field="rows_per_tile")
    chosen: Mode = mode  # type: ignore[assignment]
    spec = partition or PartitionSpec()
    check_partition(spec, workload, machine.cores, partition_source)
    if machine.spec.precision is not None:
        workload = with_precision(workload, machine.spec.precision)
    costs = CostModel(workload, machine, dataflow or DEFAULT_DATAFLOW)
    rows = rows_per_tile or spec.rows_per_tile or DEFAULT_ROWS_PER_TILE
    placements = place_nodes(workload, costs, spec, chosen, rows, progress)
    graph = tile_graph(workload, placements, chosen)
    timeline = schedule(workload, machine, costs, graph, chosen)
    if progress is not None:
        progress(1)
    peaks = peak_occupancy(workload, graph, timeline, costs.bits, machine.cores,
                           offchip=machine.offchip is not None)
    return MulticoreResult(workload.name, machine, chosen, costs.dataflow, rows, graph,
                           timeline, placements, peaks)
