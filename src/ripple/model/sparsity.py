"""Expected counts of a layer whose MACs skip or gate zero operands (docs/sparsity.md).

A set of MACs is removed (a step, a transfer between the innermost memory and the MACs) when
every MAC in it is ineffectual. With one condition operand ``X`` that happens when the distinct
real elements of ``X`` the set uses are all zero: probability ``prob_empty(k)`` for ``k`` of
them, under either density model. ``k`` of a step or of a transfer's fill group is a product of
per-factor counts, so the histogram of ``k`` over all steps (or fills) is an outer product of
small per-factor histograms (``components.condition_histogram``), and every expected count is a
sum over that histogram: no MAC, step or fill is enumerated. Two condition operands need the
pairing of their elements, not only their numbers: see :mod:`ripple.model.pairing`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from ripple.arch.sparsity_spec import MacSparsity
from ripple.mapping.nest import LoopNest
from ripple.model.components import Transfer, condition_histogram, side_totals_by_condition
from ripple.model.groups import Part
from ripple.model.links import operand_links
from ripple.model.nestview import NestFactors
from ripple.model.pairing import PairedCondition
from ripple.results.result import OperandAccess
from ripple.results.sparse import SparseCounts
from ripple.sparse.distributions import Actual, DensityModel, Uniform
from ripple.workload.layer import OPERANDS, Densities, Operand

#: What ``evaluate(densities=...)`` accepts: per operand a density or a density model, or the
#: workload's :class:`Densities` (each a uniform density).
DensitiesLike = Mapping[str, float | DensityModel] | Densities | None


def density_models(given: DensitiesLike) -> dict[Operand, DensityModel]:
    """A density model per operand: a number is :class:`Uniform`, a missing operand dense."""
    if isinstance(given, Densities):
        given = {op: getattr(given, op) for op in OPERANDS}
    models: dict[Operand, DensityModel] = {op: Uniform(1.0) for op in OPERANDS}
    for op, value in (given or {}).items():
        if op not in OPERANDS:
            raise ValueError(f"unknown operand {op!r} for a density (use I, W or O)")
        models[op] = value if isinstance(value, Uniform | Actual) else Uniform(float(value))
    return models


class SingleCondition:
    """One condition operand: a set of MACs is all ineffectual when the ``k`` distinct real
    elements of the operand it uses are all zero."""

    def __init__(self, operand: Operand, model: DensityModel):
        self.operand, self.model = operand, model

    def groups_effectual(self, view: NestFactors, qs: tuple[int, ...],
                         insts: tuple[Part, ...], transfer: Transfer | None = None
                         ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Over the groups (``qs``, ``insts``): per class of groups, the summed weights (how
        many groups, or a transfer's transactions, bits and final transactions) and the
        probability that a group of the class has an effectual MAC."""
        condition = (self.operand,)
        if transfer is None:
            k, weights = condition_histogram(view.groups, qs, insts, condition)
        else:
            k, weights = side_totals_by_condition(view.groups, qs, insts, transfer, condition)
        return weights, 1.0 - np.asarray(self.model.prob_empty(k[:, 0]), dtype=np.float64)


def expected_counts(nest: LoopNest, view: NestFactors, densities: DensitiesLike
                    ) -> SparseCounts:
    """Expected effectual MACs and steps, and the expected transfers between each innermost
    memory and the MACs once those that serve no effectual MAC are removed."""
    spec = nest.arch.mac.sparsity
    assert spec is not None, "expected_counts needs an architecture that skips or gates"
    models = density_models(densities)
    macs = _real_macs(view, "I" in spec.condition_on) * math.prod(
        models[op].density for op in spec.condition_on)
    steps, transfers = None, {}
    if spec.action == "skip":  # gating changes the MACs' energy only
        condition = _condition(spec, models)
        steps_qs = tuple(g.factor.spec.n_temporal for g in view.groups)
        weights, p = condition.groups_effectual(view, steps_qs, (Part(),) * len(view.groups))
        steps = float(weights[:, 0] @ p)
        transfers = _mac_transfers(nest, view, condition)
    return SparseCounts(spec.action, tuple(spec.condition_on),
                        {op: models[op].density for op in spec.condition_on},
                        float(macs), steps, transfers)


def _condition(spec: MacSparsity, models: dict[Operand, DensityModel]
               ) -> SingleCondition | PairedCondition:
    if len(spec.condition_on) == 1:
        op = spec.condition_on[0]
        return SingleCondition(op, models[op])
    return PairedCondition(models["I"], models["W"])


def _real_macs(view: NestFactors, real_input: bool) -> int:
    """Issued MACs, or those whose input is a real element (not a padding tap)."""
    if real_input:
        return math.prod(int(np.count_nonzero(f.coords["I"] >= 0)) for f in view.factors)
    return math.prod(f.size for f in view.factors)


def _mac_transfers(nest: LoopNest, view: NestFactors,
                   condition: SingleCondition | PairedCondition
                   ) -> dict[tuple[str, str], tuple[OperandAccess, OperandAccess]]:
    """Per operand, the innermost memory's side of its link to the MACs (docs/accesses.md):
    dense, and expected once the fills that serve no effectual MAC are removed."""
    precision = nest.layer.precision
    out = {}
    for operand in OPERANDS:
        link = operand_links(nest, operand)[-1]  # the MACs are the last child of the chain
        qs = view.qs(link.prefix)
        dense, kept = OperandAccess(), OperandAccess()
        for channel, sides in link.channels():
            (side,) = sides  # the MACs have no side of their own
            transfer = link.transfer(channel, side, precision)
            weights, p = condition.groups_effectual(view, qs, view.parts(side),
                                                    transfer)
            for acc, totals in ((dense, weights.sum(axis=0)), (kept, p @ weights)):
                acc.book(side.direction, *(t.item() for t in totals))
            if side.granule is not None:  # the same fills, counted in narrow accesses
                narrow = replace(transfer, bandwidth=side.granule)
                weights, p_narrow = condition.groups_effectual(view, qs, view.parts(side),
                                                               narrow)
                assert np.array_equal(p, p_narrow), "the same classes of groups, in order"
                field = f"{side.direction}_granules"
                for acc, granules in ((dense, weights[:, 0].sum()), (kept, p @ weights[:, 0])):
                    setattr(acc, field, getattr(acc, field) + granules.item())
        out[(link.parent.name, operand)] = (dense, kept)
    return out

