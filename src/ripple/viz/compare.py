"""Figures comparing dataflows on one workload: latency and energy bars, the energy breakdown
per memory and operand, and the output-readiness timeline of each layer.

Every figure is drawn once, at a cost that does not grow with a layer's outputs or cycles
(readiness curves at a fixed resolution, legends at fixed places), so that a network of large
layers plots in about the time its evaluation takes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ripple.results.network import NetworkResult
from ripple.viz.figures import legend_beside, new_figure, save
from ripple.viz.readiness import label_readiness, plot_readiness

LATENCY_PARTS = ("compute", "stall", "fill", "drain")


def latency_energy_bars(results: list[NetworkResult], folder: str | Path) -> list[Path]:
    return save(latency_energy_figure(results), folder, "latency_energy")


def latency_energy_figure(results: list[NetworkResult]) -> Figure:
    fig, (lat_ax, energy_ax) = new_figure(10, 4, ncols=2)
    names = [r.dataflow for r in results]
    totals = [r.total()["latency"] for r in results]
    x = np.arange(len(results))
    bottom = np.zeros(len(results))
    for part in LATENCY_PARTS:
        values = np.array([t[part] for t in totals], dtype=float)
        lat_ax.bar(x, values, bottom=bottom, label=part)
        bottom += values
    lat_ax.set_title(f"{results[0].name}: latency")
    lat_ax.set_ylabel("cycles")
    legend_beside(lat_ax)
    energy_ax.bar(x, [r.energy_pj / 1e6 for r in results], color="tab:green")
    energy_ax.set_title(f"{results[0].name}: energy")
    energy_ax.set_ylabel("µJ")
    for ax in (lat_ax, energy_ax):
        ax.set_xticks(x, names, rotation=20)
    return fig


def energy_breakdown(results: list[NetworkResult], folder: str | Path) -> list[Path]:
    return save(energy_breakdown_figure(results), folder, "energy_breakdown")


def energy_breakdown_figure(results: list[NetworkResult]) -> Figure:
    """Stacked energy per dataflow: MACs, then each memory and operand."""
    fig, (ax,) = new_figure(8, 4.5)
    totals = [r.total()["energy_breakdown_pj"] for r in results]
    segments = ["mac", *sorted({f"{m}/{op}" for t in totals for m, per in t.items()
                                if m != "mac" for op in per})]
    x = np.arange(len(results))
    bottom = np.zeros(len(results))
    for segment in segments:
        if segment == "mac":
            values = np.array([t["mac"] for t in totals])
        else:
            memory, op = segment.split("/")
            values = np.array([sum(t.get(memory, {}).get(op, {}).values()) for t in totals])
        ax.bar(x, values / 1e6, bottom=bottom / 1e6, label=segment)
        bottom += values
    ax.set_xticks(x, [r.dataflow for r in results], rotation=20)
    ax.set_ylabel("µJ")
    ax.set_title(f"{results[0].name}: energy per memory and operand")
    legend_beside(ax, fontsize=7)
    return fig


def readiness_timeline(results: list[NetworkResult], layer: str, folder: str | Path) -> list[Path]:
    """For one layer: the share of outputs final, and the live partial sums, over compute
    cycles, one line per dataflow."""
    fig, (done_ax, live_ax) = new_figure(10, 4, ncols=2)
    for result in results:
        match = [r for r in result.layers if r.layer.name == layer]
        if match:
            plot_readiness(done_ax, live_ax, match[0], result.dataflow)
    label_readiness(done_ax, live_ax, layer)
    legend_beside(live_ax, fontsize=8)
    fig.subplots_adjust(left=0.07, right=0.84, bottom=0.13, top=0.9, wspace=0.3)
    return save(fig, folder, f"readiness_{layer}", laid_out=True)


def comparison_figures(results: list[NetworkResult], folder: str | Path) -> list[Path]:
    """Every figure of a comparison: the bars, the breakdown, one readiness figure a layer."""
    layers = dict.fromkeys(name for r in results for name in r.layer_names)
    paths = latency_energy_bars(results, folder) + energy_breakdown(results, folder)
    for layer in layers:
        paths += readiness_timeline(results, layer, folder)
    return paths
