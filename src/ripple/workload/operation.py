"""MAC-free layers: pooling, ReLU, add, concat, flatten, reshape.

They cost no MAC, but they carry the data dependencies between MAC layers (a residual add, a
pool between two convolutions) and change tensor shapes, which the multi-core and fusion work
needs. An :class:`Operation` records its input and output shapes; the output shape follows from
the inputs and the operator (ONNX's definitions), so it may be omitted except for ``reshape``,
and a given one is checked.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, get_args

from pydantic import Field, field_validator, model_validator

from ripple.bounds import Offset, Size, check_counts
from ripple.workload.layer import (
    ONE_SIZE,
    PADDING_SHORTHANDS,
    StrictModel,
    also_accepts,
    expand_padding,
    pair,
)

OperationKind = Literal[
    "maxpool", "avgpool", "globalavgpool", "relu", "add", "concat", "flatten", "reshape"
]
OPERATION_KINDS: tuple[str, ...] = get_args(OperationKind)
POOLS = ("maxpool", "avgpool")

#: The highest tensor rank.
MAX_RANK = 6
#: A tensor shape, batch first: ``(N, C, H, W)`` for feature maps, ``(N, F)`` for vectors.
Shape = Annotated[tuple[Size, ...], Field(min_length=1, max_length=MAX_RANK)]


class Operation(StrictModel):
    """A MAC-free layer. ``inputs`` name the producing layers (empty: the network input) and
    match ``input_shapes`` one to one. ``kernel``/``stride``/``padding``/``ceil_mode`` apply to
    pooling, ``axis`` to concat and flatten."""

    name: str
    operator: OperationKind
    inputs: tuple[str, ...] = Field(default=(), description="producers; empty: network input")
    input_shapes: tuple[Shape, ...] = Field(min_length=1, description="one per input, batch "
                                            "first: [N, C, H, W] or [N, F]")
    output_shape: Shape | None = Field(default=None,
                                       description="derived; needed by reshape only")
    kernel: tuple[Size, Size] | None = Field(default=None, description="[y, x], or one for both",
                                             json_schema_extra=also_accepts(ONE_SIZE))
    stride: tuple[Size, Size] = Field(default=(1, 1), description="[y, x], or one for both",
                                      json_schema_extra=also_accepts(ONE_SIZE))
    padding: tuple[Offset, Offset, Offset, Offset] = Field(
        default=(0, 0, 0, 0), description="[top, bottom, left, right], [y, x], one for all, or "
        "{top, bottom, left, right}", json_schema_extra=also_accepts(*PADDING_SHORTHANDS)
    )
    ceil_mode: bool = False
    axis: int = Field(default=1, ge=-MAX_RANK, le=MAX_RANK)

    @field_validator("operator", mode="before")
    @classmethod
    def _known(cls, value: object) -> object:
        if value not in OPERATION_KINDS:
            raise ValueError(f"unknown operator {value!r}; expected conv, fc or one of "
                             f"{', '.join(OPERATION_KINDS)}")
        return value

    @field_validator("kernel", "stride", mode="before")
    @classmethod
    def _expand_pair(cls, value: object) -> object:
        return value if value is None else pair(value)

    @field_validator("padding", mode="before")
    @classmethod
    def _expand_padding(cls, value: object) -> object:
        return expand_padding(value)

    @model_validator(mode="after")
    def _check(self) -> Operation:
        check_counts({f"elements of input_shapes[{i}]": math.prod(shape)
                      for i, shape in enumerate(self.input_shapes)})
        _check_attributes(self)
        if self.inputs and len(self.inputs) != len(self.input_shapes):
            raise ValueError(f"{len(self.inputs)} inputs but {len(self.input_shapes)} input "
                             "shapes; name every producer or none (network inputs)")
        derived = derive_output_shape(self)
        if derived is None:  # reshape: any shape with as many elements
            if self.output_shape is None:
                raise ValueError("reshape needs its output_shape")
            if math.prod(self.output_shape) != math.prod(self.input_shapes[0]):
                raise ValueError(f"reshape changes the number of elements: "
                                 f"{list(self.input_shapes[0])} -> {list(self.output_shape)}")
        elif self.output_shape is None:
            object.__setattr__(self, "output_shape", derived)
        elif tuple(self.output_shape) != derived:
            raise ValueError(f"output_shape {list(self.output_shape)} does not follow from the "
                             f"inputs; {self.operator} gives {list(derived)}")
        check_counts({"elements of output_shape": math.prod(self.shape)})
        return self

    @property
    def shape(self) -> tuple[int, ...]:
        """The output shape (always set after validation)."""
        assert self.output_shape is not None
        return tuple(self.output_shape)


def _check_attributes(op: Operation) -> None:
    single = op.operator not in ("add", "concat")
    if single and len(op.input_shapes) != 1:
        raise ValueError(f"{op.operator} takes one input, got {len(op.input_shapes)} shapes")
    is_pool = op.operator in POOLS
    if is_pool and op.kernel is None:
        raise ValueError(f"{op.operator} needs a kernel [ky, kx]")
    if not is_pool and (op.kernel is not None or op.stride != (1, 1) or any(op.padding)
                        or op.ceil_mode):
        raise ValueError("kernel, stride, padding and ceil_mode apply to maxpool and avgpool only")
    if op.axis != 1 and op.operator not in ("concat", "flatten"):
        raise ValueError("axis applies to concat and flatten only")
    if op.operator in (*POOLS, "globalavgpool") and len(op.input_shapes[0]) != 4:
        raise ValueError(f"{op.operator} takes an (N, C, H, W) input")


def derive_output_shape(op: Operation) -> tuple[int, ...] | None:
    """The output shape ONNX defines for the operator; None for reshape (any shape with as many
    elements)."""
    first = tuple(op.input_shapes[0])
    if op.operator in ("relu", "add"):
        for shape in op.input_shapes[1:]:
            if tuple(shape) != first:
                raise ValueError(f"add needs equal input shapes (no broadcasting), got "
                                 f"{list(first)} and {list(shape)}")
        return first
    if op.operator == "globalavgpool":
        return (*first[:2], 1, 1)
    if op.operator == "flatten":
        axis = op.axis % (len(first) + 1) if op.axis < 0 else op.axis
        return (math.prod(first[:axis]), math.prod(first[axis:]))
    if op.operator == "concat":
        return _concat(op.input_shapes, op.axis)
    if op.operator in POOLS:
        assert op.kernel is not None
        n, c, h, w = first
        return (n, c, _pooled(h, op.kernel[0], op.stride[0], op.padding[:2], op.ceil_mode),
                _pooled(w, op.kernel[1], op.stride[1], op.padding[2:], op.ceil_mode))
    return None


def _concat(shapes: tuple[tuple[int, ...], ...], axis: int) -> tuple[int, ...]:
    rank = len(shapes[0])
    if not -rank <= axis < rank:
        raise ValueError(f"axis {axis} is outside a rank-{rank} tensor")
    axis %= rank
    for shape in shapes[1:]:
        rest = [s for i, s in enumerate(shape) if i != axis]
        if len(shape) != rank or rest != [s for i, s in enumerate(shapes[0]) if i != axis]:
            raise ValueError(f"concat inputs differ outside axis {axis}: {list(shapes[0])} and "
                             f"{list(shape)}")
    out = list(shapes[0])
    out[axis] = sum(shape[axis] for shape in shapes)
    return tuple(out)


def _pooled(size: int, kernel: int, stride: int, pads: tuple[int, ...], ceil_mode: bool) -> int:
    span = size + pads[0] + pads[1] - kernel
    if span < 0:
        raise ValueError(f"pooling kernel {kernel} does not fit the padded input {size}+{pads}")
    if not ceil_mode:
        return span // stride + 1
    steps = -(-span // stride)
    # ONNX (like PyTorch) drops a ceil-mode window that would start in the end padding
    if steps * stride >= size + pads[0]:
        steps -= 1
    return steps + 1
