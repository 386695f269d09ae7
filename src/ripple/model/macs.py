"""Issued and valid MACs of a nest, in closed form."""

from __future__ import annotations

from ripple.mapping.nest import LoopNest


def mac_counts(nest: LoopNest) -> tuple[int, int]:
    """Issued and valid MACs. Valid ones are the layer's (per axis a sum over taps of interval
    lengths); a nest that does not filter also issues every padding tap or invalid pair."""
    layer = nest.layer
    issued = layer.N * layer.G * layer.K_group * layer.C_group
    for which in ("y", "x"):
        geom = layer.axis(which)
        issued *= (geom.outputs if nest.index == "output" else geom.inputs) * geom.taps
    return (layer.macs if nest.filtered else issued), layer.macs
