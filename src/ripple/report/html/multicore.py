"""A multi-core schedule (``multicore``): totals, cores, links and layers, the energy
breakdown, and the Gantt chart of tiles on cores and transfers on links."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.colors import qualitative

from ripple.report.html.cells import Cell, at, num, table
from ripple.report.html.figures import figure

CORE_KEYS = ("npes", "tiles", "macs", "busy_cycles", "post_busy_cycles", "utilisation",
             "mac_utilisation", "energy_pj", "peak_buffer_bits", "capacity_bits")
LINK_KEYS = ("bandwidth", "busy_cycles", "bits", "energy_pj")
LAYER_KEYS = ("tiles", "macs", "start", "end")
#: the layers' colours: Plotly's 26-colour alphabet without its greys (the transfers' colours)
NODE_COLOURS = [c for c in qualitative.Alphabet
                if max(bytes.fromhex(c[1:])) - min(bytes.fromhex(c[1:])) > 32]
#: transfers in greys and black, apart from the layers' colours
TRANSFER_COLOURS = {"weights": "#4d4d4d", "input": "#a6a6a6", "activations": "#7a7a7a",
                    "output": "#000000"}


def multicore_section(doc: dict[str, Any]) -> list[str]:
    title = (f"{doc['workload']} on {doc['machine']}: {doc['mode']} mode, {doc['dataflow']} "
             "tiles")
    totals: list[list[Cell]] = [
        ["latency (cycles)", num(doc, ("latency_cycles",))], ["MACs", num(doc, ("macs",))],
        ["energy (pJ)", num(doc, ("energy_pj",))],
        *[[f"{part.replace('_', ' ')} (pJ)", num(doc, ("energy_breakdown_pj", part))]
          for part in doc["energy_breakdown_pj"]]]
    return [
        table(title, ["quantity", "value"], totals),
        table("cores", ["core", "architecture", *[k.replace("_", " ") for k in CORE_KEYS]],
              [[core["name"], core["architecture"], *_values(doc, ("cores", i), CORE_KEYS, 4)]
               for i, core in enumerate(doc["cores"])]),
        table("links and off-chip ports", ["link", *[k.replace("_", " ") for k in LINK_KEYS]],
              [[link["name"], *_values(doc, ("links", i), LINK_KEYS, 2)]
               for i, link in enumerate(doc["links"])]),
        table("layers", ["layer", "split", *LAYER_KEYS],
              [[layer["name"], layer["split"], *_values(doc, ("layers", i), LAYER_KEYS, 2)]
               for i, layer in enumerate(doc["layers"])]),
        figure("energy_breakdown", go.Figure(
            [go.Bar(x=list(doc["energy_breakdown_pj"]), y=list(doc["energy_breakdown_pj"]
                                                                 .values()))],
            layout={"title": "energy by part (pJ)", "yaxis": {"title": "pJ"}}),
            "Energy of the MACs, the cores' memories, the links and the off-chip memory."),
        figure("gantt", gantt(doc), "Tiles per core (a colour per layer; MAC-free operations "
               "thin), and below the transfers per link or port (a colour per what moved). "
               "Hover a bar for its tile or transfer.",
               height=260 + 28 * (len(doc["cores"]) + len(doc["links"]))),
    ]


def _values(doc: dict[str, Any], path: tuple, keys: tuple[str, ...], decimals: int) -> list[Cell]:
    row: Any = at(doc, path)
    return [num(doc, (*path, k), decimals) if isinstance(row.get(k), int | float) else
            ("" if row.get(k) is None else str(row[k])) for k in keys]


def gantt(doc: dict[str, Any]) -> go.Figure:
    """A horizontal bar per tile (on its core) and per transfer (on each link it used)."""
    traces = []
    for i, node in enumerate(dict.fromkeys(t["node"] for t in doc["tiles"])):
        tiles = [t for t in doc["tiles"] if t["node"] == node]
        traces.append(go.Bar(
            y=[t["core"] for t in tiles], base=[t["start"] for t in tiles],
            x=[max(t["end"] - t["start"], 1) for t in tiles], orientation="h", name=node,
            width=[0.7 if t["macs"] else 0.25 for t in tiles], legendgroup="tiles",
            marker={"color": NODE_COLOURS[i % len(NODE_COLOURS)],
                    "line": {"color": "black", "width": 0.3}},
            customdata=[[t["id"], t["dataflow"], t["macs"], t["start"], t["end"]]
                        for t in tiles],
            hovertemplate=f"{node}, tile %{{customdata[0]}} (%{{customdata[1]}})<br>"
                          "cycles %{customdata[3]:,} to %{customdata[4]:,}<br>"
                          "%{customdata[2]:,} MACs<extra>%{y}</extra>"))
    for what in dict.fromkeys(t["what"] for t in doc["transfers"]):
        moves = [(track, t) for t in doc["transfers"] if t["what"] == what
                 for track in (t["links"] or [f"{t['source']}→{t['target']}"])]
        traces.append(go.Bar(
            y=[track for track, _ in moves], base=[t["start"] for _, t in moves],
            x=[max(t["end"] - t["start"], 1) for _, t in moves], orientation="h",
            name=f"transfer: {what}", legendgroup="transfers", width=0.5,
            marker={"color": TRANSFER_COLOURS.get(what, "#333333")},
            customdata=[[t["node"], t["source"], t["target"], t["bits"], t["start"], t["end"]]
                        for _, t in moves],
            hovertemplate=f"{what} of %{{customdata[0]}}: %{{customdata[1]}} → "
                          "%{customdata[2]}, %{customdata[3]:,} bits<br>cycles %{customdata[4]:,} "
                          "to %{customdata[5]:,}<extra>%{y}</extra>"))
    tracks = [c["name"] for c in doc["cores"]]
    return go.Figure(traces, layout={
        "barmode": "overlay", "title": f"schedule: {doc['latency_cycles']:,} cycles",
        "xaxis": {"title": "cycle"},
        "yaxis": {"autorange": "reversed", "type": "category",
                  "categoryorder": "array", "categoryarray": tracks}})
