"""An explored mapping written back as a mapping file (``explore --save-best/--save-front``).

The export keeps each mapping as text: the nest kind, the boundary, the unrolling
(``K8@D1 C4@D2``) and the loops per level, outermost first (``dram: K2 C6 | glb: OY10``); an
uneven mapping (LOMA's, found by a search) also each operand's memories' loops. Parsed back they
are exactly the mapping the explorer evaluated, so ``ripple evaluate`` on the file gives the
explorer's figures.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ripple.errors import RippleInputError
from ripple.mapping.spec import Mapping
from ripple.report.json_out import write_text
from ripple.viz.filenames import safe_stem

_LOOP = re.compile(r"(OY|OX|IY|IX|FY|FX|N|G|K|C)(\d+)")
_UNROLLED = re.compile(r"(OY|OX|IY|IX|FY|FX|N|G|K|C)(\d+)@(.+)")


def mapping_of_row(row: dict[str, Any], name: str) -> Mapping:
    """The mapping an export row describes."""
    spatial: dict[str, list[tuple[str, int]]] = {}
    for token in (row["spatial"] or "").split():
        dim, size, array_dim = _parts(_UNROLLED, token, row)
        spatial.setdefault(array_dim, []).append((dim, int(size)))
    temporal: dict[str, list[tuple[str, int]]] = {}
    for level in (row["loops"] or "").split(" | "):
        if level:
            level_name, loops = level.split(": ", 1)
            temporal[level_name] = [(dim, int(size)) for dim, size in
                                    (_parts(_LOOP, token, row)[:2] for token in loops.split())]
    placement = {op: {memory: [(dim, int(size)) for dim, size in
                               (_parts(_LOOP, token, row)[:2] for token in loops.split())]
                      for memory, loops in held.items()}
                 for op, held in (row.get("placement") or {}).items()}
    return Mapping(name=name, index=row["index"], boundary=row.get("boundary") or "filter",
                   spatial=spatial, temporal=temporal, placement=placement)


def _parts(pattern: re.Pattern[str], token: str, row: dict[str, Any]) -> tuple[str, ...]:
    match = pattern.fullmatch(token)
    if match is None:  # an export not written by this version of Ripple
        raise RippleInputError(f"cannot read the loop {token!r} of row {row.get('row')} of "
                               f"task {row.get('task')}", field="loops")
    return match.groups()


def mapping_yaml(mapping: Mapping, comment: str) -> str:
    """The mapping file's text: a comment saying where it comes from, then the fields a mapping
    file gives (loops as ``[DIM, size]`` pairs, one level a line)."""
    document = mapping.model_dump(mode="json", include={"name", "index", "boundary"})
    lines = [f"# {line}" for line in comment.splitlines()]
    lines.append(yaml.safe_dump(document, sort_keys=False).rstrip())
    for field in ("spatial", "temporal"):
        loops = getattr(mapping, field)
        lines.append(f"{field}:" + ("" if loops else " {}"))
        lines += [f"  {key}: " + yaml.safe_dump([list(loop) for loop in value],
                                                 default_flow_style=True).strip()
                  for key, value in loops.items()]
    if mapping.placement:  # an uneven mapping: each operand's memories, one a line
        lines.append("placement:")
        for operand, held in mapping.placement.items():
            lines.append(f"  {operand}:")
            lines += [f"    {memory}: " + yaml.safe_dump([list(loop) for loop in loops],
                                                         default_flow_style=True).strip()
                      for memory, loops in held.items()]
    return "\n".join(lines)


def save_mappings(document: dict[str, Any], folder: str | Path, *, front: bool,
                  command: str) -> list[Path]:
    """Write each layer's optimum (``best_LAYER.yaml``) or each point of its Pareto front
    (``front_LAYER_I.yaml``) into ``folder``; returns the files written."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise RippleInputError("exists and is not a folder", source=str(folder))
    written = []
    for layer in document["layers"]:
        rows = layer.get("pareto_front", []) if front else [layer.get("best")]
        stem = safe_stem(layer["layer"])
        for point, row in enumerate(rows):
            if not row:
                continue
            kind = f"front_{stem}_{point}" if front else f"best_{stem}"
            mapping = mapping_of_row(row, kind)
            what = f"Pareto point {point}" if front else f"{document['objective']} optimum"
            comment = (f"layer {layer['layer']}: {row['energy_pj']!r} pJ, "
                       f"{row['latency_cycles']} cycles ({what})\nwritten by: {command}")
            path = folder / f"{kind}.yaml"
            write_text(mapping_yaml(mapping, comment), str(path))
            written.append(path)
    return written
