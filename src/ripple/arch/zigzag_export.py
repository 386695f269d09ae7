"""Write a Ripple architecture as a ZigZag (3.9) accelerator YAML: the inverse of
:mod:`ripple.arch.zigzag_import`, so that ``ripple convert --from zigzag`` and ``--to zigzag``
go back and forth without a change.

Memories are listed lowest first (levels innermost first, a level's memories in their order),
which is how ZigZag chains each operand's memories; operands ``I``/``W``/``O`` become ZigZag's
default memory operands ``I1``/``I2``/``O``. Ports are rebuilt from what the import keeps of
them: per group of operands (all of a memory's with ``ports: shared``, else one each) a read
port (``tl``, and ``th`` for outputs) at ``read_bandwidth`` and a write port (``fh``, and
``fl`` for outputs) at ``write_bandwidth``, or one read-write port when ``duplex`` is false;
a granule is the port's ``bandwidth_min``.

What ZigZag's format cannot hold (sparsity, compressed formats, per-memory conventions,
Ripple's own conventions, an unbounded capacity) is found by reading the written accelerator
back and comparing: each field that comes back different is one note, so that nothing is
dropped silently.
"""

from __future__ import annotations

import re
from typing import Any

from ripple.arch.spec import Architecture, Memory
from ripple.arch.zigzag_import import DEFAULT_LINKS, zigzag_architecture_from_data
from ripple.errors import RippleInputError
from ripple.imported import Imported

#: What a ZigZag accelerator's memory size is when Ripple's is unbounded (a DRAM): 2^53 bits.
UNBOUNDED_BITS = 2**53
ZIGZAG_DIMENSION = re.compile(r"^D\d$")


def zigzag_accelerator(arch: Architecture, source: str) -> Imported[dict[str, Any]]:
    """The ZigZag accelerator document of ``arch`` (``source`` names it in errors), with a
    note per field that does not survive the trip."""
    for dim in arch.array:
        if not ZIGZAG_DIMENSION.match(dim):
            raise RippleInputError(f"{dim!r} is not a ZigZag array dimension name (D1, D2, "
                                   "..., one digit)", source=source, field=f"array.{dim}")
    array: dict[str, Any] = {"dimensions": list(arch.array), "sizes": list(arch.array.values()),
                             "unit_energy": arch.mac.energy_pj}
    if arch.mac.area is not None:
        array["unit_area"] = arch.mac.area
    # every array dimension when served_dims is left out, as Ripple reads it
    arch = arch.model_copy(update={"levels": [level.model_copy(update={"memories": [
        memory.model_copy(update={"served_dims": arch.served(memory)})
        for memory in level.memories]}) for level in arch.levels]})
    memories = {memory.name: _memory(memory, f"levels[{i}].memories[{j}]", source)
                for i, level in reversed(list(enumerate(arch.levels)))
                for j, memory in enumerate(level.memories)}
    document = {"name": arch.name, "memories": memories, "operational_array": array}
    back = zigzag_architecture_from_data(document, source).value
    return Imported(document, tuple(_differences(arch.model_dump(mode="json"),
                                                 back.model_dump(mode="json"), "")))


def _memory(memory: Memory, field: str, source: str) -> dict[str, Any]:
    operands = [DEFAULT_LINKS[op] for op in memory.operands]
    written: dict[str, Any] = {
        "size": memory.capacity_bits or UNBOUNDED_BITS,
        "r_cost": memory.read_energy_pj, "w_cost": memory.write_energy_pj,
        **({"area": memory.area} if memory.area is not None else {}),
        "latency": 1, "operands": operands,
        "ports": _ports(memory, operands, field, source),
        "served_dimensions": list(memory.served_dims or []),
    }
    if memory.double_buffered:
        written["force_double_buffering"] = True
    return written


def _ports(memory: Memory, operands: list[str], field: str, source: str) -> list[dict[str, Any]]:
    """Ports that read back as ``memory``'s bandwidths, granules, sharing and duplex."""
    read = (memory.read_bandwidth, memory.read_granule_bits or memory.read_bandwidth)
    write = (memory.write_bandwidth, memory.write_granule_bits or memory.write_bandwidth)
    groups = [operands] if memory.ports == "shared" else [[op] for op in operands]
    mixed = None if memory.duplex else next((g for g in groups if "O" in g), None)
    if not memory.duplex and read != write and mixed is None:
        raise RippleInputError("reads and writes share a port (duplex: false) at different "
                               "bandwidths, which ZigZag's format holds only for a memory of "
                               "outputs", source=source, field=f"{field}.write_bandwidth")
    ports = []
    for number, group in enumerate(groups, start=1):
        reads = [f"{op}, {d}" for op in group for d in ("tl", "th") if d == "tl" or op == "O"]
        writes = [f"{op}, {d}" for op in group for d in ("fh", "fl") if d == "fh" or op == "O"]
        if memory.duplex or (read != write and group is not mixed):
            ports += [_port(f"r_port_{number}", "read", read, reads),
                      _port(f"w_port_{number}", "write", write, writes)]
        elif read == write:
            ports.append(_port(f"rw_port_{number}", "read_write", read, reads + writes))
        else:  # one read-write port at the wider side, the narrower side's other port
            wide, narrow = ((write, read), (read, write))[read > write]
            wide_side, narrow_side = (writes, reads) if wide is write else (reads, writes)
            kind, prefix = ("read", "r") if narrow is read else ("write", "w")
            ports += [_port(f"rw_port_{number}", "read_write", wide,
                            wide_side + narrow_side[:1]),
                      _port(f"{prefix}_port_{number}", kind, narrow, narrow_side[1:])]
    return ports


def _port(name: str, kind: str, widths: tuple[int, int], allocation: list[str]
          ) -> dict[str, Any]:
    return {"name": name, "type": kind, "bandwidth_min": widths[1], "bandwidth_max": widths[0],
            "allocation": allocation}


def _differences(given: Any, back: Any, path: str) -> list[str]:
    """One note per field of ``given`` that reads back as something else."""
    if isinstance(given, dict) and isinstance(back, dict):
        return [note for key in given
                for note in _differences(given[key], back.get(key), f"{path}.{key}".lstrip("."))]
    if (isinstance(given, list) and isinstance(back, list) and len(given) == len(back)
            and any(isinstance(item, dict) for item in given)):
        return [note for i, (a, b) in enumerate(zip(given, back, strict=True))
                for note in _differences(a, b, f"{path}[{i}]")]
    if given == back:
        return []
    return [f"{path}: {given!r} is not in ZigZag's format (it reads back as {back!r})"]
