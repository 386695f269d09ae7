"""Which loop dimensions index which operand (SPEC section 3)."""

from __future__ import annotations

from ripple.workload.layer import IndexKind, Operand

_RELEVANT: dict[IndexKind, dict[Operand, frozenset[str]]] = {
    "output": {
        "I": frozenset({"N", "G", "C", "OY", "OX", "FY", "FX"}),
        "W": frozenset({"G", "K", "C", "FY", "FX"}),
        "O": frozenset({"N", "G", "K", "OY", "OX"}),
    },
    "input": {
        "I": frozenset({"N", "G", "C", "IY", "IX"}),
        "W": frozenset({"G", "K", "C", "FY", "FX"}),
        "O": frozenset({"N", "G", "K", "IY", "IX", "FY", "FX"}),
    },
}

#: Dimensions along which a memory holding outputs may be replicated without splitting an output.
OUTPUT_PARALLEL_DIMS = frozenset({"N", "G", "K", "OY", "OX"})


def is_relevant(index: IndexKind, operand: Operand, dim: str) -> bool:
    return dim in _RELEVANT[index][operand]
