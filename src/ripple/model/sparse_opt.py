"""Sparseloop's sparse optimisations as an option of the one model (docs/sparseloop.md).

``evaluate(nest, densities, sparse_opt=...)`` first counts the nest dense under the
architecture's conventions (Timeloop's, for an imported Timeloop specification), then applies
Sparseloop's rules to those counts, per memory and data space, with expected values under the
densities:

- a data space stored in a compressed format at a memory moves only its expected nonzeros in
  and out of it (density x the dense words) and its metadata: per tile of the child (one word
  for the MACs) the expected bits of the format (:mod:`ripple.sparse.formats`; Sparseloop's
  ranks share one flattened rank), charged per ``metadata_bits`` at the memory's
  ``metadata_read``/``metadata_write`` energies; the child decompresses every word it receives
  (``decompression_count``) and compresses every word it writes back (``compression_count``);
- gating (skipping) of a data space at a memory, conditioned on other data spaces: a transfer to
  the child is ineffectual when a condition operand's tile at the child is all zero (at the
  MACs: the one element a MAC uses); the memory's read and the child's write are then charged at
  the gated energies (and still take their port slot) or not made. A MAC whose operand read is
  ineffectual is not performed: no energy and no cycle;
- cycles: the largest of the effectual MACs per MAC instance and, per memory instance, the words
  through its read and its write port over ``read_words_per_cycle`` / ``write_words_per_cycle``
  (unbounded when None): Timeloop's latency, no fill, drain or refill stall.

The words a child receives from its parent and writes back follow from the dense counts of the
chain, outermost first: a parent's reads that are not its own write-backs go down, once per
class of children that differ in loops relevant to the data space (multicast) and into every
child of a reduction group; a parent's writes that are not partial sums returning from above
came up, summed over a reduction group.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from ripple.errors import ModelError, RippleInputError
from ripple.model.capacity import word_bits
from ripple.model.components import tile_words
from ripple.model.links import instance_loops
from ripple.model.nestview import NestFactors
from ripple.model.relevance import is_relevant
from ripple.results.result import Latency, LayerResult, OperandAccess
from ripple.sparse.distributions import DensityModel
from ripple.sparse.formats import RankFormat, expected_footprint
from ripple.workload.layer import OPERANDS, Operand

SPACE_NAMES = {"I": "Inputs", "W": "Weights", "O": "Outputs"}


@dataclass(frozen=True)
class ActionOptimization:
    """Gating or skipping of one data space's transfers to the child, conditioned on the
    ``condition_on`` data spaces being nonzero there."""

    kind: Literal["gating", "skipping"]
    condition_on: frozenset[Operand]


@dataclass(frozen=True)
class MemoryOptions:
    """Sparseloop's options and figures of one memory: compressed formats, action
    optimisations, metadata word width, the energies of its metadata and (de)compression
    actions (pJ each) and its port bandwidths in words per cycle (None: unbounded)."""

    formats: dict[Operand, tuple[RankFormat, ...]] = field(default_factory=dict)
    actions: dict[Operand, ActionOptimization] = field(default_factory=dict)
    metadata_bits: int = 0
    energies: dict[str, float] = field(default_factory=dict)
    read_words_per_cycle: float | None = None
    write_words_per_cycle: float | None = None


@dataclass(frozen=True)
class SparseOptimizations:
    """Per memory name its options; ``source`` names the file they came from (errors)."""

    memories: dict[str, MemoryOptions]
    source: str = "sparse_opt"

    def of(self, name: str) -> MemoryOptions:
        return self.memories.get(name, MemoryOptions())


@dataclass
class _Chain:
    """Per memory of one data space's chain: dense words read and written, and the words it
    received from its parent and wrote back to it."""

    reads: float
    writes: float
    received: float = 0.0
    drained: float = 0.0


def apply_sparse_optimizations(result: LayerResult, view: NestFactors,
                               options: SparseOptimizations,
                               models: dict[Operand, DensityModel]) -> LayerResult:
    """``result`` (dense counts of the nest of ``view``) under Sparseloop's rules, with
    ``models`` each operand's density. The words each child receives follow from its parent's
    reads under Timeloop's multicast (once per class of children that differ in a relevant
    loop), so a memory serving several children another way is refused."""
    arch = view.nest.arch
    for level in arch.levels:
        for memory in level.memories:
            if arch.convention(memory, "multicast") != "irrelevant":
                raise ModelError(f"memory {memory.name!r} multicasts "
                                 f"{arch.convention(memory, 'multicast')!r}: Sparseloop's rules "
                                 "count under Timeloop's (multicast: irrelevant)",
                                 source=options.source, field="conventions")
    return _Rules(result, view, options, models).apply()


class _Rules:
    def __init__(self, result: LayerResult, view: NestFactors, options: SparseOptimizations,
                 models: dict[Operand, DensityModel]):
        self.result, self.view, self.nest = result, view, view.nest
        self.options, self.models = options, models
        self.bits = word_bits(self.nest.layer.precision)
        self.ports: dict[tuple[str, str], float] = {}  # (memory, read|write) -> words
        self.extra: dict[str, dict[str, dict[str, float]]] = {}  # memory -> op -> action -> pJ
        self.report: dict[str, dict[str, dict[str, float]]] = {}

    def apply(self) -> LayerResult:
        accesses = {name: dict(per) for name, per in self.result.accesses.items()}
        mac_conditions: set[Operand] = set()
        for op in OPERANDS:
            memories = [res.memory.name for res in self.nest.chain(op)]
            chain = self._chain(op, memories)
            for index, name in enumerate(memories):
                child = memories[index + 1] if index + 1 < len(memories) else None
                parent = memories[index - 1] if index else None
                accesses[name][op] = self._memory(op, name, parent, child, chain[index],
                                                  accesses[name][op], mac_conditions)
        dense_macs = self.result.macs_issued
        effectual = math.prod(self.models[c].density for c in mac_conditions)
        macs = dense_macs * effectual
        compute = macs / math.prod(loop.size for loop in self.nest.spatial)
        bound = max((self._port_cycles(name, port, words)
                     for (name, port), words in self.ports.items()), default=0.0)
        report = {"dense_macs": dense_macs, "effectual_macs": macs,
                  "mac_conditions": sorted(mac_conditions), "port_cycles": bound,
                  "memories": self.report}
        return dataclasses.replace(
            self.result, accesses=accesses, macs_issued=macs,
            latency=Latency(compute, max(0.0, bound - compute)),
            action_energy_pj=self.extra,
            extras={**self.result.extras, "sparse_opt": report})

    def _chain(self, op: Operand, memories: list[str]) -> list[_Chain]:
        """Dense words per memory of the chain, with what each received and drained."""
        out = []
        for index, name in enumerate(memories):
            acc = self.result.accesses[name][op]
            link = _Chain(acc.read_bits / self.bits[op], acc.write_bits / self.bits[op])
            if index:
                above = out[-1]
                share = self._share(op, memories[index - 1], name)
                link.received = share * (above.reads - above.drained)
                if op == "O":
                    link.drained = share * (above.writes - above.received)
            out.append(link)
        return out

    def _share(self, op: Operand, parent: str, child: str) -> int:
        """Children that get the same words from one parent read (or whose partial sums the
        parent receives summed): the spatial loops between them irrelevant to ``op``."""
        arch = self.nest.arch
        between = (instance_loops(self.nest, arch.memory(child))
                   - instance_loops(self.nest, arch.memory(parent)))
        return math.prod(self.nest.spatial[i].size for i in between
                         if not is_relevant(self.nest.index, op, self.nest.spatial[i].dim))

    def _memory(self, op: Operand, name: str, parent: str | None, child: str | None,
                dense: _Chain, acc: OperandAccess, mac_conditions: set[Operand]
                ) -> OperandAccess:
        own = self.options.of(name)
        compressed = op in own.formats
        scale = self.models[op].density if compressed else 1.0
        read_kept = write_kept = scale
        read_gated = write_gated = 0.0
        action = own.actions.get(op)
        if action is not None:
            effectual = self._effectual(child, op, action.condition_on)
            read_kept, read_gated = _split(scale, effectual, action.kind)
            if child is None:
                mac_conditions |= action.condition_on
        above = self.options.of(parent).actions.get(op) if parent is not None else None
        if above is not None:
            effectual = self._effectual(name, op, above.condition_on)
            write_kept, write_gated = _split(scale, effectual, above.kind)
        self._port(name, "read", dense.reads * (read_kept + read_gated))
        self._port(name, "write", dense.writes * (write_kept + write_gated))
        if compressed:
            self._metadata(op, name, child, own, dense)
        if parent is not None and op in self.options.of(parent).formats:
            self._charge(name, op, "decompression_count", dense.received, own)
            self._charge(name, op, "compression_count", dense.drained, own)
        return _scaled(acc, read_kept, read_gated, write_kept, write_gated)

    def _tile(self, memory: str, holding: Operand, op: Operand) -> int:
        """Words of ``op`` spanned by the loops below ``memory``'s cut for ``holding`` (the
        operand it holds there) in one instance: its tile of ``op``, held or not."""
        cut = next(res.cut for res in self.nest.chain(holding) if res.memory.name == memory)
        instances = self.view.insts(instance_loops(self.nest, self.nest.arch.memory(memory)))
        return tile_words(self.view.groups, self.view.qs(cut), instances, op)

    def _effectual(self, receiver: str | None, target: Operand,
                   condition: frozenset[Operand]) -> float:
        """Probability that a transfer of ``target`` to ``receiver`` (None: the MACs) serves
        some effectual MAC: no condition operand's tile there is all zero."""
        out = 1.0
        for op in condition:
            elements = 1 if receiver is None else self._tile(receiver, target, op)
            out *= 1.0 - float(self.models[op].prob_empty(elements))
        return out

    def _metadata(self, op: Operand, name: str, child: str | None, own: MemoryOptions,
                  dense: _Chain) -> None:
        """Metadata moved with the compressed words: per tile of the child."""
        if not own.metadata_bits:
            return
        unit = self._tile(child, op, op) if child is not None else 1
        try:
            bits = _metadata_bits(own.formats[op], unit, self.models[op])
        except ValueError as exc:  # a metadata field too narrow for the tile it encodes
            raise RippleInputError(f"{SPACE_NAMES[op]} at {name}: {exc}",
                                   source=self.options.source,
                                   field="representation-format") from None
        per_word = bits / own.metadata_bits / unit
        self._charge(name, op, "metadata_read", dense.reads * per_word, own)
        self._charge(name, op, "metadata_write", dense.writes * per_word, own)

    def _charge(self, name: str, op: Operand, action: str, count: float,
                own: MemoryOptions) -> None:
        if not count:
            return
        self.report.setdefault(name, {}).setdefault(op, {})[action] = count
        self.extra.setdefault(name, {}).setdefault(op, {})[action] = (
            count * own.energies.get(action, 0.0))

    def _port(self, name: str, port: str, words: float) -> None:
        self.ports[name, port] = self.ports.get((name, port), 0.0) + words

    def _port_cycles(self, name: str, port: str, words: float) -> float:
        own = self.options.of(name)
        bandwidth = own.read_words_per_cycle if port == "read" else own.write_words_per_cycle
        if not bandwidth:
            return 0.0
        memory = self.nest.arch.memory(name)
        instances = math.prod(self.nest.spatial[i].size
                              for i in instance_loops(self.nest, memory))
        return words / instances / bandwidth


