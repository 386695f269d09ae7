"""Architecture specifications: MAC array, memory levels, and their loader."""

from pathlib import Path

from ripple.arch.spec import (
    Architecture,
    Level,
    MacSparsity,
    MacUnit,
    Memory,
    MemorySparsity,
    StoredFormat,
)
from ripple.specio import load_spec


def load_architecture(path: str | Path) -> Architecture:
    """Read a Ripple architecture YAML file."""
    return load_spec(Architecture, path)


__all__ = ["Architecture", "Level", "MacSparsity", "MacUnit", "Memory", "MemorySparsity",
           "StoredFormat", "load_architecture"]
