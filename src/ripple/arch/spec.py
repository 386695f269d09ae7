"""Architecture specification: a MAC array and a memory hierarchy of any depth.

The hierarchy is a list of *levels*, outermost first (DRAM, global buffer, register files...).
A level holds one or more memories, each serving a disjoint set of operands; an operand that no
memory of a level holds bypasses that level. A memory serves some of the array dimensions: it is
one instance shared (broadcast / multicast) along the dimensions it serves and is replicated
along the others, so a per-NPE register file is a memory that serves no dimension.
"""

from __future__ import annotations

from typing import Literal

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ripple.bounds import MAX_ENTRIES, MAX_SIZE, Area, Bits, Energy, Size
from ripple.sparse import formats as fmt
from ripple.workload.layer import OPERANDS, Operand, StrictModel, also_accepts

#: The widest run-length field (a run count wider than 64 bits counts nothing a tile holds).
MAX_RUN_BITS = 64


class StoredFormat(StrictModel):
    """How a memory stores one operand (docs/sparsity.md, "Compressed formats").

    A single-rank format over the flattened tile of one fill (``uop_rle``: one fiber of shape
    ``(1, n)``): every transfer side at the memory moves the tile's stored words plus its
    metadata bits. ``run_bits``: the width of a run-length field (default: wide enough for the
    tile, so never padding). CSR needs a second rank and is not offered here.
    """

    format: Literal["uncompressed", "bitmask", "rle", "coo", "uop_rle"]
    run_bits: int | None = Field(default=None, ge=0, le=MAX_RUN_BITS)

    @model_validator(mode="after")
    def _run_bits_apply(self) -> StoredFormat:
        if self.run_bits is not None and self.format not in ("rle", "uop_rle"):
            raise ValueError(f"run_bits applies to rle and uop_rle only, not {self.format}")
        return self

    @property
    def compressed(self) -> bool:
        """Whether fills move anything but the dense words (``uncompressed`` is the dense
        representation and counts exactly as a memory without a format)."""
        return self.format != "uncompressed"

    def ranks(self) -> tuple[fmt.RankFormat, ...]:
        """The format as per-rank formats of :mod:`ripple.sparse.formats`."""
        match self.format:
            case "bitmask":
                return fmt.bitmask()
            case "rle":
                return fmt.rle(self.run_bits)
            case "coo":
                return (fmt.CP(),)  # one flattened coordinate, as wide as the tile needs
            case "uop_rle":
                return fmt.uop_rle(self.run_bits)
        return fmt.uncompressed()

    def shape(self, n: int) -> tuple[int, ...]:
        """The fiber shape of a tile of ``n`` elements."""
        return (1, n) if self.format == "uop_rle" else (n,)


class MemorySparsity(StrictModel):
    """What a memory does with a transfer of one operand to its child that serves only
    ineffectual MACs (docs/sparsity.md, "Gating and skipping at a memory").

    A MAC is ineffectual when the ``condition_on`` operand is zero (a padding tap's input is a
    generated zero). ``skip``: the transfer is not made at either side; ``gate``: it is made at
    the gated energies of the memories on both sides. One condition operand only: two would
    need the pairing of their elements over every fill, which is not modelled at a memory.
    """

    action: Literal["skip", "gate"]
    condition_on: list[Literal["I", "W"]] = Field(min_length=1)

    @field_validator("condition_on")
    @classmethod
    def _one_operand(cls, value: list[str]) -> list[str]:
        if len(value) != 1:
            raise ValueError(f"condition_on {value}: a memory conditions on one operand only "
                             "(I or W); the pairing of two is modelled at the MACs only "
                             "(mac.sparsity)")
        return value


FillStyle = Literal["whole", "delta"]
Multicast = Literal["union", "irrelevant", "none"]
FirstRead = Literal["elide", "read", "when_partial"]
SplitFill = Literal["owner", "every"]
OutputCapacity = Literal["larger", "final_above_reductions"]


