"""Expected transfers that memories skip or gate because they serve only ineffectual MACs
(docs/sparsity.md, "Gating and skipping at a memory").

A fill of a link serves every MAC under the child's tile until the next fill: the MACs that
share the link's fill prefix and, on one side, that side's instance digits. That is the group
``components.side_totals_by_condition`` already splits by the number ``k`` of distinct real
elements of the condition operand it uses, for any link, so the expected transactions of the
transfers whose MACs are all ineffectual are a sum over that small histogram of
``prob_empty(k)`` times their dense totals: exact, no fill enumerated.
"""

from __future__ import annotations

from ripple.mapping.nest import LoopNest
from ripple.model.links import operand_links
from ripple.model.nestview import NestFactors
from ripple.model.sparsity import DensitiesLike, SingleCondition, density_models
from ripple.results.memory_sparse import IneffectualSides
from ripple.results.result import OperandAccess
from ripple.workload.layer import OPERANDS


def ineffectual_sides(nest: LoopNest, view: NestFactors, densities: DensitiesLike
                      ) -> dict[tuple[str, str], IneffectualSides]:
    """Per (memory, operand): the expected dense counts of its transfer sides, on links whose
    parent skips or gates the operand, that serve no effectual MAC."""
    models = density_models(densities)
    precision = nest.layer.precision
    out: dict[tuple[str, str], IneffectualSides] = {}
    for operand in OPERANDS:
        for link in operand_links(nest, operand):
            spec = link.parent.sparsity_of(operand)
            if spec is None:
                continue
            (condition_operand,) = spec.condition_on
            condition = SingleCondition(condition_operand, models[condition_operand])
            qs = view.qs(link.prefix)
            for channel, sides in link.channels():
                for side in sides:
                    assert side.memory is not None
                    transfer = link.transfer(channel, side, precision)
                    weights, p = condition.groups_effectual(view, qs, view.parts(side),
                                                            transfer)
                    part = OperandAccess()
                    part.book(side.direction, *((1.0 - p) @ weights).tolist())
                    out.setdefault((side.memory.name, operand), IneffectualSides()).book(
                        spec.action, part)
    return out
