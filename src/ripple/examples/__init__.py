"""Built-in examples shipped with the package (the seed case of SPEC section 4)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

SEED_MAPPINGS = ("weight_stationary", "input_scatter", "event_driven")


def example_path(*parts: str) -> Path:
    """Path of a file under the installed ``ripple/examples`` folder."""
    return Path(str(files("ripple.examples").joinpath(*parts)))
