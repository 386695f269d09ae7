"""The reference simulator: executes a loop nest MAC by MAC on real tensors.

It reads the specifications (workload, architecture, mapping) and never the analytical model;
its counts follow from the executed MAC stream alone, so agreement between the two is evidence
that both are right. See :func:`simulate`.
"""

from ripple.sim.golden import crop_scatter, golden_convolution
from ripple.sim.maclog import read_mac_log
from ripple.sim.simulate import SimulationResult, simulate

__all__ = ["SimulationResult", "crop_scatter", "golden_convolution", "read_mac_log", "simulate"]
