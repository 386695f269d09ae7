"""Import a Timeloop / Sparseloop problem YAML (the ``CNN-Layer`` shape) as a Ripple layer.

Timeloop's dimensions map as ``C->C``, ``M->K``, ``N->N``, ``P->OX``, ``Q->OY``, ``R->FX``,
``S->FY``: its ``Inputs`` projection pairs ``R`` with ``P`` through ``Wdilation``/``Wstride``
(the width, x) and ``S`` with ``Q`` through ``Hdilation``/``Hstride`` (the height, y). Timeloop
has no padding: the input spans every tap, ``IX = (P-1)*Wstride + (R-1)*Wdilation + 1``, so every
iteration is a valid MAC. Sizes are imported exactly as written; a comment on a size line (the
AlexNet files say ``P: 28  # should be 27``) becomes a note. The ``densities`` are returned with
the layer for the sparsity work; precisions default to 16 bits (Eyeriss' ``datawidth``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from ripple.errors import RippleInputError
from ripple.imported import Imported
from ripple.specfile import read_text
from ripple.specio import read_yaml, validate
from ripple.workload.layer import Densities, Layer, Precision

DATASPACES = {"Inputs": "I", "Weights": "W", "Outputs": "O"}
#: Timeloop's CNN-Layer projections: the only problem shape Ripple imports.
CNN_LAYER = {
    "Weights": [[["C"]], [["M"]], [["R"]], [["S"]]],
    "Inputs": [[["N"]], [["C"]], [["R", "Wdilation"], ["P", "Wstride"]],
               [["S", "Hdilation"], ["Q", "Hstride"]]],
    "Outputs": [[["N"]], [["M"]], [["Q"]], [["P"]]],
}
_COMMENTED = re.compile(r"^\s*(\w+)\s*:\s*([^#\s]+)\s*#\s*(.*\S)\s*$")


class _Loose(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=True)


class DataSpace(_Loose):
    name: str
    projection: list[list[list[str]]]
    read_write: bool = Field(default=False, alias="read-write")


class Shape(_Loose):
    name: str = "CNN-Layer"
    dimensions: list[str]
    coefficients: list[dict[str, Any]] = Field(default_factory=list)
    data_spaces: list[DataSpace] = Field(alias="data-spaces")


class Instance(_Loose):
    C: PositiveInt = 1
    M: PositiveInt = 1
    N: PositiveInt = 1
    P: PositiveInt = 1
    Q: PositiveInt = 1
    R: PositiveInt = 1
    S: PositiveInt = 1
    Hstride: PositiveInt = 1
    Wstride: PositiveInt = 1
    Hdilation: PositiveInt = 1
    Wdilation: PositiveInt = 1
    densities: dict[str, float | dict[str, Any]] = Field(default_factory=dict)


class Problem(_Loose):
    instance: Instance
    shape: Shape | None = None


class ProblemFile(_Loose):
    problem: Problem


@dataclass(frozen=True)
class TimeloopProblem:
    """A Timeloop problem: the layer and the densities its file states."""

    layer: Layer
    densities: Densities


def import_timeloop_problem(path: str | Path,
                            precision: Precision | None = None) -> Imported[TimeloopProblem]:
    source = str(path)
    problem = validate(ProblemFile, read_yaml(path), source).problem
    if problem.shape is not None:
        _check_shape(problem.shape, source)
    i = problem.instance
    layer = validate(Layer, {
        "name": Path(source).stem, "N": i.N, "K": i.M, "C": i.C,
        "IY": (i.Q - 1) * i.Hstride + (i.S - 1) * i.Hdilation + 1,
        "IX": (i.P - 1) * i.Wstride + (i.R - 1) * i.Wdilation + 1,
        "FY": i.S, "FX": i.R, "stride": (i.Hstride, i.Wstride),
        "dilation": (i.Hdilation, i.Wdilation), "precision": precision or Precision(),
    }, source, prefix=("problem", "instance"))
    notes = [f"{key}: {value} imported as written (the file's comment: {comment!r})"
             for key, value, comment in _commented_sizes(Path(source))]
    densities, more = _densities(i.densities, source)
    return Imported(TimeloopProblem(layer, densities), tuple(notes + more))


def _check_shape(shape: Shape, source: str) -> None:
    spaces = {space.name: space.projection for space in shape.data_spaces}
    if set(shape.dimensions) != set("CMRSNPQ") or spaces != CNN_LAYER:
        raise RippleInputError("only Timeloop's CNN-Layer shape (dimensions C M R S N P Q with "
                               "its standard projections) is imported", source=source,
                               field="problem.shape")


def _commented_sizes(path: Path) -> list[tuple[str, str, str]]:
    """``(key, value, comment)`` of every ``key: value  # comment`` line."""
    return [found.groups() for line in read_text(path).splitlines()
            if (found := _COMMENTED.match(line))]


def _densities(given: dict[str, float | dict[str, Any]],
               source: str) -> tuple[Densities, list[str]]:
    values: dict[str, float] = {}
    notes: list[str] = []
    for name, value in given.items():
        if name not in DATASPACES:
            raise RippleInputError(f"unknown data space {name!r} (expected "
                                   f"{', '.join(DATASPACES)})", source=source,
                                   field=f"problem.instance.densities.{name}")
        if isinstance(value, dict):
            notes.append(f"density of {name}: only the average {value.get('density')} is kept "
                         f"(distribution {value.get('distribution', 'unspecified')})")
            value = value.get("density", 1.0)
        values[DATASPACES[name]] = value
    return validate(Densities, values, source, prefix=("problem", "instance", "densities")), notes
