"""The reference simulator: run a loop nest on real tensors and count by following its MACs.

Two passes over the same MAC stream (:mod:`ripple.sim.stream`): the first executes it
(outputs, MAC counts, cycles, per-output first/last cycle, the MAC log), the second counts the
accesses of every link of every operand's chain, which needs each output's global first and
last cycle. Nothing here derives a count in closed form, and nothing imports the analytical
model: the two meet only in tests, which is what makes their agreement evidence. An architecture
that skips or gates zero operands has its ineffectual MACs marked on the real tensors
(:mod:`ripple.sim.sparsity`) and gets the exact counts of what it did (docs/sparsity.md); one
whose memories store operands compressed gets the traffic of its real tiles encoded, and one
whose memories skip or gate transfers that serve only ineffectual MACs the exact share of those.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ripple.mapping import LoopNest
from ripple.results import (
    CodedSides,
    IneffectualSides,
    LayerResult,
    OperandAccess,
    SparseCounts,
    empty_accesses,
    with_formats,
    with_memory_sparsity,
    with_sparsity,
)
from ripple.sim.accesses import LinkCounter, OutputTiming
from ripple.sim.capacity import check_capacity
from ripple.sim.execute import Execution
from ripple.sim.golden import crop_scatter, golden_convolution
from ripple.sim.links import check_output_replication, plan_links
from ripple.sim.maclog import MacLogWriter
from ripple.sim.sparsity import Effectual, EffectualTally
from ripple.sim.stream import MacChunk, StreamPlan, iter_chunks
from ripple.sim.tensors import operand_tensors
from ripple.sim.timing import LinkClocks, PortLoads, layer_latency, timing_extras
from ripple.workload import Operand


@dataclass
class SimulationResult:
    """What a simulation produced.

    ``result`` holds the counts (the same type the analytical model returns); ``output`` is the
    computed output tensor ``(N, K, OY, OX)`` (cropped from the enlarged buffer of a scatter
    nest), ``golden`` the independently computed convolution, ``match`` whether they are equal.
    """

    result: LayerResult
    output: NDArray[np.int64]
    golden: NDArray[np.int64]
    match: bool
    max_abs_error: int
    mac_log_rows: int
    inputs: NDArray[np.int64]
    weights: NDArray[np.int64]

    def __repr__(self) -> str:
        return (f"SimulationResult(result={self.result!r}, match={self.match}, "
                f"max_abs_error={self.max_abs_error}, mac_log_rows={self.mac_log_rows})")

    def to_dict(self) -> dict[str, Any]:
        """The evaluate document plus the golden check and the number of MAC log rows."""
        return {**self.result.to_dict(),
                "golden": {"match": self.match, "max_abs_error": self.max_abs_error},
                "mac_log_rows": self.mac_log_rows}


def simulate(nest: LoopNest, inputs: np.ndarray | None = None, weights: np.ndarray | None = None,
             seed: int = 0, log_path: str | Path | None = None,
             chunk_macs: int = 2_000_000,
             progress: Callable[[int], None] | None = None) -> SimulationResult:
    """Execute ``nest`` MAC by MAC (vectorised per chunk of about ``chunk_macs`` MACs) on
    ``inputs`` ``[N, C, IY, IX]`` and ``weights`` ``[K, C/G, FY, FX]`` (seeded random small
    integers when omitted), count cycles, MACs, accesses and readiness from the executed
    stream, and compare the output with the golden convolution.

    Raises :class:`~ripple.errors.RippleInputError` for tensors of the wrong shape or type and
    :class:`~ripple.errors.MappingError` for a mapping that splits outputs over replicated
    memory instances or overflows a memory. With ``log_path`` (.csv or .parquet) every issued
    MAC is written as a row (under sparsity, every MAC of the schedule, marked ``effectual``);
    a failed run leaves no log behind. ``progress`` is told of the MACs of every chunk as each
    of the two passes goes through it (twice the MACs in all).
    """
    layer = nest.layer
    check_output_replication(nest)
    i_tensor, w_tensor = operand_tensors(layer, inputs, weights, seed)
    plan = StreamPlan(nest)
    stream = _stream(nest, plan, chunk_macs)
    sparsity = nest.arch.mac.sparsity
    effectual = (None if sparsity is None
                 else Effectual(sparsity.condition_on, i_tensor, w_tensor))
    tally = EffectualTally()

    with contextlib.ExitStack() as stack:
        log = None
        if log_path is not None:
            log = stack.enter_context(MacLogWriter(log_path, plan.array_dims, plan.npe_coords,
                                                   layer, (plan.out_y, plan.out_x),
                                                   marked=effectual is not None))
        execution = Execution(plan, i_tensor, w_tensor)
        for chunk in stream():
            execution.feed(chunk)
            marks = None if effectual is None else effectual(chunk)
            if marks is not None:
                tally.feed(chunk, marks)
            if log is not None:
                log.write(chunk, marks)
            if progress is not None:
                progress(chunk.size)
            del chunk, marks  # before the next one is built: one chunk alive at a time
        skipping = effectual if sparsity is not None and sparsity.action == "skip" else None
        counted = _count_accesses(nest, plan, execution, stream, skipping,
                                  {"I": i_tensor.ravel(), "W": w_tensor.ravel()}, progress)
        for lvl in nest.arch.levels:
            for memory in lvl.memories:
                check_capacity(nest, memory, counted.largest.get(memory.name, {}))
        log_rows = log.rows if log is not None else 0

    ready, first = execution.readiness()
    result = LayerResult(
        layer=layer, arch=nest.arch, mapping_name=nest.mapping.name, nest=nest.describe(),
        macs_issued=execution.macs_issued, macs_valid=execution.macs_valid,
        latency=layer_latency(counted.clocks, counted.loads, execution.cycles),
        accesses=counted.accesses, ready=ready, first=first,
        extras={"timing": timing_extras(counted.loads)},
    )
    if effectual is not None:
        assert sparsity is not None
        result = with_sparsity(result, SparseCounts(
            sparsity.action, tuple(sparsity.condition_on), effectual.densities,
            tally.macs, tally.steps, counted.mac_transfers))
    result = with_memory_sparsity(result, counted.ineffectual)
    result = with_formats(result, counted.coded)
    buffer = execution.output_buffer
    output = crop_scatter(layer, buffer) if plan.scatter else buffer
    golden = golden_convolution(layer, i_tensor, w_tensor)
    error = int(np.abs(output - golden).max(initial=0))
    return SimulationResult(result=result, output=output, golden=golden,
                            match=bool(np.array_equal(output, golden)), max_abs_error=error,
                            mac_log_rows=log_rows, inputs=i_tensor, weights=w_tensor)


@dataclass
class Counted:
    """What the access pass found: transactions per memory and operand, the largest tile of
    every memory instance per operand, and the transfers' clocks and port loads."""

    accesses: dict[str, dict[Operand, OperandAccess]]
    largest: dict[str, dict[Operand, NDArray[np.int64]]]
    clocks: list[LinkClocks]
    loads: PortLoads
    # under skipping, per innermost (memory, operand): its transfers with the MACs, all and
    # those that serve an effectual MAC
    mac_transfers: dict[tuple[str, str], tuple[OperandAccess, OperandAccess]] = field(
        default_factory=dict)
    # per (memory, operand) stored compressed: its transfer sides, dense and encoded
    coded: dict[tuple[str, str], CodedSides] = field(default_factory=dict)
    # per (memory, operand) on a link whose parent skips or gates the operand: its sides that
    # serve no effectual MAC
    ineffectual: dict[tuple[str, str], IneffectualSides] = field(default_factory=dict)


