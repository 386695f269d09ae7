"""Operand densities a user gives for a workload: one for every layer, or a table per layer.

Each density is a number (every element nonzero independently with that probability) or is
measured from a real tensor in a ``.npy`` file (its exact count of nonzeros, placed at random:
:class:`~ripple.sparse.distributions.Actual`). On the command line, ``--density I=0.4`` applies
to every layer and ``--density conv1:I=acts.npy`` to one; a layer's own entry wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ripple.errors import RippleInputError
from ripple.sparse.distributions import Actual, DensityModel, Uniform
from ripple.specfile import path_in_folder
from ripple.specio import read_yaml, validate
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

    def check_layers(self, names: Sequence[str]) -> None:
        """Refuse an entry for a layer the workload does not have (a typo would leave that
        layer dense without a word)."""
        unknown = sorted(set(self.per_layer) - set(names))
        if unknown:
            raise RippleInputError(
                f"densities for layer {unknown[0]!r}, which the workload does not have (its "
                f"MAC layers: {', '.join(names[:8])}{', ...' if len(names) > 8 else ''})",
                field="--density")

    @classmethod
    def parse(cls, specs: Sequence[str]) -> DensityTable:
        """From ``[LAYER:]OP=VALUE`` strings (VALUE a number in [0, 1] or a ``.npy`` file) and
        ``.yaml`` tables (:func:`load_density_table`); later entries win."""
        default: PerOperand = {}
        per_layer: dict[str, PerOperand] = {}
        for spec in specs:
            if spec.endswith((".yaml", ".yml")):
                table = load_density_table(spec)
                default.update(table.default)
                for layer, models in table.per_layer.items():
                    per_layer.setdefault(layer, {}).update(models)
                continue
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


class OperandDensities(BaseModel):
    """The density of each operand: a number in [0, 1] (the share of nonzero elements) or a
    ``.npy`` tensor in the file's folder, whose density is measured; a missing operand is
    dense."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    I: float | str | None = None
    W: float | str | None = None
    O: float | str | None = None


class DensityFile(BaseModel):
    """The table under ``densities:``: the densities of every layer, and per layer name (a
    layer's own entry wins, operand by operand)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    default: OperandDensities = Field(default_factory=OperandDensities)
    layers: dict[str, OperandDensities] = Field(default_factory=dict)


def load_density_table(path: str | Path) -> DensityTable:
    """A YAML table ``densities: {default: {I: 0.5}, layers: {conv1: {I: 0.3, W: w.npy}}}``;
    a ``.npy`` path is relative to the file's folder and inside it."""
    source = str(path)
    data = read_yaml(path)
    if not isinstance(data, dict) or "densities" not in data:
        raise RippleInputError("expected a top-level 'densities' with 'default' and/or "
                               "'layers'", source=source)
    parsed = validate(DensityFile, data["densities"], source, prefix=("densities",))
    base = Path(path).parent

    def models(given: OperandDensities, where: str) -> PerOperand:
        out: PerOperand = {}
        for op in OPERANDS:
            value = getattr(given, op)
            if value is None:
                continue
            field = f"densities.{where}.{op}"
            text = str(path_in_folder(base, value, source, field)) if isinstance(
                value, str) else str(value)
            try:
                out[op] = _model(text)
            except RippleInputError as exc:
                raise RippleInputError(exc.detail, source=source, field=field) from None
        return out

    return DensityTable(models(parsed.default, "default"),
                        {name: models(given, f"layers.{name}")
                         for name, given in parsed.layers.items()})
