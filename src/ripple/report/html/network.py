"""Networks under dataflows (``evaluate --dataflow``, ``compare``, ``compare --density``): one
row per layer and dataflow with the totals, the latency and energy per layer, the energy per
memory and operand, and each layer's output readiness under every dataflow."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from ripple.report.html.cells import Cell, Path, at, num, table
from ripple.report.html.figures import figure, readiness_trace

COLUMNS = ["layer", "dataflow", "cycles", "compute", "stall", "fill", "drain", "energy pJ",
           "MACs issued", "MACs valid", "peak live psums"]


def networks_section(doc: Any, networks: list[Path], tag: str = "") -> list[str]:
    """The parts for the network results at ``networks`` (paths inside ``doc``) side by side;
    ``tag`` tells apart the figures of several such groups in one document."""
    nets = [at(doc, p) for p in networks]
    rows: list[list[Cell]] = []
    for net, path in zip(nets, networks, strict=True):
        rows += [_row(doc, (*path, "layers", i), layer["layer"], net["dataflow"])
                 for i, layer in enumerate(net["layers"])]
    rows += [_row(doc, (*path, "total"), "total", net["dataflow"])
             for net, path in zip(nets, networks, strict=True)]
    title = f"{tag} {nets[0]['workload']}: ".lstrip() + ", ".join(n["dataflow"] for n in nets)
    parts = [table(title, COLUMNS, rows)]
    unmapped = [[net["dataflow"], u["layer"], u["reason"]] for net in nets for u in net["unmapped"]]
    if unmapped:
        parts.append(table("layers a dataflow cannot map", ["dataflow", "layer", "reason"],
                           unmapped))
    parts += [
        figure(_named(tag, "latency"),
               _per_layer(nets, "latency_cycles", "latency per layer (cycles)"),
               "Total cycles of each layer under each dataflow."),
        figure(_named(tag, "energy"), _per_layer(nets, "energy_pj", "energy per layer (pJ)"),
               "Energy of each layer under each dataflow."),
        figure(_named(tag, "energy_breakdown"), _breakdown(nets),
               "Whole-network energy per memory (and the MACs), one bar per dataflow."),
    ]
    parts.append(figure(_named(tag, "readiness"), _readiness(nets),
                        "Each step is one output row turning final, per dataflow; the menu "
                        "chooses the layer (one figure for all: a page of a hundred figures "
                        "would open slowly).", height=380))
    return parts


def _readiness(nets: list[dict[str, Any]]) -> go.Figure:
    """Every layer's readiness under every dataflow, one layer shown at a time."""
    names = list(dict.fromkeys(layer["layer"] for net in nets for layer in net["layers"]))
    traces = [readiness_trace(net["dataflow"], layer["output_readiness"]["row_ready_cycles"],
                              layer=layer["layer"], visible=layer["layer"] == names[0])
              for name in names for net in nets for layer in net["layers"]
              if layer["layer"] == name]
    buttons = [{"label": name, "method": "update",
                "args": [{"visible": [t.meta == name for t in traces]},
                         {"title": f"output readiness of {name}"}]} for name in names]
    return go.Figure(traces, layout={
        "title": f"output readiness of {names[0]}" if names else "output readiness",
        "xaxis": {"title": "cycle"},
        "yaxis": {"title": "share of output rows final", "tickformat": ".0%"},
        "updatemenus": [{"buttons": buttons, "x": 1.0, "xanchor": "right", "y": 1.18,
                         "yanchor": "top"}] if len(names) > 1 else []})


def _named(tag: str, figure_name: str) -> str:
    return f"{tag}_{figure_name}" if tag else figure_name


def _row(doc: Any, path: Path, layer: str, dataflow: str) -> list[Cell]:
    result = at(doc, path)
    peak = ("output_readiness", "peak_live_psums") if "output_readiness" in result \
        else ("peak_live_psums",)
    return [layer, dataflow, num(doc, (*path, "latency_cycles")),
            *[num(doc, (*path, "latency", p)) for p in ("compute", "stall", "fill", "drain")],
            num(doc, (*path, "energy_pj")), num(doc, (*path, "macs", "issued")),
            num(doc, (*path, "macs", "valid")), num(doc, (*path, *peak))]


def _per_layer(nets: list[dict[str, Any]], key: str, title: str) -> go.Figure:
    bars = [go.Bar(x=[layer["layer"] for layer in net["layers"]],
                   y=[layer[key] for layer in net["layers"]], name=net["dataflow"])
            for net in nets]
    return go.Figure(bars, layout={"barmode": "group", "title": title})


def _breakdown(nets: list[dict[str, Any]]) -> go.Figure:
    """Per memory, one bar per dataflow: the memory's total (its operands stacked as well would
    be unreadable across five dataflows; the layer report splits them)."""
    bars = []
    for net in nets:
        breakdown = net["total"]["energy_breakdown_pj"]
        totals = {"MACs": breakdown.get("mac", 0.0)}
        totals |= {memory: sum(e["read"] + e["write"] for e in operands.values())
                   for memory, operands in breakdown.items() if memory != "mac"}
        bars.append(go.Bar(x=list(totals), y=list(totals.values()), name=net["dataflow"]))
    return go.Figure(bars, layout={"barmode": "group", "yaxis": {"title": "pJ"},
                                   "title": "whole-network energy per memory (pJ)"})