def _stream(nest: LoopNest, plan: StreamPlan,
            chunk_macs: int) -> Callable[[], Iterable[MacChunk]]:
    """The MAC stream, once per pass: rebuilt chunk by chunk (bounded memory), or, when the
    whole layer is a single chunk, built once and replayed (small layers, fixed costs)."""
    if plan.steps * plan.n_spatial > chunk_macs:
        return lambda: iter_chunks(nest, chunk_macs, plan)
    chunks = list(iter_chunks(nest, chunk_macs, plan))
    return lambda: chunks


def _count_accesses(nest: LoopNest, plan: StreamPlan, execution: Execution,
                    stream: Callable[[], Iterable[MacChunk]],
                    skipping: Effectual | None = None,
                    values: dict[str, NDArray[np.int64]] | None = None,
                    progress: Callable[[int], None] | None = None) -> Counted:
    """Second pass: every link's fills, as transactions per memory and operand and as timed
    transfers, and the largest tile of every memory instance per operand; with ``skipping``,
    also the transfers with the MACs that serve an effectual MAC; with the operands' flat
    ``values``, the encoded traffic of the sides at memories storing them compressed and the
    sides that serve no effectual MAC on links whose parent skips or gates the operand."""
    timing = OutputTiming(first=execution.first, last=execution.last)
    loads = PortLoads()
    counters = []
    markers: dict[str, Effectual] = {} if skipping is None else {"mac": skipping}
    for link in plan_links(nest, plan.npe_coords):
        if link.parent is None and link.child is not None and link.child.capacity_bits is None:
            continue  # an unbounded outermost memory: its residency needs no tracking
        counters.append(LinkCounter(nest, plan, link, timing if link.operand == "O" else None,
                                    loads, skipping=skipping is not None,
                                    values=(values or {}).get(link.operand)))
        spec = counters[-1].memory_spec
        if spec is not None:
            assert values is not None, "memory-level sparsity needs the tensors' values"
            markers.setdefault(spec.condition_on[0], Effectual(spec.condition_on, values["I"],
                                                               values["W"]))
    surveying = [counter for counter in counters if counter.averages]
    if surveying:  # input_window: average needs each side's average fill first
        for chunk in stream():
            for counter in surveying:
                counter.survey(chunk)
        for counter in surveying:
            counter.settle()
    for chunk in stream():
        marks = {key: marker(chunk) for key, marker in markers.items()}
        for counter in counters:
            spec = counter.memory_spec
            counter.feed(chunk, marks.get("mac" if spec is None else spec.condition_on[0]))
        if progress is not None:
            progress(chunk.size)
        del chunk, marks
    counted = Counted(empty_accesses(nest.arch), {}, [], loads)
    for counter in counters:
        counter.finish()
        link = counter.link
        if link.parent is not None:
            counted.accesses[link.parent.name][link.operand].add(counter.parent_acc)
            counted.clocks.append(counter.clocks)
        if link.child is not None:
            counted.accesses[link.child.name][link.operand].add(counter.child_acc)
            counted.largest.setdefault(link.child.name, {})[link.operand] = counter.largest_tile
        for name, coded in counter.coded.items():
            counted.coded.setdefault((name, link.operand), CodedSides()).add(coded)
        for name, sides in counter.ineffectual.items():
            counted.ineffectual.setdefault((name, link.operand), IneffectualSides()).add(sides)
        if counter.mac_skipping:
            assert link.parent is not None
            counted.mac_transfers[(link.parent.name, link.operand)] = (counter.parent_acc,
                                                                       counter.kept_acc)
    return counted
