"""A workload: MAC layers and MAC-free operations in topological order, with their edges.

Each node names its producers in ``inputs``; the graph is checked when the workload is built
(unique names, producers listed before their consumers, shapes that agree along every edge),
so an importer or a YAML file with a dimension mismatch fails with the node and the field.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ripple.workload.layer import Layer, StrictModel
from ripple.workload.operation import Operation

MAC_OPERATORS = ("conv", "fc")


def _node_kind(data: Any) -> str:
    operator = data.get("operator", "conv") if isinstance(data, dict) else getattr(
        data, "operator", None)
    return "Layer" if operator in MAC_OPERATORS else "Operation"


#: A node of the graph: a MAC layer or a MAC-free operation, told apart by ``operator``.
Node = Annotated[
    Annotated[Layer, Tag("Layer")] | Annotated[Operation, Tag("Operation")],
    Discriminator(_node_kind),
]


def output_shape(node: Layer | Operation) -> tuple[int, ...]:
    """The tensor a node produces: ``(N, K, OY, OX)`` for a convolution, ``(N, K)`` for fc."""
    if isinstance(node, Operation):
        return node.shape
    shape = node.tensor_shape("O")
    return shape[:2] if node.operator == "fc" else shape


def input_shapes(node: Layer | Operation) -> tuple[tuple[int, ...], ...]:
    """The tensors a node consumes, in the order of its ``inputs``."""
    if isinstance(node, Operation):
        return tuple(tuple(s) for s in node.input_shapes)
    shape = node.tensor_shape("I")
    return (shape[:2] if node.operator == "fc" else shape,)


def _squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Drop trailing 1s: a ``(N, C, 1, 1)`` map and an ``(N, C)`` vector are the same tensor."""
    end = len(shape)
    while end > 1 and shape[end - 1] == 1:
        end -= 1
    return shape[:end]


def edge_mismatch(producer: Layer | Operation, consumer: Layer | Operation,
                  slot: int) -> str | None:
    """Why ``producer`` cannot feed input ``slot`` of ``consumer``, or None when it can.

    Shapes must agree up to trailing 1s; a fully connected layer flattens what it receives and
    what it produces (its rows are every leading dimension), so an edge touching one only needs
    as many elements.
    """
    given, wanted = output_shape(producer), input_shapes(consumer)[slot]
    if _squeezed(given) == _squeezed(wanted):
        return None
    if any(isinstance(n, Layer) and n.operator == "fc" for n in (producer, consumer)) and \
            math.prod(given) == math.prod(wanted):
        return None
    return (f"{producer.name!r} produces {'x'.join(map(str, given))}, but {consumer.name!r} "
            f"expects {'x'.join(map(str, wanted))}")


class Workload(StrictModel):
    """A network (or one layer): MAC layers and operations, producers before consumers."""

    name: str = "workload"
    layers: list[Node] = Field(min_length=1, description="MAC layers (operator conv or fc) "
                               "and operations, producers before consumers")

    @model_validator(mode="after")
    def _check_graph(self) -> Workload:
        seen: dict[str, Layer | Operation] = {}
        for index, node in enumerate(self.layers):
            if node.name in seen:
                _fail(("layers", index, "name"), f"layer name {node.name!r} is used twice",
                      node.name)
            for slot, producer_name in enumerate(node.inputs):
                producer = seen.get(producer_name)
                if producer is None:
                    later = any(n.name == producer_name for n in self.layers)
                    _fail(("layers", index, "inputs", slot),
                          f"{producer_name!r} is " + ("listed after its consumer; list producers "
                                                      "first" if later else "not a layer name"),
                          producer_name)
                problem = edge_mismatch(producer, node, slot)
                if problem:
                    _fail(("layers", index, "inputs", slot), f"dimension mismatch: {problem}",
                          producer_name)
            seen[node.name] = node
        return self

    @property
    def mac_layers(self) -> list[Layer]:
        """The MAC layers, in order."""
        return [node for node in self.layers if isinstance(node, Layer)]

    @property
    def macs(self) -> int:
        """MACs of all layers, padding taps excluded (see :attr:`Layer.macs`)."""
        return sum(layer.macs for layer in self.mac_layers)

    @property
    def dense_macs(self) -> int:
        """MACs with padding taps counted, as published model statistics count them."""
        return sum(layer.dense_macs for layer in self.mac_layers)

    def node(self, name: str) -> Layer | Operation:
        for node in self.layers:
            if node.name == name:
                return node
        raise KeyError(name)

    def producers(self, name: str) -> list[Layer | Operation]:
        """The nodes whose outputs ``name`` consumes (empty: it reads the network input)."""
        return [self.node(producer) for producer in self.node(name).inputs]

    def consumers(self, name: str) -> list[Layer | Operation]:
        """The nodes that consume the output of ``name``."""
        return [node for node in self.layers if name in node.inputs]


def _fail(loc: tuple[str | int, ...], message: str, value: object) -> None:
    """Raise a validation error located at ``loc`` (a model validator otherwise reports the
    whole workload as the field)."""
    error = PydanticCustomError("graph", "{detail}", {"detail": message})
    raise ValidationError.from_exception_data(
        "Workload", [InitErrorDetails(type=error, loc=loc, input=value)])