class Conventions(StrictModel):
    """The counting conventions in which the peers differ (docs/conventions.md); each memory
    may override them for the transfers it takes part in.

    ``output_first_read``: whether a fill above the MACs reads outputs that were never written
    (``read``), only those that were (``elide``), or its whole tile when a loop irrelevant to
    the outputs lies above it and nothing otherwise (``when_partial``, ZigZag); the MACs follow
    ``mac.first_read_elision``.
    ``fills``: a memory refilled with a new tile receives all of it (``whole``) or only the
    words its previous tile did not hold (``delta``, Timeloop's sliding windows); under
    ``delta`` outputs leave when the tile no longer covers them. ``multicast``: the parent
    reads a word once for every child instance that needs it (``union``), once per group of
    instances that differ only in spatial loops irrelevant to the operand (``irrelevant``,
    Timeloop), or once per instance (``none``). ``split_fill``: partial sums returning to a
    memory whose instances hold parts of one reduction go to one instance of the group (``owner``;
    the others start from zero) or are written into every one (``every``, Timeloop).
    ``output_capacity``: the bits a memory reserves per output word: the larger of the partial
    and final precision (``larger``), or the final precision where no loop that leaves outputs
    unreduced (over C, a tap, or, input-indexed, an input position) lies above the memory, in
    its cut or unrolled along an array dimension it does not serve (``final_above_reductions``,
    ZigZag's allocator).
    """

    output_first_read: FirstRead = Field(default="elide",
                                         description="which never-written outputs a fill reads")
    fills: FillStyle = Field(default="whole", description="whole tiles, or only what is new")
    multicast: Multicast = Field(default="union",
                                 description="how often a parent reads a shared word")
    split_fill: SplitFill = Field(default="owner",
                                  description="where partial sums of a split reduction return")
    output_capacity: OutputCapacity = Field(
        default="larger", description="the bits a memory reserves per output word")


#: Each peer's conventions, and the MAC conventions it implies where the file gives none.
CONVENTION_PRESETS: dict[str, tuple[Conventions, dict[str, object]]] = {
    "ripple": (Conventions(), {}),
    "zigzag": (Conventions(output_first_read="when_partial",
                           output_capacity="final_above_reductions"),
               {"latch": ["I", "W"], "first_read_elision": "when_partial"}),
    "timeloop": (Conventions(fills="delta", multicast="irrelevant", split_fill="every"),
                 {"latch": [], "first_read_elision": "per_fill"}),
}


def _check_held(what: str, operand: Operand, info: ValidationInfo) -> None:
    """A per-operand setting of a memory must name an operand the memory holds."""
    held = info.data.get("operands") or []
    if operand not in held:
        raise ValueError(f"{what}, which this memory does not hold (it holds {held})")


