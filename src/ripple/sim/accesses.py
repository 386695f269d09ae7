"""Access counting: from the fills of each link to transactions at each memory.

For every link the closed fill tiles (:mod:`ripple.sim.tiles`) are turned into transactions
exactly as docs/accesses.md states: the parent reads the union of its child instances' parts
once per fill, each child instance writes its own part, ``ceil(words*bits/bandwidth)`` per
side and instance; outputs are read before accumulation (minus first contributions under
``first_read_elision``; under ``per_fill`` those first in a fill of the memory above) and
written back at the end of the residency, partial and final words in separate transactions. A
delta-filled child moves only what enters and what leaves (:mod:`ripple.sim.deltas`); partial
sums returning to a split memory go to one instance of the group, or to every one
(``split_fill``). The largest part of each instance is recorded for the capacity check.
Every side of every transfer also goes to :mod:`ripple.sim.timing`: the link's channel clocks
(how long each transfer lasts) and the port loads (how much each port instance carries).
Under skipping (docs/sparsity.md) a link to the MACs also counts, apart, the transfers that
serve at least one effectual MAC: the others are removed (timing keeps the dense schedule's).
A link whose parent skips or gates the operand ("Gating and skipping at a memory") counts, apart,
the transfer sides that serve none, on both sides of every channel.
A side at a memory that stores the operand compressed also counts, apart, the bits of its real
tiles encoded (:mod:`ripple.sim.compression`; timing and port loads keep the dense words).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ripple.arch import Memory
from ripple.mapping import LoopNest
from ripple.results import CodedSides, IneffectualSides, OperandAccess
from ripple.sim.average_fills import AverageFills
from ripple.sim.compression import encoded_bits
from ripple.sim.deltas import DeltaWindow
from ripple.sim.links import OUTPUT_SAFE_DIMS, Link
from ripple.sim.stream import MacChunk, StreamPlan
from ripple.sim.tiles import ClosedTiles, TileStream, join, run_sums, unique_triples
from ripple.sim.timing import ChannelClock, Direction, LinkClocks, PortLoads, Transfer

I64 = np.int64
Channel = Literal["fill", "writeback"]


@dataclass
class OutputTiming:
    """Global first and last issued-MAC cycle of every output-buffer element (-1: none)."""

    first: NDArray[np.int64]
    last: NDArray[np.int64]


@dataclass(frozen=True)
class Runs:
    """One side of a batch of fills, per distinct (fill group, instance), sorted: the words of
    the instance's part, the words read before accumulation and the words final at write-back
    (for inputs and weights: every word is read, none is final), and at a memory that stores
    the operand compressed, the bits of each part encoded."""

    group: NDArray[np.int64]
    inst: NDArray[np.int64]
    words: NDArray[np.int64]
    read: NDArray[np.int64]
    final: NDArray[np.int64]
    coded: NDArray[np.float64] | None = None

    def select(self, keep: NDArray[np.bool_]) -> Runs:
        return Runs(self.group[keep], self.inst[keep], self.words[keep], self.read[keep],
                    self.final[keep], None if self.coded is None else self.coded[keep])


class LinkCounter:
    """Streams one link's fills; accumulates its reads, writes and largest tiles, and hands
    every transfer to the link's channel clocks and the shared port loads."""

    def __init__(self, nest: LoopNest, plan: StreamPlan, link: Link,
                 timing: OutputTiming | None, loads: PortLoads, skipping: bool = False,
                 values: NDArray[np.int64] | None = None) -> None:
        self.nest, self.plan, self.link = nest, plan, link
        self.values = values  # the operand's flat tensor, to encode compressed tiles
        self.coded: dict[str, CodedSides] = {}  # per memory storing the operand compressed
        self.timing = timing
        self.loads = loads
        self.elide = link.operand == "O" and _skips_unwritten(nest, link)
        # writeback_precision per_link: every word written back is a partial sum
        self.partial_writeback = (link.operand == "O" and link.parent is not None
                                  and nest.arch.conventions.writeback_precision == "per_link"
                                  and _unreduced_above(nest, link))
        # per (instance, output): the last fill (of the memory above, under per_fill) in
        # which the instance accumulated into it; -1: never
        self._last: NDArray[np.int64] | None = None
        # the stream's instance: the parent's for the MACs (they write nothing), the child's
        # for an outermost residency (nothing is read), else the (parent, child) pair
        self.need_child = link.child is not None
        self.need_parent = link.parent is not None
        # the MACs' instances matter only where the parent serves them apart (multicast)
        apart = self.need_child or link.class_of_child is not None
        n_c = link.n_child_inst if apart else 1
        n_p = link.n_parent_inst if self.need_parent else 1
        self.n_c = n_c
        self.fine = ((link.parent_inst if self.need_parent else 0) * n_c
                     + (link.child_inst if apart else 0))
        # under padding: window, inputs are words of the padded tensor (sim/window.py)
        self.padded = plan.padded if link.operand == "I" else None
        self.n_elem = (self.padded.size if self.padded is not None
                       else _tensor_size(nest, plan, link.operand))
        # under input_window: average, each side's average fill (a first pass: survey)
        self.averages: dict[str, AverageFills] = {}
        self.average_windows: dict[str, tuple[int, int]] = {}
        self.stream = TileStream(n_p * n_c, self.n_elem)
        self.window = (DeltaWindow(np.arange(n_p * n_c, dtype=I64) % n_c, self.n_elem)
                       if link.delta else None)
        self.injective_child = n_p == 1
        self.injective_parent = n_c == 1
        self.parent_acc = OperandAccess()
        self.child_acc = OperandAccess()
        self.largest_tile = np.zeros(link.n_child_inst, dtype=I64)
        precision = nest.layer.precision
        self.bits = {"I": precision.I, "W": precision.W, "O": precision.O}[link.operand]
        self.final_bits = precision.O_final
        self.clocks = LinkClocks(link.operand, link.child, ChannelClock(),
                                 ChannelClock() if link.operand == "O" else None)
        self._first_group: int | None = None
        self._last_group: int | None = None
        # a link to the MACs under skipping, or a link whose parent skips or gates the operand:
        # which (fill, instance) serve an effectual MAC (the "elements" are the MACs' marks, 0
        # or 1); then the parent's accesses without the others, or per side the others
        self.mac_skipping = skipping and link.child is None and link.parent is not None
        self.memory_spec = None if link.parent is None else link.parent.sparsity_of(
            link.operand)
        self.marks = (TileStream(n_p * n_c, 2)
                      if self.mac_skipping or self.memory_spec is not None else None)
        self.kept_acc = OperandAccess()
        self.ineffectual: dict[str, IneffectualSides] = {}  # per memory on the link
        if link.parent is not None:
            for _, sides in self._channel_sides():
                for memory, direction, n_inst in sides:
                    loads.register(memory, link.operand, direction, n_inst)
        if self.padded is not None and nest.arch.conventions.input_window == "average":
            if self.need_child:
                self.averages["child"] = AverageFills(plan, link.n_child_inst)
            if link.parent is not None:
                self.averages["parent"] = AverageFills(
                    plan, link.n_parent_inst * (link.n_classes if link.class_of_child
                                                is not None else 1))

    def survey(self, chunk: MacChunk) -> None:
        """The first pass under ``input_window: average``: each side's fills of ``chunk``."""
        step_group = self.plan.prefix(chunk.steps, self.link.prefix)
        group = step_group[chunk.mac_step]
        p_inst, c_inst = np.divmod(self.fine[chunk.sp], self.n_c)
        for side, average in self.averages.items():
            inst = c_inst if side == "child" else self._parent_inst(p_inst, c_inst)
            average.feed(chunk, group, inst, step_group)

    def settle(self) -> None:
        """End the first pass: each side's average fill."""
        for side, average in self.averages.items():
            average.finish()
            self.average_windows[side] = average.window()

    def _parent_inst(self, p_inst: NDArray[np.int64], c_inst: NDArray[np.int64]
                     ) -> NDArray[np.int64]:
        """The parent's instance, and the class of children it serves apart (multicast)."""
        link = self.link
        if link.class_of_child is None:
            return p_inst
        return p_inst * link.n_classes + link.class_of_child[c_inst]

    def _channel_sides(self) -> list[tuple[Channel, list[tuple[Memory, Direction, int]]]]:
        """For a transfer link: each channel's sides (memory, direction, instances)."""
        link = self.link
        assert link.parent is not None
        down: list[tuple[Memory, Direction, int]] = [(link.parent, "read", link.n_parent_inst)]
        up: list[tuple[Memory, Direction, int]] = [(link.parent, "write", link.n_parent_inst)]
        if link.child is not None:
            down.append((link.child, "write", link.n_child_inst))
            up.append((link.child, "read", link.n_child_inst))
        return [("fill", down)] + ([("writeback", up)] if link.operand == "O" else [])

    def feed(self, chunk: MacChunk, effectual: NDArray[np.bool_] | None = None) -> None:
        """Add a chunk; ``effectual`` marks its MACs when the architecture skips."""
        elem = {"I": chunk.i_flat, "W": chunk.w_flat, "O": chunk.o_flat}[self.link.operand]
        step_group = self.plan.prefix(chunk.steps, self.link.prefix)
        if self.window is not None:
            self.window.see(step_group)
        if step_group.size:
            if self._first_group is None:
                self._first_group = int(step_group[0])
            self._last_group = int(step_group[-1])
        group, inst = step_group[chunk.mac_step], self.fine[chunk.sp]
        marks = None
        if self.marks is not None:  # closes the same fills as the tile stream: same steps
            assert effectual is not None
            marks = self.marks.feed(group, inst, effectual.astype(I64), step_group,
                                    chunk.step_cycles)
        if self.padded is not None:  # a padding tap reads a word of the padded input
            assert chunk.i_window is not None
            elem = chunk.i_window
        elif self.link.operand == "I":  # a padding tap reads a generated zero, no element
            used = elem >= 0
            if not used.all():
                group, inst, elem = group[used], inst[used], elem[used]
        closed = self.stream.feed(group, inst, elem, step_group, chunk.step_cycles)
        del group, inst, elem
        self._count(closed, marks)

    def finish(self) -> None:
        self._count(self.stream.flush(), None if self.marks is None else self.marks.flush())
        if self.window is not None:
            self._transfer("writeback", self.window.flush())
        self.clocks.fill.finish(self._first_group, self._last_group)
        if self.clocks.writeback is not None:
            self.clocks.writeback.finish(self._first_group, self._last_group)

    # ----- one batch of completed fills ---------------------------------------------------
    def _count(self, tiles: ClosedTiles, marks: ClosedTiles | None = None) -> None:
        if tiles.size == 0:
            return
        link = self.link
        child = None
        if self.need_child:
            # the outermost residency (no parent) moves nothing: no need to encode it
            child = self._side(tiles, tiles.inst % self.n_c, link.n_child_inst,
                               self.injective_child,
                               link.child if link.parent is not None else None)
            np.maximum.at(self.largest_tile, child.inst, child.words)
        if link.parent is None:
            return  # the outermost memory's residency: it is never filled
        if self.window is not None:  # a delta fill moves what enters; what leaves goes back
            entering, leaving = self.window.advance(tiles)
            self._transfer("fill", entering)
            self._transfer("writeback", leaving)
            return
        runs = self._runs(tiles, child)
        for channel, _ in self._channel_sides():
            self._clock(channel, runs)
        parent = runs["fill", link.parent.name][0]
        if marks is not None and self.mac_skipping:  # its parent is its only side
            kept = parent.select(_serving(parent, marks, marks.inst // self.n_c,
                                          link.n_parent_inst))
            for channel, ((memory, direction, _),) in self._channel_sides():
                self._move(kept, self.kept_acc, memory, direction, channel, load=False)
        elif marks is not None:
            self._count_ineffectual(runs, marks)

    def _runs(self, tiles: ClosedTiles, child: Runs | None = None,
              channels: tuple[Channel, ...] = ("fill", "writeback")
              ) -> dict[tuple[Channel, str], tuple[Runs, OperandAccess]]:
        """Per channel (of ``channels``) and memory of a transfer link, the runs of ``tiles``
        on that side and the access count they add to (``child``: the child's side, when
        already known and the same for both channels)."""
        link = self.link
        assert link.parent is not None
        p_inst, c_inst = np.divmod(tiles.inst, self.n_c)
        parent = self._parent_side(tiles, p_inst, c_inst)
        runs: dict[tuple[Channel, str], tuple[Runs, OperandAccess]] = {}
        for channel in channels:
            runs[channel, link.parent.name] = (parent, self.parent_acc)
            if link.child is None:
                continue
            side = child
            if link.split or side is None:  # outputs come down to one instance, go up partial
                side = self._side(tiles, c_inst, link.n_child_inst, self.injective_child,
                                  link.child,
                                  owned=link.split and not link.deliver_all and channel == "fill",
                                  partial=link.split and channel == "writeback")
            runs[channel, link.child.name] = (side, self.child_acc)
        return runs

    def _clock(self, channel: Channel,
               runs: dict[tuple[Channel, str], tuple[Runs, OperandAccess]]) -> None:
        """Move one channel's runs on every side and time them on the channel's clock."""
        sides = dict(self._channel_sides())[channel]
        transfers = [self._move(*runs[channel, memory.name], memory, direction, channel)
                     for memory, direction, _ in sides]
        clock = self.clocks.fill if channel == "fill" else self.clocks.writeback
        assert clock is not None
        clock.add(transfers)

    def _transfer(self, channel: Channel, tiles: ClosedTiles) -> None:
        """One channel of a delta-filled link for the triples it moves."""
        if tiles.size and (channel == "fill" or self.link.operand == "O"):
            self._clock(channel, self._runs(tiles, channels=(channel,)))

    def _count_ineffectual(self, runs: dict[tuple[Channel, str], tuple[Runs, OperandAccess]],
                           marks: ClosedTiles) -> None:
        """The parent skips or gates the operand: per side, the runs that serve no effectual
        MAC (the parent's run serves every child instance under it)."""
        assert self.memory_spec is not None
        p_mark, c_mark = np.divmod(marks.inst, self.n_c)
        for channel, sides in self._channel_sides():
            for memory, direction, n_inst in sides:
                side, _ = runs[channel, memory.name]
                mark_inst = p_mark if memory is self.link.parent else c_mark
                idle = side.select(~_serving(side, marks, mark_inst, n_inst))
                part = OperandAccess()
                self._move(idle, part, memory, direction, channel, load=False)
                self.ineffectual.setdefault(memory.name, IneffectualSides()).book(
                    self.memory_spec.action, part)

    def _move(self, runs: Runs, acc: OperandAccess, memory: Memory, direction: Direction,
              channel: Channel, load: bool = True) -> Transfer:
        """Transactions of one side of one channel per run (:meth:`_packed`), added to the
        side's access count (with the narrow accesses of a memory that prices them) and (when
        ``load``) to its port."""
        bandwidth = memory.bandwidth(direction)
        tx, final_tx = self._packed(runs, channel, bandwidth)
        if channel == "fill":
            bits = int(runs.read.sum()) * self.bits
        else:
            partial = runs.words - runs.final
            bits = int(partial.sum()) * self.bits + int(runs.final.sum()) * self.final_bits
        granule = memory.granule(direction)
        if granule is not None:
            narrow = int(self._packed(runs, channel, granule)[0].sum())
            setattr(acc, f"{direction}_granules", getattr(acc, f"{direction}_granules") + narrow)
        if direction == "read":
            acc.reads += int(tx.sum())
            acc.read_bits += bits
        else:
            acc.writes += int(tx.sum())
            acc.final_writes += int(final_tx.sum())
            acc.write_bits += bits
        if runs.coded is not None and load:
            self._book_coded(memory, direction, int(tx.sum()), bits,
                             float(runs.coded.sum()), bandwidth)
        transfer = Transfer(memory, direction, runs.group, runs.inst, tx)
        if load:
            self.loads.add(self.link.operand, transfer)
        return transfer

    def _packed(self, runs: Runs, channel: Channel, width: int
                ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Per run, the accesses of ``width`` bits it takes, and those carrying final outputs:
        a fill moves the words read from the parent; a write-back moves partial words at the
        partial and final words at the final precision, never sharing an access."""
        if channel == "fill":
            return _transactions(runs.read, self.bits, width), np.zeros_like(runs.words)
        final = _transactions(runs.final, self.final_bits, width)
        return _transactions(runs.words - runs.final, self.bits, width) + final, final

    def _book_coded(self, memory: Memory, direction: Direction, tx: int, bits: int,
                    coded_bits: float, bandwidth: int) -> None:
        """Count one side's runs both dense and compressed (transactions: bits over the
        port's width, compressed words packed across fills)."""
        part = CodedSides()
        for acc, t, b in ((part.dense, tx, bits), (part.coded, coded_bits / bandwidth,
                                                     coded_bits)):
            if direction == "read":
                acc.reads, acc.read_bits = t, b
            else:
                acc.writes, acc.write_bits = t, b
        self.coded.setdefault(memory.name, CodedSides()).add(part)

    def _flags(self, elem: NDArray[np.int64], start: NDArray[np.int64],
               end: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """For output triples: (read before accumulation, final at write-back) as 0/1."""
        assert self.timing is not None
        read = np.ones(elem.size, dtype=I64)
        if self.elide:
            read = (self.timing.first[elem] < start).astype(I64)
        final = (self.timing.last[elem] <= end).astype(I64)
        return read, final

    def _side(self, tiles: ClosedTiles, inst: NDArray[np.int64], n_inst: int,
              injective: bool, memory: Memory | None, owned: bool = False,
              partial: bool = False, local_first: bool = False) -> Runs:
        """The runs of one side at ``memory``. ``injective``: the tiles' (parent, child)
        instance pairs map one-to-one onto ``inst``, so no two triples collapse. ``owned``:
        each element counts only at the lowest instance holding it in its fill (outputs
        delivered to one instance of a reduction); ``partial``: no word is final (the
        instances hold parts of reductions); ``local_first``: an output is first accumulated at
        each instance separately (the MACs into a split memory)."""
        if injective:
            gg, ii, ee = tiles.group, inst, tiles.elem
        else:
            gg, ii, ee = unique_triples(tiles.group, inst, tiles.elem, n_inst, self.n_elem)
        if owned:  # sorted by (group, instance, element): keep the lowest instance per element
            order = np.lexsort((ii, ee, gg))
            keep = np.ones(gg.size, dtype=bool)
            same = (gg[order][1:] == gg[order][:-1]) & (ee[order][1:] == ee[order][:-1])
            keep[order[1:][same]] = False
            gg, ii, ee = gg[keep], ii[keep], ee[keep]
        if self.link.operand != "O":
            group, inst_of, words = run_sums(gg, ii)
            if self.padded is not None:
                side = "parent" if memory is not None and memory is self.link.parent else "child"
                words = self.padded.words(gg, ii, ee, n_inst, self.average_windows.get(side))
            stored = None if memory is None else memory.stored_format(
                self.link.operand)  # type: ignore[arg-type]
            coded = None
            if stored is not None:
                assert self.values is not None, "a compressed side needs the tensor's values"
                coded = encoded_bits(stored, self.values, gg, ii, ee, self.bits)
            return Runs(group, inst_of, words, words, np.zeros_like(words), coded)
        read, final = self._flags(ee, *tiles.bounds(gg))
        if self.link.residency is not None:
            read = self._read_again(gg, ii, ee, n_inst, self.link.residency)
        elif local_first and self.elide:
            read = self._read_again(gg, ii, ee, n_inst)
        if partial or self.partial_writeback:  # (a fill moves no final word either way)
            final = np.zeros_like(final)
        return Runs(*run_sums(gg, ii, read, final))

    def _read_again(self, group: NDArray[np.int64], inst: NDArray[np.int64],
                    elem: NDArray[np.int64], n_inst: int, residency: int | None = None
                    ) -> NDArray[np.int64]:
        """Per (fill, instance, output) triple: 1 when the instance accumulated into that
        output in an earlier fill, within the same fill of the first ``residency`` temporal
        digits when given (``per_fill``), ever otherwise (the MACs of a split memory start
        each part at zero)."""
        if self._last is None:
            self._last = np.full(n_inst * self.n_elem, -1, dtype=I64)
        key = inst * self.n_elem + elem
        where = np.zeros_like(group)
        if residency is not None:  # the fill of the memory above, from this link's group
            inner = self.plan.inner
            where = group * inner[self.link.prefix] // inner[residency]
        order = np.lexsort((group, key))  # per key, its fills in order
        k, w = key[order], where[order]
        first = join(True, k[1:] != k[:-1])
        before = np.empty_like(w)
        before[1:] = w[:-1]
        before[first] = self._last[k[first]]
        last = join(k[1:] != k[:-1], True)
        self._last[k[last]] = w[last]
        again = np.empty(key.size, dtype=I64)
        again[order] = before == w
        return again

    def _parent_side(self, tiles: ClosedTiles, p_inst: NDArray[np.int64],
                     c_inst: NDArray[np.int64]) -> Runs:
        """The parent's runs: per (fill, parent instance) the words it reads or writes, summed
        over the classes of child instances it serves apart (multicast)."""
        link = self.link
        assert link.parent is not None
        if link.class_of_child is None:
            return self._side(tiles, p_inst, link.n_parent_inst, self.injective_parent,
                              link.parent, partial=link.parent_split,
                              local_first=link.child is None and link.parent_split)
        runs = self._side(tiles, self._parent_inst(p_inst, c_inst),
                          link.n_parent_inst * link.n_classes, False, link.parent)
        group, inst = runs.group, runs.inst // link.n_classes
        starts = np.flatnonzero(join(True, (group[1:] != group[:-1]) | (inst[1:] != inst[:-1])))
        words = np.add.reduceat(runs.words, starts) if starts.size else runs.words
        return Runs(group[starts], inst[starts], words, words, np.zeros_like(words))


def _skips_unwritten(nest: LoopNest, link: Link) -> bool:
    """Whether the link's fills leave outputs never written unread: at the MACs by the MAC's
    rule, above them by the child memory's convention (docs/conventions.md). ``when_partial``
    reads whole tiles where some loop above the child does not index the outputs one to one
    (over C, a tap, or an input position: a temporal loop of its cut, or one unrolled along an
    array dimension the parent does not serve), and nothing elsewhere (each output is then
    filled once, never written before)."""
    if link.parent is None:
        return False  # the outermost memory's residency: never filled
    arch = nest.arch
    rule = (arch.mac.first_read_elision if link.child is None
            else arch.convention(link.child, "output_first_read"))
    if rule != "when_partial":
        return rule in (True, "elide")
    return not _unreduced_above(nest, link)


def _unreduced_above(nest: LoopNest, link: Link) -> bool:
    """Whether some loop above the link's child leaves outputs unreduced: a temporal loop of
    its cut, or one unrolled along an array dimension the parent does not serve, over C, a tap
    or an input position."""
    assert link.parent is not None
    above = nest.temporal[:link.cut]
    served = nest.arch.served(link.parent)
    unreduced = [lp for lp in nest.spatial if lp.array_dim not in served]
    return not all(lp.dim in OUTPUT_SAFE_DIMS for lp in [*above, *unreduced])


def _serving(runs: Runs, marks: ClosedTiles, mark_inst: NDArray[np.int64],
             n_inst: int) -> NDArray[np.bool_]:
    """Which runs (fill, instance) have an effectual MAC: a closed mark triple with mark 1
    whose instance on the runs' side (``mark_inst``) is theirs."""
    on = marks.elem == 1
    return np.isin(runs.group * n_inst + runs.inst, marks.group[on] * n_inst + mark_inst[on])


def _transactions(words: NDArray[np.int64], bits: int, bandwidth: int) -> NDArray[np.int64]:
    """``ceil(words*bits / bandwidth)`` per run (an empty part costs nothing)."""
    return (words * bits + bandwidth - 1) // bandwidth


def _tensor_size(nest: LoopNest, plan: StreamPlan, operand: str) -> int:
    if operand == "O":
        n, k, y, x = plan.output_buffer_shape
        return n * k * y * x
    return int(np.prod(nest.layer.tensor_shape(operand)))  # type: ignore[arg-type]

