"""Mapping specification: spatial unrolling over the array and temporal loops per memory level.

Loops are ``[dimension, size]`` pairs written outermost first. An output-indexed nest iterates
``N G K C OY OX FY FX``; an input-indexed (event-driven) nest iterates ``N G K C IY IX FY FX``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveInt

from ripple.workload.layer import IndexKind, StrictModel

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
