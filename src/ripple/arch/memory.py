"""One memory of the hierarchy (or register file): what it holds, its ports, bandwidths, energies
and per-memory conventions. The hierarchy that arranges memories in levels is
:mod:`ripple.arch.spec`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ripple.arch.conventions import FillStyle, FirstRead, Multicast, SplitFill
from ripple.arch.sparsity_spec import MemorySparsity, StoredFormat
from ripple.bounds import Area, Bits, Energy
from ripple.workload.layer import Operand, StrictModel


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
