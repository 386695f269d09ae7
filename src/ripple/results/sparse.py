"""A dense result turned into a sparse one: what skipping or gating changes (docs/sparsity.md).

The model (expected values) and the simulator (exact counts on real tensors) each find the same
few numbers: the effectual MACs, the effectual steps, and the transfers between the innermost
memories and the MACs with and without the skipped ones. Everything else of a sparse result is
the dense schedule's, so both apply their numbers to their dense result with this one function.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ripple.results.result import Latency, LayerResult, OperandAccess

MemoryOperand = tuple[str, str]


@dataclass(frozen=True)
class SparseCounts:
    """What the MACs did under ``action`` (``skip`` or ``gate``) conditioned on
    ``condition_on``: effectual MACs and steps (expected or exact), and per (innermost memory,
    operand) its transfers with the MACs, dense and once the skipped ones are removed (under
    ``gate`` neither the steps nor the transfers change: they may be left out).
    ``densities`` are those of the condition operands (given to the model, or measured)."""

    action: str
    condition_on: tuple[str, ...]
    densities: dict[str, float]
    macs_effectual: float
    steps_effectual: float | None
    mac_transfers: dict[MemoryOperand, tuple[OperandAccess, OperandAccess]]


def sparse_latency(dense: LayerResult, compute: float) -> Latency:
    """The latency with ``compute`` effectual steps in place of the dense ones.

    Refills, fill and drain are the dense schedule's, and so are the port loads: skipping only
    removes transfers, so the dense busiest port instance is an upper bound on the sparse one,
    and the layer is never made faster than its ports allow (docs/timing.md: stall = refill +
    the busiest port's excess over the rest). A dense layer bound by its ports took exactly the
    busiest port's load and stays so; otherwise its stall was its refills, and the ports stall
    the sparse layer only if they now exceed the shortened rest."""
    lat = dense.latency
    ports = dense.extras.get("timing", {}).get("port_transactions", {})
    busiest = max(ports.values(), default=0)
    if busiest >= lat.total:  # bound by a port
        stall = busiest - lat.fill - lat.drain - compute
    else:
        refill = lat.stall
        stall = refill + max(0.0, busiest - (lat.fill + compute + refill + lat.drain))
    return dataclasses.replace(lat, compute=compute, stall=stall)


def with_sparsity(dense: LayerResult, counts: SparseCounts) -> LayerResult:
    """``dense`` with the MACs, compute cycles and innermost transfers of ``counts``.

    ``skip``: only effectual MACs are issued, only effectual steps take a cycle, and the
    transfers with the MACs are those that serve an effectual MAC. ``gate``: every MAC is issued,
    the ineffectual ones at the gated energy; nothing else changes. Fill, drain, refills, the
    port loads, the memory traffic above the MACs and the readiness arrays stay those of the
    dense schedule; the bandwidth stall is recomputed against the effectual compute
    (:func:`sparse_latency`)."""
    skip = counts.action == "skip"
    accesses = {name: dict(per_operand) for name, per_operand in dense.accesses.items()}
    latency = dense.latency
    if skip:
        assert counts.steps_effectual is not None
        for (name, op), (before, after) in counts.mac_transfers.items():
            accesses[name][op] = accesses[name][op].swapped(before, after)  # type: ignore[index]
        latency = sparse_latency(dense, counts.steps_effectual)
    issued = counts.macs_effectual if skip else dense.macs_issued
    gated = 0 if skip else dense.macs_issued - counts.macs_effectual
    report: dict[str, Any] = {
        "action": counts.action,
        "condition_on": list(counts.condition_on),
        "densities": counts.densities,
        "macs_effectual": counts.macs_effectual,
        "macs_gated": gated,
        "dense": {"macs_issued": dense.macs_issued, "compute": dense.latency.compute,
                  "latency_cycles": dense.latency.total, "energy_pj": dense.energy_pj},
    }
    return dataclasses.replace(dense, macs_issued=issued, macs_gated=gated, latency=latency,
                               accesses=accesses, extras={**dense.extras, "sparsity": report})
