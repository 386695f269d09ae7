"""Static figures of one simulated run: NPE utilisation over time and output readiness.

The utilisation is read from the run's MAC log (valid and wasted MACs per span of cycles, as a
share of what the NPE array could issue); the readiness timeline from the result's ``ready`` and
``first`` arrays. PNG and SVG.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ripple.sim.maclog import activity
from ripple.viz.animation import VALID, WASTED, RunView
from ripple.viz.figures import new_figure, save
from ripple.viz.readiness import label_readiness, plot_readiness


def utilisation(run: RunView, folder: str | Path, bins: int = 400) -> list[Path]:
    """Share of the NPE array issuing valid and wasted MACs over compute cycles, in at most
    ``bins`` spans (stacked)."""
    cycles = run.result.schedule_cycles
    edges = np.unique(np.linspace(0, cycles, min(bins, max(cycles, 1)) + 1).astype(np.int64))
    valid, wasted = activity(run.log, edges)
    capacity = np.diff(edges) * run.result.arch.npes
    fig, (ax,) = new_figure(8, 3.5)
    shares = [np.r_[part / capacity, part[-1:] / capacity[-1:]] for part in (valid, wasted)]
    ax.stackplot(edges, *shares, step="post",
                 colors=[VALID, WASTED], labels=["valid MACs", "wasted MACs"])
    ax.set_xlim(0, max(cycles, 1))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("compute cycle")
    ax.set_ylabel("share of NPEs")
    mean = valid.sum() / max(capacity.sum(), 1)
    ax.set_title(f"{run.title}: NPE utilisation (mean {mean:.1%} valid)")
    ax.legend(loc="lower right")
    return save(fig, folder, "utilisation")


def readiness(run: RunView, folder: str | Path) -> list[Path]:
    """Share of outputs final and partial sums live over compute cycles."""
    fig, (done_ax, live_ax) = new_figure(10, 4, ncols=2)
    plot_readiness(done_ax, live_ax, run.result, run.title)
    label_readiness(done_ax, live_ax, f"{run.result.layer.name} | {run.title}")
    return save(fig, folder, "readiness")
