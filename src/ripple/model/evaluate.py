"""Evaluate one mapping of one layer: MACs, accesses, energy, latency and output readiness."""

from __future__ import annotations

from ripple.mapping.nest import LoopNest
from ripple.model.accesses import count_accesses
from ripple.model.capacity import check_capacity, check_output_replication, largest_tiles
from ripple.model.nestview import NestFactors
from ripple.model.readiness import step_cycles
from ripple.model.timing import layer_timing
from ripple.results.result import LayerResult
from ripple.workload.axis import count_pairs


def mac_counts(nest: LoopNest) -> tuple[int, int]:
    """Issued and valid MACs, in closed form (sums over taps of interval lengths)."""
    layer = nest.layer
    channels = layer.N * layer.G * layer.K_group * layer.C_group
    valid = channels
    issued = channels
    for which in ("y", "x"):
        geom = layer.axis(which)
        valid *= int(count_pairs(geom, (0, geom.outputs), (0, geom.taps), (0, geom.inputs)))
        positions = geom.outputs if nest.index == "output" else geom.inputs
        issued *= positions * geom.taps
    return (valid if nest.filtered else issued), valid


def evaluate(nest: LoopNest) -> LayerResult:
    """Exact counts of ``nest`` without enumerating MACs or steps."""
    check_output_replication(nest)
    view = NestFactors.of(nest)
    check_capacity(nest, largest_tiles(nest, view))
    issued, valid = mac_counts(nest)
    layer = nest.layer
    timing = layer_timing(nest, view)
    last = step_cycles(view, last=True)
    first = step_cycles(view, last=False)
    shape = (layer.N, layer.G * layer.K_group, last.shape[-2], last.shape[-1])
    return LayerResult(
        layer=layer,
        arch=nest.arch,
        mapping_name=nest.mapping.name,
        nest=nest.describe(),
        macs_issued=issued,
        macs_valid=valid,
        latency=timing.latency,
        accesses=count_accesses(nest, view),
        ready=(last + 1).reshape(shape),
        first=first.reshape(shape),
        extras={"timing": timing.to_dict()},
    )
