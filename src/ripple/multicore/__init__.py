"""Multi-core scheduling (SPEC section 8): layers split over cores, tiles scheduled as an event
simulation over contended links and off-chip memory, in layer-by-layer, fused and event-driven
modes. Per-tile costs come from the single-core model."""

from ripple.multicore.partition import PartitionSpec, load_partition
from ripple.multicore.result import MulticoreResult
from ripple.multicore.run import run_multicore
from ripple.multicore.spec import Multicore, load_multicore, multicore_from_data
from ripple.multicore.tiles import MODES

__all__ = [
    "MODES",
    "Multicore",
    "MulticoreResult",
    "PartitionSpec",
    "load_multicore",
    "load_partition",
    "multicore_from_data",
    "run_multicore",
]
