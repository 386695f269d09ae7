"""Evaluate one mapping of one layer: MACs, accesses, energy, latency and output readiness.

Counts come from the batch machinery with a batch of one order (the nest's own), so a single
evaluation and an exploration share every line that assembles a count."""

from __future__ import annotations

import numpy as np

from ripple.errors import MappingError
from ripple.mapping.nest import LoopNest
from ripple.model.batch import SkeletonBatch
from ripple.model.readiness import step_cycles
from ripple.results.result import Latency, LayerResult, OperandAccess


def evaluate(nest: LoopNest) -> LayerResult:
    """Exact counts of ``nest`` without enumerating MACs or steps."""
    batch = SkeletonBatch.of_nest(nest)
    columns = batch.evaluate(np.arange(batch.n)[None, :])
    if not columns.valid[0]:
        raise MappingError(columns.reason[0], source=nest.source, field="temporal")
    accesses: dict[str, dict] = {}
    for (memory, op), acc in columns.accesses.items():
        accesses.setdefault(memory, {})[op] = OperandAccess(
            **{key: int(values[0]) for key, values in acc.items()})
    lat = {key: int(values[0]) for key, values in columns.latency.items()}
    last = step_cycles(batch.view, last=True)
    first = step_cycles(batch.view, last=False)
    layer = nest.layer
    shape = (layer.N, layer.G * layer.K_group, last.shape[-2], last.shape[-1])
    return LayerResult(
        layer=layer,
        arch=nest.arch,
        mapping_name=nest.mapping.name,
        nest=nest.describe(),
        macs_issued=columns.macs_issued,
        macs_valid=columns.macs_valid,
        latency=Latency(lat["compute"], lat["stall"], lat["fill"], lat["drain"]),
        accesses=accesses,
        ready=(last + 1).reshape(shape),
        first=first.reshape(shape),
        extras={"timing": {"port_transactions": {
            "/".join(port): int(load[0]) for port, load in columns.ports.items()}}},
    )
