"""The range of every number a specification may give, as pydantic types.

The counting multiplies sizes into iterations, tensor elements and bits, in Python integers,
NumPy int64 and float64. Keeping every such product within :data:`MAX_COUNT` (2^53) keeps it
exact in all three, with a factor of 1024 to spare below int64's limit for the few sums and
products of products the counting forms; each single size stays below 2^31, and energies are
finite. A specification beyond these bounds is refused when it is read, with the field, rather
than counted wrongly (int64 wraps around silently) or not at all.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

#: The largest single size: a layer dimension, stride, padding, loop or array dimension.
MAX_SIZE = 2**31 - 1
#: The largest count: a product of sizes (iterations, tensor elements, bits), and a capacity or
#: bandwidth in bits.
MAX_COUNT = 2**53
#: The widest element, in bits.
MAX_PRECISION_BITS = 1024
#: The largest energy of one access, MAC or bit, in pJ (a joule).
MAX_ENERGY_PJ = 1e12
#: The longest name (of a layer, memory, level, core...) or other string: error messages quote
#: names, and a name of megabytes would make them unreadable.
MAX_NAME = 256
#: The longest list of loops at one level, of levels, or of memories at one level.
MAX_ENTRIES = 64


#: A number in exponent notation without a dot (``2e6``): YAML 1.2 reads it as a number,
#: PyYAML (YAML 1.1) as a string, so such a string is taken as the number the user wrote.
EXPONENT_NUMBER = re.compile(r"[-+]?[0-9]+[eE][-+]?[0-9]+")


def not_a_number(value: Any) -> str | None:
    """Why ``value`` cannot stand where a number is expected (None: it can): a quoted number
    (``K: "8"``) or a boolean, which pydantic would read as 8 and 1 without a word."""
    if isinstance(value, bool):
        return "expected a number, not a boolean"
    if isinstance(value, str) and not EXPONENT_NUMBER.fullmatch(value.strip()):
        return "expected a number, not a string"
    return None


def _number(value: Any) -> Any:
    why = not_a_number(value)
    if why is not None:
        raise ValueError(why)
    return value


Number = BeforeValidator(_number)
#: A size: a layer dimension, a stride, a loop or array dimension.
Size = Annotated[int, Field(gt=0, le=MAX_SIZE), Number]
#: A padding: a size that may be zero.
Offset = Annotated[int, Field(ge=0, le=MAX_SIZE), Number]
#: A number of bits: a capacity or a bandwidth.
Bits = Annotated[int, Field(gt=0, le=MAX_COUNT), Number]
#: The width of an element.
Width = Annotated[int, Field(gt=0, le=MAX_PRECISION_BITS), Number]
#: The energy of one access, MAC or bit.
Energy = Annotated[float, Field(ge=0.0, le=MAX_ENERGY_PJ, allow_inf_nan=False), Number]
#: The area of one MAC or memory instance, in the user's unit (finite, below 1e12).
Area = Annotated[float, Field(ge=0.0, le=1e12, allow_inf_nan=False), Number]
#: :data:`Size`, :data:`Offset` and :data:`Energy` in a peer's file (Timeloop's), which may
#: quote a number as its own tool's reader accepts it.
LaxSize = Annotated[int, Field(gt=0, le=MAX_SIZE)]
LaxOffset = Annotated[int, Field(ge=0, le=MAX_SIZE)]
LaxEnergy = Annotated[float, Field(ge=0.0, le=MAX_ENERGY_PJ, allow_inf_nan=False)]


def check_counts(counts: dict[str, int]) -> None:
    """Refuse the first count (``{"N*K*C/G*OY*OX*FY*FX": ...}``, named by its factors) beyond
    :data:`MAX_COUNT`."""
    for what, value in counts.items():
        if value > MAX_COUNT:
            raise ValueError(f"{what} = {value:.3g} exceeds 2^53 ({MAX_COUNT:.3g}), the largest "
                             "count Ripple keeps exact")
