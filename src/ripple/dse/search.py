"""Search to each layer's optimum without an export (``ripple explore`` without ``--export``).

The exhaustive run evaluates and writes every mapping; a search keeps only what can still be
the optimum (or a point of the Pareto front) and skips what provably cannot:

1. every skeleton's mappings (one order of each class that counts alike:
   model/order_classes.py) get their *floors*: their energy (exact, whether they fit or not;
   on a deep hierarchy first only the outermost level's part) and their compute steps (a floor
   of their latency), which take the energy half of an evaluation and none of its latency,
   ports and tiles (:meth:`SkeletonBatch.floors`);
2. skeletons are visited from the lowest floor of the objective up, so good mappings come
   first; a skeleton whose lowest floor is worse than the best found is skipped whole, and
   in the others only the orders whose floors can still match the best are evaluated.

A floor never exceeds the cost of the mapping it stands for (docs/exploration.md, "Search"),
so nothing skipped could have been better, or tied: the optimum's value is the exhaustive
run's. Identical layers (shape, precision and constraints) are searched once.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import as_completed
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from ripple.arch.spec import Architecture
from ripple.dse import space
from ripple.dse.analysis import pareto_front
from ripple.dse.constraints import Constraints
from ripple.dse.floors import Floors, PartialFloors, joined
from ripple.dse.loma import loma_applies, loma_mappings
from ripple.dse.sparse_ranking import SparseRanking
from ripple.errors import MappingError
from ripple.mapping import bind
from ripple.mapping.skeleton import Skeleton
from ripple.mapping.spec import Mapping
from ripple.model.batch import SkeletonBatch
from ripple.model.sparsity import DensitiesLike
from ripple.pool import stoppable_pool
from ripple.workload.densities import DensityTable
from ripple.workload.layer import Layer

#: Per-order floors kept from the first pass for the second (beyond: computed again).
KEPT_FLOORS = 4_000_000


@dataclass(frozen=True)
class Found:
    """One evaluated, valid mapping: its costs, its skeleton and its order; or, for a mapping
    no skeleton holds (LOMA's uneven ones: :mod:`ripple.dse.loma`), the mapping itself."""

    energy_pj: float
    latency_cycles: int | float  # expected cycles (a float) under densities
    skeleton: Skeleton
    order: tuple[int, ...]
    mapping: Mapping | None = None


@dataclass
class Counts:
    """How much of a layer's space was evaluated and how much the bounds skipped."""

    skeletons: int = 0
    skeletons_evaluated: int = 0
    mappings: int = 0
    distinct: int = 0  # one order of each class every count agrees on (model/order_classes.py)
    evaluated: int = 0
    valid: int = 0
    sampled: bool = False
    loma: int = 0  # LOMA's uneven mappings evaluated beside the skeletons (dse/loma.py)

    @property
    def skeletons_pruned(self) -> int:
        return self.skeletons - self.skeletons_evaluated

    @property
    def pruned(self) -> int:
        return 0 if self.sampled else self.mappings - self.evaluated


@dataclass
class LayerSearch:
    layer: str
    counts: Counts
    best: Found | None = None
    front: list[Found] = field(default_factory=list)
    explored_as: str | None = None  # an identical layer's name, whose search this is


class Tracker:
    """The best mapping so far under one objective (or the Pareto front so far), and what a
    floor must be to still matter. Ties are kept: a floor equal to the best may tie it and
    win on the tie-break (latency, then energy), as in the exhaustive run's findings."""

    def __init__(self, objective: str):
        self.objective = objective
        self.best: Found | None = None
        self.best_key: tuple[float, float, float] | None = None
        self.front: list[Found] = []

    def score(self, energy: NDArray[np.float64] | None, latency: NDArray[np.int64]
              ) -> NDArray[np.float64]:
        """The objective of each mapping (or a floor of it, from floors)."""
        if self.objective == "latency":
            return latency.astype(np.float64)
        assert energy is not None
        return energy * latency if self.objective == "edp" else energy

    def skeleton_floor(self, energy: NDArray[np.float64] | None, latency: NDArray[np.int64]
                       ) -> tuple[float, int, float]:
        """A skeleton's floor from its orders' floors: the least score, the least latency
        floor and the least energy (0 when not computed: a floor still)."""
        least = float(energy.min()) if energy is not None else 0.0
        score = least if self.objective == "pareto" else float(self.score(energy, latency).min())
        return score, int(latency.min()), least

    def may_matter(self, energy: NDArray[np.float64] | None, latency: NDArray[np.int64],
                   score: NDArray[np.float64] | None = None) -> NDArray[np.bool_]:
        """Per floor, whether a mapping above it could still beat the best on (score,
        latency, energy), compared in that order, or join the front (no front point matches
        it in both energy and latency). A mapping's key is at least its floors' key in each
        place, so a floor key at or past the best's cannot lead to a better key."""
        if self.objective == "pareto":
            assert energy is not None
            if not self.front:
                return np.ones(len(latency), dtype=bool)
            fe = np.array([f.energy_pj for f in self.front])
            fl = np.array([f.latency_cycles for f in self.front])  # ascending, fe descending
            at = np.searchsorted(fl, latency, side="right")
            return (at == 0) | (fe[np.maximum(at - 1, 0)] > energy)
        if self.best_key is None:
            return np.ones(len(latency), dtype=bool)
        s = self.score(energy, latency) if score is None else score
        e = energy if energy is not None else np.zeros(len(latency))
        best_s, best_l, best_e = self.best_key
        return (s < best_s) | ((s == best_s) & ((latency < best_l)
                                                | ((latency == best_l) & (e < best_e))))

    def offer(self, found: Found) -> None:
        """One valid mapping, which may be the best (or join the front)."""
        if self.objective == "pareto":
            self._join([found])
            return
        score = float(self.score(np.array([found.energy_pj]),
                                 np.array([found.latency_cycles]))[0])
        self._consider((score, float(found.latency_cycles), found.energy_pj), found)

    def add(self, skeleton: Skeleton, orders: NDArray[np.int64], energy: NDArray[np.float64],
            latency: NDArray[np.int64], valid: NDArray[np.bool_]) -> None:
        """A skeleton's evaluated orders (those ``valid`` count)."""
        ok = np.flatnonzero(valid)
        if not len(ok):
            return
        e, lat = energy[ok], latency[ok]
        if self.objective == "pareto":
            self._join([Found(float(e[i]), lat[i].item(), skeleton,
                              tuple(int(x) for x in orders[ok[i]])) for i in range(len(ok))])
            return
        score = self.score(e, lat)
        i = int(np.lexsort((e, lat, score))[0])  # ties broken by latency, then energy
        self._consider((float(score[i]), float(lat[i]), float(e[i])),
                       Found(float(e[i]), lat[i].item(), skeleton,
                             tuple(int(x) for x in orders[ok[i]])))

    def _join(self, found: list[Found]) -> None:
        points = [*self.front, *found]
        keep = pareto_front(np.array([p.energy_pj for p in points]),
                            np.array([p.latency_cycles for p in points]))  # float: expected
        self.front = [points[i] for i in keep]

    def _consider(self, key: tuple[float, float, float], found: Found) -> None:
        if self.best_key is None or key < self.best_key:
            self.best_key, self.best = key, found


def search_layer(layer: Layer, arch: Architecture, constraints: Constraints, objective: str,
                 *, batch_size: int = 16_384, sample: space.Sample | None = None,
                 progress: Callable[[int], None] | None = None,
                 densities: DensitiesLike | None = None) -> LayerSearch:
    """The optimum of one layer under ``objective`` (the front under ``pareto``), pruned;
    with ``sample`` ``(N, seed)``, the best of N mappings drawn uniformly over the space;
    with ``densities``, ranked by the expected sparse counts (dse/sparse_ranking.py)."""
    tracker, counts = Tracker(objective), Counts(sampled=sample is not None)
    ranking = None if densities is None else SparseRanking(densities, arch)
    if sample is None:
        if loma_applies(arch, constraints):  # first: a good best prunes the skeletons more
            _loma_pass(layer, arch, constraints, tracker, counts, ranking)
        _pruned_search(layer, arch, constraints, tracker, counts, batch_size, progress, ranking)
        return LayerSearch(layer.name, counts, tracker.best, tracker.front)
    found, sizes = space.counted(layer, arch, constraints)
    counts.skeletons, counts.mappings = len(found), int(sizes.sum())
    skeletons: set[Skeleton] = set()
    for skeleton, rows in space.draw(found, sizes, constraints, *sample):
        for begin in range(0, len(rows), batch_size):
            _evaluate(layer, arch, skeleton, rows[begin:begin + batch_size], tracker, counts,
                      ranking)
        skeletons.add(skeleton)
        if progress:
            progress(len(rows))
    counts.skeletons_evaluated = len(skeletons)
    return LayerSearch(layer.name, counts, tracker.best, tracker.front)


def _evaluate(layer: Layer, arch: Architecture, skeleton: Skeleton, orders: NDArray[np.int64],
              tracker: Tracker, counts: Counts, ranking: SparseRanking | None) -> None:
    if ranking is None:
        batch = space.skeleton_batch(layer, arch, skeleton)
        assert batch is not None, "evaluable skeletons bind"
        columns = batch.evaluate(orders)
        energy, latency, valid = columns.energy_pj, columns.latency["total"], columns.valid
    else:
        energy, latency, valid = ranking.evaluate(layer, [
            skeleton.mapping(arch, order) for order in orders])
    tracker.add(skeleton, orders, energy, latency, valid)
    counts.evaluated += len(orders)
    counts.valid += int(valid.sum())


def _floors(batch: SkeletonBatch, orders: NDArray[np.int64], energy: bool,
            ranking: SparseRanking | None
            ) -> tuple[NDArray[np.float64] | None, NDArray[np.int64]]:
    """The orders' floors: of their dense costs, or of their expected sparse ones."""
    return batch.floors(orders, energy) if ranking is None else ranking.floors(batch, orders,
                                                                               energy)


def _loma_pass(layer: Layer, arch: Architecture, constraints: Constraints, tracker: Tracker,
               counts: Counts, ranking: SparseRanking | None) -> None:
    """Every mapping LOMA considers for the fixed unrolling (dse/loma.py): its floors first,
    and an evaluation only where they may still beat the best (as a skeleton's orders)."""
    assert constraints.spatial is not None
    energy_needed = tracker.objective != "latency"
    for mapping in loma_mappings(layer, arch, constraints.spatial):
        try:
            nest = bind(layer, arch, mapping, source="LOMA's ordering")
        except MappingError:  # an unrolling that splits outputs over instances
            continue
        batch = SkeletonBatch.of_nest(nest)
        order = np.arange(batch.n)[None, :]
        counts.loma += 1
        counts.mappings += 1
        counts.distinct += 1
        energy, compute = _floors(batch, order, energy_needed, ranking)
        if not tracker.may_matter(energy, compute)[0]:
            continue
        if ranking is None:
            columns = batch.evaluate(order)
            costs = columns.energy_pj, columns.latency["total"], columns.valid
        else:
            costs = ranking.evaluate(layer, [mapping])
        counts.evaluated += 1
        if costs[2][0]:
            counts.valid += 1
            tracker.offer(Found(float(costs[0][0]), costs[1][0].item(), batch.skeleton,
                                tuple(range(batch.n)), mapping))


def _pruned_search(layer: Layer, arch: Architecture, constraints: Constraints,
                   tracker: Tracker, counts: Counts, batch_size: int,
                   progress: Callable[[int], None] | None,
                   ranking: SparseRanking | None) -> None:
    energy_needed = tracker.objective != "latency"
    # Deep hierarchies: the first pass counts the outermost level's accesses only (the costly
    # ones, a floor still); a skeleton visited gets its full floors in the second. (Under
    # densities every skeleton gets its floors of the sparse costs at once.)
    outermost = (frozenset(m.name for m in arch.levels[0].memories)
                 if energy_needed and len(arch.levels) > 1 and ranking is None else None)
    kept: dict[int, Floors] = {}
    held = 0
    ranked = []
    found = []
    partial = PartialFloors(tracker, constraints, batch_size)
    for skeleton in space.evaluable(layer, arch, constraints):  # first pass: the floors
        batch = space.skeleton_batch(layer, arch, skeleton)  # built just now, kept
        assert batch is not None
        distinct = space.count_orders(skeleton, constraints, alike=batch)
        if progress:
            progress(distinct)
        counts.skeletons += 1
        counts.distinct += distinct
        orders = space.count_orders(skeleton, constraints)
        counts.mappings += orders
        if not orders:  # the order constraints leave it none
            continue
        if outermost is not None:
            ranked.append((*partial.floor(batch, outermost), len(found)))
        else:
            per_chunk = [_floors(batch, chunk, energy_needed, ranking)
                         for chunk in space.orders(skeleton, constraints, chunk=batch_size,
                                                   alike=batch)]
            ranked.append((*tracker.skeleton_floor(*joined(per_chunk, energy_needed)),
                           len(found)))
            rows = sum(len(c) for _, c in per_chunk)
            if held + rows <= KEPT_FLOORS:  # else computed again (memoized)
                kept[len(found)] = per_chunk
                held += rows
        found.append(skeleton)
    for score, latency, least, index in sorted(ranked):  # second pass: lowest floor first
        if tracker.objective != "pareto" and tracker.best_key is not None \
                and score > tracker.best_key[0]:
            break  # every skeleton left has a floor at least this one's
        corner = tracker.may_matter(np.array([least]) if energy_needed else None,
                                    np.array([latency]), np.array([score]))
        if not corner[0]:
            continue  # no mapping of it can do better (under pareto: its corner is dominated)
        if outermost is not None and not partial.may_matter(layer, arch, found[index]):
            continue  # a deeper level's floor rules it out
        _visit(layer, arch, constraints, found[index], kept.get(index), tracker, counts,
               batch_size, ranking)


def _visit(layer: Layer, arch: Architecture, constraints: Constraints, skeleton: Skeleton,
           floors: Floors | None, tracker: Tracker, counts: Counts, batch_size: int,
           ranking: SparseRanking | None) -> None:
    """Evaluate the orders of a skeleton whose floors may still matter: lowest floor first,
    a few, then four times as many, and so on, each time skipping what the best found so far
    rules out (the first orders usually settle it)."""
    batch = space.skeleton_batch(layer, arch, skeleton)
    assert batch is not None
    evaluated = 0
    for i, chunk in enumerate(space.orders(skeleton, constraints, chunk=batch_size,
                                           alike=batch)):
        energy, compute = floors[i] if floors is not None else (None, None)
        if energy is None or compute is None:  # the latency search skips energy in its pass
            energy, compute = _floors(batch, chunk, True, ranking)  # but it breaks ties
        score = energy if tracker.objective == "pareto" else tracker.score(energy, compute)
        pending = np.lexsort((energy, compute, score))  # by floor key, lowest first
        step = 1
        while len(pending):
            pending = pending[tracker.may_matter(energy[pending], compute[pending],
                                                 score[pending])]
            taken, pending = pending[:step], pending[step:]
            if len(taken):
                _evaluate(layer, arch, skeleton, chunk[np.sort(taken)], tracker, counts,
                          ranking)
                evaluated += len(taken)
            step *= 4
    counts.skeletons_evaluated += evaluated > 0


def search(layers: list[Layer], arch: Architecture, constraints: Constraints, objective: str,
           *, batch_size: int = 16_384, sample: space.Sample | None = None,
           progress: Callable[[int], None] | None = None, workers: int = 1,
           densities: DensityTable | None = None) -> tuple[list[LayerSearch], int]:
    """Every layer's search, and how many searches ran: a layer identical to one searched
    before (same shape, precision, constraints and densities) takes its result under its own
    name. With ``workers`` > 1 the distinct layers are searched by a local process pool, each
    in one process (``progress`` then hears of a layer's mappings when it ends)."""
    first: dict[str, Layer] = {}
    key_of = {}
    for layer in layers:
        rules = constraints.for_layer(layer.name)
        key = repr((layer.model_copy(update={"name": "", "inputs": ()}),  # the graph's only
                    rules.model_copy(update={"layers": {}}),
                    None if densities is None else densities.of(layer.name)))
        key_of[layer.name] = key
        first.setdefault(key, layer)
    done: dict[str, LayerSearch] = {}
    if workers > 1 and len(first) > 1:
        with stoppable_pool(min(workers, len(first))) as pool:
            pending = {pool.submit(search_layer, layer, arch, constraints.for_layer(layer.name),
                                   objective, batch_size=batch_size, sample=sample,
                                   densities=_of(densities, layer)): key
                       for key, layer in first.items()}
            for future in as_completed(pending):
                done[pending[future]] = result = future.result()
                if progress:
                    progress(result.counts.evaluated if sample else result.counts.distinct)
    else:
        for key, layer in first.items():
            done[key] = search_layer(layer, arch, constraints.for_layer(layer.name), objective,
                                     batch_size=batch_size, sample=sample, progress=progress,
                                     densities=_of(densities, layer))
    results = []
    for layer in layers:
        found = done[key_of[layer.name]]
        results.append(found if found.layer == layer.name
                       else replace(found, layer=layer.name, explored_as=found.layer))
    return results, len(done)


def _of(densities: DensityTable | None, layer: Layer) -> DensitiesLike | None:
    return None if densities is None else densities.of(layer.name)

