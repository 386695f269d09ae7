"""The analytical model: exact counts from per-factor closed forms, no MAC enumeration."""

from ripple.model.evaluate import evaluate, mac_counts

__all__ = ["evaluate", "mac_counts"]
