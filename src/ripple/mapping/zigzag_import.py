"""Import a ZigZag (3.9) mapping YAML as a Ripple mapping.

ZigZag picks the entry named after the layer, else after its ``operator_type``, else
``default`` (``zigzag/parser/mapping_factory.py``); so does Ripple. ``spatial_mapping`` unrolls
per array dimension (``K, 8``); ``temporal_ordering`` lists the temporal loops INNERMOST FIRST,
and Ripple writes them outermost first, so the list is reversed. ``B`` and ``D`` are Ripple's
``N``; loops over a dimension the layer does not have are dropped, as ZigZag drops them.

ZigZag assigns the ordered loops to each operand's memories itself (LOMA's memory allocator, by
capacity, operand by operand); Ripple reproduces that allocation (:mod:`zigzag_allocation`) and
writes it as the mapping's ``placement``, so a ZigZag mapping runs on a hierarchy of any depth
with ZigZag's per-operand (uneven) cuts. A spatial unrolling larger than its dimension is
clipped to it, as ZigZag clips it.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from ripple.arch.spec import Architecture
from ripple.errors import RippleInputError
from ripple.imported import Imported
from ripple.mapping.spec import Mapping
from ripple.mapping.zigzag_allocation import zigzag_placement
from ripple.specio import read_peer_yaml, validate
from ripple.workload.layer import Layer

UNROLLING = re.compile(r"^([A-Z]+\d*),\s*(\d+)$")
ZIGZAG_TO_RIPPLE = {"B": "N", "D": "N"}


class ZigZagMappingEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str
    spatial_mapping: dict[str, list[str]] | None = None
    temporal_ordering: list[tuple[str, int | Literal["*"]]] | None = None
    memory_operand_links: dict[Literal["O", "W", "I"], str] = Field(
        default_factory=lambda: {"O": "O", "I": "I1", "W": "I2"})
    spatial_mapping_hint: dict[str, list[str]] | None = None


class ZigZagMappingFile(RootModel[list[ZigZagMappingEntry]]):
    root: list[ZigZagMappingEntry] = Field(min_length=1)


def read_zigzag_entries(path: str | Path) -> list[ZigZagMappingEntry]:
    """Every entry of a ZigZag mapping file."""
    return validate(ZigZagMappingFile, read_peer_yaml(path, "ZigZag")[0], str(path)).root


def choose_entry(entries: list[ZigZagMappingEntry], layer_name: str, operator_type: str,
                 source: str) -> tuple[int, ZigZagMappingEntry]:
    """The entry ZigZag would use for the layer, and its index in the file."""
    for wanted in (layer_name, operator_type, "default"):
        for index, entry in enumerate(entries):
            if entry.name == wanted:
                return index, entry
    raise RippleInputError(f"no entry named {layer_name!r}, {operator_type!r} or 'default'",
                           source=source)


def read_zigzag_mapping(path: str | Path, layer_name: str,
                        operator_type: str) -> tuple[int, ZigZagMappingEntry]:
    """The entry ZigZag would use for the layer, and its index in the file."""
    return choose_entry(read_zigzag_entries(path), layer_name, operator_type, str(path))


def zigzag_spatial(entry: ZigZagMappingEntry, index: int, layer: Layer, source: str,
                   notes: list[str]) -> dict[str, list[tuple[str, int]]]:
    """The entry's ``spatial_mapping`` for ``layer``: per array dimension its loops (several:
    mixed unrolling), loops over a dimension the layer lacks dropped and loops larger than the
    layer clipped to it, as ZigZag does (each with a note)."""
    spatial: dict[str, list[tuple[str, int]]] = {}
    for array_dim, unrollings in (entry.spatial_mapping or {}).items():
        for i, text in enumerate(unrollings):
            dim, size = _loop(text, source, f"[{index}].spatial_mapping.{array_dim}[{i}]")
            if dim not in _layer_dims(layer):
                notes.append(f"spatial loop {dim}{size} dropped: the layer has no {dim}")
                continue
            if size > layer.bound(dim):
                notes.append(f"spatial loop {dim}{size} clipped to {dim}{layer.bound(dim)}, "
                             "the layer's size")
                size = layer.bound(dim)
            if size > 1:
                spatial.setdefault(array_dim, []).append((dim, size))
    return spatial


def zigzag_temporal(entry: ZigZagMappingEntry, index: int, layer: Layer,
                    spatial: dict[str, list[tuple[str, int]]], source: str,
                    notes: list[str]) -> list[tuple[str, int]]:
    """The entry's ``temporal_ordering`` as loops OUTERMOST first (ZigZag lists them innermost
    first); loops over a dimension the layer lacks dropped, with a note. A ``*`` size is what
    the unrolling and the other loops leave of the dimension, as ZigZag reads it."""
    assert entry.temporal_ordering, "only entries with a temporal_ordering"
    given: list[tuple[str, int | Literal["*"], int]] = []
    for position, (name, size) in enumerate(entry.temporal_ordering):
        dim = ZIGZAG_TO_RIPPLE.get(name.upper(), name.upper())
        if dim not in _layer_dims(layer):
            notes.append(f"temporal loop {dim}{size} dropped: the layer has no {dim}")
            continue
        given.append((dim, size, position))
    temporal = []
    for dim, size, position in reversed(given):
        if size == "*":
            if sum(1 for d, s, _ in given if d == dim and s == "*") > 1:
                raise RippleInputError(f"{dim} has several '*' sizes; ZigZag leaves one "
                                       "loop of a dimension to its mapper", source=source,
                                       field=f"[{index}].temporal_ordering[{position}]")
            unrolled = math.prod(s for per in spatial.values() for d, s in per if d == dim)
            fixed = math.prod(int(s) for d, s, _ in given if d == dim and s != "*")
            size = -(-layer.bound(dim) // (unrolled * fixed))
        temporal.append((dim, int(size)))
    return temporal


def import_zigzag_mapping(path: str | Path, layer: Layer, arch: Architecture, *,
                          operator_type: str = "Conv",
                          boundary: Literal["filter", "scatter"] = "filter") -> Imported[Mapping]:
    """The mapping for ``layer`` on ``arch`` (an architecture imported with the same entry's
    ``memory_operand_links``)."""
    source = str(path)
    index, entry = read_zigzag_mapping(path, layer.name, operator_type)
    notes = list(read_peer_yaml(path, "ZigZag")[1])
    if entry.spatial_mapping_hint:
        notes.append(f"[{index}].spatial_mapping_hint is for ZigZag's mapper; ignored")
    spatial = zigzag_spatial(entry, index, layer, source, notes)
    if not entry.temporal_ordering:
        raise RippleInputError("no temporal_ordering: ZigZag's mapper (LOMA) would choose the "
                               "loops; give the file to 'ripple explore --constraints', whose "
                               "explorer chooses them", source=source, field=f"[{index}]")
    temporal = zigzag_temporal(entry, index, layer, spatial, source, notes)
    if len(arch.levels) == 1:
        return Imported(Mapping(name=entry.name, boundary=boundary, spatial=spatial,
                                temporal={arch.levels[0].name: temporal}), tuple(notes))
    placement = zigzag_placement(layer, arch, spatial, list(reversed(temporal)),
                                 f"{source}: [{index}]")
    level_of = {m.name: lvl.name for lvl in arch.levels for m in lvl.memories}
    by_level: dict[str, list[tuple[str, int]]] = {}
    for memory, loops in placement["O"].items():  # the loop order, cut at O's memories
        by_level.setdefault(level_of[memory], []).extend(loops)
    notes.append("loops allocated to each operand's memories as ZigZag's allocator does: " +
                 "; ".join(f"{op}: " + ", ".join(
                     f"{m} {' '.join(f'{d}{s}' for d, s in loops) or '-'}"
                     for m, loops in per_memory.items())
                           for op, per_memory in placement.items()))
    mapping = Mapping(name=entry.name, boundary=boundary, spatial=spatial, temporal=by_level,
                      placement=placement)  # type: ignore[arg-type]
    return Imported(mapping, tuple(notes))


def _layer_dims(layer: Layer) -> set[str]:
    """Dimensions a loop may run over: every dimension, except that a fully connected layer has
    no spatial ones."""
    spatial = {"OY", "OX", "IY", "IX", "FY", "FX"}
    everything = {"N", "G", "K", "C"} | spatial
    return everything - spatial if layer.operator == "fc" else everything


def _loop(text: str, source: str, field: str) -> tuple[str, int]:
    found = UNROLLING.match(text.strip())
    if not found:
        raise RippleInputError(f"expected 'DIM, size', got {text!r}", source=source, field=field)
    dim = found.group(1)
    return ZIGZAG_TO_RIPPLE.get(dim, dim), int(found.group(2))
