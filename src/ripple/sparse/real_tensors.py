"""The model's expected counts next to the simulator's exact counts on real activations.

For one test image of the digits-trained LeNet-5 and each MAC layer and dataflow: the model
evaluates the layer under the *actual* density of that image's tensors (their nonzero counts,
placed at random) and the simulator executes it on the tensors themselves. Effectual MACs are
also counted in closed form from the tensor (each output's receptive field: its nonzero inputs
times the filters that read them), a third, independent figure the simulator must equal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ripple.arch.spec import Architecture
from ripple.dse.presets import preset_mapping, resolve
from ripple.mapping import bind
from ripple.model import evaluate
from ripple.sim import simulate
from ripple.sparse.dataflows import sparse_architecture
from ripple.sparse.digits import integer_tensors
from ripple.sparse.distributions import Actual
from ripple.workload.layer import Layer
from ripple.workload.zoo import lenet5


@dataclass(frozen=True)
class RealTensorRow:
    layer: str
    dataflow: str
    input_density: float
    macs_dense: int
    macs_exact: int  # closed form on the tensor
    macs_simulated: float
    macs_expected: float
    cycles_simulated: float
    cycles_expected: float
    energy_simulated_pj: float
    energy_expected_pj: float
    golden: bool


def effectual_macs(layer: Layer, inputs: np.ndarray) -> int:
    """MACs whose input is a nonzero real element: per output, the nonzero inputs its window
    covers (padding taps read zeros), summed, times the output channels of a group."""
    (sy, sx), (dy, dx) = layer.stride, layer.dilation
    top, bottom, left, right = layer.padding
    padded = np.pad(inputs != 0, ((0, 0), (0, 0), (top, bottom), (left, right)))
    count = 0
    for fy in range(layer.FY):
        for fx in range(layer.FX):
            window = padded[:, :, fy * dy: fy * dy + sy * (layer.OY - 1) + 1: sy,
                            fx * dx: fx * dx + sx * (layer.OX - 1) + 1: sx]
            count += int(np.count_nonzero(window))
    return count * (layer.K // layer.G)


def real_tensor_rows(arch: Architecture, dataflows: list[str], image: int = 0
                     ) -> list[RealTensorRow]:
    rows = []
    for layer in lenet5(1).mac_layers:
        inputs, weights = integer_tensors(layer, image)
        densities = {"I": Actual.of(inputs), "W": Actual.of(weights)}
        for dataflow in dataflows:
            name = resolve(dataflow).name
            runs_on = sparse_architecture(arch, dataflow)
            nest = bind(layer, runs_on, preset_mapping(layer, runs_on, name), source=name)
            expected = evaluate(nest, densities)
            simulated = simulate(nest, inputs, weights)
            rows.append(RealTensorRow(
                layer.name, name, densities["I"].density, layer.macs,
                effectual_macs(layer, inputs) if runs_on.mac.sparsity else layer.macs,
                simulated.result.macs_issued, expected.macs_issued,
                simulated.result.latency.total, expected.latency.total,
                simulated.result.energy_pj, expected.energy_pj, simulated.match))
    return rows
