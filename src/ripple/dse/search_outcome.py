"""A search's outcome as the document ``ripple explore`` prints and writes (``--json``): per
layer the optimum (or the Pareto front) as rows shaped like the export's, so that
``--save-best``/``--save-front`` read them as they read an exhaustive run's; how much of each
space was evaluated and pruned; and the network total."""

from __future__ import annotations

from typing import Any

import numpy as np

from ripple.arch.spec import Architecture
from ripple.dse.rows import loop_strings, spatial_string
from ripple.dse.search import Found, LayerSearch
from ripple.dse.space import Sample
from ripple.workload.densities import DensityTable, PerOperand


def found_row(found: Found, layer: str, arch: Architecture) -> dict[str, Any]:
    """A found mapping as the export's identity and cost columns; an uneven one (LOMA's) also
    says which loops each operand's memories hold (``placement``: per operand, per memory,
    its loops outermost first)."""
    skeleton = found.skeleton
    order = np.array([found.order], dtype=np.int64).reshape(1, len(found.order))
    row = {"layer": layer, "index": skeleton.index, "boundary": skeleton.boundary,
           "spatial": spatial_string(skeleton), "loops": loop_strings(skeleton, arch, order)[0],
           "energy_pj": found.energy_pj, "latency_cycles": found.latency_cycles,
           "edp": found.energy_pj * found.latency_cycles}
    if found.mapping is not None and found.mapping.placement:
        row["placement"] = {op: {memory: " ".join(f"{d}{s}" for d, s in loops)
                                 for memory, loops in held.items()}
                            for op, held in found.mapping.placement.items()}
    return row


def search_document(results: list[LayerSearch], searches: int, objective: str,
                    arch: Architecture, sample: Sample | None = None,
                    notes: tuple[str, ...] = (),
                    densities: DensityTable | None = None) -> dict[str, Any]:
    """The findings of a search (``searches``: how many layers were searched, the others
    being identical to one of them; ``densities``: what its costs are expected under)."""
    per_layer = []
    total = {"energy_pj": 0.0, "latency_cycles": 0}
    for result in results:
        c = result.counts
        doc: dict[str, Any] = {
            "layer": result.layer, "evaluated": c.evaluated, "valid": c.valid,
            "search": {"skeletons": c.skeletons, "skeletons_evaluated": c.skeletons_evaluated,
                       "skeletons_pruned": 0 if c.sampled else c.skeletons_pruned,
                       "mappings": c.mappings,
                       "mappings_distinct": c.mappings if c.sampled else c.distinct,
                       "mappings_evaluated": c.evaluated,
                       "mappings_pruned": c.pruned, "loma_mappings": c.loma,
                       "explored_as": result.explored_as}}
        if objective == "pareto":
            doc["pareto_front"] = [found_row(f, result.layer, arch) for f in result.front]
        else:
            doc["best"] = (found_row(result.best, result.layer, arch)
                           if result.best is not None else None)
            if result.best is not None:
                total["energy_pj"] += result.best.energy_pj
                total["latency_cycles"] += result.best.latency_cycles
        per_layer.append(doc)
    document: dict[str, Any] = {
        "mode": "sample" if sample else "search", "export": None, "complete": True, "rows": 0,
        "objective": objective, "layers": per_layer, "searches": searches,
        "sample": {"mappings": sample[0], "seed": sample[1]} if sample else None,
        "mappings_in_space": sum(r.counts.mappings for r in results),
    }
    if objective != "pareto":
        document["total"] = total
    if notes:
        document["imported"] = list(notes)
    if densities is not None:
        document["densities"] = {"default": _densities(densities.default)}
        if densities.per_layer:
            document["densities"]["layers"] = {name: _densities(given) for name, given
                                               in densities.per_layer.items()}
    return document


def _densities(given: PerOperand) -> dict[str, float]:
    """Each operand's density (a tensor's: its share of nonzeros)."""
    return {op: float(model.density) for op, model in given.items()}
