"""Each node's placement: as the partition file states it, found by a small search, or
following its producer.

The search (``split: auto`` on a MAC layer) tries the layer split by output channels and by
output rows over its cores, cuts each into the mode's tiles, and keeps the one whose busiest
core has the fewest cycles of tile work (ties: less tile energy; then channels). A split whose
tiles do not map (they overflow a memory) is out; when both are, the channel split's reason is
reported. The search looks at each layer alone and at compute only; data movement and
pipelining are the schedule's to find.
"""

from __future__ import annotations

from ripple.multicore.costs import CostModel, TileDoesNotMap
from ripple.multicore.partition import (
    NodePlacementSpec,
    PartitionSpec,
    Placement,
    Split,
    even_placement,
    following_placement,
)
from ripple.multicore.regions import Node, is_view, output_map
from ripple.multicore.tiles import Mode, share_blocks
from ripple.workload.layer import Layer
from ripple.workload.network import Workload


def place_nodes(workload: Workload, costs: CostModel, spec: PartitionSpec, mode: Mode,
                rows_per_tile: int) -> dict[str, Placement]:
    machine = costs.machine
    npes = {core: float(machine.archs[core].npes) for core in machine.cores}
    placements: dict[str, Placement] = {}
    for node in workload.layers:
        if is_view(node):
            continue
        entry = spec.layers.get(node.name, NodePlacementSpec())
        cores = entry.cores or machine.cores
        weights = [npes[core] for core in cores]
        rows = entry.rows_per_tile or rows_per_tile
        producer = _first_producer(workload, node)
        if entry.split != "auto":
            placement = even_placement(node, entry.split, cores, weights, rows)
        elif isinstance(node, Layer):
            placement = _search(node, cores, weights, costs, mode, rows)
        elif producer is not None and entry.cores is None:
            placement = following_placement(workload, node, placements[producer], npes, rows)
        else:
            split: Split = "rows" if output_map(node).h > 1 else "channels"
            placement = even_placement(node, split, cores, weights, rows)
        placements[node.name] = placement
    return placements


def _first_producer(workload: Workload, node: Node) -> str | None:
    """The node feeding ``node``'s first input, through views."""
    name = node.inputs[0] if node.inputs else None
    while name is not None and is_view(workload.node(name)):
        view = workload.node(name)
        name = view.inputs[0] if view.inputs else None
    return name


def _search(layer: Layer, cores: list[str], weights: list[float], costs: CostModel,
            mode: Mode, rows_per_tile: int) -> Placement:
    splits: list[Split] = ["channels", "rows"] if output_map(layer).h > 1 else ["channels"]
    best: tuple[tuple[int, float], Placement] | None = None
    failures: list[TileDoesNotMap] = []
    for split in splits:
        placement = even_placement(layer, split, cores, weights, rows_per_tile)
        work = dict.fromkeys(cores, 0)
        energy = 0.0
        try:
            for share in placement.shares:
                for rows in share_blocks(placement, share, mode):
                    cost = costs.cost(layer, share.core, share.channels, rows)
                    work[share.core] += cost.duration
                    energy += sum(cost.energy_pj.values())
        except TileDoesNotMap as exc:
            failures.append(exc)
            continue
        score = (max(work.values()), energy)
        if best is None or score < best[0]:
            best = (score, placement)
    if best is None:
        raise failures[0]
    return best[1]
