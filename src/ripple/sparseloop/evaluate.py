"""Energy and cycles of a Timeloop specification under Sparseloop's conventions.

From the dense counts (:mod:`ripple.sparseloop.counts`) and the densities of the problem:

- a data space stored in a compressed format at a level moves only its nonzeros (plus any
  padding entries the format needs) in and out of that level, and its metadata (bits per tile
  from :mod:`ripple.sparse.formats`, charged per ``metadata_datawidth`` bits as the ERT's
  ``metadata_read``/``metadata_write``); the level below it decompresses (``decompression_count``
  per word it receives) and a level writing into it compresses (``compression_count`` per word);
- gating (skipping) of a data space at a level, conditioned on other data spaces: a transfer to
  the level below is ineffectual when a condition operand's tile there is all zero (at the MACs:
  the one element the MAC uses, probability ``1 - d``; for a tile of ``k`` elements,
  ``(1 - d)**k``); the read at this level and the write below are then gated (charged as
  ``gated_read``/``gated_write``, still taking their port slot) or skipped (gone); the MAC of an
  ineffectual read is not performed (no energy and no cycle: the reference figures charge none);
- a data action costs the ERT's action energy per ``block_size`` words; cycles are the largest of
  the effectual computes per MAC instance and, per level instance, reads over ``read_bandwidth``
  and writes over ``write_bandwidth`` (words per cycle; unbounded when the level gives none).

Counts are expectations (floats): Sparseloop rounds its action counts to integers, so its figures
can differ from these by a cycle or a pJ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ripple.arch.timeloop_import import TimeloopComponent, read_timeloop_tree
from ripple.errors import RippleInputError
from ripple.sparse.distributions import Uniform
from ripple.sparse.formats import expected_footprint
from ripple.sparseloop.counts import LevelCounts, NestCounts
from ripple.sparseloop.nest import TimeloopNest, load_timeloop_nest
from ripple.sparseloop.optimizations import (
    SparseOptimizations,
    load_sparse_optimizations,
    rank_formats,
)
from ripple.workload.layer import Densities
from ripple.workload.timeloop_import import import_timeloop_problem

SPACE_NAMES = {"I": "Inputs", "W": "Weights", "O": "Outputs"}


@dataclass(frozen=True)
class ActionCount:
    component: str
    space: str  # I, W, O, or "" for the MACs
    action: str
    count: float
    energy_pj: float


@dataclass(frozen=True)
class SparseloopResult:
    name: str
    cycles: float
    computes: float  # effectual MACs
    dense_computes: int
    actions: list[ActionCount] = field(default_factory=list)

    @property
    def energy_pj(self) -> float:
        return sum(a.energy_pj for a in self.actions)

    def component_energy(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for a in self.actions:
            out[a.component] = out.get(a.component, 0.0) + a.energy_pj
        return out

    def count(self, component: str, space: str, action: str) -> float:
        return sum(a.count for a in self.actions
                   if (a.component, a.space, a.action) == (component, space, action))


@dataclass(frozen=True)
class TimeloopSpec:
    """Paths of one Sparseloop evaluation: problem, architecture, ERT, mapping and (optional)
    sparse optimisations."""

    problem: Path
    arch: Path
    ert: Path
    mapping: Path
    sparse_opt: Path | None = None


def evaluate_timeloop(spec: TimeloopSpec, densities: Densities | None = None) -> SparseloopResult:
    """Evaluate ``spec``; ``densities`` override the problem file's."""
    problem = import_timeloop_problem(spec.problem).value
    tree = read_timeloop_tree(spec.arch, spec.ert)
    levels = tuple(c.name for c in tree.storage)
    nest = load_timeloop_nest(spec.mapping, problem.layer, levels)
    optimizations = (SparseOptimizations.none() if spec.sparse_opt is None
                     else load_sparse_optimizations(spec.sparse_opt, levels))
    return _Evaluation(nest, tree.storage, tree.energies, tree.mac.name, optimizations,
                       densities or problem.densities, spec).result()


