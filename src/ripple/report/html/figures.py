"""Plotly figures as parts of the page: a ``<figure>`` naming what it draws, the plot and a
caption. plotly.js itself is inlined once by :mod:`ripple.report.html.page`."""

from __future__ import annotations

import itertools
from html import escape

import plotly.graph_objects as go
import plotly.io as pio

_ids = itertools.count()
CONFIG = {"displaylogo": False, "responsive": True}


def figure(name: str, fig: go.Figure, caption: str, height: int = 420) -> str:
    """``fig`` drawn in place, as ``<figure data-figure=name>`` with ``caption`` under it."""
    fig.update_layout(height=height, margin={"l": 70, "r": 20, "t": 50, "b": 60},
                      template="plotly_white")
    plot = pio.to_html(fig, include_plotlyjs=False, full_html=False, config=CONFIG,
                       div_id=f"fig-{next(_ids)}", default_width="100%",
                       default_height=f"{height}px")
    return (f'<figure class="ripple-figure" data-figure="{escape(name)}">{plot}'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def readiness_trace(name: str, row_ready_cycles: list[int], layer: str | None = None,
                    visible: bool = True) -> go.Scatter:
    """The share of output rows final against the cycle, as a step line (``layer``, kept as
    the trace's ``meta``, says whose when one figure holds several layers)."""
    cycles = sorted(row_ready_cycles)
    share = [(i + 1) / len(cycles) for i in range(len(cycles))]
    return go.Scatter(x=[0, *cycles], y=[0, *share], mode="lines+markers", name=name,
                      line={"shape": "hv"}, meta=layer, visible=visible,
                      hovertemplate="cycle %{x:,}<br>%{y:.1%} of rows final<extra>"
                                    + escape(name) + "</extra>")


def breakdown_bars(breakdown: dict, name: str | None = None) -> list[go.Bar]:
    """One stacked bar per memory (and one for the MACs): its read and write energy per
    operand, in pJ, from an ``energy_breakdown_pj`` document."""
    bars = []
    if "mac" in breakdown:
        bars.append(go.Bar(x=["MACs"], y=[breakdown["mac"]], name="MAC"))
    segments: dict[str, tuple[list[str], list[float]]] = {}
    for memory, operands in breakdown.items():
        if memory == "mac":
            continue
        for operand, energy in operands.items():
            for kind in ("read", "write"):
                xs, ys = segments.setdefault(f"{operand} {kind}", ([], []))
                xs.append(memory)
                ys.append(energy[kind])
    bars += [go.Bar(x=xs, y=ys, name=label) for label, (xs, ys) in segments.items()]
    return bars
