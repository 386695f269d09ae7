"""One multi-core run: place the nodes, cut the tiles, schedule them, measure the buffers.

The event mode places the nodes as the layer mode does (the same split search, so the same
partition; when a whole share maps on no core, its own search over row blocks) and schedules
several candidates, keeping the fastest (then the least energy): the
shares cut into row blocks and walked depth first (a core interleaves the tiles of
consecutive layers: conv1 rows 0-3, then the conv2 rows they complete, ...), and the layer
mode's tiles in layer order; in both a consumer starts the cycle the producer rows it reads
are final and have arrived. A list schedule can in principle lose by starting tiles earlier (a
later transfer may find a link taken), so the layer-mode schedule itself is the last
candidate, kept only when both others are slower: event mode is never slower than layer mode
on the same machine and partition (tested on LeNet-5 and ResNet-18, where a pipelined
candidate wins).

Under ``--dataflow explore`` each tile gets the explorer's mapping (:mod:`.explored`), which
changes the split search's view of every layer too; the schedules the best presets give (their
evaluations are shared) are candidates as well, so exploring is never worse than not.
"""

from __future__ import annotations

from collections.abc import Callable

from ripple.errors import RippleInputError
from ripple.multicore.allocation import place_nodes, search_tiles
from ripple.multicore.allocation_search import search_allocation
from ripple.multicore.capacity import does_not_fit, overflow
from ripple.multicore.costs import BEST, EXPLORE, CostModel, TileDoesNotMap, rank
from ripple.multicore.occupancy import occupancy_curves
from ripple.multicore.partition import PartitionSpec, Placement, check_partition
from ripple.multicore.regions import is_view
from ripple.multicore.result import MulticoreResult
from ripple.multicore.scheduler import schedule
from ripple.multicore.spec import Multicore
from ripple.multicore.tiles import DEFAULT_DATAFLOW, MODES, Mode, stack_starts, tile_graph
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


#: The event mode's candidates over the layer mode's split search, in order of preference on
#: a tie: (how tiles are cut and walked, when rows count as final).
EVENT_CANDIDATES: tuple[tuple[Mode, Mode], ...] = (
    ("event", "event"), ("layer", "event"), ("layer", "layer"))


def progress_steps(workload: Workload, mode: str = "event", dataflow: str | None = None) -> int:
    """Steps :func:`run_multicore` reports: one a node placed (views are not) and one per
    schedule the mode tries, twice over when tiles are explored (and their best presets
    scheduled as well)."""
    nodes = sum(not is_view(node) for node in workload.layers)
    steps = nodes + (len(EVENT_CANDIDATES) if mode == "event" else 1)
    return 2 * steps if dataflow == EXPLORE else steps


def run_multicore(workload: Workload, machine: Multicore, mode: str = "event", *,
                  partition: PartitionSpec | None = None, partition_source: str = "partition",
                  dataflow: str | None = None, rows_per_tile: int | None = None,
                  objective: str = "latency", budget: int = 0,
                  progress: Callable[[int], None] | None = None) -> MulticoreResult:
    """Schedule ``workload`` on ``machine`` in ``mode`` (layer, fused or event).

    ``dataflow`` is the preset every tile runs under, ``best`` for each tile's best preset
    (the default), or ``explore`` for each tile's explored mapping; ``objective`` (latency,
    energy or edp) is what each tile's mapping and the kept schedule minimise; ``budget``
    is how many allocations besides the given one :mod:`.allocation_search` may schedule (0:
    none, the given partition and the split search alone);
    ``rows_per_tile`` overrides the partition file's global row blocks (its per-node entries
    still win) and the default. ``progress`` is told of each of the
    :func:`progress_steps` done. The result is the fastest of the mode's candidates (then the
    least energy; then the first; for the energy and edp objectives, that figure first)."""
    if budget < 0:
        raise RippleInputError(f"the budget must be at least 0, got {budget}", field="budget")
    costs = cost_model(workload, machine, dataflow, objective)

    def schedules(spec: PartitionSpec | None, told: Callable[[int], None] | None = None
                  ) -> list[MulticoreResult]:
        return schedule_candidates(workload, machine, mode, partition=spec,
                                   partition_source=partition_source,
                                   rows_per_tile=rows_per_tile, costs=costs, progress=told)

    if budget == 0:
        results = schedules(partition, progress)
        return min(results, key=lambda r: rank(objective, r.latency_cycles, r.energy_pj))
    best, tried = search_allocation(costs.workload, costs, partition or PartitionSpec(), budget,
                                    schedules, stacked=mode != "layer")
    best.allocations_tried = tried
    return best


def cost_model(workload: Workload, machine: Multicore, dataflow: str | None = None,
               objective: str = "latency") -> CostModel:
    """The tile costs of ``workload`` on ``machine`` (its MAC layers at the machine's
    precision, when it states one), to be shared by several schedules."""
    if machine.spec.precision is not None:
        workload = with_precision(workload, machine.spec.precision)
    return CostModel(workload, machine, dataflow or DEFAULT_DATAFLOW, objective)


