"""What a tile costs on its core, from the single-core model, and what moving bits costs.

A MAC tile is a smaller layer: a channel share is a convolution with fewer output channels (and
fewer groups, for a grouped one); a row block is a convolution over the input rows it reads,
its halo, with the padding that falls inside the block. The sub-layer is evaluated by
:func:`ripple.model.evaluate` under a dataflow preset on the core's architecture, so a tile's
cycles, energy and output readiness are the model's, and a tile equal to the whole layer costs
exactly what ``ripple evaluate --dataflow`` reports.

Output readiness is counted in compute cycles; a tile's wall clock adds fill before the first
step, spreads its stalls evenly over the steps, and adds the drain: row ``r`` is final
``fill + ceil(ready_r * (compute + stall) / compute) + drain`` cycles after the tile starts
(the last row: the tile's latency).

A MAC-free operation costs no MAC: it reads its inputs from and writes its output to the core's
home memories, in transactions of their port widths; the tile lasts as many cycles as its
busiest port needs, and its rows become final evenly over that time.
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ripple.arch.spec import Architecture, Memory
from ripple.dse.presets import PRESETS, preset_mapping, resolve
from ripple.errors import MappingError, RippleInputError
from ripple.mapping import bind
from ripple.mapping.spec import Mapping
from ripple.model import evaluate
from ripple.multicore.explored import OBJECTIVES, ExploredTile, explore_tile
from ripple.multicore.regions import Node, Range, needs, output_map
from ripple.multicore.spec import Multicore
from ripple.pool import stoppable_pool
from ripple.results.result import LayerResult
from ripple.workload.layer import Layer
from ripple.workload.network import Workload


class TileDoesNotMap(RippleInputError):
    """A tile's sub-layer has no mapping on its core under the chosen preset."""


@dataclass(frozen=True)
class TileCost:
    """``row_final[r]``: cycles after the tile's start at which its output row ``r`` is final.
    ``energy_pj``: ``mac`` and one entry per memory of the core. ``result``: the single-core
    model's result of a MAC tile."""

    duration: int
    row_final: tuple[int, ...]
    macs: int
    energy_pj: dict[str, float]
    result: LayerResult | None = None


