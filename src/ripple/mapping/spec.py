"""Mapping specification: spatial unrolling over the array and temporal loops per memory level.

Loops are ``[dimension, size]`` pairs written outermost first. An output-indexed nest iterates
``N G K C OY OX FY FX``; an input-indexed (event-driven) nest iterates ``N G K C IY IX FY FX``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveInt, field_validator

from ripple.workload.layer import ALL_DIMS, IndexKind, StrictModel

LoopSpec = tuple[str, PositiveInt]


def _check_loops(loops: list[LoopSpec]) -> list[LoopSpec]:
    for dim, _ in loops:
        if dim not in ALL_DIMS:
            raise ValueError(f"unknown dimension {dim!r}; expected one of {', '.join(ALL_DIMS)}")
    return loops


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

    @field_validator("spatial", "temporal")
    @classmethod
    def _dims(cls, value: dict[str, list[LoopSpec]]) -> dict[str, list[LoopSpec]]:
        for loops in value.values():
            _check_loops(loops)
        return value
