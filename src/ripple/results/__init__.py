"""Result objects shared by the analytical model and the reference simulator."""

from ripple.results.result import (
    LayerResult,
    Latency,
    OperandAccess,
    empty_accesses,
    peak_live,
)

__all__ = ["LayerResult", "Latency", "OperandAccess", "empty_accesses", "peak_live"]
