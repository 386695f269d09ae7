"""Figures comparing dataflows on one workload: latency and energy bars, the energy breakdown
per memory and operand, and the output-readiness timeline of a layer."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ripple.results.network import NetworkResult
from ripple.viz.figures import new_figure, save
from ripple.viz.readiness import label_readiness, plot_readiness

LATENCY_PARTS = ("compute", "stall", "fill", "drain")


def latency_energy_bars(results: list[NetworkResult], folder: str | Path) -> list[Path]:
    fig, (lat_ax, energy_ax) = new_figure(10, 4, ncols=2)
    names = [r.dataflow for r in results]
    x = np.arange(len(results))
    bottom = np.zeros(len(results))
    for part in LATENCY_PARTS:
        values = np.array([r.total()["latency"][part] for r in results], dtype=float)
        lat_ax.bar(x, values, bottom=bottom, label=part)
        bottom += values
    lat_ax.set_title(f"{results[0].name}: latency")
    lat_ax.set_ylabel("cycles")
    lat_ax.legend()
    energy_ax.bar(x, [r.energy_pj / 1e6 for r in results], color="tab:green")
    energy_ax.set_title(f"{results[0].name}: energy")
    energy_ax.set_ylabel("µJ")
    for ax in (lat_ax, energy_ax):
        ax.set_xticks(x, names, rotation=20)
    return save(fig, folder, "latency_energy")


def energy_breakdown(results: list[NetworkResult], folder: str | Path) -> list[Path]:
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
    ax.legend(fontsize=7, ncol=2)
    return save(fig, folder, "energy_breakdown")


def readiness_timeline(results: list[NetworkResult], layer: str, folder: str | Path) -> list[Path]:
    """For one layer: the share of outputs final, and the live partial sums, over compute
    cycles, one line per dataflow."""
    fig, (done_ax, live_ax) = new_figure(10, 4, ncols=2)
    for result in results:
        match = [r for r in result.layers if r.layer.name == layer]
        if match:
            plot_readiness(done_ax, live_ax, match[0], result.dataflow)
    label_readiness(done_ax, live_ax, layer)
    done_ax.legend()
    return save(fig, folder, f"readiness_{layer}")
