"""Which tile moves where: the links of each operand's chain and their fill granularity.

For every operand the chain is the memories holding it (outermost first) and then the MACs.
Each (child, parent) link is filled whenever the first ``r`` temporal digits change between
consecutive issued steps, ``r`` being one more than the position of the innermost loop of the
child's cut that is relevant to the operand (docs/accesses.md). This module derives ``r`` and
the instance structure (along which array dimensions child and parent are replicated) from the
specifications alone; the counting itself happens in :mod:`ripple.sim.accesses`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ripple.arch import Memory
from ripple.errors import MappingError
from ripple.mapping import LoopNest
from ripple.workload import OPERANDS, Operand

#: Dimensions that index each operand, per nest kind (docs/accesses.md, "Tiles and relevance").
RELEVANT: dict[str, dict[Operand, frozenset[str]]] = {
    "output": {
        "I": frozenset(["N", "G", "C", "OY", "OX", "FY", "FX"]),
        "W": frozenset(["G", "K", "C", "FY", "FX"]),
        "O": frozenset(["N", "G", "K", "OY", "OX"]),
    },
    "input": {
        "I": frozenset(["N", "G", "C", "IY", "IX"]),
        "W": frozenset(["G", "K", "C", "FY", "FX"]),
        "O": frozenset(["N", "G", "K", "IY", "IX", "FY", "FX"]),
    },
}

#: Array dimensions unrolling only these may replicate a memory that holds outputs.
OUTPUT_SAFE_DIMS = frozenset(["N", "G", "K", "OY", "OX"])


@dataclass(frozen=True)
class Link:
    """One (child, parent) link of an operand's chain.

    ``child`` is ``None`` for the MACs; ``parent`` is ``None`` for the residency of the
    outermost memory (tracked for its capacity only: it is never filled). ``prefix`` is ``r``.
    ``cut`` is how many temporal loops lie above the child. ``child_inst`` and ``parent_inst``
    map a spatial instance to the instance of the child and the parent that serves it.
    """

    operand: Operand
    child: Memory | None
    parent: Memory | None
    prefix: int
    cut: int  # temporal loops above the child (all of them for the MACs)
    child_inst: NDArray[np.int64]
    parent_inst: NDArray[np.int64]
    n_child_inst: int
    n_parent_inst: int
    # multicast: per child instance, the class the parent serves it in (None: one class, a
    # word is read once for all the child instances that need it), and how many classes
    class_of_child: NDArray[np.int64] | None = None
    n_classes: int = 1
    split: bool = False  # outputs: the child's instances hold parts of one reduction
    parent_split: bool = False  # outputs: so do the parent's
    delta: bool = False  # the child keeps what consecutive fills share (fills: delta)
    deliver_all: bool = False  # split outputs: returning partial sums go to every instance
    # the MACs under first_read_elision: per_fill: the prefix of the parent memory's fills, in
    # each of which an output's first update reads nothing
    residency: int | None = None


def prefix_length(nest: LoopNest, operand: Operand, cut: int) -> int:
    """``r``: 1 + position of the innermost of the first ``cut`` temporal loops relevant to
    ``operand``; 0 when none is."""
    relevant = RELEVANT[nest.index][operand]
    positions = [p for p, lp in enumerate(nest.temporal[:cut]) if lp.dim in relevant]
    return positions[-1] + 1 if positions else 0


def instance_map(nest: LoopNest, npe_coords: NDArray[np.int64],
                 replicated: list[str]) -> tuple[NDArray[np.int64], int]:
    """Instance index of each spatial instance for a memory replicated along ``replicated``."""
    array = nest.arch.array
    dims = list(array)
    inst = np.zeros(npe_coords.shape[0], dtype=np.int64)
    count = 1
    for adim in replicated:
        inst = inst * array[adim] + npe_coords[:, dims.index(adim)]
        count *= array[adim]
    return inst, count


def replicated_dims(nest: LoopNest, memory: Memory | None) -> list[str]:
    """Array dimensions along which ``memory`` (``None``: the MACs) has separate instances."""
    if memory is None:
        return list(nest.arch.array)
    served = nest.arch.served(memory)
    return [d for d in nest.arch.array if d not in served]


def check_output_replication(nest: LoopNest) -> None:
    """Reject partial sums that are not followed: only the innermost memory holding outputs
    may be replicated along an array dimension that unrolls a reduction (or an input
    position), and never the outermost (nothing would sum its parts)."""
    chain = nest.chain("O")
    for position, residence in enumerate(chain):
        memory = residence.memory
        for adim in replicated_dims(nest, memory):
            bad = sorted({lp.dim for lp in nest.spatial
                          if lp.array_dim == adim and lp.size > 1
                          and lp.dim not in OUTPUT_SAFE_DIMS})
            if not bad:
                continue
            if position == 0:
                raise MappingError(
                    f"memory {memory.name!r} is the outermost holding outputs and is "
                    f"replicated along array dimension {adim}, which unrolls {', '.join(bad)}: "
                    "its partial sums would never be summed (no reduction path)",
                    field=f"spatial.{adim}")
            if position < len(chain) - 1:
                raise MappingError(
                    f"memory {memory.name!r} splits outputs along array dimension {adim} "
                    f"({', '.join(bad)}) but is not their innermost memory: only the innermost "
                    "may hold parts of reductions", field=f"spatial.{adim}")


def spatial_digits(nest: LoopNest, npe_coords: NDArray[np.int64]) -> NDArray[np.int64]:
    """Per spatial instance, its digit on every spatial loop (nest.spatial order), decoded from
    its coordinates: along an array dimension its loops are digits, the first listed outermost."""
    dims = list(nest.arch.array)
    digits = np.zeros((npe_coords.shape[0], len(nest.spatial)), dtype=np.int64)
    for a, adim in enumerate(dims):
        weight = 1
        for j in reversed([j for j, lp in enumerate(nest.spatial) if lp.array_dim == adim]):
            digits[:, j] = npe_coords[:, a] // weight % nest.spatial[j].size
            weight *= nest.spatial[j].size
    return digits


def multicast_classes(nest: LoopNest, operand: Operand, parent: Memory, child: Memory | None,
                      digits: NDArray[np.int64], c_inst: NDArray[np.int64], n_c: int
                      ) -> tuple[NDArray[np.int64] | None, int]:
    """Per child instance, the class in which ``parent`` serves it (docs/conventions.md,
    "Multicast"): ``union`` one class; ``irrelevant`` one per value of the child's own spatial
    loops that index ``operand``; ``none`` one per child instance. Outputs come down to one
    instance each and go up reduced: one class. Loops of the parent's own instances never
    count (they are its instances)."""
    mode = nest.arch.convention(parent, "multicast")
    if operand == "O" or mode == "union":
        return None, 1
    parent_dims = set(replicated_dims(nest, parent))
    child_dims = set(replicated_dims(nest, child))
    apart = [j for j, lp in enumerate(nest.spatial)
             if lp.array_dim in child_dims and lp.array_dim not in parent_dims
             and (mode == "none" or lp.dim in RELEVANT[nest.index][operand])]
    if not apart:
        return None, 1
    cls = np.zeros(digits.shape[0], dtype=np.int64)
    count = 1
    for j in apart:
        cls = cls * nest.spatial[j].size + digits[:, j]
        count *= nest.spatial[j].size
    per_child = np.zeros(n_c, dtype=np.int64)
    per_child[c_inst] = cls  # a child instance's loops fix its class
    return per_child, count


def holds_split_outputs(nest: LoopNest, memory: Memory | None) -> bool:
    """Whether ``memory`` is replicated along an array dimension unrolling (beyond one) a loop
    that does not index outputs one to one: its instances hold parts of reductions."""
    if memory is None:
        return False
    dims = set(replicated_dims(nest, memory))
    return any(lp.array_dim in dims and lp.size > 1 and lp.dim not in OUTPUT_SAFE_DIMS
               for lp in nest.spatial)


def plan_links(nest: LoopNest, npe_coords: NDArray[np.int64]) -> list[Link]:
    """Every link of every operand's chain, plus each outermost memory's residency."""
    arch = nest.arch
    digits = spatial_digits(nest, npe_coords)
    links = []
    for operand in OPERANDS:
        chain = nest.chain(operand)
        members: list[tuple[int, Memory | None]] = [(r.cut, r.memory) for r in chain]
        members.append((len(nest.temporal), None))  # the MACs: below every loop
        outer = chain[0].memory
        o_inst, n_o = instance_map(nest, npe_coords, replicated_dims(nest, outer))
        links.append(Link(operand, outer, None, 0, 0, o_inst, np.zeros_like(o_inst), n_o, 1))
        for (cut, child), (parent_cut, parent) in zip(members[1:], members[:-1], strict=True):
            if child is None:
                latched = operand != "O" and operand in arch.mac.latch
                prefix = prefix_length(nest, operand, cut) if latched else cut
            else:
                prefix = prefix_length(nest, operand, cut)
            c_inst, n_c = instance_map(nest, npe_coords, replicated_dims(nest, child))
            p_inst, n_p = instance_map(nest, npe_coords, replicated_dims(nest, parent))
            assert parent is not None
            classes, n_cls = multicast_classes(nest, operand, parent, child, digits, c_inst, n_c)
            links.append(Link(operand, child, parent, prefix, cut, c_inst, p_inst, n_c, n_p,
                              classes, n_cls, operand == "O" and holds_split_outputs(nest, child),
                              operand == "O" and holds_split_outputs(nest, parent),
                              nest.fills_delta(operand, child),
                              child is not None
                              and arch.convention(child, "split_fill") == "every",
                              prefix_length(nest, operand, parent_cut)
                              if child is None and operand == "O"
                              and arch.mac.first_read_elision == "per_fill" else None))
    return links
