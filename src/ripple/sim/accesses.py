"""Access counting: from the fills of each link to transactions at each memory.

For every link the closed fill tiles (:mod:`ripple.sim.tiles`) are turned into transactions
exactly as docs/accesses.md states: the parent reads the union of its child instances' parts
once per fill, each child instance writes its own part, ``ceil(words*bits/bandwidth)`` per
side and instance; outputs are read before accumulation (minus first contributions under
``first_read_elision``) and written back at the end of the residency, partial and final words
in separate transactions. The largest part of each instance is recorded for the capacity check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ripple.mapping import LoopNest
from ripple.results import OperandAccess
from ripple.sim.links import Link
from ripple.sim.stream import MacChunk, StreamPlan
from ripple.sim.tiles import ClosedTiles, TileStream, run_sums, unique_triples

I64 = np.int64


def transactions(words: NDArray[np.int64], bits: int, bandwidth: int) -> int:
    """Sum of ``ceil(words*bits / bandwidth)`` over fills (an empty part costs nothing)."""
    return int(((words * bits + bandwidth - 1) // bandwidth).sum())


@dataclass
class OutputTiming:
    """Global first and last issued-MAC cycle of every output-buffer element (-1: none)."""

    first: NDArray[np.int64]
    last: NDArray[np.int64]


class LinkCounter:
    """Streams one link's fills and accumulates its reads, writes and largest tiles."""

    def __init__(self, nest: LoopNest, plan: StreamPlan, link: Link,
                 timing: OutputTiming | None) -> None:
        self.nest, self.plan, self.link = nest, plan, link
        self.timing = timing
        # the stream's instance: the parent's for the MACs (they write nothing), the child's
        # for an outermost residency (nothing is read), else the (parent, child) pair
        self.need_child = link.child is not None
        self.need_parent = link.parent is not None
        n_c = link.n_child_inst if self.need_child else 1
        n_p = link.n_parent_inst if self.need_parent else 1
        self.n_c = n_c
        self.fine = ((link.parent_inst if self.need_parent else 0) * n_c
                     + (link.child_inst if self.need_child else 0))
        self.n_elem = _tensor_size(nest, plan, link.operand)
        self.stream = TileStream(n_p * n_c, self.n_elem)
        self.injective_child = n_p == 1
        self.injective_parent = n_c == 1
        self.parent_acc = OperandAccess()
        self.child_acc = OperandAccess()
        self.largest_tile = np.zeros(link.n_child_inst, dtype=I64)
        precision = nest.layer.precision
        self.bits = {"I": precision.I, "W": precision.W, "O": precision.O}[link.operand]
        self.final_bits = precision.O_final

    def feed(self, chunk: MacChunk) -> None:
        elem = {"I": chunk.i_flat, "W": chunk.w_flat, "O": chunk.o_flat}[self.link.operand]
        step_group = self.plan.prefix(chunk.steps, self.link.prefix)
        group, inst = step_group[chunk.mac_step], self.fine[chunk.sp]
        if self.link.operand == "I":  # a padding tap reads a generated zero, no element
            used = elem >= 0
            if not used.all():
                group, inst, elem = group[used], inst[used], elem[used]
        closed = self.stream.feed(group, inst, elem, step_group, chunk.step_cycles)
        del group, inst, elem
        self._count(closed)

    def finish(self) -> None:
        self._count(self.stream.flush())

    # ----- one batch of completed fills ---------------------------------------------------
    def _count(self, tiles: ClosedTiles) -> None:
        if tiles.size == 0:
            return
        p_inst, c_inst = np.divmod(tiles.inst, self.n_c)
        if self.need_child:
            self._child_side(tiles, c_inst)
        if self.need_parent:
            self._parent_side(tiles, p_inst)

    def _flags(self, elem: NDArray[np.int64], start: NDArray[np.int64],
               end: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """For output triples: (read before accumulation, final at write-back) as 0/1."""
        assert self.timing is not None
        read = np.ones(elem.size, dtype=I64)
        if self.nest.arch.mac.first_read_elision:
            read = (self.timing.first[elem] < start).astype(I64)
        final = (self.timing.last[elem] <= end).astype(I64)
        return read, final

    def _side(self, tiles: ClosedTiles, inst: NDArray[np.int64], n_inst: int,
              injective: bool) -> tuple[NDArray[np.int64], ...]:
        """Per (fill, instance): instance, words, words read, final words. ``injective``: the
        tiles' (parent, child) instance pairs map one-to-one onto ``inst``."""
        if injective:
            gg, ii, ee = tiles.group, inst, tiles.elem
        else:
            gg, ii, ee = unique_triples(tiles.group, inst, tiles.elem, n_inst, self.n_elem)
        if self.link.operand != "O":
            inst_of, words = run_sums(gg, ii)
            return inst_of, words, words, np.zeros_like(words)
        read, final = self._flags(ee, *tiles.bounds(gg))
        return run_sums(gg, ii, read, final)

    def _child_side(self, tiles: ClosedTiles, c_inst: NDArray[np.int64]) -> None:
        link = self.link
        inst_of, words, read, final = self._side(tiles, c_inst, link.n_child_inst,
                                                 self.injective_child)
        np.maximum.at(self.largest_tile, inst_of, words)
        if link.child is None or link.parent is None:
            return  # the outermost memory is never filled
        child, acc = link.child, self.child_acc
        if link.operand != "O":
            acc.writes += transactions(words, self.bits, child.write_bandwidth)
            acc.write_bits += int(words.sum()) * self.bits
            return
        partial = words - final
        acc.writes += transactions(read, self.bits, child.write_bandwidth)
        acc.write_bits += int(read.sum()) * self.bits
        acc.reads += (transactions(partial, self.bits, child.read_bandwidth)
                      + transactions(final, self.final_bits, child.read_bandwidth))
        acc.read_bits += int(partial.sum()) * self.bits + int(final.sum()) * self.final_bits

    def _parent_side(self, tiles: ClosedTiles, p_inst: NDArray[np.int64]) -> None:
        link = self.link
        parent, acc = link.parent, self.parent_acc
        assert parent is not None
        _, words, read, final = self._side(tiles, p_inst, link.n_parent_inst,
                                           self.injective_parent)
        acc.reads += transactions(read, self.bits, parent.read_bandwidth)
        acc.read_bits += int(read.sum()) * self.bits
        if link.operand != "O":
            return
        partial = words - final
        final_tx = transactions(final, self.final_bits, parent.write_bandwidth)
        acc.writes += transactions(partial, self.bits, parent.write_bandwidth) + final_tx
        acc.final_writes += final_tx
        acc.write_bits += int(partial.sum()) * self.bits + int(final.sum()) * self.final_bits


def _tensor_size(nest: LoopNest, plan: StreamPlan, operand: str) -> int:
    if operand == "O":
        n, k, y, x = plan.output_buffer_shape
        return n * k * y * x
    return int(np.prod(nest.layer.tensor_shape(operand)))  # type: ignore[arg-type]

