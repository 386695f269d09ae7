"""Import a Timeloop mapping (a list of ``target``/``type`` directives) as a Ripple mapping.

- ``factors`` (``R=1 S=11`` or ``C1 M16``) and ``permutation`` (INNERMOST FIRST, spaces
  ignored) per target. A factor 0 is the remainder of its dimension, ``ceil(bound / the product
  of the other factors)``, as in Timeloop's constraint files. Factors of 1 are dropped.
- temporal loops of a storage target become the loops of its Ripple level, outermost first;
  those of a pass-through target (Eyeriss' ``DummyBuffer``) go innermost in the nearest level
  above, which is where Timeloop puts them: inside that level's tile, outside the next one's.
- spatial loops of target ``T`` run over array dimensions ``T.X`` (the first ``split`` entries of
  the permutation) and ``T.Y`` (the rest), the dimensions the architecture import names.
- ``keep``/``bypass`` (``bypass`` or ``datatype`` directives) must agree with the operands the
  imported architecture gives each level (:func:`timeloop_keep` builds that argument).

Digit order: Timeloop's nest puts a target's spatial loops below its temporal loops, so a
temporal loop at an inner target is a less significant digit than an outer spatial loop of the
same dimension; Ripple makes spatial loops the least significant digits of their dimension.
Tile sizes are products of factors either way; only which elements share a tile differs, and
for a sliding-window dimension (P, Q) that could change an input footprint. Each dimension where
the two orders differ is noted.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ripple.arch.spec import Architecture
from ripple.errors import RippleInputError
from ripple.imported import Imported
from ripple.mapping.spec import Mapping
from ripple.specio import read_yaml, validate
from ripple.workload.layer import Layer

DATASPACES = {"Inputs": "I", "Weights": "W", "Outputs": "O"}
TIMELOOP_TO_RIPPLE = {"C": "C", "M": "K", "N": "N", "P": "OX", "Q": "OY", "R": "FX", "S": "FY"}
_FACTOR = re.compile(r"^([A-Z])=?(\d+)$")


class Directive(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    target: str
    type: Literal["temporal", "spatial", "bypass", "datatype"]
    factors: str | None = None
    permutation: str | None = None
    split: int | None = None
    keep: list[str] | None = None
    bypass: list[str] | None = None
    stream: list[str] | None = None


class MappingFile(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    mapping: list[Directive] = Field(min_length=1)


def directives(path: str | Path) -> list[Directive]:
    """The mapping's directives. ``stream`` lists data spaces a level passes through without a
    tile of their own; Timeloop's mapper writes it at the backing store for data spaces it also
    keeps, which counts as keep. A data space streamed and not kept has no Ripple counterpart
    and is refused."""
    found = validate(MappingFile, read_yaml(path), str(path)).mapping
    for index, d in enumerate(found):
        alone = [name for name in d.stream or [] if name not in (d.keep or [])]
        if alone:
            raise RippleInputError(f"stream {alone} at {d.target} without keep is not supported "
                                   "(a data space passing through a level without a tile of its "
                                   "own); use keep or bypass", source=str(path),
                                   field=f"mapping[{index}].stream")
    return found


def timeloop_keep(path: str | Path) -> dict[str, list[str]]:
    """Operands each target keeps, from the mapping's ``keep``/``bypass`` directives."""
    out: dict[str, list[str]] = {}
    for index, d in enumerate(directives(path)):
        if d.type not in ("bypass", "datatype"):
            continue
        names = d.keep if d.keep is not None else [n for n in DATASPACES
                                                    if n not in (d.bypass or [])]
        unknown = [n for n in names + (d.bypass or []) if n not in DATASPACES]
        if unknown:
            raise RippleInputError(f"unknown data space {unknown[0]!r}", source=str(path),
                                   field=f"mapping[{index}]")
        out[d.target] = [op for name, op in DATASPACES.items() if name in names]
    return out


@dataclass(frozen=True)
class TimeloopLoop:
    """One loop of a Timeloop mapping: its target, kind, dimension, size and, for a spatial
    loop, the array axis (``X`` for the first ``split`` dimensions of the permutation)."""

    target: str
    kind: str
    dim: str
    size: int
    axis: str | None = None


def timeloop_loops(path: str | Path, found: list[Directive], layer: Layer,
                   storage: tuple[str, ...]) -> list[TimeloopLoop]:
    """The loops of a mapping file (its directives ``found``, read from ``path``) in Timeloop's
    nest order, outermost first: per target (``storage`` outermost first) its temporal loops,
    then its spatial ones; sizes of 1 are dropped, 0 factors resolved."""
    source = str(path)
    indexed = [(i, d) for i, d in enumerate(found) if d.type in ("temporal", "spatial")]
    for i, d in indexed:
        if d.target not in storage:
            raise RippleInputError(f"unknown target {d.target!r} (storage levels: "
                                   f"{', '.join(storage)})", source=source, field=f"mapping[{i}]")
    factors = resolve_factors(indexed, layer, source)
    loops: list[TimeloopLoop] = []
    for target in storage:
        for kind in ("temporal", "spatial"):
            for i, d in indexed:
                if d.target != target or d.type != kind:
                    continue
                order = permutation(d, factors[i], source, i)
                split = len(order) if d.split is None else d.split
                axes = {dim: ("X" if n < split else "Y") if kind == "spatial" else None
                        for n, dim in enumerate(order)}
                loops += [TimeloopLoop(target, kind, dim, factors[i][dim], axes[dim])
                          for dim in reversed(order) if factors[i][dim] > 1]
    return loops


