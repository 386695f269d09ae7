"""A mapping as the loop nest it stands for, to read (``ripple mapping show``)."""

from __future__ import annotations

from ripple.mapping.spec import Mapping

INDENT = "  "


def loop_nest_text(mapping: Mapping) -> str:
    """The nest, outermost loop first: each level's temporal loops (``for K in 0..3``), then the
    spatial unrolling (``parallel for``), then the MAC. An operand a level does not store
    (``bypass``) or cuts elsewhere (``placement``) is said at the end."""
    index = mapping.index or _inferred_index(mapping)
    lines = [f"mapping {mapping.name}: {index}-indexed nest"
             + (f", boundary {mapping.boundary}" if index == "input" else "")
             + (", padding taps skipped" if mapping.skip_padding else "")]
    depth = 0
    for level, loops in mapping.temporal.items():
        lines.append(f"{INDENT * depth}# {level}")
        for dim, size in loops:
            lines.append(f"{INDENT * depth}for {dim} in 0..{size - 1}:")
            depth += 1
    for array_dim, loops in mapping.spatial.items():
        for dim, size in loops:
            lines.append(f"{INDENT * depth}parallel for {dim} in 0..{size - 1}:  "
                         f"# over array dimension {array_dim}")
            depth += 1
    lines.append(f"{INDENT * depth}MAC")
    for where, operands in mapping.bypass.items():
        lines.append(f"bypass: {where} does not store {', '.join(operands)}")
    for operand, held in mapping.placement.items():
        cuts = "; ".join(f"{where}: " + " ".join(f"{d}{s}" for d, s in loops)
                         for where, loops in held.items())
        lines.append(f"placement of {operand}: {cuts}")
    return "\n".join(lines)


def _inferred_index(mapping: Mapping) -> str:
    dims = {dim for loops in (*mapping.spatial.values(), *mapping.temporal.values())
            for dim, _ in loops}
    return "input" if dims & {"IY", "IX"} else "output"
