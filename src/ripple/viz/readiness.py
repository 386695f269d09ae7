"""The output-readiness curves of one layer result, drawn onto given axes.

Shared by the dataflow comparison (one line per dataflow) and the simulator's figures (one run),
so that both draw the same thing from the same arrays (``ready`` and ``first`` per output).

A layer runs for up to millions of cycles; a line of one point per cycle costs memory and
drawing time in proportion, for no more than a figure's width of pixels. The curves are
therefore drawn at a fixed resolution of at most :data:`RESOLUTION` bins over the run: the share
of outputs final at each bin's edges (a rising step function, exact at those cycles) and
the largest number of live partial sums within each bin (so that no peak falls between two
points: the highest point drawn is ``peak_live_psums``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import NDArray

from ripple.results.result import LayerResult

RESOLUTION = 500  # bins over a run: a figure's width in pixels, whatever the layer's length


@dataclass(frozen=True)
class ReadinessCurves:
    """``edges[i]`` to ``edges[i + 1]`` (compute cycles) is bin ``i``; ``final[j]`` is the share
    of outputs final after ``edges[j]`` cycles and ``live[i]`` the most partial sums live after
    any cycle ``t`` of bin ``i``, ``edges[i] <= t < edges[i + 1]``."""

    edges: NDArray[np.int64]
    final: NDArray[np.float64]
    live: NDArray[np.int64]


def readiness_curves(result: LayerResult, resolution: int = RESOLUTION) -> ReadinessCurves:
    """The binned curves of ``result`` (docs/energy-latency.md): an output is final once
    ``ready`` cycles have elapsed, and live after cycle ``t`` when ``first <= t < ready - 1``."""
    ready, first = result.ready.ravel(), result.first.ravel()
    span = int(ready.max(initial=0)) + 1
    edges = np.unique(np.linspace(0, span, min(span, resolution) + 1).round().astype(np.int64))
    # stable sorts: these arrays come in long ordered runs, which a merge sort takes whole
    started, ended = np.sort(first, kind="stable"), np.sort(ready - 1, kind="stable")
    final = np.searchsorted(ended, edges - 1, side="right") / max(ready.size, 1)
    # the live count changes only at a first or last MAC: its value at every such cycle and at
    # every bin's start covers each bin's maximum
    points = np.sort(np.concatenate([edges[:-1], started, ended]), kind="stable")
    points = points[(points >= 0) & (points < span)]
    live = (np.searchsorted(started, points, side="right")
            - np.searchsorted(ended, points, side="right"))
    starts = np.searchsorted(points, edges[:-1])
    return ReadinessCurves(edges, final, np.maximum.reduceat(live, starts))


def plot_readiness(done_ax: Axes, live_ax: Axes, result: LayerResult, label: str) -> None:
    """Share of outputs final, and the most partial sums live (started, not final), per bin of
    compute cycles."""
    curves = readiness_curves(result)
    done_ax.plot(curves.edges, curves.final, label=label)
    live_ax.step(curves.edges, np.concatenate([curves.live, [curves.live[-1]]]), where="post",
                 label=label)


def label_readiness(done_ax: Axes, live_ax: Axes, layer: str) -> None:
    done_ax.set_title(f"{layer}: outputs final")
    done_ax.set_xlabel("compute cycle")
    done_ax.set_ylabel("share of outputs")
    live_ax.set_title(f"{layer}: live partial sums")
    live_ax.set_xlabel("compute cycle")
    live_ax.set_ylabel("live partial sums (most per bin)")