def import_timeloop_mapping(path: str | Path, layer: Layer, arch: Architecture,
                            storage: tuple[str, ...]) -> Imported[Mapping]:
    """The mapping for ``layer`` on ``arch``; ``storage`` lists Timeloop's storage levels
    outermost first (the architecture import returns it)."""
    source = str(path)
    found = directives(path)
    loops = timeloop_loops(path, found, layer, storage)
    levels = [lvl.name for lvl in arch.levels]
    temporal: dict[str, list[tuple[str, int]]] = {}
    spatial: dict[str, list[tuple[str, int]]] = {}
    for loop in loops:
        dim = TIMELOOP_TO_RIPPLE[loop.dim]
        if loop.kind == "temporal":
            owner = _owner(loop.target, storage, levels, source)
            temporal.setdefault(owner, []).append((dim, loop.size))
        else:
            spatial.setdefault(f"{loop.target}.{loop.axis}", []).append((dim, loop.size))
    _check_keep(found, arch, storage, source)
    mapping = Mapping(name=Path(source).stem, spatial=spatial, temporal=temporal)
    return Imported(mapping, tuple(_digit_order_notes(
        [(loop.kind, loop.dim, loop.size) for loop in loops])))


def resolve_factors(loops: list[tuple[int, Directive]], layer: Layer,
                     source: str) -> dict[int, dict[str, int]]:
    """Factors per directive, every Timeloop dimension present, zeros resolved."""
    bounds = {"C": layer.C, "M": layer.K, "N": layer.N, "P": layer.OX, "Q": layer.OY,
              "R": layer.FX, "S": layer.FY}
    parsed: dict[int, dict[str, int]] = {}
    for i, d in loops:
        values = {dim: 1 for dim in bounds}
        for token in (d.factors or "").split():
            found = _FACTOR.match(token)
            if not found or found.group(1) not in bounds:
                raise RippleInputError(f"factor {token!r} is not DIM=size over C M R S N P Q",
                                       source=source, field=f"mapping[{i}].factors")
            values[found.group(1)] = int(found.group(2))
        parsed[i] = values
    for dim, bound in bounds.items():
        zeros = [i for i in parsed if parsed[i][dim] == 0]
        if len(zeros) > 1:
            raise RippleInputError(f"{dim} has a 0 (remainder) factor at {len(zeros)} targets",
                                   source=source, field=f"mapping[{zeros[1]}].factors")
        if zeros:
            rest = math.prod(parsed[i][dim] for i in parsed if i != zeros[0])
            parsed[zeros[0]][dim] = -(-bound // rest)
    return parsed


def permutation(d: Directive, factors: dict[str, int], source: str, index: int) -> list[str]:
    order = list((d.permutation or "").replace(" ", ""))
    missing = [dim for dim, size in factors.items() if size > 1 and dim not in order]
    if missing:
        raise RippleInputError(f"dimension {missing[0]} has factor {factors[missing[0]]} but is "
                               "not in the permutation", source=source,
                               field=f"mapping[{index}].permutation")
    return [dim for dim in order if dim in factors]


def _owner(target: str, storage: tuple[str, ...], levels: list[str], source: str) -> str:
    """The Ripple level holding ``target``'s temporal loops: itself, or the nearest level above
    a pass-through."""
    for name in reversed(storage[: storage.index(target) + 1]):
        if name in levels:
            return name
    raise RippleInputError(f"{target} is a pass-through with no memory level above it",
                           source=source)


def _check_keep(directives: list[Directive], arch: Architecture, storage: tuple[str, ...],
                source: str) -> None:
    held = {m.name: set(m.operands) for lvl in arch.levels for m in lvl.memories}
    for index, d in enumerate(directives):
        if d.type not in ("bypass", "datatype"):
            continue
        names = d.keep if d.keep is not None else [n for n in DATASPACES
                                                    if n not in (d.bypass or [])]
        kept = {DATASPACES[n] for n in names if n in DATASPACES}
        if held.get(d.target, set()) != kept and (d.target in held or kept):
            raise RippleInputError(f"{d.target} keeps {sorted(kept)} here but the architecture "
                                   f"holds {sorted(held.get(d.target, set()))} there; import the "
                                   "architecture with this mapping's keep", source=source,
                                   field=f"mapping[{index}]")


def _digit_order_notes(nest: list[tuple[str, str, int]]) -> list[str]:
    notes = []
    for dim in TIMELOOP_TO_RIPPLE:
        kinds = [(kind, size) for kind, d, size in nest if d == dim]
        first_spatial = next((i for i, (kind, _) in enumerate(kinds) if kind == "spatial"), None)
        if first_spatial is None:
            continue
        inner = [size for kind, size in kinds[first_spatial:] if kind == "temporal"]
        if inner:
            notes.append(f"{dim} ({TIMELOOP_TO_RIPPLE[dim]}): Timeloop orders a spatial loop "
                         f"above temporal {dim} loop(s) {inner}; Ripple makes spatial loops the "
                         "innermost digits: same tile sizes, different element order")
    return notes
