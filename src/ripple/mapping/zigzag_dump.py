"""ZigZag's choice for one layer, read from what ZigZag dumps (``<layer>_complete.json`` in its
``dump_folder``), as an entry of a ZigZag mapping file: the unrolling it was asked for and the
temporal loops its mapper ordered, innermost first. Evaluated with ``ripple evaluate
--zigzag``, the entry counts the very mapping whose energy ZigZag reported.

ZigZag writes a loop left over by an unrolling that does not divide its dimension with a
fractional size (``(OX, 3.5)``: 7 columns over a 2-wide unrolling); Ripple runs it as the next
whole number of steps, the last one clipped (docs/zigzag.md).
"""

from __future__ import annotations

import math
import re
from typing import Any

LOOP = re.compile(r"^\((\w+), ([0-9.]+)\)$")


def chosen_mapping(dump: dict[str, Any], name: str = "default") -> dict[str, Any]:
    """The mapping-file entry (named ``name``) of ZigZag's choice in ``dump``."""
    layer = dump["inputs"]["layer"]
    ordering = []
    for level in dump["inputs"]["temporal_mapping"]["O"]:
        for loop in level:
            found = LOOP.match(loop)
            if found is None:
                raise ValueError(f"temporal_mapping: {loop!r} is not a loop '(DIM, size)'")
            ordering.append([found.group(1), math.ceil(float(found.group(2)))])
    spatial = {dim: [f"{d}, {size}" for d, size in loops.items()]
               for dim, loops in layer["user_spatial_mapping"].items()}
    return {"name": name, "spatial_mapping": spatial, "temporal_ordering": ordering,
            "memory_operand_links": layer["memory_operand_links"]}
