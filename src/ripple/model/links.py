"""The links of each operand's memory chain and where each link's fills happen.

For a link (child, parent) the child is filled whenever the first ``r`` temporal digits change,
``r`` being one past the innermost loop above the child that is relevant to the operand
(docs/accesses.md). The child is a memory, or the MACs (``child is None``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ripple.arch.spec import Memory
from ripple.mapping.nest import LoopNest
from ripple.model.components import Transfer
from ripple.model.relevance import OUTPUT_PARALLEL_DIMS, is_relevant
from ripple.model.transfers import Channel, Side
from ripple.workload.layer import Operand, Precision


@dataclass(frozen=True)
class Link:
    operand: Operand
    parent: Memory
    child: Memory | None  # None: the MACs
    prefix: int  # r: fills happen when the first r temporal digits change
    cut: int  # temporal loops above the child (every one for the MACs)
    elide: bool  # a fill reads no output that was never written (docs/conventions.md)
    parent_instances: frozenset[int]  # spatial loops (indices) selecting one parent instance
    child_instances: frozenset[int]
    classes: frozenset[int]  # child instance loops the parent serves apart (multicast)
    split: bool  # outputs: the child's instances hold parts of one reduction
    parent_split: bool  # outputs: so do the parent's
    delta: bool  # the child keeps what consecutive tiles share (fills: delta)
    deliver_all: bool = False  # split outputs: returning partial sums go to every instance
    residency: int | None = None  # the MACs under per_fill: the cut of the parent memory
    partial_writeback: bool = False  # writeback_precision per_link, reductions above the cut

    def transfer(self, channel: Channel, side: Side, precision: Precision) -> Transfer:
        """What ``side`` of ``channel`` moves and how it packs words."""
        return Transfer(self.operand, channel, side.bandwidth, precision, self.elide,
                        side.partial_only or (channel == "writeback" and self.partial_writeback))

    def channels(self) -> list[tuple[Channel, list[Side]]]:
        """The fill (parent read, child write) and, for outputs, the write-back (child read,
        parent write); the MACs have no side of their own (docs/accesses.md). A parent reads
        inputs and weights once per class of child instances it serves apart (multicast);
        outputs go up reduced, one word per output, and come down to one instance each."""
        classes = self.classes
        if self.operand == "O":  # not split under delta fills: their sum is their union
            classes = self.child_instances - self.parent_instances if self.delta else frozenset()
        child = self.child_instances
        # the MACs accumulate into a split memory's partial sums, each starting at zero there
        down = [Side(self.parent, "read", self.parent_instances, classes=classes, child=child,
                     local_first=self.child is None and self.parent_split,
                     residency=self.residency)]
        up = [Side(self.parent, "write", self.parent_instances, classes=classes,
                   partial_only=self.parent_split, child=child)]
        if self.child is not None:
            down.append(Side(self.child, "write", child,
                             owned=self.split and not self.deliver_all, child=child))
            up.insert(0, Side(self.child, "read", child, partial_only=self.split, child=child))
        return [("fill", down)] + ([("writeback", up)] if self.operand == "O" else [])


def served_apart(nest: LoopNest, operand: Operand, parent: Memory,
                 child: Memory | None) -> frozenset[int]:
    """The child instance loops along which ``parent`` reads a word once per instance class
    (docs/conventions.md, "Multicast"): none under ``union``, those indexing ``operand``
    under ``irrelevant``, all under ``none``; a parent instance's own loops never count."""
    mode = nest.arch.convention(parent, "multicast")
    if mode == "union":
        return frozenset()
    apart = instance_loops(nest, child) - instance_loops(nest, parent)
    if mode == "irrelevant":
        apart = frozenset(i for i in apart if is_relevant(nest.index, operand, nest.spatial[i].dim))
    return apart


