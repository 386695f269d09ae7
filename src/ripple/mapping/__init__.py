"""Mapping specifications and the loop nest bound to a layer and an architecture."""

from pathlib import Path

from ripple.mapping.nest import Loop, LoopNest, bind
from ripple.mapping.spec import Mapping
from ripple.specio import load_spec


def load_mapping(path: str | Path) -> Mapping:
    """Read a Ripple mapping YAML file."""
    return load_spec(Mapping, path)


__all__ = ["Loop", "LoopNest", "Mapping", "bind", "load_mapping"]
