"""Architecture specification: a MAC array and a memory hierarchy of any depth.

The hierarchy is a list of *levels*, outermost first (DRAM, global buffer, register files...).
A level holds one or more memories, each serving a disjoint set of operands; an operand that no
memory of a level holds bypasses that level. A memory serves some of the array dimensions: it is
one instance shared (broadcast / multicast) along the dimensions it serves and is replicated
along the others, so a per-NPE register file is a memory that serves no dimension.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeFloat, PositiveInt, field_validator, model_validator

from ripple.workload.layer import OPERANDS, Operand, StrictModel


class Memory(StrictModel):
    """One memory (or register file) and the operands it holds.

    Bandwidths are in bits per cycle; one access (a *transaction*) moves up to that many bits.
    Energies are per transaction, or per bit when ``energy_per: bit`` (typical for DRAM).
    Ports (docs/timing.md): by default each operand has its own read and write port;
    ``ports: shared`` makes the operands share them, ``duplex: false`` makes reads and writes
    share one port. A double-buffered memory holds two tiles, so it can receive the next one
    while the current one is in use.
    """

    name: str
    operands: list[Operand] = Field(min_length=1)
    capacity_bits: PositiveInt | None = Field(default=None, description="None: unbounded")
    read_bandwidth: PositiveInt
    write_bandwidth: PositiveInt
    read_energy_pj: NonNegativeFloat
    write_energy_pj: NonNegativeFloat
    energy_per: Literal["transaction", "bit"] = "transaction"
    served_dims: list[str] | None = Field(
        default=None, description="array dimensions this memory serves; default all"
    )
    double_buffered: bool = False
    ports: Literal["per_operand", "shared"] = "per_operand"
    duplex: bool = True

    def port(self, operand: Operand, direction: Literal["read", "write"]) -> tuple[str, str, str]:
        """The port an access uses: (memory, operand or '*', 'read' | 'write' | 'rw')."""
        who = operand if self.ports == "per_operand" else "*"
        return (self.name, who, direction if self.duplex else "rw")

    @field_validator("operands")
    @classmethod
    def _unique_operands(cls, value: list[Operand]) -> list[Operand]:
        if len(set(value)) != len(value):
            raise ValueError("an operand is listed twice")
        return value


class Level(StrictModel):
    """A level of the hierarchy: memories at the same distance from the MACs."""

    name: str
    memories: list[Memory] = Field(min_length=1)

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


class MacSparsity(StrictModel):
    """What the MACs do with a zero operand (docs/sparsity.md).

    A MAC is *ineffectual* when one of the ``condition_on`` operands is zero (a padding tap's
    input is a generated zero). ``skip``: it is not issued, and neither are the innermost
    transfers and steps that only it needed; ``gate``: it is issued at ``mac.gated_energy_pj``
    and nothing else changes. The schedule is kept either way.
    """

    action: Literal["skip", "gate"]
    condition_on: list[Literal["I", "W"]] = Field(min_length=1)

    @field_validator("condition_on")
    @classmethod
    def _canonical(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("an operand is listed twice")
        return sorted(value)


class MacUnit(StrictModel):
    """The multiply-accumulate unit of one NPE and its conventions.

    ``latch``: operands held in a latch at the MAC, so that consecutive steps that need the same
    value do not read it again (SPEC section 3); ``none`` makes the innermost memory serve every
    MAC, as Timeloop does. ``first_read_elision``: do not read a partial sum before its first
    accumulation. ``sparsity``: skipping or gating of MACs with a zero operand (None: dense);
    ``gated_energy_pj``: the energy of a gated MAC.
    """

    energy_pj: NonNegativeFloat
    latch: list[Literal["I", "W"]] = Field(default_factory=lambda: ["I", "W"])
    first_read_elision: bool = False
    sparsity: MacSparsity | None = None
    gated_energy_pj: NonNegativeFloat = 0.0

    @field_validator("latch", mode="before")
    @classmethod
    def _none_latch(cls, value: object) -> object:
        if value in ("none", None):
            return []
        return value


class Architecture(StrictModel):
    """A single core: MAC array plus memory levels, outermost first."""

    name: str = "architecture"
    array: dict[str, PositiveInt] = Field(min_length=1, description="array dimension -> size")
    mac: MacUnit
    levels: list[Level] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Architecture:
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
        return self

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
