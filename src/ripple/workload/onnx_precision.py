"""Operand precisions of an ONNX node.

ONNX stores float tensors, so the word sizes are the user's choice. ZigZag lets a model carry
them as node attributes (``act_size`` for inputs and final outputs, ``weight_size``,
``output_size`` for partial sums, which default to twice ``act_size``) and otherwise takes 8-bit
activations and weights with 16-bit partial sums. Ripple reads the same attributes on every
import; without them a node gets the importer's default (16 bits, or ZigZag's under
``evaluate --zigzag``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ripple.errors import RippleInputError
from ripple.workload.layer import Precision

if TYPE_CHECKING:  # onnx takes most of a second to import: only where a model is read
    from onnx import NodeProto

#: What ZigZag's ONNX parser gives a node without size attributes.
ZIGZAG_ONNX_PRECISION = Precision(I=8, W=8, O=16, O_final=8)
SIZE_ATTRIBUTES = ("act_size", "weight_size", "output_size")


def node_precision(node: NodeProto, default: Precision, source: str, where: str) -> Precision:
    """``default``, overridden by the node's size attributes as ZigZag reads them."""
    from onnx import helper

    sizes: dict[str, int] = {}
    for attribute in node.attribute:
        if attribute.name in SIZE_ATTRIBUTES:
            value = helper.get_attribute_value(attribute)
            if not isinstance(value, int) or not 1 <= value <= 64:
                raise RippleInputError(f"attribute {attribute.name} must be a number of bits "
                                       "from 1 to 64", source=source,
                                       field=f"{where}.{attribute.name}")
            sizes[attribute.name] = value
    if not sizes:
        return default
    act = sizes.get("act_size")
    return Precision(I=act or default.I, W=sizes.get("weight_size", default.W),
                     O=sizes.get("output_size", 2 * act if act else default.O),
                     O_final=act or default.O_final)