def transactions(memory: Memory, bits: int, direction: Literal["read", "write"]) -> int:
    width = memory.read_bandwidth if direction == "read" else memory.write_bandwidth
    return -(-bits // width)


def access_energy(memory: Memory, bits: int, direction: Literal["read", "write"]) -> float:
    """Energy of moving ``bits`` through one port of ``memory`` (per transaction or per bit)."""
    unit = memory.read_energy_pj if direction == "read" else memory.write_energy_pj
    count = bits if memory.energy_per == "bit" else transactions(memory, bits, direction)
    return count * unit


def tensor_bits(workload: Workload) -> dict[str | None, int]:
    """Bits per element of every node's output (``None``: the network input). A MAC layer
    writes ``O_final``; an operation keeps its first input's width; the network input has the
    ``I`` width of the first MAC layer."""
    macs = workload.mac_layers
    bits: dict[str | None, int] = {None: macs[0].precision.I if macs else 16}
    for node in workload.layers:
        if isinstance(node, Layer):
            bits[node.name] = node.precision.O_final
        else:
            bits[node.name] = bits[node.inputs[0] if node.inputs else None]
    return bits


def sub_layer(layer: Layer, channels: Range, rows: Range) -> Layer:
    """The layer a tile computes: output channels ``channels`` and output rows ``rows``."""
    k = channels[1] - channels[0]
    update: dict[str, object] = {"K": k}
    if layer.G > 1:
        groups = k // layer.K_group
        update |= {"G": groups, "C": groups * layer.C_group}
    if rows != (0, layer.OY):
        stride, dilation, top = layer.stride[0], layer.dilation[0], layer.padding[0]
        first = rows[0] * stride - top
        end = (rows[1] - 1) * stride + (layer.FY - 1) * dilation - top + 1
        lo, hi = max(first, 0), min(end, layer.IY)
        update |= {"IY": hi - lo, "padding": (lo - first, end - hi, *layer.padding[2:])}
    return Layer.model_validate({**layer.model_dump(), **update})


def weight_bits(layer: Layer, channels: Range) -> int:
    """Bits of the weights output channels ``channels`` use."""
    k = channels[1] - channels[0]
    return k * layer.C_group * layer.FY * layer.FX * layer.precision.W


#: The dataflow name that picks, per tile, the best preset for the objective.
BEST = "best"
#: The dataflow name that gives each tile the explorer's optimum for the objective (over a
#: bounded subspace, :mod:`ripple.multicore.explored`), or its best preset when that is better.
EXPLORE = "explore"


def rank(objective: str, latency: float, energy: float) -> tuple[float, ...]:
    """What is minimised for ``objective``: its figure first, then latency, then energy."""
    figure = {"latency": latency, "energy": energy, "edp": latency * energy}[objective]
    return (figure, latency, energy)


#: A preset's outcome on a tile: its mapping and the model's result, or why it does not map.
PresetOutcome = tuple[Mapping, LayerResult] | str

#: Distinct tiles from which :meth:`CostModel.prefetch` evaluates on a pool of processes.
PARALLEL_FROM = 16


def evaluate_presets(sub: Layer, arch: Architecture, names: list[str]
                     ) -> dict[str, PresetOutcome]:
    """Each preset's outcome on the tile ``sub`` (run in a worker process by
    :meth:`CostModel.prefetch`, in the caller's otherwise)."""
    outcomes: dict[str, PresetOutcome] = {}
    for name in names:
        try:
            mapping = preset_mapping(sub, arch, name)
            outcomes[name] = (mapping, evaluate(bind(sub, arch, mapping, source=name)))
        except MappingError as exc:
            outcomes[name] = exc.detail
    return outcomes


def _evaluate_presets_of(task: tuple[Layer, Architecture, list[str]]
                         ) -> dict[str, PresetOutcome]:
    return evaluate_presets(*task)


class CostModel:
    """Tile costs on the cores of ``machine`` under one dataflow preset, the best preset of
    each tile, or the explorer's mapping of each tile, cached: row blocks of the same shape
    (every interior block) are evaluated and explored once per architecture (identical cores
    share the evaluation) and objective. :meth:`with_dataflow` gives a model sharing the
    caches (the best presets of an explored model are already evaluated)."""

    def __init__(self, workload: Workload, machine: Multicore, dataflow: str,
                 objective: str = "latency"):
        if objective not in OBJECTIVES:
            raise RippleInputError(f"unknown objective {objective!r}; expected one of "
                                   f"{', '.join(OBJECTIVES)}", field="objective")
        self.workload = workload
        self.machine = machine
        self.dataflow = dataflow if dataflow in (BEST, EXPLORE) else resolve(dataflow).name
        self.objective = objective
        self.bits = tensor_bits(workload)
        self._mac_cache: dict[tuple[str, str, Layer], TileCost] = {}
        self._presets: dict[tuple[str, Layer], dict[str, PresetOutcome]] = {}
        #: every explored tile: (core standing for its kind, sub-layer) -> the explorer's optimum
        self.explored: dict[tuple[str, Layer], ExploredTile | None] = {}
        # cores of one architecture share their tiles' costs: the first such core stands for all
        self._kind: dict[str, str] = {}
        for core, arch in machine.archs.items():
            self._kind[core] = next(c for c in machine.cores if machine.archs[c] == arch)

    def with_dataflow(self, dataflow: str) -> CostModel:
        """The same model under another dataflow, sharing every cache."""
        other = copy.copy(self)
        other.dataflow = dataflow
        return other

    def cost(self, node: Node, core: str, channels: Range, rows: Range) -> TileCost:
        if isinstance(node, Layer):
            return self._mac(node, core, channels, rows)
        return self._operation(node, core, channels, rows)

    def _mac(self, layer: Layer, core: str, channels: Range, rows: Range) -> TileCost:
        sub = self._sub(layer, channels, rows)
        key = (self.dataflow, self._kind[core], sub)
        if key not in self._mac_cache:
            self._mac_cache[key] = self._tile_cost(self._result(sub, self._kind[core]))
        return self._mac_cache[key]

    @staticmethod
    def _sub(layer: Layer, channels: Range, rows: Range) -> Layer:
        """The tile's sub-layer, named after its layer and detached from its inputs: the key
        under which tiles of one shape share their evaluation."""
        return sub_layer(layer, channels, rows).model_copy(update={"name": layer.name,
                                                                   "inputs": ()})

    def _ranked(self, result: LayerResult) -> tuple[float, ...]:
        return rank(self.objective, result.latency.total, result.energy_pj)

    def _result(self, sub: Layer, core: str) -> LayerResult:
        """The model's result of the tile's mapping under this model's dataflow."""
        candidates = self._preset_results(sub, core)
        best = min(candidates, key=lambda c: self._ranked(c[2]))
        if self.dataflow != EXPLORE:
            return best[2]
        arch = self.machine.archs[core]
        if (core, sub) not in self.explored:
            self.explored[(core, sub)] = explore_tile(sub, arch, best[1], best[0],
                                                      self.objective)
        found = self.explored[(core, sub)]
        if found is None:
            return best[2]
        explored = evaluate(bind(sub, arch, found.mapping, source=found.mapping.name))
        return min((explored, best[2]), key=self._ranked)

    def _names(self) -> tuple[str, ...]:
        """The presets this dataflow considers."""
        return tuple(PRESETS) if self.dataflow in (BEST, EXPLORE) else (self.dataflow,)

    def _preset_results(self, sub: Layer, core: str) -> list[tuple[str, Mapping, LayerResult]]:
        """(preset, mapping, the model's result) of every preset this dataflow considers that
        maps the tile; none is an error naming the tile."""
        names = self._names()
        known = self._presets.setdefault((core, sub), {})
        missing = [name for name in names if name not in known]
        if missing:
            known.update(evaluate_presets(sub, self.machine.archs[core], missing))
        mapped = [(name, *known[name]) for name in names if not isinstance(known[name], str)]
        if not mapped:
            raise TileDoesNotMap(
                f"a tile of {sub.name} (K={sub.K}, {sub.OY} output rows) does not map on core "
                f"{core!r} under {self.dataflow}: {known[names[0]]}; choose another "
                "--dataflow", source=self.machine.archs[core].name, field="dataflow")
        return mapped  # type: ignore[return-value]

    def prefetch(self, tiles: Iterable[tuple[Node, str, Range, Range]]) -> None:
        """Evaluate the presets of the MAC tiles not known yet on a pool of processes, one per
        available core (the model is single-threaded: the evaluations are independent and the
        whole time of a large network). What it stores is what :meth:`cost` would compute;
        below :data:`PARALLEL_FROM` distinct tiles a pool costs more than it saves."""
        todo: dict[tuple[str, Layer], list[str]] = {}
        for node, core, channels, rows in tiles:
            if not isinstance(node, Layer):
                continue
            key = (self._kind[core], self._sub(node, channels, rows))
            known = self._presets.get(key, {})
            missing = [name for name in self._names() if name not in known]
            if missing:
                todo[key] = missing
        workers = min(len(todo), len(os.sched_getaffinity(0)))
        if len(todo) < PARALLEL_FROM or workers < 2:
            return
        keys = list(todo)  # in the order met: the tiles of a layer together
        chunk = max(1, len(keys) // (4 * workers))  # a layer's tiles share a worker's caches
        with stoppable_pool(workers) as pool:
            outcomes = pool.map(_evaluate_presets_of, [
                (key[1], self.machine.archs[key[0]], todo[key]) for key in keys],
                chunksize=chunk)
            for key, outcome in zip(keys, outcomes, strict=True):
                self._presets.setdefault(key, {}).update(outcome)

    @staticmethod
    def _tile_cost(result: LayerResult) -> TileCost:
        lat = result.latency
        busy = lat.compute + lat.stall
        total = lat.total
        row_final = tuple(min(total, lat.fill + -(-ready * busy // lat.compute) + lat.drain)
                          for ready in result.row_ready_cycles)
        energy = result.energy_breakdown()
        flat = {"mac": float(energy.pop("mac"))}
        for memory, per_operand in energy.items():
            flat[memory] = float(sum(sum(actions.values()) for actions in per_operand.values()))
        return TileCost(total, row_final, result.macs_valid, flat, result)

    def _operation(self, node: Node, core: str, channels: Range, rows: Range) -> TileCost:
        read_bits = sum(need.fmap.elements(need.channels, need.rows) * self.bits[need.producer]
                        for need in needs(self.workload, node, channels, rows))
        write_bits = output_map(node).elements(channels, rows) * self.bits[node.name]
        source, target = self.machine.home(core, "I"), self.machine.home(core, "O")
        reads = transactions(source, read_bits, "read")
        writes = transactions(target, write_bits, "write")
        one_port = source.port("I", "read") == target.port("O", "write")
        duration = reads + writes if one_port else max(reads, writes)
        energy = {"mac": 0.0, source.name: access_energy(source, read_bits, "read")}
        energy[target.name] = energy.get(target.name, 0.0) + access_energy(target, write_bits,
                                                                           "write")
        count = rows[1] - rows[0]
        row_final = tuple(math.ceil((r + 1) * duration / count) for r in range(count))
        return TileCost(duration, row_final, 0, energy)
