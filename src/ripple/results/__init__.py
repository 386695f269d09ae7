"""Result objects shared by the analytical model and the reference simulator."""

from ripple.results.network import NetworkResult
from ripple.results.result import (
    Latency,
    LayerResult,
    OperandAccess,
    empty_accesses,
    peak_live,
)

__all__ = [
    "Latency",
    "LayerResult",
    "NetworkResult",
    "OperandAccess",
    "empty_accesses",
    "peak_live",
]
