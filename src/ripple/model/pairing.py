"""Two condition operands: when is a set of MACs all ineffectual if a MAC needs a nonzero input
*and* a nonzero weight (docs/sparsity.md, "Conditioned on I and W")?

The set's MACs pair input elements with weight elements; the set is all ineffectual when no
pair has both nonzero. The pairing is a bipartite graph, and because the set is a product of
per-factor groups it is the tensor product of per-factor graphs (an input and a weight are
paired when, factor by factor, their coordinates are paired by an element of the group). When
each factor's graph is a disjoint union of complete bipartite graphs (*bicliques*: a dimension
that indexes one operand only is one biclique, one that indexes both is a matching, a tap sweep
over one position or a position sweep under one tap is a star), so is the product, and with
independent elements (uniform densities) the bicliques are independent:

    P(all ineffectual) = prod over bicliques (a inputs, b weights) of
                         1 - (1 - P(a inputs all zero)) * (1 - P(b weights all zero)).

That is exact. A real tensor's model (``Actual``) makes elements dependent, so there the product
is exact only for a single biclique; and a factor graph that is not a union of bicliques (a
position sweep under several taps at once) has no such product. Both raise
:class:`~ripple.errors.ModelError` rather than return an approximation.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from ripple.errors import ModelError
from ripple.model.components import Transfer
from ripple.model.groups import FactorGroups, Part
from ripple.model.nestview import NestFactors
from ripple.sparse.distributions import DensityModel, Uniform

Signature = tuple[tuple[tuple[int, int], int], ...]  # ((inputs, weights), how many) sorted


class PairedCondition:
    """Conditioned on ``I`` and ``W``: a MAC is effectual when both are nonzero."""

    def __init__(self, inputs: DensityModel, weights: DensityModel):
        self.inputs, self.weights = inputs, weights

    def groups_effectual(self, view: NestFactors, qs: tuple[int, ...],
                         insts: tuple[Part, ...], transfer: Transfer | None = None
                         ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """As :meth:`ripple.model.sparsity.SingleCondition.groups_effectual`."""
        operand = "W" if transfer is None else transfer.operand
        outputs = transfer is not None and transfer.outputs
        tables = [_factor_table(g, q, inst, operand, outputs)
                  for g, q, inst in zip(view.groups, qs, insts, strict=True)]
        rows = np.ones((1, tables[0][0].shape[1]), dtype=np.int64)
        counts = np.ones(1, dtype=np.int64)
        picks = np.zeros((1, 0), dtype=np.int64)
        for r, c, sig, _ in tables:  # the outer product of the factors' histograms
            rows = (rows[:, None, :] * r[None, :, :]).reshape(-1, r.shape[1])
            counts = (counts[:, None] * c[None, :]).reshape(-1)
            picks = np.concatenate([np.repeat(picks, len(sig), axis=0),
                                    np.tile(sig[:, None], (len(picks), 1))], axis=1)
        distinct, inverse = np.unique(picks, axis=0, return_inverse=True)
        p_none = np.array([self._all_ineffectual([tables[f][3][s] for f, s in enumerate(row)])
                           for row in distinct])[inverse.reshape(-1)]
        if transfer is None:
            weights = counts[:, None]
        else:
            bits, tx, final_tx = transfer.count(rows)
            weights = np.stack([tx, bits, final_tx], axis=1) * counts[:, None]
        return weights, 1.0 - p_none

    def _all_ineffectual(self, signatures: list[Signature]) -> float:
        """P(no pair of a set both nonzero), from its factors' biclique signatures."""
        blocks = [((math.prod(a for (a, _), _ in combo), math.prod(b for (_, b), _ in combo)),
                   math.prod(m for _, m in combo))
                  for combo in itertools.product(*signatures)]
        uniform = isinstance(self.inputs, Uniform) and isinstance(self.weights, Uniform)
        if not uniform and sum(m for _, m in blocks) > 1:
            raise ModelError(
                "conditioned on I and W, the expected count needs independent elements when a "
                "step or fill pairs inputs and weights in several separate blocks: give "
                "uniform densities (or condition on one operand)")
        p = 1.0
        for (a, b), m in blocks:
            effectual = (1.0 - float(self.inputs.prob_empty(a))) * (
                1.0 - float(self.weights.prob_empty(b)))
            p *= (1.0 - effectual) ** m
        return p


@lru_cache(maxsize=1 << 12)
def _factor_table(groups: FactorGroups, q: int, instances: Part, operand: str,
                  outputs: bool) -> tuple[NDArray[np.int64], NDArray[np.int64],
                                          NDArray[np.int64], list[Signature]]:
    """One factor's histogram over its groups of (statistic row of ``operand``, signature of
    the group's input-weight pairing): rows, counts, signature index, the signatures."""
    factor = groups.factor
    key = groups.key(q, instances.instances)
    _, stats = groups.rows(q, instances, operand, outputs)  # type: ignore[arg-type]
    _, group_of = np.unique(key, return_inverse=True)
    real = factor.coords["I"] >= 0
    pairs = np.unique(np.stack([group_of[real], factor.coords["I"][real],
                                factor.coords["W"][real]], axis=1), axis=0)
    starts = np.searchsorted(pairs[:, 0], np.arange(len(stats) + 1))
    signatures: dict[Signature, int] = {}
    sig_of = np.array([signatures.setdefault(_bicliques(pairs[a:b, 1:]), len(signatures))
                       for a, b in itertools.pairwise(starts)], dtype=np.int64)
    table, count = np.unique(np.concatenate([stats, sig_of[:, None]], axis=1), axis=0,
                             return_counts=True)
    return table[:, :-1], count.astype(np.int64), table[:, -1], list(signatures)


def _bicliques(edges: NDArray[np.int64]) -> Signature:
    """The bicliques of a bipartite graph given as (input, weight) edges: inputs with the same
    neighbours form one with them. Raises when neighbourhoods overlap without being equal."""
    neighbours: dict[int, list[int]] = {}
    for i, w in edges.tolist():
        neighbours.setdefault(i, []).append(w)
    blocks = Counter(tuple(ws) for ws in neighbours.values())
    if sum(len(ws) for ws in blocks) != len({w for ws in blocks for w in ws}):
        raise ModelError(
            "conditioned on I and W, a step or fill pairs inputs and weights in overlapping "
            "sweeps (several taps over several positions of one axis): its expected count has "
            "no product form; condition on one operand")
    return tuple(sorted(Counter((n, len(ws)) for ws, n in blocks.items()).items()))
