"""One layer under one mapping (``evaluate``, ``simulate``): the counts, the accesses and energy
per memory and operand, and the figures of energy, latency and output readiness."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from ripple.report.html.cells import Cell, Path, at, num, table
from ripple.report.html.figures import breakdown_bars, figure, readiness_trace

PHASES = ("compute", "stall", "fill", "drain")


def layer_section(doc: dict[str, Any], prefix: Path = ()) -> list[str]:
    """The parts of a layer result at ``prefix`` inside its document."""
    result = at(doc, prefix)
    name = f"{result['layer']} | {result['mapping']}"
    return [
        table(f"{name}: {result['nest']}", ["quantity", "value"], summary_rows(doc, prefix)),
        table("accesses and energy (pJ) per memory and operand",
              ["memory", "operand", "reads", "writes", "final writes", "read pJ", "write pJ"],
              access_rows(doc, prefix)),
        figure("energy_breakdown", go.Figure(
            breakdown_bars(result["energy_breakdown_pj"]),
            layout={"barmode": "stack", "title": f"energy of {name} (pJ)",
                    "yaxis": {"title": "pJ"}}),
            "Energy per memory, split by operand and by read or write; the MACs' energy apart."),
        figure("latency", latency_figure(result, name),
               "Cycles by phase: compute, stalls on memory bandwidth, fill and drain.",
               height=240),
        figure("readiness", go.Figure(
            [readiness_trace(result["mapping"], result["output_readiness"]["row_ready_cycles"])],
            layout={"title": f"output readiness of {name}", "xaxis": {"title": "cycle"},
                    "yaxis": {"title": "share of output rows final", "tickformat": ".0%"}}),
            "Each step is one output row turning final (all its partial sums accumulated)."),
    ]


def summary_rows(doc: dict[str, Any], prefix: Path) -> list[list[Cell]]:
    result = at(doc, prefix)
    rows: list[list[Cell]] = [
        ["MACs issued", num(doc, (*prefix, "macs", "issued"))],
        ["MACs valid", num(doc, (*prefix, "macs", "valid"))],
        ["latency (cycles)", num(doc, (*prefix, "latency_cycles"))],
        *[[f"{phase} cycles", num(doc, (*prefix, "latency", phase))] for phase in PHASES],
        ["energy (pJ)", num(doc, (*prefix, "energy_pj"))],
        ["MAC energy (pJ)", num(doc, (*prefix, "energy_breakdown_pj", "mac"))],
    ]
    rows += [[key.replace("_", " "), num(doc, (*prefix, "output_readiness", key))]
             for key, value in result["output_readiness"].items() if not isinstance(value, list)]
    if "golden" in result:
        rows.append(["golden check", "passed" if result["golden"]["match"] else "FAILED"])
        rows.append(["max abs error", num(doc, (*prefix, "golden", "max_abs_error"))])
        rows.append(["MAC log rows", num(doc, (*prefix, "mac_log_rows"))])
    return rows


def access_rows(doc: dict[str, Any], prefix: Path) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for memory, operands in at(doc, prefix)["accesses"].items():
        for operand in operands:
            counts = (*prefix, "accesses", memory, operand)
            energy = (*prefix, "energy_breakdown_pj", memory, operand)
            rows.append([memory, operand,
                         *[num(doc, (*counts, k)) for k in ("reads", "writes", "final_writes")],
                         num(doc, (*energy, "read")), num(doc, (*energy, "write"))])
    return rows


def latency_figure(result: dict[str, Any], name: str) -> go.Figure:
    bars = [go.Bar(y=[result["mapping"]], x=[result["latency"][phase]], name=phase,
                   orientation="h") for phase in PHASES]
    return go.Figure(bars, layout={"barmode": "stack", "title": f"latency of {name}: "
                                   f"{result['latency_cycles']:,} cycles",
                                   "xaxis": {"title": "cycles"}})

