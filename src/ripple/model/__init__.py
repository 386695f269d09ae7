"""The analytical model: exact counts from per-factor closed forms, no MAC enumeration,
vectorised over batches of loop orders."""

from ripple.model.batch import BatchColumns, SkeletonBatch
from ripple.model.evaluate import evaluate
from ripple.model.macs import mac_counts

__all__ = ["BatchColumns", "SkeletonBatch", "evaluate", "mac_counts"]
