"""Cycle of every output's first and last MAC, from per-factor step ranks.

The issued steps are the Cartesian product of each factor's issued temporal tuples, executed in
lexicographic nest order. The cycle of a step ``t`` is the number of issued steps before it:
``sum over loop positions j`` of (steps agreeing with ``t`` before ``j`` and smaller at ``j``),
and each such count is a product over factors of per-factor counts. An output's last MAC is,
factor by factor, the lexicographically last issued element touching it, so its cycle follows
from per-factor vectors by outer products: no step or MAC is enumerated.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ripple.model.factors import Factor, IntArray
from ripple.model.nestview import NestFactors


class _StepTable:
    """Issued temporal tuples of one factor, as ranks sorted in nest order."""

    def __init__(self, factor: Factor):
        self.factor = factor
        self.steps = np.unique(factor.rank)
        sizes = factor.sizes[: factor.spec.n_temporal]
        # weights[k]: divisor that keeps the first k digits of a rank
        self.weights = [int(np.prod(sizes[k:], dtype=np.int64)) for k in range(len(sizes) + 1)]

    def _below(self, k: int, ranks: IntArray, inclusive: bool = False) -> IntArray:
        prefixes = self.steps // self.weights[k]
        return np.searchsorted(prefixes, ranks // self.weights[k],
                               side="right" if inclusive else "left")

    def agreeing(self, k: int, ranks: IntArray) -> IntArray:
        """Issued tuples sharing the first ``k`` digits with each rank."""
        return self._below(k, ranks, inclusive=True) - self._below(k, ranks)

    def smaller_at(self, k: int, ranks: IntArray) -> IntArray:
        """Issued tuples sharing the first ``k`` digits and smaller at digit ``k``."""
        return self._below(k + 1, ranks) - self._below(k, ranks)


def _extreme_ranks(factor: Factor, last: bool) -> IntArray:
    """Per output coordinate of the factor, the rank of its last (or first) element."""
    coords = factor.coords["O"]
    stored = coords >= 0
    fill = -1 if last else np.iinfo(np.int64).max
    out = np.full(factor.out_extent, fill, dtype=np.int64)
    ufunc = np.maximum if last else np.minimum
    ufunc.at(out, coords[stored], factor.rank[stored])
    return out


def step_cycles(view: NestFactors, last: bool) -> NDArray[np.int64]:
    """Cycle of each output's last (or first) MAC, shape ``(N, G, K, 1, Y, X)``; -1 where an
    output receives no MAC.

    Each loop position adds an outer product of per-factor vectors; the factors are split into
    two halves whose outer products (one row per position) make two small matrices, so the sum
    over positions is one integer matrix product instead of a pass over every output per
    position."""
    factors = view.factors
    tables = [_StepTable(f) for f in factors]
    ranks = [_extreme_ranks(f, last) for f in factors]
    touched = [r >= 0 if last else r < np.iinfo(np.int64).max for r in ranks]
    safe = [np.where(t, r, 0) for r, t in zip(ranks, touched, strict=True)]
    owner = {p: i for i, positions in enumerate(view.positions) for p in positions}
    shape = tuple(f.out_extent for f in factors)
    half = len(factors) // 2
    # the touched outputs of each half; a last row of them makes the product touched x touched
    # plus the cycle, so that subtracting one leaves -1 where an output receives no MAC. The
    # left half's vectors change only at its own positions, so the right half's rows of the
    # positions between are summed into one.
    masks = (_outer(touched[:half]), _outer(touched[half:]))
    rows: tuple[list[IntArray], list[IntArray]] = ([], [])
    seen = [0] * len(factors)  # digits of each factor before the current position
    for position in range(len(view.nest.temporal)):
        f_owner = owner[position]
        vecs = [table.smaller_at(seen[i], safe[i]) if i == f_owner
                else table.agreeing(seen[i], safe[i]) for i, table in enumerate(tables)]
        row = _outer(vecs[half:]) * masks[1]
        if f_owner >= half and rows[0] and position > 0 and owner[position - 1] >= half:
            rows[1][-1] = rows[1][-1] + row  # the left half has not moved: same left row
        else:
            rows[0].append(_outer(vecs[:half]) * masks[0])
            rows[1].append(row)
        seen[f_owner] += 1
    left, right = np.stack([*rows[0], masks[0]]), np.stack([*rows[1], masks[1]])
    return (left.T @ right - 1).reshape(shape)


def _outer(vectors: list[IntArray]) -> IntArray:
    """The flattened outer product of ``vectors`` (integers or booleans; the first varying
    slowest)."""
    out = np.ones(1, dtype=np.int64)
    for vec in vectors:
        out = np.multiply.outer(out, vec.astype(np.int64)).ravel()
    return out
