"""Stream's hardware file as a Ripple multi-core machine, so Ripple runs on exactly Stream's
machine (``ripple multicore -a`` recognises the file by its ``core_connectivity``).

How the pieces map:

- ``cores``: ``id: file``; every compute core is a ZigZag accelerator, converted as
  ``ripple convert --from zigzag`` does (:mod:`ripple.arch.zigzag_import`) and named
  ``core<id>``. A core file is looked up beside the hardware file, then in its ``cores/``
  folder (Stream's LeNet-5 files name ``small_core_16mac.yaml`` that lives in ``cores/``).
- ``operator_types`` (a pooling or SIMD core) becomes the core's ``operators``: only those
  nodes run there. ONNX names map to Ripple's (``Conv`` conv, ``Gemm``/``MatMul`` fc,
  ``MaxPool`` maxpool, ``AveragePool`` avgpool, ``GlobalAveragePool`` globalavgpool, ``Relu``,
  ``Add``, ``Concat``); the others have no Ripple node and are noted.
- the core named by ``offchip_core_id`` (``type: zigzag.offchip``) becomes ``offchip``: its one
  memory's ``r_cost``/``w_cost`` per access of the port width, the widest port reading and
  writing it, ``duplex: false`` when one port does both.
- ``core_connectivity``: each ``link`` or ``bus`` becomes a link over the same endpoints and
  bandwidth; ``unit_energy_cost`` is every link's pJ per bit.
- ``operand_precision`` of the compute cores (``input: int8``, ``accumulator: int32``) becomes
  the machine's ``precision`` (I, W, O_final 8; O 32). Without one, ZigZag's ONNX parser's
  default is taken: 8-bit operands and a 16-bit partial sum.
- ``core_coordinates`` is not needed: routes follow the links (noted).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, PositiveInt

from ripple.arch.zigzag_import import zigzag_architecture_from_data
from ripple.errors import RippleInputError, shown
from ripple.specfile import path_in_folder
from ripple.specio import read_peer_yaml, validate

#: ONNX operator types (Stream's ``operator_types``) and the Ripple nodes they are.
OPERATORS = {"Conv": "conv", "Gemm": "fc", "MatMul": "fc", "MaxPool": "maxpool",
             "AveragePool": "avgpool", "GlobalAveragePool": "globalavgpool", "Relu": "relu",
             "Add": "add", "Concat": "concat"}
#: ZigZag's ONNX parser's precisions when a core states none.
DEFAULT_PRECISION = {"I": 8, "W": 8, "O": 16, "O_final": 8}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class StreamConnection(_Strict):
    type: Literal["link", "bus"]
    cores: list[int] = Field(min_length=2)
    bandwidth: PositiveInt


class StreamAccelerator(_Strict):
    name: str
    cores: dict[int, str] = Field(min_length=1)
    core_coordinates: dict[int, list[int]] | None = None
    offchip_core_id: int | None = None
    unit_energy_cost: NonNegativeFloat = 0.0
    core_connectivity: list[StreamConnection] = Field(default_factory=list)


def is_stream_accelerator(data: object) -> bool:
    """Stream's hardware file: cores by id and their connectivity."""
    return isinstance(data, dict) and "core_connectivity" in data


