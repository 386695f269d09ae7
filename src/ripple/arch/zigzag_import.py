"""Import a ZigZag (3.9) accelerator YAML as a Ripple architecture.

The schema is ZigZag's (``zigzag/parser/accelerator_validator.py``) as pydantic models. How the
pieces map:

- ``operational_array``: ``dimensions``/``sizes`` become the array, ``unit_energy`` the MAC
  energy. The architecture counts under ``conventions: zigzag`` (docs/conventions.md).
- memory operands ``I1``/``I2``/``O`` become ``I``/``W``/``O`` through the mapping's
  ``memory_operand_links`` (ZigZag's default: ``I: I1, W: I2, O: O``).
- levels: ZigZag lists memories lowest first and chains each operand's memories in that order.
  A memory's depth is one more than the deepest memory below it in any of its operands' chains
  (0 when it is the lowest for all of them); memories of equal depth hold disjoint operands and
  share a Ripple level, named after them (``a+b``). The seed accelerator's two SRAMs are one
  level, as in Ripple's own seed architecture.
- ports: ``read_bandwidth`` is the smallest ``bandwidth_max`` of the ports reading toward the
  MACs or up (``tl``/``th``), ``write_bandwidth`` of those written (``fh``/``fl``); a memory
  without a write port (a top level, never filled) gets its read bandwidth. A port carrying
  several operands makes ``ports: shared``; one carrying reads and writes ``duplex: false``.
- ``r_cost``/``w_cost`` are per access of one port width: Ripple's per-transaction energies.
  ``size`` is the capacity in bits, ``force_double_buffering`` ``double_buffered``.
- ``bandwidth_min`` below ``bandwidth_max`` becomes ``read_granule_bits``/``write_granule_bits``:
  ZigZag charges a transfer ``ceil(bits/bandwidth_min)`` accesses of ``bandwidth_min/
  bandwidth_max`` of ``r_cost`` (``w_cost``), and so does Ripple (docs/conventions.md).
- ``area`` and ``unit_area`` are the areas of one memory instance and one MAC
  (:mod:`ripple.arch.area` multiplies them out).
- not represented, and noted: ``latency`` other than 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from ripple.arch.spec import Architecture
from ripple.errors import RippleInputError
from ripple.imported import Imported
from ripple.specio import read_peer_yaml, validate

MemoryOperand = Literal["I1", "I2", "O"]
DEFAULT_LINKS: dict[str, str] = {"I": "I1", "W": "I2", "O": "O"}
READS, WRITES = ("tl", "th"), ("fh", "fl")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ZigZagPort(_Strict):
    name: str = Field(pattern=r"^r?w?_port_\d+$")
    type: Literal["read", "write", "read_write"]
    bandwidth_min: PositiveInt
    bandwidth_max: PositiveInt
    allocation: list[str]

    def allocations(self) -> list[tuple[str, str]]:
        out = []
        for text in self.allocation:
            operand, _, direction = text.partition(", ")
            if operand not in ("I1", "I2", "O") or direction not in (*READS, *WRITES):
                raise ValueError(f"allocation {text!r} is not 'I1|I2|O, fh|tl|fl|th'")
            out.append((operand, direction))
        return out


class ZigZagMemory(_Strict):
    size: PositiveInt
    r_cost: float | None = None
    w_cost: float | None = None
    area: float | None = None
    latency: int
    mem_type: str = "sram"
    auto_cost_extraction: bool = False
    operands: list[MemoryOperand]
    ports: list[ZigZagPort]
    served_dimensions: list[str]
    force_double_buffering: bool = False


class ZigZagArray(_Strict):
    dimensions: list[str]
    sizes: list[PositiveInt]
    unit_energy: float | None = None
    unit_area: float | None = None
    is_imc: bool = False
    systolic_dimensions: list[str] = Field(default_factory=list)
    input_precision: list[int] | None = None
    imc_type: Literal["analog", "digital"] | None = None
    adc_resolution: float | None = 0
    bit_serial_precision: float | None = None


class ZigZagAccelerator(_Strict):
    name: str
    memories: dict[str, ZigZagMemory] = Field(min_length=1)
    operational_array: ZigZagArray
    dataflows: dict[str, list[str]] | None = None


def import_zigzag_architecture(path: str | Path,
                               links: dict[str, str] | None = None) -> Imported[Architecture]:
    """Read a ZigZag accelerator; ``links`` maps Ripple operands to ZigZag memory operands."""
    data, duplicates = read_peer_yaml(path, "ZigZag")
    return zigzag_architecture_from_data(data, str(path), links, duplicates)


def zigzag_architecture_from_data(data: object, source: str,
                                  links: dict[str, str] | None = None,
                                  duplicates: tuple[str, ...] = ()) -> Imported[Architecture]:
    """A ZigZag accelerator already read (``source`` names it in errors; ``duplicates``: the
    reader's notes on keys written twice)."""
    accel = validate(ZigZagAccelerator, data, source)
    links = links or DEFAULT_LINKS
    to_ripple = {mem: op for op, mem in links.items()}
    array = accel.operational_array
    if array.is_imc:
        raise RippleInputError("in-memory computing arrays are not modelled", source=source,
                               field="operational_array.is_imc")
    if len(array.dimensions) != len(array.sizes):
        raise RippleInputError(f"dimension mismatch: {len(array.dimensions)} dimensions but "
                               f"{len(array.sizes)} sizes", source=source,
                               field="operational_array.sizes")
    if array.unit_energy is None:
        raise RippleInputError("the MAC energy is required", source=source,
                               field="operational_array.unit_energy")
    notes = list(duplicates)
    depth = _depths(accel)
    served = _effective_served(accel, notes)
    levels: dict[int, list[dict[str, object]]] = {}
    for name, memory in accel.memories.items():
        operands = [to_ripple[op] for op in memory.operands if op in to_ripple]
        if not operands:
            notes.append(f"memory {name} holds no operand of the layer's links; left out")
            continue
        entry = _memory(name, memory, operands, source, notes)
        entry["served_dims"] = served[name]
        levels.setdefault(depth[name], []).append(entry)
    data = {
        "name": accel.name,
        "array": dict(zip(array.dimensions, array.sizes, strict=True)),
        "conventions": "zigzag",
        "mac": {"energy_pj": array.unit_energy,
                **({"area": array.unit_area} if array.unit_area is not None else {})},
        "levels": [{"name": "+".join(str(m["name"]) for m in levels[d]), "memories": levels[d]}
                   for d in sorted(levels, reverse=True)],
    }
    return Imported(validate(Architecture, data, source), tuple(notes))


def _depths(accel: ZigZagAccelerator) -> dict[str, int]:
    """Distance from the MACs: one more than the deepest memory below in any operand chain."""
    top: dict[str, int] = {}  # operand -> depth of its highest memory so far
    depth: dict[str, int] = {}
    for name, memory in accel.memories.items():
        below = [top[op] for op in memory.operands if op in top]
        depth[name] = max(below) + 1 if below else 0
        for op in memory.operands:
            top[op] = depth[name]
    return depth


def _effective_served(accel: ZigZagAccelerator, notes: list[str]) -> dict[str, list[str]]:
    """Each memory's served dimensions, widened by those of every memory below it.

    ZigZag hands the array's spatial loops to the memories from the MACs up: a dimension
    served (shared) by a lower memory has no loop left to replicate a higher one over. So a
    higher memory that lists fewer served dimensions (``ascend_like``'s DRAM serves D1 and D2
    only, above memories serving all four) is counted as ZigZag counts it: one instance per
    combination of the dimensions that no memory of its chains serves.
    """
    below: dict[str, set[str]] = {}  # operand -> dimensions served by its memories so far
    served: dict[str, list[str]] = {}
    for name, memory in accel.memories.items():
        own = list(memory.served_dimensions)
        inherited = set().union(*(below.get(op, set()) for op in memory.operands))
        widened = own + sorted(inherited - set(own))
        if len(widened) > len(own):
            notes.append(f"{name}: served_dimensions {', '.join(own) or 'none'} widened to "
                         f"{', '.join(widened)}, as served by the memories below it (ZigZag "
                         f"replicates no memory over a dimension a lower memory shares)")
        served[name] = widened
        for op in memory.operands:
            below[op] = below.get(op, set()) | set(widened)
    return served


def _memory(name: str, memory: ZigZagMemory, operands: list[str], source: str,
            notes: list[str]) -> dict[str, object]:
    field = f"memories.{name}"
    if memory.auto_cost_extraction or memory.r_cost is None or memory.w_cost is None:
        raise RippleInputError("r_cost and w_cost are required (CACTI cost extraction is not "
                               "available in Ripple)", source=source, field=f"{field}.r_cost")
    reads: list[tuple[int, int]] = []  # (bandwidth_max, bandwidth_min) per port
    writes: list[tuple[int, int]] = []
    shared = mixed = False
    for index, port in enumerate(memory.ports):
        try:
            allocations = port.allocations()
        except ValueError as exc:
            raise RippleInputError(str(exc), source=source,
                                   field=f"{field}.ports[{index}].allocation") from None
        directions = {d for _, d in allocations}
        widths = (port.bandwidth_max, port.bandwidth_min)
        if port.bandwidth_min > port.bandwidth_max:
            raise RippleInputError(f"bandwidth_min {port.bandwidth_min} is above bandwidth_max "
                                   f"{port.bandwidth_max}", source=source,
                                   field=f"{field}.ports[{index}].bandwidth_min")
        if directions & set(READS):
            reads.append(widths)
        if directions & set(WRITES):
            writes.append(widths)
        shared |= len({op for op, _ in allocations}) > 1
        mixed |= bool(directions & set(READS)) and bool(directions & set(WRITES))
    if not reads:
        raise RippleInputError("no port reads this memory (allocation tl or th)", source=source,
                               field=f"{field}.ports")
    if memory.latency != 1:
        notes.append(f"{name}: latency {memory.latency} is not modelled")
    read, write = min(reads), min(writes or reads)
    return {
        "name": name, "operands": operands, "capacity_bits": memory.size,
        "read_bandwidth": read[0], "write_bandwidth": write[0],
        **({"read_granule_bits": read[1]} if read[1] < read[0] else {}),
        **({"write_granule_bits": write[1]} if write[1] < write[0] else {}),
        "read_energy_pj": memory.r_cost, "write_energy_pj": memory.w_cost,
        "served_dims": memory.served_dimensions, "double_buffered": memory.force_double_buffering,
        **({"area": memory.area} if memory.area is not None else {}),
        "ports": "shared" if shared else "per_operand", "duplex": not mixed,
    }
