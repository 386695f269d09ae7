"""Allocation search: which cores run each MAC layer and how it is split, searched for the
objective within a budget of schedules.

The split search of :mod:`.allocation` looks at one layer at a time and always spreads a layer
over every core that runs it; it cannot see that two layers on disjoint cores pipeline, or that
a layer belongs on the cores of one kind. This search schedules whole allocations instead: it
starts from the given one (the partition file's, or the split search's: candidate 0, so the
result is never worse than today's) and walks the MAC layers in network order, trying for each
a few moves:

- the split by output channels, by output rows and by both (the most square grid), over all
  the cores that run the layer;
- the same splits over the cores of each kind (identical architectures), when there are
  several kinds (``examples/multicore/hetero.yaml``): the layer chooses its core type;
- the same splits over the first and over the second half of the cores, so that consecutive
  layers can run side by side and pipeline;
- in the fused and event modes, a fused stack starting at the layer, or no longer starting
  there (the partition file's ``stacks``): where the depth-first walk of one stack holds too
  much at once or keeps a core waiting, two stacks walked one after the other may do better.

A move is kept when its schedule is better for the objective (latency, energy or edp, ties to
the other figures); every schedule counts against the budget, and the search stops when it is
spent or every move was tried. MAC-free operations keep following their producers. The tile
costs are shared by every candidate (one cost model), so a candidate costs a schedule, not a
new evaluation of the tiles it shares with others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ripple.errors import RippleInputError
from ripple.multicore.costs import CostModel, rank
from ripple.multicore.partition import NodePlacementSpec, PartitionSpec, default_channel_blocks
from ripple.multicore.regions import output_map
from ripple.multicore.result import MulticoreResult
from ripple.multicore.spec import Multicore
from ripple.workload.layer import Layer
from ripple.workload.network import Workload

#: Schedules an allocation candidate yields: the fitting ones of the mode (see
#: :func:`ripple.multicore.run.schedule_candidates`).
Schedules = Callable[[PartitionSpec], list[MulticoreResult]]


def core_groups(machine: Multicore, cores: list[str]) -> list[list[str]]:
    """The sets of cores a layer may be moved onto: per kind (when several), then the first
    and the second half of ``cores`` (when there are at least two)."""
    kinds: list[list[str]] = []
    for core in cores:
        same = next((kind for kind in kinds if machine.archs[kind[0]] == machine.archs[core]),
                    None)
        if same is None:
            kinds.append([core])
        else:
            same.append(core)
    groups = kinds if len(kinds) > 1 else []
    if len(cores) > 1:
        half = len(cores) // 2
        groups += [cores[:half], cores[half:]]
    unique: list[list[str]] = []
    for group in groups:
        if group not in unique and group != cores:
            unique.append(group)
    return unique


def moves(layer: Layer, machine: Multicore, current: NodePlacementSpec
          ) -> Iterator[NodePlacementSpec]:
    """The placements tried for ``layer``, the current one excepted."""
    runnable = machine.cores_running(layer.operator)
    splits = ["channels", "rows", "both"] if output_map(layer).h > 1 else ["channels"]
    for cores in [None, *core_groups(machine, runnable)]:
        count = len(cores or runnable)
        for split in splits:
            if (split == "rows" and count < 2) or (
                    split == "both" and default_channel_blocks(count) in (1, count)):
                continue  # moot: another move is the same split (a prime count has no grid)
            move = NodePlacementSpec(split=split, cores=cores,
                                     rows_per_tile=current.rows_per_tile)
            if move != current:
                yield move


def search_allocation(workload: Workload, costs: CostModel, spec: PartitionSpec, budget: int,
                      schedules: Schedules, stacked: bool = False
                      ) -> tuple[MulticoreResult, int]:
    """The best schedule over at most ``1 + budget`` allocations, and how many were
    scheduled. ``schedules`` schedules one partition (under the shared ``costs``);
    ``stacked``: the mode walks fused stacks (fused and event), so stack starts are moves."""
    def score(results: list[MulticoreResult]) -> tuple[tuple[float, ...], MulticoreResult]:
        best = min(results, key=lambda r: rank(costs.objective, r.latency_cycles, r.energy_pj))
        return rank(costs.objective, best.latency_cycles, best.energy_pj), best

    best_score, best = score(schedules(spec))
    tried = 1

    def better(candidate: PartitionSpec) -> bool:
        """Schedule ``candidate`` and keep it if it beats the best so far."""
        nonlocal best_score, best, spec, tried
        tried += 1
        try:
            found_score, found = score(schedules(candidate))
        except RippleInputError:  # a tile that maps nowhere, buffers that cannot hold it
            return False
        if found_score < best_score:
            best_score, best, spec = found_score, found, candidate
            return True
        return False

    first = workload.layers[0].name
    for layer in workload.mac_layers:
        current = spec.layers.get(layer.name, NodePlacementSpec())
        for move in moves(layer, costs.machine, current):
            if tried > budget:
                return best, tried
            if better(spec.model_copy(update={"layers": {**spec.layers, layer.name: move}})):
                current = move
        if stacked and layer.name != first:
            if tried > budget:
                return best, tried
            starts = spec.stacks or []
            toggled = [name for name in starts if name != layer.name] \
                if layer.name in starts else [*starts, layer.name]
            better(spec.model_copy(update={"stacks": toggled or None}))
    return best, tried
