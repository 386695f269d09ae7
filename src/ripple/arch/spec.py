"""Architecture specification: a MAC array and a memory hierarchy of any depth.

The hierarchy is a list of *levels*, outermost first (DRAM, global buffer, register files...).
A level holds one or more memories, each serving a disjoint set of operands; an operand that no
memory of a level holds bypasses that level. A memory (:mod:`ripple.arch.memory`) serves some of
the array dimensions: it is one instance shared (broadcast / multicast) along the dimensions it
serves and is replicated along the others, so a per-NPE register file is a memory that serves no
dimension.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ripple.arch.conventions import CONVENTION_PRESETS, Conventions
from ripple.arch.memory import Memory
from ripple.arch.sparsity_spec import MacSparsity
from ripple.bounds import MAX_ENTRIES, MAX_SIZE, Area, Energy, Size
from ripple.workload.layer import OPERANDS, Operand, StrictModel, also_accepts


class Level(StrictModel):
    """A level of the hierarchy: memories at the same distance from the MACs."""

    name: str
    memories: list[Memory] = Field(min_length=1, max_length=MAX_ENTRIES,
                                   description="each holding its own operands")

    @model_validator(mode="after")
    def _disjoint(self) -> Level:
        seen: set[str] = set()
        for memory in self.memories:
            clash = seen & set(memory.operands)
            if clash:
                raise ValueError(
                    f"operand {sorted(clash)[0]} is held by two memories of this level"
                )
            seen |= set(memory.operands)
        return self



class MacUnit(StrictModel):
    """The multiply-accumulate unit of one NPE and its conventions.

    ``latch``: operands held in a latch at the MAC, so that consecutive steps that need the same
    value do not read it again (SPEC section 3); ``none`` makes the innermost memory serve every
    MAC, as Timeloop does. ``first_read_elision``: do not read a partial sum before its first
    accumulation (``when_partial``: read every step when a loop irrelevant to the outputs
    exists, none otherwise, as ZigZag does; ``per_fill``: not before its first accumulation in
    each fill of the memory next to the MACs, as Timeloop does; docs/conventions.md).
    ``sparsity``: skipping or
    gating of MACs with a zero operand (None: dense);
    ``gated_energy_pj``: the energy of a gated MAC. ``area``: of one MAC, in the user's unit
    (:mod:`ripple.arch.area`).
    """

    energy_pj: Energy = Field(description="per MAC")
    area: Area | None = Field(default=None, description="of one MAC, in the user's unit")
    latch: list[Literal["I", "W"]] = Field(
        default_factory=lambda: ["I", "W"], description="operands latched at the MAC; none: []",
        json_schema_extra=also_accepts({"enum": ["none", None]}))
    first_read_elision: bool | Literal["when_partial", "per_fill"] = Field(
        default=False, description="skip reading a partial sum before its first accumulation")
    sparsity: MacSparsity | None = Field(default=None,
                                         description="skip or gate MACs on zeros; null: dense")
    gated_energy_pj: Energy = Field(default=0.0, description="per gated MAC")

    @field_validator("latch", mode="before")
    @classmethod
    def _none_latch(cls, value: object) -> object:
        if value in ("none", None):
            return []
        return value


class Architecture(StrictModel):
    """A single core: MAC array plus memory levels, outermost first."""

    name: str = "architecture"
    array: dict[str, Size] = Field(min_length=1, max_length=MAX_ENTRIES,
                                   description="array dimension -> size")
    conventions: Conventions = Field(
        default_factory=Conventions, description="a preset name (ripple, zigzag, timeloop) or the "
        "options, with an optional preset", json_schema_extra=also_accepts(
            {"enum": list(CONVENTION_PRESETS)},
            {"type": "object", "required": ["preset"],
             "properties": {"preset": {"enum": list(CONVENTION_PRESETS)},
                            **{option: {"type": "string"} for option in Conventions.model_fields}},
             "additionalProperties": False}))
    mac: MacUnit
    levels: list[Level] = Field(min_length=1, max_length=MAX_ENTRIES)

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, data: object) -> object:
        """Expand ``conventions: NAME`` (or ``{preset: NAME, ...}``) into the options, and give
        the MACs the preset's latch and first-read rule where the file gives none."""
        if not isinstance(data, dict) or "conventions" not in data:
            return data
        given = data["conventions"]
        name = given if isinstance(given, str) else (
            given.get("preset") if isinstance(given, dict) else None)
        if name is None:
            return data
        if not isinstance(name, str) or name not in CONVENTION_PRESETS:
            raise ValueError(f"conventions: unknown preset {name!r}; expected one of "
                             f"{', '.join(CONVENTION_PRESETS)}")
        options, mac_defaults = CONVENTION_PRESETS[name]
        overrides = {k: v for k, v in given.items() if k != "preset"} if isinstance(
            given, dict) else {}
        data = dict(data)
        data["conventions"] = {**options.model_dump(), **overrides}
        if isinstance(data.get("mac"), dict):
            data["mac"] = {**mac_defaults, **data["mac"]}
        return data

    def convention(self, memory: Memory, option: str) -> str:
        """The value of the convention ``option`` for ``memory``: its own, or the
        architecture's."""
        own = getattr(memory, option)
        return own if own is not None else getattr(self.conventions, option)

    @model_validator(mode="after")
    def _check(self) -> Architecture:
        if self.npes > MAX_SIZE:
            raise ValueError(f"the array has {self.npes:.3g} NPEs (the product of its "
                             f"dimensions); at most 2^31 - 1")
        names = [m.name for lvl in self.levels for m in lvl.memories]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"memory name {sorted(dup)[0]!r} is used twice")
        level_names = [lvl.name for lvl in self.levels]
        if len(set(level_names)) != len(level_names):
            raise ValueError("level names must be unique")
        for lvl in self.levels:
            for memory in lvl.memories:
                unknown = set(memory.served_dims or []) - set(self.array)
                if unknown:
                    raise ValueError(
                        f"memory {memory.name!r} serves unknown array dimension "
                        f"{sorted(unknown)[0]!r} (array has {list(self.array)})"
                    )
        for operand in OPERANDS:
            if not self.chain(operand):
                raise ValueError(f"no memory holds operand {operand}")
        for lvl in self.levels:
            for memory in lvl.memories:
                if memory.formats and self.convention(memory, "multicast") != "union":
                    raise ValueError(
                        f"memory {memory.name!r} stores operands compressed and serves its "
                        f"children with multicast {self.convention(memory, 'multicast')!r}: "
                        "the size of a compressed fill split over classes of children is not "
                        "modelled; use multicast: union there")
        self._check_padding_window()
        return self

    def _check_padding_window(self) -> None:
        """``padding: window`` sizes input fills by their windows, words the tensor does not
        hold included: refused where a rule needs the words themselves (what a delta fill
        adds, what a compressed or sparse input holds)."""
        if self.conventions.padding != "window":
            return
        if self.mac.sparsity is not None:
            raise ValueError("conventions.padding: 'window' (ZigZag's tile sizes, padding "
                             "words included) is not modelled with mac.sparsity; use "
                             "padding: generated")
        for memory in (m for lvl in self.levels for m in lvl.memories):
            if self.convention(memory, "fills") == "delta":
                raise ValueError(f"conventions.padding: 'window' is not modelled with delta "
                                 f"fills (memory {memory.name!r} has fills: delta); use "
                                 "padding: generated or fills: whole")
            if "I" in memory.operands and (memory.stored_format("I") is not None
                                           or "I" in memory.sparsity):
                raise ValueError(f"conventions.padding: 'window' is not modelled with "
                                 f"compressed or sparse inputs (memory {memory.name!r}); use "
                                 "padding: generated")

    @field_validator("levels")
    @classmethod
    def _no_skipping_next_to_formats(cls, value: list[Level],
                                     info: ValidationInfo) -> list[Level]:
        """Refuse skipping next to a compressed innermost memory: skipping removes that
        memory's transfers to the MACs, and their expected compressed size given that they are
        kept is not modelled (docs/sparsity.md, "Compressed formats")."""
        mac = info.data.get("mac")
        if mac is None or mac.sparsity is None or mac.sparsity.action != "skip":
            return value
        for operand in OPERANDS:
            holders = [m for lvl in value for m in lvl.memories if operand in m.operands]
            if holders and holders[-1].stored_format(operand) is not None:
                raise ValueError(
                    f"memory {holders[-1].name!r} stores {operand} compressed and is its "
                    f"innermost memory: skipping (mac.sparsity) with a compressed innermost "
                    f"memory is not modelled; use gate, or store {operand} compressed higher up")
        return value

    @field_validator("levels")
    @classmethod
    def _memory_sparsity_apart(cls, value: list[Level], info: ValidationInfo) -> list[Level]:
        """Refuse memory-level sparsity where it would meet another rule on the same
        transfers: skipping at the MACs already removes the innermost memory's transfers to
        them (counting both would remove them twice), and a child storing the operand
        compressed would need the size of a fill given that it is kept (docs/sparsity.md,
        "Gating and skipping at a memory")."""
        mac = info.data.get("mac")
        mac_skips = mac is not None and mac.sparsity is not None and mac.sparsity.action == "skip"
        for operand in OPERANDS:
            holders = [m for lvl in value for m in lvl.memories if operand in m.operands]
            for position, memory in enumerate(holders):
                if operand not in memory.sparsity:
                    continue
                child = holders[position + 1] if position + 1 < len(holders) else None
                if child is None and mac_skips:
                    raise ValueError(
                        f"memory {memory.name!r} has sparsity for {operand} on its link to the "
                        f"MACs, where mac.sparsity already skips: the transfers would be removed "
                        f"twice; keep one of the two")
                if child is not None and child.stored_format(operand) is not None:
                    raise ValueError(
                        f"memory {memory.name!r} has sparsity for {operand} and its child "
                        f"{child.name!r} stores {operand} compressed: skipping or gating "
                        f"compressed transfers is not modelled")
        return value

    @property
    def npes(self) -> int:
        total = 1
        for size in self.array.values():
            total *= size
        return total

    def chain(self, operand: Operand) -> list[tuple[int, Memory]]:
        """The memories holding ``operand``, outermost first, with their level index."""
        return [
            (index, memory)
            for index, lvl in enumerate(self.levels)
            for memory in lvl.memories
            if operand in memory.operands
        ]

    def served(self, memory: Memory) -> list[str]:
        return list(self.array) if memory.served_dims is None else list(memory.served_dims)

    def memory(self, name: str) -> Memory:
        for lvl in self.levels:
            for memory in lvl.memories:
                if memory.name == name:
                    return memory
        raise KeyError(name)