class Memory(StrictModel):
    """One memory (or register file) and the operands it holds.

    Bandwidths are in bits per cycle; one access (a *transaction*) moves up to that many bits.
    Energies are per transaction, or per bit when ``energy_per: bit`` (typical for DRAM).
    Ports (docs/timing.md): by default each operand has its own read and write port;
    ``ports: shared`` makes the operands share them, ``duplex: false`` makes reads and writes
    share one port. A double-buffered memory holds two tiles, so it can receive the next one
    while the current one is in use. ``formats``: operands (I, W) stored compressed; their
    transfer sides here move encoded tiles (docs/sparsity.md, "Compressed formats").
    ``sparsity``: per operand held, whether its transfers to the child that serve only
    ineffectual MACs are skipped or gated; ``gated_read_energy_pj`` and
    ``gated_write_energy_pj`` are the energies of a gated transaction (or bit) here
    (docs/sparsity.md, "Gating and skipping at a memory").
    ``read_granule_bits``/``write_granule_bits``: the narrowest access of the port (ZigZag's
    ``bandwidth_min``); a transfer of ``b`` bits then costs ``ceil(b/g)`` accesses of ``g`` bits,
    each ``g/bandwidth`` of the transaction energy (docs/conventions.md, "Narrow accesses").
    """

    name: str
    operands: list[Operand] = Field(min_length=1, description="the operands it holds")
    capacity_bits: Bits | None = Field(default=None, description="null: unbounded")
    read_bandwidth: Bits = Field(description="a read moves up to this many bits a cycle")
    write_bandwidth: Bits = Field(description="a write moves up to this many bits a cycle")
    read_energy_pj: Energy = Field(description="per read transaction (or bit)")
    write_energy_pj: Energy = Field(description="per write transaction (or bit)")
    energy_per: Literal["transaction", "bit"] = Field(
        default="transaction", description="what the energies are per")
    served_dims: list[str] | None = Field(
        default=None, description="array dimensions this memory serves; default all"
    )
    double_buffered: bool = Field(default=False,
                                  description="holds two tiles: receives the next during use")
    ports: Literal["per_operand", "shared"] = Field(
        default="per_operand", description="a read and a write port per operand, or shared")
    duplex: bool = Field(default=True, description="false: reads and writes share one port")
    formats: dict[Operand, StoredFormat] = Field(
        default_factory=dict, description="operand -> how it is stored; default dense")
    sparsity: dict[Operand, MemorySparsity] = Field(
        default_factory=dict, description="operand -> skip or gate its ineffectual transfers")
    gated_read_energy_pj: Energy = 0.0
    gated_write_energy_pj: Energy = 0.0
    area: Area | None = Field(default=None, description="of one instance, in the user's unit")
    read_granule_bits: Bits | None = Field(default=None, description="None: read_bandwidth")
    write_granule_bits: Bits | None = Field(default=None, description="None: write_bandwidth")
    fills: FillStyle | None = Field(default=None, description="None: the architecture's")
    multicast: Multicast | None = Field(default=None, description="None: the architecture's")
    output_first_read: FirstRead | None = Field(default=None,
                                                description="None: the architecture's")
    split_fill: SplitFill | None = Field(default=None, description="None: the architecture's")

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

    @field_validator("formats")
    @classmethod
    def _formats_of_held_inputs(cls, value: dict[Operand, StoredFormat],
                                info: ValidationInfo) -> dict[Operand, StoredFormat]:
        for operand in value:
            _check_held(f"a format for {operand}", operand, info)
            if operand == "O":
                raise ValueError("a format for O: compressed outputs (partial sums) are not "
                                 "modelled; formats apply to I and W")
        return value

    @field_validator("sparsity")
    @classmethod
    def _sparsity_of_held_operands(cls, value: dict[Operand, MemorySparsity],
                                   info: ValidationInfo) -> dict[Operand, MemorySparsity]:
        formats = info.data.get("formats") or {}
        for operand in value:
            _check_held(f"sparsity for {operand}", operand, info)
            stored = formats.get(operand)
            if stored is not None and stored.compressed:
                raise ValueError(f"sparsity for {operand}, which this memory stores "
                                 f"compressed: skipping or gating compressed transfers is not "
                                 f"modelled")
        return value

    @model_validator(mode="after")
    def _granules_fit(self) -> Memory:
        for direction in ("read", "write"):
            granule = getattr(self, f"{direction}_granule_bits")
            if granule is None:
                continue
            if granule > getattr(self, f"{direction}_bandwidth"):
                raise ValueError(f"{direction}_granule_bits {granule} is wider than "
                                 f"{direction}_bandwidth, the widest access")
            if self.energy_per == "bit" or self.formats or self.sparsity:
                raise ValueError(f"{direction}_granule_bits with energy_per: bit, formats or "
                                 "sparsity is not modelled: narrow accesses are priced per "
                                 "transaction of dense data")
        return self

    def granule(self, direction: Literal["read", "write"]) -> int | None:
        """The narrowest access in ``direction`` when narrower than the bandwidth, else None
        (every access is a whole transaction)."""
        granule = getattr(self, f"{direction}_granule_bits")
        return granule if granule is not None and granule < self.bandwidth(direction) else None

    def bandwidth(self, direction: Literal["read", "write"]) -> int:
        return self.read_bandwidth if direction == "read" else self.write_bandwidth

    def energy_units(self, direction: Literal["read", "write"], transactions: float,
                     granules: float) -> float:
        """The accesses, in whole transactions, that ``direction``'s energy is charged for:
        the transactions, or with narrow accesses their granules scaled to the bandwidth."""
        granule = self.granule(direction)
        if granule is None:
            return transactions
        return granules * granule / self.bandwidth(direction)

    def sparsity_of(self, operand: Operand) -> MemorySparsity | None:
        """How this memory treats ``operand``'s ineffectual transfers to its child (None:
        dense)."""
        return self.sparsity.get(operand)

    def stored_format(self, operand: Operand) -> StoredFormat | None:
        """The compressed format ``operand`` is stored in here, or None when it is dense."""
        stored = self.formats.get(operand)
        return stored if stored is not None and stored.compressed else None


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
        return self

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
