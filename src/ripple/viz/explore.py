"""The explored space as a scatter of energy against latency, with the Pareto front."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ripple.dse.analysis import pareto_front
from ripple.dse.explore import Exploration
from ripple.viz.figures import legend_beside, new_figure, save

MAX_POINTS = 200_000


def mapspace_scatter(run: Exploration, title: str, layer: str,
                     folder: str | Path) -> list[Path]:
    """``mapspace_<layer>``: one figure a layer, as mappings of different layers do not
    compare."""
    return save(mapspace_figure(run, title, layer), folder, f"mapspace_{layer}")


def mapspace_figure(run: Exploration, title: str, layer: str) -> Figure:
    """The layer's valid mappings, energy against latency, and their Pareto front."""
    run = run.of_layer(layer)
    _, _, energy, latency, valid = run.arrays()
    e, lat = energy[valid], latency[valid]
    fig, (ax,) = new_figure(7, 5)
    shown = np.arange(len(e))
    if len(shown) > MAX_POINTS:  # every point still counts in the front below
        shown = np.random.default_rng(0).choice(len(e), MAX_POINTS, replace=False)
    ax.scatter(lat[shown], e[shown] / 1e6, s=2, alpha=0.3, label=f"{len(e):,} valid mappings")
    front = pareto_front(e, lat)
    ax.plot(lat[front], e[front] / 1e6, "r.-", label=f"Pareto front ({len(front)})")
    ax.set_xlabel("latency (cycles)")
    ax.set_ylabel("energy (µJ)")
    ax.set_title(f"{layer} of {title}")
    legend_beside(ax)
    return fig
