"""Each node's placement: as the partition file states it, found by a small search, or
following its producer.

The search (``split: auto`` on a MAC layer) tries the layer split by output channels, by
output rows and, over three cores or more, by both (every grid of 2 to cores - 1 channel
blocks, :func:`.partition.even_placement`) over its cores, cuts each into the mode's tiles,
and keeps the one whose busiest core has the fewest cycles of work (ties: less energy; then
channels; for the energy and edp objectives, the least energy or busiest cycles x energy
first). A core's work is its tiles' cycles plus the cycles to bring in its data as if alone
on the links: a channel share needs only its weights but every input row, a row share every
weight but only its rows and halo, and rows produced on the same core need no transfer. A
split whose tiles do not map (they overflow a memory) is out; when none maps, the channel
split's reason is reported. The search looks at each layer alone: contention and pipelining
are the schedule's to find."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ripple.errors import RippleInputError
from ripple.multicore.costs import (
    CostModel,
    TileDoesNotMap,
    access_energy,
    rank,
    weight_bits,
)
from ripple.multicore.partition import (
    NodePlacementSpec,
    PartitionSpec,
    Placement,
    Share,
    Split,
    channel_units,
    even_placement,
    following_placement,
)
from ripple.multicore.regions import Node, Range, is_view, needs, output_map
from ripple.multicore.spec import Multicore
from ripple.multicore.tiles import Mode, share_blocks
from ripple.workload.layer import Layer
from ripple.workload.network import Workload


def place_nodes(workload: Workload, costs: CostModel, spec: PartitionSpec, mode: Mode,
                rows_per_tile: int,
                placed: Callable[[int], None] | None = None) -> dict[str, Placement]:
    """Every node's placement (views have none); ``placed`` is told of each node placed."""
    machine = costs.machine
    npes = {core: float(machine.archs[core].npes) for core in machine.cores}
    placements: dict[str, Placement] = {}
    for node in workload.layers:
        if is_view(node):
            continue
        entry = spec.layers.get(node.name, NodePlacementSpec())
        cores, weights, rows = _setting(machine, node, entry, rows_per_tile)
        producer = _first_producer(workload, node)
        if entry.split != "auto":
            placement = even_placement(node, entry.split, cores, weights, rows,
                                       entry.channel_blocks)
        elif isinstance(node, Layer):
            placement = _search(workload, node, cores, weights, costs, mode, rows, placements)
        elif producer is not None and entry.cores is None and \
                {s.core for s in placements[producer].shares} <= set(cores):
            placement = following_placement(workload, node, placements[producer], placements,
                                            npes, rows)
        else:
            split: Split = "rows" if output_map(node).h > 1 else "channels"
            placement = even_placement(node, split, cores, weights, rows)
        placements[node.name] = placement
        if placed is not None:
            placed(1)
    return placements


def search_tiles(workload: Workload, machine: Multicore, spec: PartitionSpec, mode: Mode,
                 rows_per_tile: int) -> Iterator[tuple[Layer, str, Range, Range]]:
    """Every MAC tile :func:`place_nodes` may cost: the tiles of each split it tries (so that
    they can be evaluated together, beforehand)."""
    for node in workload.mac_layers:
        entry = spec.layers.get(node.name, NodePlacementSpec())
        cores, weights, rows = _setting(machine, node, entry, rows_per_tile)
        tried = [(entry.split, entry.channel_blocks)] if entry.split != "auto" \
            else split_candidates(node, len(cores))
        for split, blocks in tried:
            placement = even_placement(node, split, cores, weights, rows, blocks)
            for share in placement.shares:
                for block in share_blocks(placement, share, mode):
                    yield node, share.core, share.channels, block


def _setting(machine: Multicore, node: Node, entry: NodePlacementSpec, rows_per_tile: int
             ) -> tuple[list[str], list[float], int]:
    """The cores that run ``node``, their shares' weights (their MAC counts) and its rows per
    tile."""
    cores = _running(machine, node, entry.cores)
    return cores, [float(machine.archs[core].npes) for core in cores], \
        entry.rows_per_tile or rows_per_tile


