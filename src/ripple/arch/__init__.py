"""Architecture specifications: MAC array, memory levels, and their loader."""

from pathlib import Path

from ripple.arch.sparsity_spec import MacSparsity, MemorySparsity, StoredFormat
from ripple.arch.spec import Architecture, Level, MacUnit, Memory
from ripple.arch.zigzag_import import import_zigzag_architecture
from ripple.specio import read_peer_yaml, read_yaml, validate

#: Top-level keys that make a file a ZigZag accelerator rather than a Ripple architecture.
ZIGZAG_KEYS = frozenset({"operational_array", "memories"})


def is_zigzag_accelerator(path: str | Path) -> bool:
    """Whether ``path`` holds a ZigZag accelerator (its ``operational_array`` or
    ``memories``, and no Ripple ``levels``) rather than a Ripple architecture. One of the two
    keys is enough, so that a misspelt other is reported as ZigZag's field."""
    data, _ = read_peer_yaml(path, "ZigZag")
    return isinstance(data, dict) and bool(data.keys() & ZIGZAG_KEYS) and "levels" not in data


def load_architecture(path: str | Path) -> Architecture:
    """Read an architecture file: Ripple's YAML, or a ZigZag accelerator (recognised by its
    ``operational_array`` and ``memories``), converted as ``ripple convert --from zigzag``
    does (docs/zigzag.md)."""
    if is_zigzag_accelerator(path):
        return import_zigzag_architecture(path).value
    return validate(Architecture, read_yaml(path), str(path))


__all__ = ["Architecture", "Level", "MacSparsity", "MacUnit", "Memory", "MemorySparsity",
           "StoredFormat", "is_zigzag_accelerator", "load_architecture"]
