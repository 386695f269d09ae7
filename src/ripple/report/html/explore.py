"""An exploration (``explore``): per layer its optimum (or Pareto front), the report of what
one objective's optimum loses against another's, and the mapspace drawn from the export; or a
search's optima and what its bounds pruned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go

from ripple.errors import RippleInputError
from ripple.report.html.cells import Cell, at, num, table
from ripple.report.html.figures import figure
from ripple.report.html.mapspace import BINS, SAMPLE, MapspaceView, Points, mapspace_view

ROW_HEADERS = ["energy pJ", "latency cycles", "EDP", "index", "loops", "spatial"]


def explore_section(doc: dict[str, Any], source: str, base: Path) -> list[str]:
    """The parts of an exploration document; ``source`` names it in errors and ``base`` is
    the folder a relative export path may be found from (the JSON's)."""
    export = _export(doc, source, base)
    parts = [table(f"{doc['rows']:,} mappings in {doc['export']} "
                   f"({'complete' if doc['complete'] else 'interrupted'}), objective "
                   f"{doc['objective']}", ["quantity", "value"],
                   [["rows", num(doc, ("rows",))],
                    *[[f"total {k}", num(doc, ("total", k))] for k in doc.get("total", {})]])]
    for i, layer in enumerate(doc["layers"]):
        where = ("layers", i)
        parts.append(table(f"{layer['layer']}: mappings", ["evaluated", "valid"],
                           [[num(doc, (*where, "evaluated")), num(doc, (*where, "valid"))]]))
        parts.extend(_chosen(doc, where))
        if "report" in layer:
            parts.append(_report_table(doc, where))
        parts.append(_scatter(layer, mapspace_view(export, layer["layer"]), doc["rows"]))
    return parts


def search_section(doc: dict[str, Any]) -> list[str]:
    """A search's parts (``explore`` without ``--export``): the totals, and per layer what was
    evaluated and what the bounds pruned, and the optimum (or front) found; no mapspace, which
    only an export holds."""
    what = (f"a sample of {doc['sample']['mappings']:,} mappings per layer"
            if doc.get("sample") else "the whole space, pruned by exact floors")
    parts = [table(f"search of {what}, objective {doc['objective']}: {len(doc['layers'])} "
                   f"layer(s), {doc['searches']} searched", ["quantity", "value"],
                   [["mappings in the space", num(doc, ("mappings_in_space",))],
                    *[[f"total {k}", num(doc, ("total", k))] for k in doc.get("total", {})]])]
    keys = ("mappings", "mappings_evaluated", "mappings_pruned", "skeletons",
            "skeletons_pruned")
    for i, layer in enumerate(doc["layers"]):
        where = ("layers", i)
        parts.append(table(f"{layer['layer']}: search", [k.replace("_", " ") for k in keys],
                           [[num(doc, (*where, "search", k)) for k in keys]]))
        parts.extend(_chosen(doc, where))
    return parts


def _chosen(doc: dict[str, Any], where: tuple) -> list[str]:
    """The table of a layer's best mapping, Pareto points and per-objective optima, if any."""
    layer: Any = at(doc, where)
    chosen = [("best", (*where, "best"))] if layer.get("best") else []
    chosen += [(f"Pareto point {j + 1}", (*where, "pareto_front", j))
               for j in range(len(layer.get("pareto_front") or []))]
    optima = layer.get("report", {}).get("optima", {})
    chosen += [(f"{name} optimum", (*where, "report", "optima", name))
               for name, row in optima.items() if row]
    if not chosen:
        return []
    return [table(f"{layer['layer']}: chosen mappings", ["which", *ROW_HEADERS],
                  [[label, *_mapping_row(doc, path)] for label, path in chosen])]


def _mapping_row(doc: dict[str, Any], path: tuple) -> list[Cell]:
    row: Any = at(doc, path)
    return [num(doc, (*path, "energy_pj")), num(doc, (*path, "latency_cycles")),
            num(doc, (*path, "edp"), 0), row["index"], row["loops"], row["spatial"]]


def _report_table(doc: dict[str, Any], where: tuple) -> str:
    report = doc["layers"][where[1]]["report"]
    rows: list[list[Cell]] = [
        [f"mappings within {share} of the {name} optimum",
         num(doc, (*where, "report", "within_of_optimum", name, share))]
        for name, shares in report["within_of_optimum"].items() for share in shares]
    rows += [[key.replace("_", " ").replace(" pct", " (%)"), num(doc, (*where, "report", key))]
             for key in ("latency_optimum_energy_loss_pct", "energy_optimum_latency_loss_pct")]
    return table(f"{doc['layers'][where[1]]['layer']}: what one optimum loses against another",
                 ["quantity", "value"], rows)


def _scatter(layer: dict[str, Any], view: MapspaceView, rows: int) -> str:
    counts = view.counts.astype(np.float64)
    shown = np.where(counts > 0, np.log10(np.maximum(counts, 1)), np.nan)
    centres = [(edges[:-1] + edges[1:]) / 2 for edges in (view.latency_edges, view.energy_edges)]
    traces: list[go.BaseTraceType] = [go.Heatmap(
        x=centres[0], y=centres[1], z=shown, customdata=view.counts, colorscale="Blues",
        name="density", colorbar={"title": "log10 mappings"},
        hovertemplate="latency ≈ %{x:,.0f} cycles<br>energy ≈ %{y:,.0f} pJ<br>"
                      "%{customdata:,} mappings<extra>density</extra>")]
    traces.append(_points(view.sample, f"sample ({len(view.sample.mappings):,})",
                          {"size": 3, "color": "rgba(60,60,60,0.35)"}, "markers"))
    traces.append(_points(view.front, f"Pareto front ({len(view.front.mappings):,})",
                          {"size": 8, "color": "crimson"}, "lines+markers"))
    caption = (f"{layer['layer']}: all {view.valid:,} valid mappings (of {rows:,} rows in the "
               f"export) binned in a {BINS}x{BINS} grid of latency and energy (colour: mappings "
               f"per cell, log scale); drawn one by one are the whole Pareto front "
               f"({_mappings(len(view.front.mappings))}, red) and a uniform random sample of "
               f"{len(view.sample.mappings):,} others (at most {SAMPLE:,}, grey). Hover a point "
               "for its mapping.")
    fig = go.Figure(traces, layout={"title": f"mapspace of {layer['layer']}",
                                    "xaxis": {"title": "latency (cycles)"},
                                    "yaxis": {"title": "energy (pJ)"}, "hovermode": "closest",
                                    "legend": {"orientation": "h", "y": -0.2}})
    return figure(f"mapspace_{layer['layer']}", fig, caption, height=520)


def _mappings(count: int) -> str:
    return f"{count:,} mapping{'' if count == 1 else 's'}"


def _points(points: Points, name: str, marker: dict[str, Any], mode: str) -> go.Scatter:
    return go.Scatter(x=points.latency_cycles, y=points.energy_pj, mode=mode, name=name,
                      marker=marker, text=points.mappings,
                      hovertemplate="%{text}<br>latency %{x:,} cycles<br>energy %{y:,.2f} pJ"
                                    f"<extra>{name}</extra>")


def _export(doc: dict[str, Any], source: str, base: Path) -> Path:
    given = Path(doc["export"])
    for candidate in (given, base / given):
        if candidate.exists():
            return candidate
    raise RippleInputError(f"the export {given} is not there (looked from here and from the "
                           "JSON's folder); the mapspace is drawn from it", source=source,
                           field="export")
