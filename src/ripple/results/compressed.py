"""A result whose memories store some operands compressed (docs/sparsity.md, "Compressed
formats").

A format changes only the transfer sides at its memory: their transactions and bits. The model
(expected values) and the simulator (exact encodings of the real tiles) each find, per (memory,
operand) with a format, those sides' dense counts and their compressed counts; both apply them
to their result with this one function. Latency, port loads, capacity and everything else keep
the dense values.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ripple.results.result import LayerResult, OperandAccess

MemoryOperand = tuple[str, str]


@dataclass
class CodedSides:
    """The transfer sides at one memory for one operand stored compressed: what they move as
    dense words, and what they move compressed (data words and metadata, transactions as
    bits over the port's width)."""

    dense: OperandAccess = dataclasses.field(default_factory=OperandAccess)
    coded: OperandAccess = dataclasses.field(default_factory=OperandAccess)

    def add(self, other: CodedSides) -> None:
        self.dense.add(other.dense)
        self.coded.add(other.coded)


def with_formats(result: LayerResult, sides: dict[MemoryOperand, CodedSides]) -> LayerResult:
    """``result`` with the sides of ``sides`` counted compressed; ``extras["formats"]`` tells,
    per memory and operand, the format and the bits moved dense and compressed."""
    if not sides:
        return result
    accesses = {name: dict(per_operand) for name, per_operand in result.accesses.items()}
    report: dict[str, dict] = {}
    for (name, op), coded in sides.items():
        accesses[name][op] = accesses[name][op].swapped(  # type: ignore[index]
            coded.dense, coded.coded)
        stored = result.arch.memory(name).formats[op]  # type: ignore[index]
        report.setdefault(name, {})[op] = {
            **stored.model_dump(exclude_none=True),
            "dense_bits": coded.dense.read_bits + coded.dense.write_bits,
            "bits": coded.coded.read_bits + coded.coded.write_bits,
        }
    return dataclasses.replace(result, accesses=accesses,
                               extras={**result.extras, "formats": report})