def splits_outputs(nest: LoopNest, memory: Memory | None) -> bool:
    """Whether ``memory``'s instances hold parts of one output's reduction: it is replicated
    along an array dimension unrolling a loop that does not index outputs one to one."""
    if memory is None:
        return False
    return any(nest.spatial[i].dim not in OUTPUT_PARALLEL_DIMS and nest.spatial[i].size > 1
               for i in instance_loops(nest, memory))


def instance_loops(nest: LoopNest, memory: Memory | None) -> frozenset[int]:
    """Spatial loops (indices into nest.spatial) along which ``memory`` is replicated (all of
    them for the MACs)."""
    served = set() if memory is None else set(nest.arch.served(memory))
    return frozenset(i for i, lp in enumerate(nest.spatial) if lp.array_dim not in served)


def fill_prefix(nest: LoopNest, operand: Operand, cut: int) -> int:
    """One past the innermost of the first ``cut`` temporal loops relevant to ``operand``."""
    relevant = [p for p in range(cut) if is_relevant(nest.index, operand, nest.temporal[p].dim)]
    return relevant[-1] + 1 if relevant else 0


def first_read_elided(nest: LoopNest, parent: Memory, child: Memory | None, cut: int) -> bool:
    """Whether a fill of ``child`` (None: the MACs) from ``parent`` skips reading outputs never
    written (docs/conventions.md). Under ``when_partial`` it reads its whole tile when a loop
    that does not index the outputs one to one (over C, a tap, or, input-indexed, an input
    position) lies above it: in its cut, or unrolled along an array dimension the parent does
    not serve (outputs not yet reduced); and reads nothing otherwise: every output is then
    filled once, so eliding never-written outputs reads none."""
    rule = (nest.arch.mac.first_read_elision if child is None
            else nest.arch.convention(child, "output_first_read"))
    if rule == "when_partial":
        return not unreduced_above(nest, parent, cut)
    return rule in (True, "elide", "per_fill")


def unreduced_above(nest: LoopNest, parent: Memory, cut: int) -> bool:
    """Whether a loop that does not index the outputs one to one (over C, a tap, or,
    input-indexed, an input position) lies above a child whose cut is ``cut``: among those
    temporal loops, or unrolled along an array dimension ``parent`` does not serve."""
    served = set(nest.arch.served(parent))
    return any(lp.dim not in OUTPUT_PARALLEL_DIMS for lp in nest.temporal[:cut]) or any(
        lp.dim not in OUTPUT_PARALLEL_DIMS and lp.array_dim not in served
        for lp in nest.spatial)


def operand_links(nest: LoopNest, operand: Operand) -> list[Link]:
    """The links of ``operand``'s chain under the mapping, outermost first; the last one's
    child is the MACs."""
    chain = nest.chain(operand)
    latched = operand in nest.arch.mac.latch
    every_step = len(nest.temporal)
    links = []
    for i, residence in enumerate(chain):
        if i + 1 < len(chain):
            child: Memory | None = chain[i + 1].memory
            cut = chain[i + 1].cut
            prefix = fill_prefix(nest, operand, cut)
        else:
            child, cut = None, every_step
            prefix = fill_prefix(nest, operand, every_step) if latched else every_step
        parent = residence.memory
        links.append(Link(operand, parent, child, prefix, cut,
                          first_read_elided(nest, parent, child, cut),
                          instance_loops(nest, parent), instance_loops(nest, child),
                          served_apart(nest, operand, parent, child),
                          operand == "O" and splits_outputs(nest, child),
                          operand == "O" and splits_outputs(nest, parent),
                          nest.fills_delta(operand, child),
                          child is not None
                          and nest.arch.convention(child, "split_fill") == "every",
                          residence.cut if child is None and operand == "O"
                          and nest.arch.mac.first_read_elision == "per_fill" else None,
                          operand == "O"
                          and nest.arch.conventions.writeback_precision == "per_link"
                          and unreduced_above(nest, parent, cut)))
    return links
