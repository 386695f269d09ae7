"""A MAC layer: 2-D convolution (grouped and depthwise included) or fully connected.

Sizes follow ZigZag's loop-dimension names. ``K`` and ``C`` are the layer's total output and
input channels; with ``G`` groups each group has ``K/G`` output and ``C/G`` input channels, and
the loop nest iterates ``G`` and the per-group ``K`` and ``C``. A fully connected layer is a
1x1 convolution on a 1x1 input.
"""

from __future__ import annotations

from collections.abc import Callable
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ripple.bounds import MAX_NAME, Offset, Size, Width, check_counts, not_a_number
from ripple.specio import unknown_field
from ripple.workload.axis import AxisGeometry, valid_pairs

Operand = Literal["I", "W", "O"]
OPERANDS: tuple[Operand, ...] = ("I", "W", "O")

IndexKind = Literal["output", "input"]

#: Loop dimensions of an output-indexed and of an input-indexed nest.
OUTPUT_INDEXED_DIMS = ("N", "G", "K", "C", "OY", "OX", "FY", "FX")
INPUT_INDEXED_DIMS = ("N", "G", "K", "C", "IY", "IX", "FY", "FX")
ALL_DIMS = ("N", "G", "K", "C", "OY", "OX", "IY", "IX", "FY", "FX")


