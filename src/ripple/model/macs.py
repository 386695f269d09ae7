"""Issued and valid MACs of a nest, in closed form."""

from __future__ import annotations

from ripple.mapping.nest import LoopNest
from ripple.workload.axis import count_pairs


def mac_counts(nest: LoopNest) -> tuple[int, int]:
    """Issued and valid MACs: per axis a sum over taps of interval lengths, times the channels."""
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
