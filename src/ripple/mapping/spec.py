"""Mapping specification: spatial unrolling over the array and temporal loops per memory level.

Loops are ``[dimension, size]`` pairs written outermost first. An output-indexed nest iterates
``N G K C OY OX FY FX``; an input-indexed (event-driven) nest iterates ``N G K C IY IX FY FX``.

``temporal`` gives the one loop order of the nest (levels outermost first, each level's loops
outermost first) and, by default, where every operand's tiles are cut: a memory at a level holds
the tile spanned by the loops of its level and the levels below. Two optional fields say where
an operand is cut differently (docs/mapping.md):

- ``bypass``: per memory (or level), operands it does not store under this mapping (Timeloop's
  ``bypass``); the loops of a bypassed level then iterate inside the next memory above;
- ``placement``: per operand, the loops held at each memory of its chain, outermost first
  (ZigZag's uneven mapping): the lists, concatenated, are the loop order of ``temporal``.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ripple.bounds import MAX_ENTRIES, Size, check_counts
from ripple.workload.layer import IndexKind, Operand, StrictModel

Dim = Literal["N", "G", "K", "C", "OY", "OX", "IY", "IX", "FY", "FX"]
LoopSpec = tuple[Dim, Size]
#: The loops of one level (or of one memory in a placement), outermost first.
Loops = Annotated[list[LoopSpec], Field(max_length=MAX_ENTRIES)]


class Mapping(StrictModel):
    """How a layer runs on an architecture.

    ``boundary`` applies to input-indexed nests: ``filter`` removes invalid (input, tap) pairs
    from the iteration space, ``scatter`` issues them into an enlarged output buffer.
    ``skip_padding`` makes an output-indexed nest skip taps that read padding.
    """

    name: str = "mapping"
    index: IndexKind | None = Field(default=None, description="inferred from the loop dimensions")
    boundary: Literal["filter", "scatter"] = Field(
        default="filter", description="input-indexed nests: issue valid pairs only, or all")
    skip_padding: bool = Field(default=False,
                               description="output-indexed nests: skip taps that read padding")
    spatial: dict[str, Loops] = Field(
        default_factory=dict, max_length=MAX_ENTRIES,
        description="array dimension -> the [DIM, size] loops unrolled over it")
    temporal: dict[str, Loops] = Field(
        default_factory=dict, max_length=MAX_ENTRIES,
        description="level -> its [DIM, size] loops, outermost first; levels outermost first")
    bypass: dict[str, list[Operand]] = Field(
        default_factory=dict, description="memory or level -> operands it does not store")
    placement: dict[Operand, dict[str, Loops]] = Field(
        default_factory=dict,
        description="operand -> memory (or level) -> the loops held there, outermost first")

    @model_validator(mode="after")
    def _bounded(self) -> Mapping:
        """The nest's iterations (every loop's size multiplied) stay countable exactly; the
        coverage of the layer is checked when the mapping is bound to it."""
        nests = {"spatial and temporal": [*self.spatial.values(), *self.temporal.values()]}
        nests.update((f"placement.{operand}", list(held.values()))
                     for operand, held in self.placement.items())
        check_counts({f"the product of the {where} loop sizes":
                      math.prod(size for loops in levels for _, size in loops)
                      for where, levels in nests.items()})
        return self
