"""Result objects shared by the analytical model and the reference simulator."""

from ripple.results.compressed import CodedSides, with_formats
from ripple.results.memory_sparse import IneffectualSides, with_memory_sparsity
from ripple.results.network import Comparison, NetworkResult, Unmapped
from ripple.results.result import (
    Latency,
    LayerResult,
    OperandAccess,
    empty_accesses,
    peak_live,
)
from ripple.results.sparse import SparseCounts, with_sparsity

__all__ = [
    "CodedSides",
    "Comparison",
    "IneffectualSides",
    "Latency",
    "LayerResult",
    "NetworkResult",
    "OperandAccess",
    "SparseCounts",
    "Unmapped",
    "empty_accesses",
    "peak_live",
    "with_formats",
    "with_memory_sparsity",
    "with_sparsity",
]
