"""Delta fills in closed form: what consecutive fills share, factor by factor
(docs/accesses.md, "Delta fills").

The fills of a link are the groups of issued steps sharing the first ``r`` temporal digits, in
lexicographic order. Two consecutive groups ``a`` and ``b`` first differ at some position ``p``
of the prefix, the *carry*: the loop at ``p`` steps to its next value, every loop inside it
wraps from its last value to its first, the loops outside stay. Each factor sees that as a
transition of its own groups fixed by where ``p`` falls among its loops (``q_out`` of its
prefix loops lie outside ``p``; it may own ``p``): with its outer digits ``c`` kept, from the
last group under ``(c, v)`` to the first under ``(c, v')`` for the next value ``v'`` of its
loop at ``p`` if it owns ``p``, else from the last group under ``c`` to the first. The global
transitions at ``p`` are all the combinations of one such transition per factor, and every
size of a delta is a product of per-factor sizes: the words a fill brings are
``prod(X) - prod(Y)`` with ``X`` the factor's part of the new tile (union over the instances a
side serves) and ``Y`` its part that every child instance needing it already held
(``docs/accesses.md``); for outputs a third column counts those whose first (fill) or last
(write-back) MAC lies in the new or leaving group. Nothing is enumerated beyond a factor's own
elements (at most ``IY x FY`` pairs of an axis).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from ripple.model.groups import FactorGroups, Histogram, Instances, changes
from ripple.workload.layer import Operand

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class DeltaPart:
    """How one side of a delta transfer splits a factor's elements: ``instances`` select an
    instance of the side's memory, ``classes`` are kept apart and summed inside it
    (multicast), ``child`` are the loops selecting the child instance whose previous tile
    decides what is new (for the child's own side: its instances)."""

    instances: Instances
    classes: Instances
    child: Instances


@dataclass(frozen=True)
class Carry:
    """Where a carry position falls for one factor: ``q_out`` of its ``q`` prefix loops lie
    outside it, and it may be the factor's own loop."""

    q: int
    q_out: int
    owns: bool


def transition_pairs(groups: FactorGroups, carry: Carry) -> tuple[IntArray, IntArray]:
    """The factor's transitions at ``carry``: per transition the rank of the group it leaves
    and of the group it enters (ranks in lexicographic order of the prefix digits)."""
    f = groups.factor
    _, first = np.unique(groups.key(carry.q), return_index=True)
    digits = np.stack([f.digits[i][first] for i in range(carry.q)], axis=1) if carry.q else (
        np.zeros((len(first), 0), dtype=np.int64))
    n = len(first)
    if n == 0:  # the factor issues nothing (every tap falls between strided outputs)
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    context = _runs(digits[:, :carry.q_out])
    if carry.owns:
        block = _runs(digits[:, :carry.q_out + 1])
        starts = np.flatnonzero(changes(block))
        ends = np.append(starts[1:], n) - 1
        same_context = context[starts[1:]] == context[starts[:-1]]
        return ends[:-1][same_context], starts[1:][same_context]
    starts = np.flatnonzero(changes(context))
    ends = np.append(starts[1:], n) - 1
    return ends, starts


def _runs(digits: IntArray) -> IntArray:
    """Per row of sorted ``digits``, the index of its run of equal rows."""
    if digits.shape[1] == 0:
        return np.zeros(len(digits), dtype=np.int64)
    change = np.zeros(len(digits), dtype=bool)
    change[1:] = (digits[1:] != digits[:-1]).any(axis=1)
    return np.cumsum(change)


@lru_cache(maxsize=1 << 12)
def delta_rows(groups: FactorGroups, carry: Carry, part: DeltaPart, operand: Operand,
               outputs: bool, leaving: bool) -> tuple[IntArray, IntArray, IntArray]:
    """Per (transition, instance of the side): the rows ``(X, Y)`` or, for outputs,
    ``(X, Y, Z)``; ``leaving``: the write-back of the group left (its words the next group does
    not hold), else the fill of the group entered. Returns transition ids, instance keys and
    rows, sorted by (transition, instance)."""
    f = groups.factor
    coords = f.coords[operand]
    rank = np.unique(groups.key(carry.q), return_inverse=True)[1].reshape(-1)
    a, b = transition_pairs(groups, carry)
    new, old = (a, b) if leaving else (b, a)
    fine = tuple(sorted(set(part.instances) | set(part.classes) | set(part.child)))
    stored = coords >= 0
    # distinct (group, fine instance, element) entries, with the keys the fine instance fixes
    g, x, e = rank[stored], groups.key(0, fine)[stored], coords[stored]
    keys = {name: groups.key(0, loops)[stored] for name, loops in
            (("inst", part.instances), ("cls", part.classes), ("child", part.child))}
    span_x, span_e = int(x.max(initial=0)) + 1, int(e.max(initial=0)) + 1
    code = (g * span_x + x) * span_e + e
    code, pick = np.unique(code, return_index=True)
    g, x, e = g[pick], x[pick], e[pick]
    inst, cls, child = (keys[k][pick] for k in ("inst", "cls", "child"))
    span_c = int(child.max(initial=0)) + 1
    held = np.unique((g * span_c + child) * span_e + e)  # what each child instance holds
    # the new group's entries of every transition
    starts = np.searchsorted(g, np.arange(rank.max(initial=-1) + 2))
    counts = starts[new + 1] - starts[new]
    tid = np.repeat(np.arange(len(new)), counts)
    idx = np.repeat(starts[new] - np.cumsum(np.append(0, counts[:-1])), counts) + np.arange(
        counts.sum())
    in_old = np.isin((old[tid] * span_c + child[idx]) * span_e + e[idx], held)
    if not idx.size:  # no stored element enters (or leaves): nothing moves
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros((0, 3 if outputs else 2), dtype=np.int64)
    ti, ii, ci, ei = tid, inst[idx], cls[idx], e[idx]
    # per (transition, instance, class, element): held by every fine instance needing it?
    n_cls = int(cls.max(initial=0)) + 1
    n_inst = int(inst.max(initial=0)) + 1
    unit = ((ti * n_inst + ii) * n_cls + ci) * span_e + ei
    order = np.argsort(unit, kind="stable")
    unit, kept = unit[order], in_old[order]
    first = np.flatnonzero(changes(unit))
    all_kept = np.minimum.reduceat(kept.astype(np.int64), first) if first.size else kept
    unit = unit[first]
    element = unit % span_e
    ti_u = unit // span_e // n_cls // n_inst
    ii_u = unit // span_e // n_cls % n_inst
    columns = [np.ones(len(unit), dtype=np.int64), all_kept]
    if outputs:
        extreme = _extreme_group(groups, rank, "last" if leaving else "first", span_e)
        columns.append((extreme[element] == new[ti_u]).astype(np.int64))
    pair = ti_u * n_inst + ii_u  # the classes are summed within (transition, instance)
    out_keys, out_of = np.unique(pair, return_inverse=True)
    rows = np.stack([np.bincount(out_of, weights=col, minlength=len(out_keys))
                     for col in columns], axis=1).astype(np.int64)
    return out_keys // n_inst, out_keys % n_inst, rows


def _extreme_group(groups: FactorGroups, rank: IntArray, kind: str, span: int) -> IntArray:
    """Per output coordinate, the group (rank) of its first or last MAC (-1: none)."""
    chosen = groups.extremes(kind)
    out = np.full(span, -1, dtype=np.int64)
    out[groups.factor.coords["O"][chosen]] = rank[chosen]
    return out


def delta_histogram(groups: FactorGroups, carry: Carry, part: DeltaPart, operand: Operand,
                    outputs: bool, leaving: bool) -> Histogram:
    """:func:`delta_rows` as a histogram of rows over (transition, instance)."""
    _, _, rows = delta_rows(groups, carry, part, operand, outputs, leaving)
    if not len(rows):
        return np.zeros((0, 3 if outputs else 2), dtype=np.int64), np.zeros(0, dtype=np.int64)
    values, counts = np.unique(rows, axis=0, return_counts=True)
    return values, counts.astype(np.int64)


def carries(interleave: tuple[int, ...], n_factors: int) -> list[tuple[Carry, ...]]:
    """Per carry position of a prefix whose loops belong to the factors ``interleave`` (one
    factor index per position, outermost first), each factor's :class:`Carry`."""
    q = [interleave.count(f) for f in range(n_factors)]
    seen = [0] * n_factors
    out = []
    for owner in interleave:
        out.append(tuple(Carry(q[f], seen[f], f == owner) for f in range(n_factors)))
        seen[owner] += 1
    return out


def as_whole_rows(rows: IntArray, outputs: bool, leaving: bool) -> IntArray:
    """Delta rows ``(X, Y[, Z])`` (products over the factors) as the rows whole fills count
    with: ``(words,)``, or for outputs ``(words, final, first)``."""
    words = rows[:, 0] - rows[:, 1]
    if not outputs:
        return words[:, None]
    zero = np.zeros_like(words)
    extreme = rows[:, 2]
    columns = (words, extreme, zero) if leaving else (words, zero, extreme)
    return np.stack(columns, axis=1)