@lru_cache(maxsize=1 << 10)
def _metadata_bits(ranks: tuple[RankFormat, ...], unit: int, model: DensityModel) -> float:
    """Expected metadata bits of a tile of ``unit`` words (Sparseloop's ranks share one
    flattened rank: the outer ones have one fiber each)."""
    shape = (1,) * (len(ranks) - 1) + (unit,)
    return expected_footprint(ranks, shape, model).metadata_bits


def _split(scale: float, effectual: float, kind: str) -> tuple[float, float]:
    """The kept and the gated shares of dense counts scaled by ``scale``: the ineffectual part
    is gated (charged at the gated energy) or skipped (gone)."""
    ineffectual = scale * (1.0 - effectual)
    return scale - ineffectual, ineffectual if kind == "gating" else 0.0


def _scaled(acc: OperandAccess, read_kept: float, read_gated: float, write_kept: float,
            write_gated: float) -> OperandAccess:
    """``acc`` with its reads scaled to the kept and gated shares (the gated part counted in
    the totals and in ``gated_*``), and its writes likewise."""
    reads, writes = read_kept + read_gated, write_kept + write_gated
    return OperandAccess(
        reads=acc.reads * reads, writes=acc.writes * writes,
        final_writes=acc.final_writes * writes,
        read_bits=acc.read_bits * reads, write_bits=acc.write_bits * writes,
        gated_reads=acc.reads * read_gated, gated_writes=acc.writes * write_gated,
        gated_read_bits=acc.read_bits * read_gated,
        gated_write_bits=acc.write_bits * write_gated)
