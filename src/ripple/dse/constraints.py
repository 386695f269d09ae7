"""Exploration constraints, as ZigZag users ask for them: fixed or partial loop orders, fixed
unrollings, a fixed level for a dimension's loops, fixed loops, a dataflow preset as a
constraint; the same for every layer, or per layer (``layers:``).

``--constraints`` takes Ripple's constraints YAML or a ZigZag mapping file as it is (a YAML
list of entries, :mod:`ripple.dse.zigzag_hints` turns it into per-layer constraints)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from ripple.bounds import MAX_ENTRIES
from ripple.mapping.spec import Dim, Loops
from ripple.specio import load_spec
from ripple.workload.layer import IndexKind, StrictModel


class LayerConstraints(StrictModel):
    """What the mapspace of a layer may contain. Every field is optional."""

    index: list[IndexKind] = Field(default_factory=lambda: ["output", "input"],
                                   description="nest kinds to explore")
    boundary: Literal["filter", "scatter"] = "filter"
    dataflow: str | None = Field(default=None, description="a preset: its unrolling and order")
    spatial: dict[str, Loops] | None = Field(
        default=None, description="a fixed unrolling, as in a mapping file")
    utilisation_floor: float = Field(
        default=0.0, ge=0.0, le=1.0,
        description="smallest share of the NPEs a spatial unrolling uses")
    order: list[Dim] | None = Field(
        default=None, description="a fixed order of dimensions, outermost first, at every level")
    loops: Loops | None = Field(
        default=None, description="fixed temporal loops, outermost first, in this order: the "
                                  "explorer chooses only the levels that hold them")
    partial_order: list[tuple[Dim, Dim]] = Field(
        default_factory=list, description="pairs (outer, inner): outer's loops above inner's")
    level_of: dict[Dim, str] = Field(
        default_factory=dict, description="the memory level that holds a dimension's loops")
    max_loops_per_level: int = Field(
        default=9, gt=0, le=MAX_ENTRIES,
        description="merge prime factors so that no level has more loops")


class Constraints(LayerConstraints):
    """What the mapspace may contain: constraints for every layer, and per layer."""

    layers: dict[str, LayerConstraints] = Field(
        default_factory=dict,
        description="MAC layer name -> constraints for that layer; the fields it gives replace "
                    "the ones above")

    def for_layer(self, name: str) -> Constraints:
        """The constraints of layer ``name``: the fields its ``layers`` entry gives, over the
        ones for every layer."""
        own = self.layers.get(name)
        if own is None:
            return self
        return self.model_copy(update={**{field: getattr(own, field)
                                          for field in own.model_fields_set}, "layers": {}})


def load_constraints(path: str | Path) -> Constraints:
    return load_spec(Constraints, path)
