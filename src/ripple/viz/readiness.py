"""The output-readiness curves of one layer result, drawn onto given axes.

Shared by the dataflow comparison (one line per dataflow) and the simulator's figures (one run),
so that both draw the same thing from the same arrays (``ready`` and ``first`` per output).
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from ripple.results.result import LayerResult


def plot_readiness(done_ax: Axes, live_ax: Axes, result: LayerResult, label: str) -> None:
    """Share of outputs final, and partial sums live (started, not final), per compute cycle."""
    ready, first = result.ready.ravel(), result.first.ravel()
    cycles = np.arange(int(ready.max(initial=0)) + 1)
    final = np.searchsorted(np.sort(ready), cycles, side="right") / max(ready.size, 1)
    done_ax.step(cycles, final, where="post", label=label)
    started = np.searchsorted(np.sort(first), cycles, side="right")
    finished = np.searchsorted(np.sort(ready - 1), cycles, side="right")
    live_ax.step(cycles, started - finished, where="post", label=label)


def label_readiness(done_ax: Axes, live_ax: Axes, layer: str) -> None:
    done_ax.set_title(f"{layer}: outputs final")
    done_ax.set_xlabel("compute cycle")
    done_ax.set_ylabel("share of outputs")
    live_ax.set_title(f"{layer}: live partial sums")
    live_ax.set_xlabel("compute cycle")
