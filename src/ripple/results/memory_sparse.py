"""A result whose memories skip or gate transfers that serve only ineffectual MACs
(docs/sparsity.md, "Gating and skipping at a memory").

Memory-level sparsity changes only the transfer sides of the links it is set on: a skipped
transfer is not made at either side, a gated one is made at the memories' gated energies. The
model (expected values) and the simulator (exact counts on real tensors) each find, per
(memory, operand), the dense counts of the sides that serve no effectual MAC, split by action;
both apply them to their result with this one function. Latency, port loads, readiness and the
MACs keep their values: the schedule is kept.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ripple.results.result import LayerResult, OperandAccess

MemoryOperand = tuple[str, str]


@dataclass
class IneffectualSides:
    """The transfer sides at one memory for one operand that serve only ineffectual MACs,
    under ``skip`` (removed) and under ``gate`` (made at the gated energy)."""

    skipped: OperandAccess = dataclasses.field(default_factory=OperandAccess)
    gated: OperandAccess = dataclasses.field(default_factory=OperandAccess)

    def book(self, action: str, part: OperandAccess) -> None:
        (self.skipped if action == "skip" else self.gated).add(part)

    def add(self, other: IneffectualSides) -> None:
        self.skipped.add(other.skipped)
        self.gated.add(other.gated)


def with_memory_sparsity(result: LayerResult, sides: dict[MemoryOperand, IneffectualSides]
                         ) -> LayerResult:
    """``result`` without its skipped sides and with its gated ones marked ``gated_*``;
    ``extras["memory_sparsity"]`` tells, per memory and operand, the transactions skipped and
    gated."""
    if not sides:
        return result
    accesses = {name: dict(per_operand) for name, per_operand in result.accesses.items()}
    report: dict[str, dict] = {}
    for (name, op), part in sides.items():
        acc = accesses[name][op].swapped(part.skipped, OperandAccess())  # type: ignore[index]
        acc.gated_reads += part.gated.reads
        acc.gated_writes += part.gated.writes
        acc.gated_read_bits += part.gated.read_bits
        acc.gated_write_bits += part.gated.write_bits
        accesses[name][op] = acc  # type: ignore[index]
        report.setdefault(name, {})[op] = {
            "skipped": {"reads": part.skipped.reads, "writes": part.skipped.writes},
            "gated": {"reads": part.gated.reads, "writes": part.gated.writes},
        }
    return dataclasses.replace(result, accesses=accesses,
                               extras={**result.extras, "memory_sparsity": report})
