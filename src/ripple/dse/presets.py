"""Dataflow presets: a valid mapping of any layer on any architecture, by dataflow.

A preset fixes what a dataflow means (which dimensions are unrolled, which loops are innermost,
whether the nest runs over outputs or over input events); the allocator then places the loops on
the memory levels so that every tile fits. Users can still give their own mapping.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from ripple.arch.spec import Architecture
from ripple.dse.allocation import allocate
from ripple.errors import MappingError, RippleInputError
from ripple.mapping.spec import Mapping
from ripple.model.relevance import OUTPUT_PARALLEL_DIMS
from ripple.workload.layer import INPUT_INDEXED_DIMS, OUTPUT_INDEXED_DIMS, IndexKind, Layer


@dataclass(frozen=True)
class Preset:
    name: str
    index: IndexKind
    spatial: tuple[str, ...]  # dimensions to unroll, in order of preference
    order: tuple[str, ...]  # temporal dimensions, outermost first
    summary: str
    smallest_first: bool = False  # the first dimension to unroll takes the smallest array dim


PRESETS = {
    p.name: p
    for p in (
        Preset("weight_stationary", "output", ("K", "C", "OX", "OY"),
               ("N", "G", "K", "C", "FY", "FX", "OY", "OX"),
               "a weight stays latched while the output window sweeps under it"),
        Preset("output_stationary", "output", ("OX", "OY", "K"),
               ("N", "G", "K", "OY", "OX", "C", "FY", "FX"),
               "a partial sum stays while every input channel and tap accumulates into it"),
        Preset("input_stationary", "output", ("C", "OX", "OY"),
               ("N", "G", "C", "OY", "OX", "FY", "FX", "K"),
               "an input stays latched while every output channel uses it"),
        Preset("row_stationary", "output", ("FY", "OY", "K"),
               ("N", "G", "K", "C", "OY", "FY", "OX", "FX"),
               "filter rows on array rows, output rows across; a filter row slides along an "
               "input row inside each NPE, partial sums are summed down each column and an "
               "input row is multicast along a diagonal (Eyeriss)", smallest_first=True),
        Preset("event_driven", "input", ("K", "FX", "FY", "C"),
               ("N", "G", "C", "IY", "IX", "K", "FY", "FX"),
               "each input is an event: read once, broadcast, and fanned out to every output "
               "channel and valid tap before the next event"),
    )
}
ALIASES = {"ws": "weight_stationary", "os": "output_stationary", "is": "input_stationary",
           "rs": "row_stationary", "ed": "event_driven"}


def resolve(name: str) -> Preset:
    key = ALIASES.get(name, name)
    if key not in PRESETS:
        known = ", ".join(f"{a} ({n})" for a, n in ALIASES.items())
        raise RippleInputError(f"unknown dataflow {name!r}; expected one of {known}",
                               field="dataflow")
    return PRESETS[key]


def _bound(layer: Layer, dim: str, index: IndexKind) -> int:
    if dim in ("OY", "OX") and index == "input":
        return 1
    return layer.bound(dim)


def _spatial_options(layer: Layer, arch: Architecture, preset: Preset
                     ) -> Iterator[dict[str, list[tuple[str, int]]]]:
    """Unrollings in order of preference: per array dimension (largest first, or smallest
    first for a preset that says so) the preset's dimensions, then the nest's others, then
    none; each sized to leave the fewest clipped NPEs. A dimension that reduces into outputs
    goes only where the outermost memory holding outputs serves the array dimension, so that
    the parts of an output split over inner memories' instances are summed on the way up."""
    o_served = set(arch.served(arch.chain("O")[0][1]))
    nest_dims = OUTPUT_INDEXED_DIMS if preset.index == "output" else INPUT_INDEXED_DIMS
    ranked = [d for d in (*preset.spatial, *nest_dims) if _bound(layer, d, preset.index) > 1]
    ranked = list(dict.fromkeys(ranked))
    sign = 1 if preset.smallest_first else -1
    array_dims = sorted(arch.array.items(), key=lambda kv: sign * kv[1])
    per_array = [[d for d in ranked if d in OUTPUT_PARALLEL_DIMS or array_dim in o_served]
                 + [None] for array_dim, _ in array_dims]
    for choice in itertools.product(*per_array):
        chosen = [d for d in choice if d is not None]
        if len(set(chosen)) < len(chosen):
            continue
        spatial: dict[str, list[tuple[str, int]]] = {}
        for (array_dim, size), dim in zip(array_dims, choice, strict=True):
            if dim is not None:
                bound = _bound(layer, dim, preset.index)
                steps = -(-bound // size)
                spatial[array_dim] = [(dim, -(-bound // steps))]
        yield spatial


MAX_ATTEMPTS = 64


def _attempts(layer: Layer, arch: Architecture, preset: Preset
              ) -> Iterator[dict[str, list[tuple[str, int]]]]:
    """The first :data:`MAX_ATTEMPTS` unrollings in order of preference, then none at all:
    the smallest tiles there are, so that a layer is unmappable only when even those do not
    fit."""
    options = list(itertools.islice(_spatial_options(layer, arch, preset), MAX_ATTEMPTS))
    yield from options
    if {} not in options:
        yield {}


def preset_mapping(layer: Layer, arch: Architecture, name: str) -> Mapping:
    """The mapping of ``layer`` on ``arch`` under the dataflow ``name`` (or its alias).

    Raises :class:`MappingError` naming the layer when no unrolling leaves tiles that fit,
    with the reason the smallest tiles (nothing unrolled) do not."""
    preset = resolve(name)
    last_error: MappingError | None = None
    for spatial in _attempts(layer, arch, preset):
        unrolled = {dim: size for loops in spatial.values() for dim, size in loops}
        loops = []
        for dim in preset.order:
            remaining = -(-_bound(layer, dim, preset.index) // unrolled.get(dim, 1))
            if remaining > 1:
                loops.append((dim, remaining))
        try:
            base = Mapping(name=preset.name, index=preset.index, spatial=spatial)
            return allocate(layer, arch, base, loops)
        except MappingError as error:  # the tiles of this unrolling do not fit: try the next
            last_error = error
    assert last_error is not None
    raise MappingError(f"layer {layer.name!r} cannot be mapped: {last_error.detail}",
                       source=last_error.source, field=last_error.field)