def schedule_candidates(workload: Workload, machine: Multicore, mode: str = "event", *,
                        partition: PartitionSpec | None = None,
                        partition_source: str = "partition", dataflow: str | None = None,
                        rows_per_tile: int | None = None, objective: str = "latency",
                        costs: CostModel | None = None,
                        progress: Callable[[int], None] | None = None
                        ) -> list[MulticoreResult]:
    """Every schedule ``mode`` tries (one, but three in event mode; under ``explore``, those
    of the explored and of the best-preset tiles) that fits the cores' buffers, arguments as
    :func:`run_multicore`. When none fits, the same schedules spilling through the off-chip
    memory (those that fit); when none of those fits either, the error names the tile needing
    the most. ``costs`` (from :func:`cost_model`; it states the dataflow and objective then)
    shares tile costs between calls."""
    if mode not in MODES:
        raise RippleInputError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}",
                               field="mode")
    if rows_per_tile is not None and rows_per_tile < 1:
        raise RippleInputError(f"rows per tile must be at least 1, got {rows_per_tile}",
                               field="rows_per_tile")
    chosen: Mode = mode  # type: ignore[assignment]
    spec = partition or PartitionSpec()
    check_partition(spec, workload, machine, partition_source)
    costs = costs or cost_model(workload, machine, dataflow, objective)
    workload = costs.workload
    rows = rows_per_tile or spec.rows_per_tile or DEFAULT_ROWS_PER_TILE
    models = [costs, costs.with_dataflow(BEST)] if costs.dataflow == EXPLORE else [costs]
    return [result for model in models
            for result in _fitting_schedules(workload, machine, model, spec, chosen, rows,
                                             progress)]


def _fitting_schedules(workload: Workload, machine: Multicore, costs: CostModel,
                       spec: PartitionSpec, chosen: Mode, rows: int,
                       progress: Callable[[int], None] | None) -> list[MulticoreResult]:
    """The schedules of one cost model (see :func:`schedule_candidates`)."""
    tilings = EVENT_CANDIDATES if chosen == "event" else ((chosen, chosen),)
    costs.prefetch(search_tiles(workload, machine, spec, tilings[-1][0], rows))
    try:
        placements = place_nodes(workload, costs, spec, tilings[-1][0], rows, progress)
    except TileDoesNotMap:
        if chosen != "event":
            raise
        # a whole share does not map on its core, row blocks may: the event mode's own search
        placements = place_nodes(workload, costs, spec, chosen, rows, progress)
        tilings = tilings[:1]
    graphs = {tiling: tile_graph(workload, placements, tiling, spec.stacks)
              for tiling, _ in tilings}
    costs.prefetch((workload.node(tile.node), tile.core, tile.channels, tile.rows)
                   for graph in graphs.values() for tile in graph.tiles if tile.mac)
    results = []
    for tiling, readiness in tilings:
        results.append(_scheduled(workload, machine, costs, placements, tiling, readiness,
                                  chosen, rows, spec.stacks))
        if progress is not None:
            progress(1)
    fitting = [result for result in results if not overflow(result)]
    if fitting:
        return fitting
    if machine.offchip is None:
        raise does_not_fit(workload, results[0], costs.bits)
    spilled = [_scheduled(workload, machine, costs, placements, tiling, readiness, chosen,
                          rows, spec.stacks, spill=True) for tiling, readiness in tilings]
    fitting = [result for result in spilled if not overflow(result)]
    if not fitting:
        raise does_not_fit(workload, spilled[0], costs.bits)
    return fitting


def _scheduled(workload: Workload, machine: Multicore, costs: CostModel,
               placements: dict[str, Placement], tiling: Mode, readiness: Mode, mode: Mode,
               rows: int, stacks: list[str] | None, spill: bool = False) -> MulticoreResult:
    """One schedule: tiles cut and ordered as ``tiling`` says (depth first within each of
    ``stacks``), rows final as ``readiness`` says, activations through the off-chip memory if
    ``spill``; reported as a run of ``mode``."""
    graph = tile_graph(workload, placements, tiling, stacks)
    timeline = schedule(workload, machine, costs, graph, readiness, spill)
    curves = occupancy_curves(workload, graph, timeline, costs.bits, machine.cores,
                              offchip=machine.offchip is not None)
    peaks = {core: max(level for _, level in curve) for core, curve in curves.items()}
    order = "depth-first" if tiling != "layer" else (
        "layer order" if readiness != "layer" else "layer by layer")
    return MulticoreResult(workload.name, machine, mode, costs.dataflow, rows, graph,
                           timeline, placements, peaks, order, spill, curves,
                           stacks=stack_starts(workload, stacks) if tiling != "layer" else ())
