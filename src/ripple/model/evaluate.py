"""Evaluate one mapping of one layer: MACs, accesses, energy, latency and output readiness.

Counts come from the batch machinery with a batch of one order (the nest's own), so a single
evaluation and an exploration share every line that assembles a count. An architecture that
skips or gates zero operands then gets the expected counts of ``model/sparsity.py``, and one
whose memories store operands compressed the expected traffic of ``model/compression.py``."""

from __future__ import annotations

import numpy as np

from ripple.errors import MappingError, ModelError
from ripple.mapping.nest import LoopNest
from ripple.model.batch import SkeletonBatch
from ripple.model.compression import coded_sides
from ripple.model.memory_sparsity import ineffectual_sides
from ripple.model.readiness import step_cycles
from ripple.model.sparse_opt import SparseOptimizations, apply_sparse_optimizations
from ripple.model.sparsity import DensitiesLike, density_models, expected_counts
from ripple.resources import check_model
from ripple.results.compressed import with_formats
from ripple.results.memory_sparse import with_memory_sparsity
from ripple.results.result import Latency, LayerResult, OperandAccess
from ripple.results.sparse import with_sparsity


def evaluate(nest: LoopNest, densities: DensitiesLike = None,
             sparse_opt: SparseOptimizations | None = None) -> LayerResult:
    """Exact counts of ``nest`` without enumerating MACs or steps.

    When the architecture skips or gates MACs with a zero operand (``mac.sparsity``), the
    counts are expected values under ``densities`` (per operand a density or a density model
    of :mod:`ripple.sparse.distributions`; a missing operand is dense). Without ``mac.sparsity``
    the densities change nothing at the MACs: the hardware does every MAC of the schedule.
    Memories that store an operand compressed (``formats``) move its expected compressed
    size under the same densities (docs/sparsity.md, "Compressed formats"), and memories
    that skip or gate an operand's transfers serving only ineffectual MACs (``sparsity`` of a
    memory) lose or gate their expected share ("Gating and skipping at a memory").

    ``sparse_opt``: Sparseloop's sparse optimisations (compressed formats with metadata,
    gating or skipping conditioned on other operands, (de)compression counts) applied to the
    dense counts, with Timeloop's latency (docs/sparseloop.md)."""
    layer = nest.layer
    check_model(layer.N * layer.K * layer.OY * layer.OX, f"layer {layer.name}", nest.source)
    batch = SkeletonBatch.of_nest(nest)
    columns = batch.evaluate(np.arange(batch.n)[None, :])
    if not columns.valid[0]:
        raise MappingError(columns.reason[0], source=nest.source,
                           field=_blamed_field(nest, columns.reason[0]))
    accesses: dict[str, dict] = {}
    for (memory, op), acc in columns.accesses.items():
        accesses.setdefault(memory, {})[op] = OperandAccess(
            **{key: int(values[0]) for key, values in acc.items()})
    lat = {key: int(values[0]) for key, values in columns.latency.items()}
    last = step_cycles(batch.view, last=True)
    first = step_cycles(batch.view, last=False)
    shape = (layer.N, layer.G * layer.K_group, last.shape[-2], last.shape[-1])
    result = LayerResult(
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
    if nest.arch.mac.sparsity is not None:
        try:
            counts = expected_counts(nest, batch.view, densities)
        except ModelError as exc:
            raise ModelError(f"layer {layer.name!r} under {nest.mapping.name}: "
                             f"{exc.detail}", source=nest.source, field="mac.sparsity") from exc
        result = with_sparsity(result, counts)
    result = with_memory_sparsity(result, ineffectual_sides(nest, batch.view, densities))
    result = with_formats(result, coded_sides(nest, batch.view, densities))
    if sparse_opt is None:
        return result
    return apply_sparse_optimizations(result, batch.view, sparse_opt, density_models(densities))


def _blamed_field(nest: LoopNest, reason: str) -> str:
    """The mapping field an overflow comes from: an operand's placement when the overflowing
    memory holds an operand placed there, else the temporal loops."""
    for operand in nest.mapping.placement:
        for residence in nest.chain(operand):  # type: ignore[arg-type]
            if f"memory {residence.memory.name!r} overflows" in reason:
                return f"placement.{operand}"
    return "temporal"
