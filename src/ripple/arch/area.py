"""The silicon area of an architecture, from the areas its file gives.

An area is the user's number in the user's unit (ZigZag's ``area`` and ``unit_area`` carry
none either): Ripple only multiplies it by how many copies the array has. A MAC is one copy
per NPE; a memory is one copy per instance, and a memory has one instance per combination of
the array dimensions it does not serve (``served_dims``: the dimensions whose NPEs share it).
"""

from __future__ import annotations

import math
from typing import Any

from ripple.arch.spec import Architecture


def memory_instances(arch: Architecture, name: str) -> int:
    """Copies of memory ``name``: one per combination of the array dimensions it does not
    serve."""
    served = set(arch.served(arch.memory(name)))
    return math.prod(size for dim, size in arch.array.items() if dim not in served)


def area_report(arch: Architecture) -> dict[str, Any] | None:
    """``{"total", "mac": {"each", "instances", "total"}, "memories": {name: {...}}}``, or
    None when the architecture gives no area at all. A part without an area counts 0."""
    memories = [memory for level in arch.levels for memory in level.memories]
    if arch.mac.area is None and all(memory.area is None for memory in memories):
        return None
    parts = {"mac": _part(arch.mac.area, arch.npes)}
    report: dict[str, Any] = {"mac": parts["mac"], "memories": {}}
    for memory in memories:
        part = _part(memory.area, memory_instances(arch, memory.name))
        report["memories"][memory.name] = part
        parts[memory.name] = part
    report["total"] = sum(part["total"] for part in parts.values())
    return report


def _part(each: float | None, instances: int) -> dict[str, float]:
    each = each or 0.0
    return {"each": each, "instances": instances, "total": each * instances}