class StrictModel(BaseModel):
    """A specification model: a misspelt key is an error, not a silent default, no float is
    NaN or infinite, no number is quoted or a boolean (pydantic would read ``"8"`` as 8 and
    ``true`` as 1), and no name or other string is longer than :data:`MAX_NAME`."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False,
                              str_max_length=MAX_NAME)

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_as_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        why = not_a_number(value)
        if why is not None and field is not None and _numeric(field.annotation):
            raise ValueError(why)
        return value


def _numeric(annotation: Any) -> bool:
    """Whether a field holds a number only (``int``, ``float``, optional or constrained)."""
    if get_origin(annotation) is Annotated:
        return _numeric(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        return bool(members) and all(_numeric(a) for a in members)
    return annotation in (int, float)


def also_accepts(*alternatives: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """A field's ``json_schema_extra``: its JSON Schema also accepts ``alternatives``, the
    shorthands its before-validator expands (``stride: 2`` for ``[2, 2]``), so that an editor
    validating a file against ``ripple schema`` accepts every file Ripple accepts."""
    def extend(schema: dict[str, Any]) -> None:
        own = {key: schema.pop(key) for key in list(schema)
               if key not in ("title", "description", "default", "examples")}
        schema["anyOf"] = [*alternatives, own]
    return extend


#: A positive integer, in a JSON Schema (the shorthand of a ``[y, x]`` pair).
ONE_SIZE = {"type": "integer", "exclusiveMinimum": 0}
#: The shorthands of a padding: one integer, ``[y, x]`` or some of its four sides by name.
PADDING_SHORTHANDS = (
    {"type": "integer", "minimum": 0},
    {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 2, "maxItems": 2},
    {"type": "object", "additionalProperties": False,
     "properties": {side: {"type": "integer", "minimum": 0}
                    for side in ("top", "bottom", "left", "right")}},
)


class Precision(StrictModel):
    """Bits per element: input, weight, partial output (psum) and final output."""

    I: Width = 16
    W: Width = 16
    O: Width = 16
    O_final: Width = 16


class Densities(StrictModel):
    """Fraction of nonzero elements per operand, as a source file states them (Sparseloop's
    problem files). Data only: no model reads them yet."""

    I: float = Field(default=1.0, gt=0, le=1)
    W: float = Field(default=1.0, gt=0, le=1)
    O: float = Field(default=1.0, gt=0, le=1)


def pair(value: object) -> object:
    """``3`` -> ``(3, 3)``: one integer for both axes, or ``[y, x]``."""
    if isinstance(value, int):
        return (value, value)
    if isinstance(value, list | tuple) and len(value) != 2:
        raise ValueError("expected one integer or [y, x]")
    return value


SIDES = ("top", "bottom", "left", "right")


def expand_padding(value: object) -> object:
    """Padding as ``[top, bottom, left, right]`` from one integer, ``[y, x]`` or a mapping."""
    if isinstance(value, int):
        return (value, value, value, value)
    if isinstance(value, dict):
        unknown = [key for key in value if key not in SIDES]
        if unknown:
            raise ValueError(unknown_field(unknown, SIDES))
        return tuple(value.get(side, 0) for side in SIDES)
    if isinstance(value, list | tuple) and len(value) == 2:
        return (value[0], value[0], value[1], value[1])
    return value


class Layer(StrictModel):
    """One MAC layer. ``IY``/``IX`` are the input sizes; the output size is derived.

    ``inputs`` is the graph edge to the producer of ``I`` (weights are constant), so that a
    network keeps its data dependencies for multi-core scheduling and layer fusion."""

    name: str = "layer"
    operator: Literal["conv", "fc"] = Field(default="conv",
                                            description="fc: IY = IX = FY = FX = 1")
    N: Size = Field(default=1, description="batch")
    K: Size = Field(description="output channels (of all groups)")
    C: Size = Field(description="input channels (of all groups)")
    G: Size = Field(default=1, description="groups (C = G: depthwise)")
    IY: Size = Field(default=1, description="input rows, before padding")
    IX: Size = Field(default=1, description="input columns, before padding")
    FY: Size = Field(default=1, description="filter rows")
    FX: Size = Field(default=1, description="filter columns")
    stride: tuple[Size, Size] = Field(default=(1, 1), description="[y, x], or one for both",
                                      json_schema_extra=also_accepts(ONE_SIZE))
    dilation: tuple[Size, Size] = Field(default=(1, 1), description="[y, x], or one for both",
                                        json_schema_extra=also_accepts(ONE_SIZE))
    padding: tuple[Offset, Offset, Offset, Offset] = Field(
        default=(0, 0, 0, 0), description="[top, bottom, left, right], [y, x], one for all, or "
        "{top, bottom, left, right}", json_schema_extra=also_accepts(*PADDING_SHORTHANDS)
    )
    precision: Precision = Precision()
    inputs: tuple[str, ...] = Field(
        default=(), max_length=1,
        description="the layer producing the input operand I; empty: the network input",
    )

    @field_validator("stride", "dilation", mode="before")
    @classmethod
    def _expand_pair(cls, value: object) -> object:
        return pair(value)

    @field_validator("padding", mode="before")
    @classmethod
    def _expand_padding(cls, value: object) -> object:
        return expand_padding(value)

    @model_validator(mode="after")
    def _check(self) -> Layer:
        if self.K % self.G or self.C % self.G:
            raise ValueError(f"K={self.K} and C={self.C} must both be divisible by G={self.G}")
        if self.operator == "fc" and (self.IY, self.IX, self.FY, self.FX) != (1, 1, 1, 1):
            raise ValueError("a fully connected layer has IY = IX = FY = FX = 1")
        if self.OY < 1 or self.OX < 1:
            raise ValueError(
                f"the kernel does not fit the padded input: output would be {self.OY}x{self.OX}"
            )
        check_counts(self._counts())
        return self

    def _counts(self) -> dict[str, int]:
        """The products the counting forms from this layer's sizes, named by their factors:
        the iterations of either nest (also times the widest element: the bits they move) and
        every tensor's elements and bits (the input padded)."""
        widest = max(self.precision.model_dump().values())
        per_step = self.N * self.K * self.C_group * self.FY * self.FX
        output_steps = per_step * self.OY * self.OX
        input_steps = per_step * self.IY * self.IX
        padded = self.N * self.C * (self.IY + self.padding[0] + self.padding[1]) * (
            self.IX + self.padding[2] + self.padding[3])
        weights = self.K * self.C_group * self.FY * self.FX
        outputs = self.N * self.K * self.OY * self.OX
        out_bits = max(self.precision.O, self.precision.O_final)
        return {
            "N*K*C/G*OY*OX*FY*FX MACs x widest precision": output_steps * widest,
            "N*K*C/G*IY*IX*FY*FX MACs x widest precision": input_steps * widest,
            "N*C*(IY+padding)*(IX+padding) x precision.I": padded * self.precision.I,
            "K*C/G*FY*FX x precision.W": weights * self.precision.W,
            "N*K*OY*OX x precision.O": outputs * out_bits,
        }

    # ----- derived sizes -------------------------------------------------------------
    @property
    def OY(self) -> int:
        return _output_size(self.IY, self.FY, self.stride[0], self.dilation[0],
                            self.padding[0] + self.padding[1])

    @property
    def OX(self) -> int:
        return _output_size(self.IX, self.FX, self.stride[1], self.dilation[1],
                            self.padding[2] + self.padding[3])

    @property
    def K_group(self) -> int:
        return self.K // self.G

    @property
    def C_group(self) -> int:
        return self.C // self.G

    def bound(self, dim: str) -> int:
        """Loop bound of a dimension (``K`` and ``C`` per group)."""
        return {
            "N": self.N, "G": self.G, "K": self.K_group, "C": self.C_group,
            "OY": self.OY, "OX": self.OX, "IY": self.IY, "IX": self.IX,
            "FY": self.FY, "FX": self.FX,
        }[dim]

    @property
    def macs(self) -> int:
        """Multiply-accumulates of the layer, padding taps excluded."""
        y = valid_pairs(self.axis("y"))
        x = valid_pairs(self.axis("x"))
        return self.N * self.G * self.K_group * self.C_group * y * x

    @property
    def dense_macs(self) -> int:
        """Output-indexed iterations, padding taps included (``N*K*C/G*OY*OX*FY*FX``)."""
        return self.N * self.G * self.K_group * self.C_group * self.OY * self.OX * self.FY * self.FX

    def axis(self, which: Literal["y", "x"]) -> AxisGeometry:
        if which == "y":
            return AxisGeometry(self.IY, self.OY, self.FY, self.stride[0], self.dilation[0],
                                self.padding[0])
        return AxisGeometry(self.IX, self.OX, self.FX, self.stride[1], self.dilation[1],
                            self.padding[2])

    def tensor_shape(self, operand: Operand) -> tuple[int, ...]:
        """Shape of the operand tensor: I [N, C, IY, IX], W [K, C/G, FY, FX], O [N, K, OY, OX]."""
        if operand == "I":
            return (self.N, self.C, self.IY, self.IX)
        if operand == "W":
            return (self.K, self.C_group, self.FY, self.FX)
        return (self.N, self.K, self.OY, self.OX)


def _output_size(size: int, kernel: int, stride: int, dilation: int, pad: int) -> int:
    return (size + pad - dilation * (kernel - 1) - 1) // stride + 1

