"""A ZigZag mapping file as exploration constraints (``ripple explore --constraints``).

ZigZag's mapping file gives, per entry, a ``spatial_mapping`` its mapper must use and, where
given, a ``temporal_ordering`` it must use; without one LOMA chooses the loops. Each layer takes
the entry ZigZag would take (its name, else its ``operator_type``, else ``default``), and gets:

- ``spatial``: the entry's unrolling, clipped to the layer as ZigZag clips it (mixed entries:
  several loops on one array dimension);
- ``loops``: the entry's ``temporal_ordering``, outermost first, where it has one; the explorer
  then chooses only the levels that hold them. Without one the explorer chooses the loops;
- ``index: [output]``: ZigZag's loops are output-indexed (``OY``, ``OX``).

An entry named after no layer and no operator type is a note, not an error (ZigZag ignores it
too); ``Add`` and ``Pooling`` name ZigZag's operator types of MAC-free layers, which Ripple
does not explore.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ripple.arch.zigzag_import import DEFAULT_LINKS
from ripple.dse.constraints import Constraints, LayerConstraints
from ripple.errors import RippleInputError
from ripple.imported import Imported
from ripple.mapping.zigzag_import import (
    ZigZagMappingEntry,
    choose_entry,
    read_zigzag_entries,
    zigzag_spatial,
    zigzag_temporal,
)
from ripple.specio import read_peer_yaml
from ripple.workload.layer import OUTPUT_INDEXED_DIMS, Layer
from ripple.workload.network import Workload

#: ZigZag's operator types of layers without MACs (its YAML workloads' ``Add`` and ``Pooling``).
MAC_FREE_TYPES = frozenset({"Add", "Pooling"})


def zigzag_mapping_file(path: str | Path) -> bool:
    """Whether ``path`` is a ZigZag mapping (a YAML list of entries), not Ripple's constraints
    (a mapping of fields)."""
    return isinstance(read_peer_yaml(path, "ZigZag")[0], list)


def zigzag_constraints(path: str | Path, network: Workload, layers: list[Layer],
                       operator_types: dict[str, str]) -> Imported[Constraints]:
    """The constraints of each of ``layers`` (MAC layers of ``network``; ``operator_types``
    gives each one's ZigZag operator type) under the mapping file at ``path``."""
    source = str(path)
    entries = read_zigzag_entries(path)
    notes = list(read_peer_yaml(path, "ZigZag")[1])
    known = ({node.name for node in network.layers} | set(operator_types)
             | set(operator_types.values())
             | MAC_FREE_TYPES | {"default"})
    for index, entry in enumerate(entries):
        if entry.name not in known:
            notes.append(f"warning: entry [{index}] {entry.name!r} names no layer of "
                         f"{network.name} and no operator type; unused")
    per_layer = {}
    for layer in layers:
        index, entry = choose_entry(entries, layer.name, operator_types[layer.name], source)
        per_layer[layer.name] = _layer_constraints(entry, index, layer, source, notes)
    return Imported(Constraints(layers=per_layer), tuple(dict.fromkeys(notes)))


def _layer_constraints(entry: ZigZagMappingEntry, index: int, layer: Layer, source: str,
                       notes: list[str]) -> LayerConstraints:
    if dict(entry.memory_operand_links) != {op: DEFAULT_LINKS[op] for op in "OWI"}:
        raise RippleInputError("memory_operand_links other than I: I1, W: I2, O: O are taken "
                               "by 'ripple evaluate --zigzag' only; the explorer reads the "
                               "accelerator with the default links", source=source,
                               field=f"[{index}].memory_operand_links")
    said: list[str] = []
    if entry.spatial_mapping_hint:
        said.append("spatial_mapping_hint is for ZigZag's mapper; ignored")
    spatial = zigzag_spatial(entry, index, layer, source, said)
    loops = None
    if entry.temporal_ordering:
        loops = zigzag_temporal(entry, index, layer, spatial, source, said) or None
        if loops is None:
            said.append("no loop of the temporal_ordering runs over a dimension of the layer; "
                        "the explorer chooses the loops")
        else:
            _check_cover(layer, spatial, loops, source, f"[{index}].temporal_ordering")
    rules = LayerConstraints(index=["output"], spatial=spatial,  # type: ignore[arg-type]
                             loops=loops)  # type: ignore[arg-type]
    notes += [f"{layer.name}: entry [{index}] {entry.name!r}: {note}" for note in said]
    return rules


def _check_cover(layer: Layer, spatial: dict[str, list[tuple[str, int]]],
                 loops: list[tuple[str, int]], source: str, field: str) -> None:
    """Fixed loops must run each dimension over what the unrolling leaves of it, as the
    explorer's own loops do: ``ceil(size / unrolled)``."""
    for dim in OUTPUT_INDEXED_DIMS:
        unrolled = math.prod(s for per in spatial.values() for d, s in per if d == dim)
        wanted = -(-layer.bound(dim) // unrolled)
        given = math.prod(s for d, s in loops if d == dim)
        if given != wanted:
            raise RippleInputError(f"the loops over {dim} run {given} times; layer "
                                   f"{layer.name} needs {wanted} ({dim} {layer.bound(dim)} "
                                   f"over the unrolling's {unrolled})", source=source,
                                   field=field)


#: What a constraint field is by default, for those ZigZag's mapping format cannot hold.
_NOT_IN_ZIGZAG = ("dataflow", "order", "partial_order", "level_of", "utilisation_floor",
                  "boundary", "max_loops_per_level", "index")
_RIPPLE_TO_ZIGZAG = {"N": "B"}


def zigzag_mapping_entries(rules: Constraints) -> Imported[list[dict[str, Any]]]:
    """Constraints written as a ZigZag mapping file: a ``default`` entry from the fields for
    every layer (ZigZag requires one), one entry per layer under ``layers:`` (its ``spatial``
    and ``loops``); a note per field ZigZag's format cannot hold."""
    entries = [_entry("default", rules)]
    entries += [_entry(name, rules.for_layer(name)) for name in rules.layers]
    defaults = LayerConstraints()
    notes = [f"{where}{field}: {getattr(given, field)!r} is not in ZigZag's mapping format; "
             "left out"
             for where, given in [("", rules), *((f"layers.{name}.", own)
                                                 for name, own in rules.layers.items())]
             for field in _NOT_IN_ZIGZAG
             if field in given.model_fields_set
             and getattr(given, field) != getattr(defaults, field)
             and not (field == "index" and getattr(given, field) == ["output"])]
    return Imported(entries, tuple(notes))


def _entry(name: str, rules: LayerConstraints) -> dict[str, Any]:
    def dim(d: str) -> str:
        return _RIPPLE_TO_ZIGZAG.get(d, d)

    entry: dict[str, Any] = {"name": name}
    if rules.spatial is not None:
        entry["spatial_mapping"] = {array_dim: [f"{dim(d)}, {s}" for d, s in loops]
                                    for array_dim, loops in rules.spatial.items()}
    if rules.loops is not None:
        entry["temporal_ordering"] = [[dim(d), s] for d, s in reversed(rules.loops)]
    entry["memory_operand_links"] = {op: DEFAULT_LINKS[op] for op in "OWI"}
    return entry
