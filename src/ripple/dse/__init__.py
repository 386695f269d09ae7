"""Design-space exploration: dataflow presets, loop allocation (mapspace search to come)."""

from ripple.dse.presets import ALIASES, PRESETS, preset_mapping, resolve

__all__ = ["ALIASES", "PRESETS", "preset_mapping", "resolve"]