def stream_machine_data(data: object, source: str,
                        base: Path) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The Ripple multi-core specification of a Stream hardware file, and the notes."""
    accel = validate(StreamAccelerator, data, source)
    notes: list[str] = []
    names: dict[int, str] = {}
    cores: list[dict[str, Any]] = []
    offchip: dict[str, Any] | None = None
    precisions: list[dict[str, int]] = []
    seen: set[Path] = set()
    for core_id, given in accel.cores.items():
        field = f"cores.{core_id}"
        path = _core_file(base, given, source, field, notes)
        first = path not in seen
        seen.add(path)
        core, duplicates = read_peer_yaml(path, "Stream")
        if not isinstance(core, dict):
            raise RippleInputError("expected a ZigZag core (a mapping)", source=str(path))
        kind = core.pop("type", "zigzag.compute")
        if core_id == accel.offchip_core_id or kind == "zigzag.offchip":
            offchip = _offchip(core, str(path))
            names[core_id] = offchip["name"]
            continue
        names[core_id] = f"core{core_id}"
        entry: dict[str, Any] = {"name": names[core_id]}
        operator_types = core.pop("operator_types", None)
        if operator_types is not None:
            entry["operators"] = _operators(operator_types, names[core_id], str(path), notes)
        elif first:
            notes.append(f"{given}: no operator_types, runs every node")
        precision = core.pop("operand_precision", None)
        if precision is not None:
            precisions.append(_precision(precision, str(path)))
        imported = zigzag_architecture_from_data(core, str(path), duplicates=duplicates)
        if first:
            notes += [f"{given}: {note}" for note in dict.fromkeys(imported.notes)]
        entry["arch"] = imported.value.model_dump(mode="json", exclude_defaults=True)
        cores.append(entry)
    if accel.core_coordinates is not None:
        notes.append("core_coordinates: not needed, routes follow the links")
    links = []
    for index, link in enumerate(accel.core_connectivity):
        unknown = [c for c in link.cores if c not in names]
        if unknown:
            raise RippleInputError(f"core {unknown[0]} is not in cores", source=source,
                                   field=f"core_connectivity[{index}].cores")
        label = ("bus" if link.type == "bus" else "link") + "-".join(map(str, link.cores))
        links.append({"name": label, "endpoints": [names[c] for c in link.cores],
                      "bandwidth": link.bandwidth,
                      "energy_pj_per_bit": accel.unit_energy_cost})
    notes.append(f"unit_energy_cost {accel.unit_energy_cost:g}: pJ per bit on every link")
    spec: dict[str, Any] = {"name": accel.name, "cores": cores, "links": links,
                            "precision": _machine_precision(precisions, notes)}
    if offchip is not None:
        spec["offchip"] = offchip
    return spec, tuple(notes)


def _core_file(base: Path, given: str, source: str, field: str, notes: list[str]) -> Path:
    path = path_in_folder(base, given, source, field)
    if path.is_file():
        return path
    beside = path_in_folder(base, str(Path("cores") / given), source, field)
    if beside.is_file():
        if f"{given} found in cores/" not in notes:
            notes.append(f"{given} found in cores/")
        return beside
    raise RippleInputError(f"no core file {given} beside the hardware file or in its cores/",
                           source=source, field=field)


def _offchip(core: dict[str, Any], source: str) -> dict[str, Any]:
    """The off-chip core's one memory as Ripple's ``offchip``."""
    memories = core.get("memories")
    if not isinstance(memories, dict) or len(memories) != 1:
        raise RippleInputError("expected exactly one memory in the off-chip core",
                               source=source, field="memories")
    (name, memory), = memories.items()
    field = f"memories.{name}"
    try:
        ports = memory["ports"]
        reads = [p["bandwidth_max"] for p in ports if p["type"] in ("read", "read_write")]
        writes = [p["bandwidth_max"] for p in ports if p["type"] in ("write", "read_write")]
        costs = (float(memory["r_cost"]), float(memory["w_cost"]))
        if not reads or not writes:
            raise RippleInputError("the off-chip memory needs a port reading and one writing",
                                   source=source, field=f"{field}.ports")
        bandwidths = (max(reads), max(writes))
    except (KeyError, TypeError, ValueError) as exc:
        raise RippleInputError(f"expected ports with type and bandwidth_max, and r_cost and "
                               f"w_cost ({exc})", source=source, field=field) from None
    return {"name": name, "read_bandwidth": bandwidths[0], "write_bandwidth": bandwidths[1],
            "read_energy_pj": costs[0], "write_energy_pj": costs[1],
            "energy_per": "transaction",
            "duplex": not any(p["type"] == "read_write" for p in ports)}


def _operators(types: object, core: str, source: str, notes: list[str]) -> list[str]:
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise RippleInputError(f"expected a list of ONNX operator types; got {shown(types)}",
                               source=source, field="operator_types")
    known = [OPERATORS[t] for t in types if t in OPERATORS]
    others = [str(t) for t in types if t not in OPERATORS]
    if others:
        notes.append(f"{core}: operator_types {', '.join(others)}: no such Ripple node; "
                     "ignored")
    notes.append(f"{core} runs only {', '.join(dict.fromkeys(known))}")
    return list(dict.fromkeys(known))


def _precision(precision: object, source: str) -> dict[str, int]:
    """``input: int8, accumulator: int32`` as Ripple's I, W, O_final and O."""
    bits: dict[str, int] = {}
    for key in ("input", "accumulator"):
        text = precision.get(key) if isinstance(precision, dict) else None
        match = re.fullmatch(r"u?int(\d+)", str(text))
        if match is None:
            raise RippleInputError(f"expected {key}: intN", source=source,
                                   field=f"operand_precision.{key}")
        bits[key] = int(match.group(1))
    return {"I": bits["input"], "W": bits["input"], "O": bits["accumulator"],
            "O_final": bits["input"]}


def _machine_precision(precisions: list[dict[str, int]], notes: list[str]) -> dict[str, int]:
    distinct = {tuple(p.items()) for p in precisions}
    if len(distinct) > 1:
        raise RippleInputError("the compute cores state different operand_precision; Ripple's "
                               "machine has one datapath precision")
    if precisions:
        return precisions[0]
    notes.append("no operand_precision: ZigZag's ONNX default, 8-bit operands and outputs, "
                 "16-bit partial sums")
    return dict(DEFAULT_PRECISION)