class _Evaluation:
    def __init__(self, nest: TimeloopNest, storage: list[TimeloopComponent],
                 energies: dict[str, dict[str, float]], mac: str,
                 optimizations: SparseOptimizations, densities: Densities, spec: TimeloopSpec):
        self.nest, self.counts = nest, NestCounts(nest)
        self.components = {c.name: c for c in storage}
        self.energies, self.mac = energies, mac
        self.opt, self.densities, self.spec = optimizations, densities, spec
        self.actions: list[ActionCount] = []
        self.port_words: dict[tuple[str, str], float] = {}  # (level, read|write) -> words

    def result(self) -> SparseloopResult:
        conditions: set[str] = set()  # operands whose zeros make a MAC's operand read useless
        for (level, space), counts in self.counts.levels.items():
            conditions |= self._level(level, space, counts)
        computes = self.nest.computes * self._effectual(None, frozenset(conditions))
        self._add(self.mac, "", "mac_random", computes, self.energies[self.mac]["mac_random"])
        cycles = computes / self.nest.compute_instances
        for (level, port), words in self.port_words.items():
            attr = self.components[level].attr(f"{port}_bandwidth")
            if attr:
                cycles = max(cycles, words / self.counts.instances(level) / float(attr))
        return SparseloopResult(self.spec.problem.stem, cycles, computes, self.nest.computes,
                                self.actions)

    def _level(self, level: str, space: str, counts: LevelCounts) -> frozenset[str]:
        """Record the actions of ``space`` at ``level``; returns the operands on which it gates
        or skips the reads it serves to the MACs (a MAC is performed when none of them is
        zero)."""
        density = getattr(self.densities, space)
        chain = self.counts.holders(space)
        index = chain.index(level)
        parent = chain[index - 1] if index else None
        child = chain[index + 1] if index + 1 < len(chain) else None
        compressed = (level, space) in self.opt.formats
        scale = density if compressed else 1.0
        reads, writes = counts.reads * scale, counts.writes * scale
        optimization = self.opt.actions.get((level, space))
        mac_conditions: frozenset[str] = frozenset()
        if optimization is not None:
            kind, condition = optimization
            reads = self._optimized(level, space, "read", reads, kind,
                                    self._effectual(child, condition))
            if child is None:
                mac_conditions = condition
        if parent is not None and (parent, space) in self.opt.actions:
            kind, condition = self.opt.actions[parent, space]
            writes = self._optimized(level, space, "write", writes, kind,
                                     self._effectual(level, condition))
        self._data(level, space, "read", reads, port="read")
        self._data(level, space, "write", writes, port="write")
        if compressed:
            self._metadata(level, space, counts, child)
        if parent is not None and (parent, space) in self.opt.formats:
            received = counts.fills + counts.partial_fills
            self._add(level, space, "decompression_count", received,
                      self.energies[level].get("decompression_count", 0.0))
            self._add(level, space, "compression_count", counts.drains,
                      self.energies[level].get("compression_count", 0.0))
        return mac_conditions

    def _effectual(self, receiver: str | None, condition: frozenset[str]) -> float:
        """Probability that a transfer to ``receiver`` (None: the MACs) is effectual: no
        condition operand's tile there (one element at a MAC) is all zero."""
        out = 1.0
        for space in condition:
            elements = 1 if receiver is None else self.counts.tile(receiver, space)
            out *= 1.0 - float(Uniform(getattr(self.densities, space)).prob_empty(elements))
        return out

    def _optimized(self, level: str, space: str, action: str, words: float, kind: str,
                   effectual: float) -> float:
        """The effectual part of ``words``; the rest is gated (charged, takes its port slot)
        or skipped (gone)."""
        ineffectual = words * (1.0 - effectual)
        if kind == "gating":
            self._data(level, space, f"gated_{action}", ineffectual, port=action)
        return words - ineffectual

    def _metadata(self, level: str, space: str, counts: LevelCounts, child: str | None) -> None:
        """Metadata moved with the compressed words: per tile the child receives (or sends)."""
        component = self.components[level]
        width = float(component.attr("metadata_datawidth", default=0) or 0)
        if not width:
            return
        unit = self.counts.tile(child, space) if child else 1
        fmt = rank_formats(self.opt.formats[level, space])
        shape = (1,) * (len(fmt) - 1) + (unit,)  # Sparseloop's ranks share one flattened rank
        try:
            footprint = expected_footprint(fmt, shape, Uniform(getattr(self.densities, space)))
        except ValueError as exc:  # a metadata field too narrow for the tile it encodes
            raise RippleInputError(f"{SPACE_NAMES[space]} at {level}: {exc}",
                                   source=str(self.spec.sparse_opt),
                                   field="representation-format") from None
        for action, words in (("metadata_read", counts.reads), ("metadata_write", counts.writes)):
            transfers = words / unit
            self._add(level, space, action, transfers * footprint.metadata_bits / width,
                      self.energies[level].get(action, 0.0))

    def _data(self, level: str, space: str, action: str, words: float, port: str) -> None:
        if not words:
            return
        self.port_words[level, port] = self.port_words.get((level, port), 0.0) + words
        energy = self.energies[level].get(action, 0.0) / self._block(level)
        self._add(level, space, action, words, energy)

    def _block(self, level: str) -> int:
        component = self.components[level]
        given = component.attr("block_size")
        if given:
            return int(given)
        width, word = component.attr("width", "data_storage_width"), component.attr("datawidth")
        return max(1, int(width) // int(word)) if width and word else 1

    def _add(self, component: str, space: str, action: str, count: float,
             energy_each: float) -> None:
        if count:
            self.actions.append(ActionCount(component, space, action, count,
                                            count * energy_each))