def split_candidates(layer: Layer, cores: int) -> list[tuple[Split, int | None]]:
    """The splits the search tries over ``cores`` cores, with their channel blocks: by
    channels; by rows when there is more than one; by both on every grid that is neither
    (2 to ``cores - 1`` channel blocks, at most one per channel unit)."""
    if output_map(layer).h < 2:
        return [("channels", None)]
    return [("channels", None), ("rows", None),
            *(("both", blocks) for blocks in range(2, min(cores - 1, channel_units(layer)) + 1))]


def _running(machine: Multicore, node: Node, chosen: list[str] | None) -> list[str]:
    """The cores that may run ``node`` (among ``chosen``, the partition file's, if given);
    none, or a chosen core that does not run its operator, is an error naming it."""
    cores = machine.cores_running(node.operator)
    refused = [core for core in chosen or [] if core not in cores]
    if refused or not cores:
        raise RippleInputError(
            f"{'core ' + repr(refused[0]) if refused else 'no core of ' + machine.name} does "
            f"not run {node.operator} (node {node.name!r}); cores that do: "
            f"{', '.join(cores) or 'none'}", field=f"layers.{node.name}.cores")
    return chosen or cores


def _first_producer(workload: Workload, node: Node) -> str | None:
    """The node feeding ``node``'s first input, through views."""
    name = node.inputs[0] if node.inputs else None
    while name is not None and is_view(workload.node(name)):
        view = workload.node(name)
        name = view.inputs[0] if view.inputs else None
    return name


def _search(workload: Workload, layer: Layer, cores: list[str], weights: list[float],
            costs: CostModel, mode: Mode, rows_per_tile: int,
            placed: dict[str, Placement]) -> Placement:
    best: tuple[tuple[float, ...], Placement] | None = None
    failures: list[TileDoesNotMap] = []
    for split, blocks in split_candidates(layer, len(cores)):
        placement = even_placement(layer, split, cores, weights, rows_per_tile, blocks)
        work = dict.fromkeys(cores, 0)
        energy = 0.0
        try:
            for share in placement.shares:
                for rows in share_blocks(placement, share, mode):
                    cost = costs.cost(layer, share.core, share.channels, rows)
                    work[share.core] += cost.duration
                    energy += sum(cost.energy_pj.values())
                cycles, pj = _inbound(workload, layer, share, costs, placed)
                work[share.core] += cycles
                energy += pj
        except TileDoesNotMap as exc:
            failures.append(exc)
            continue
        score = rank(costs.objective, max(work.values()), energy)
        if best is None or score < best[0]:
            best = (score, placement)
    if best is None:
        raise failures[0]
    return best[1]


def _inbound(workload: Workload, layer: Layer, share: Share, costs: CostModel,
             placed: dict[str, Placement]) -> tuple[int, float]:
    """Cycles and off-chip energy to bring a share its data, were it alone on the links: its
    weights and any network input from the off-chip memory, and the input rows produced on
    other cores over the widest route into its core."""
    machine, core = costs.machine, share.core
    offchip = machine.offchip
    from_offchip = weight_bits(layer, share.channels) if offchip is not None else 0
    from_cores = 0
    for need in needs(workload, layer, share.channels, share.rows):
        size = need.fmap.elements(need.channels, need.rows)
        if need.producer is None:
            from_offchip += size * costs.bits[None] if offchip is not None else 0
            continue
        local = sum(need.fmap.elements(_overlap(need.channels, s.channels),
                                       _overlap(need.rows, s.rows))
                    for s in placed[need.producer].shares if s.core == core)
        from_cores += (size - local) * costs.bits[need.producer]
    cycles = 0
    energy = 0.0
    if from_offchip:
        assert offchip is not None
        width = min(offchip.read_bandwidth, machine.routes[(offchip.name, core)][0].bandwidth)
        cycles += -(-from_offchip // width)
        energy += access_energy(offchip.as_memory(), from_offchip, "read")
    if from_cores:
        width = max(machine.routes[(other, core)][0].bandwidth
                    for other in machine.cores if other != core)
        cycles += -(-from_cores // width)
    return cycles, energy


def _overlap(a: Range, b: Range) -> Range:
    return (max(a[0], b[0]), max(min(a[1], b[1]), a[0], b[0]))
