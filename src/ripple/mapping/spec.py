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

from typing import Literal

from pydantic import Field, PositiveInt

from ripple.workload.layer import IndexKind, Operand, StrictModel

Dim = Literal["N", "G", "K", "C", "OY", "OX", "IY", "IX", "FY", "FX"]
LoopSpec = tuple[Dim, PositiveInt]


class Mapping(StrictModel):
    """How a layer runs on an architecture.

    ``boundary`` applies to input-indexed nests: ``filter`` removes invalid (input, tap) pairs
    from the iteration space, ``scatter`` issues them into an enlarged output buffer.
    ``skip_padding`` makes an output-indexed nest skip taps that read padding.
    """

    name: str = "mapping"
    index: IndexKind | None = Field(default=None, description="inferred from the loop dimensions")
    boundary: Literal["filter", "scatter"] = "filter"
    skip_padding: bool = False
    spatial: dict[str, list[LoopSpec]] = Field(default_factory=dict)
    temporal: dict[str, list[LoopSpec]] = Field(default_factory=dict)
    bypass: dict[str, list[Operand]] = Field(
        default_factory=dict, description="memory or level -> operands it does not store")
    placement: dict[Operand, dict[str, list[LoopSpec]]] = Field(
        default_factory=dict,
        description="operand -> memory (or level) -> the loops held there, outermost first")
