"""The sparsity settings of an architecture: how a memory stores an operand (compressed
formats), what a memory does with transfers that serve only ineffectual MACs, and what the MACs
do with a zero operand (docs/sparsity.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ripple.sparse import formats as fmt
from ripple.workload.layer import StrictModel

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
