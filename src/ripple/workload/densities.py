"""Operand densities a user gives for a workload: one for every layer, or a table per layer.

Each density is a number (every element nonzero independently with that probability) or is
measured from a real tensor in a ``.npy`` file (its exact count of nonzeros, placed at random:
:class:`~ripple.sparse.distributions.Actual`). On the command line, ``--density I=0.4`` applies
to every layer and ``--density conv1:I=acts.npy`` to one; a layer's own entry wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ripple.errors import RippleInputError
from ripple.sparse.distributions import Actual, DensityModel, Uniform
from ripple.workload.layer import OPERANDS

PerOperand = dict[str, DensityModel]


@dataclass(frozen=True)
class DensityTable:
    """Densities for every layer (``default``) and per layer name (``per_layer``)."""

    default: PerOperand = field(default_factory=dict)
    per_layer: dict[str, PerOperand] = field(default_factory=dict)

    def of(self, layer: str) -> PerOperand:
        """The densities of ``layer``: its own entries over the defaults."""
        return {**self.default, **self.per_layer.get(layer, {})}

    @classmethod
    def parse(cls, specs: Sequence[str]) -> DensityTable:
        """From ``[LAYER:]OP=VALUE`` strings; VALUE is a number in [0, 1] or a ``.npy`` file."""
        default: PerOperand = {}
        per_layer: dict[str, PerOperand] = {}
        for spec in specs:
            target, sep, value = spec.partition("=")
            layer, _, op = target.rpartition(":")
            if not sep or op not in OPERANDS or not value:
                raise RippleInputError(f"expected [LAYER:]OP=VALUE with OP one of I, W, O, got "
                                       f"{spec!r}", field="density")
            table = per_layer.setdefault(layer, {}) if layer else default
            table[op] = _model(value)
        return cls(default, per_layer)


def _model(value: str) -> DensityModel:
    """A number is a uniform density; a ``.npy`` file is the density of its tensor."""
    if value.endswith(".npy"):
        try:
            return Actual.of(np.load(value, allow_pickle=False))
        except (OSError, ValueError) as exc:
            raise RippleInputError(f"cannot read a NumPy array: {exc}", source=value,
                                   field="density") from exc
    try:
        return Uniform(float(value))
    except ValueError as exc:
        raise RippleInputError(f"a density is a number in [0, 1] or a .npy file, got "
                               f"{value!r}", field="density") from exc
