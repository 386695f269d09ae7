"""Saving matplotlib figures as PNG and SVG without a display."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ripple.viz.filenames import safe_stem


def new_figure(width: float = 7.0, height: float = 4.0, ncols: int = 1) -> tuple[Figure, list]:
    fig, axes = plt.subplots(1, ncols, figsize=(width, height), squeeze=False)
    return fig, list(axes[0])


def legend_beside(ax: Axes, **options: Any) -> None:
    """A legend right of the axes, at a fixed place: it covers no bar or line, and costs no
    search for the emptiest corner (``loc="best"`` tries every artist's every point)."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **options)


def save(fig: Figure, folder: str | Path, stem: str, laid_out: bool = False) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg`` into ``folder`` (the stem made safe: it may hold a
    layer's name); returns the paths. The figure is laid out tightly and cropped to what is
    drawn (legends beside the axes included), unless it is ``laid_out`` already (fixed
    margins): measuring every text costs a figure's drawing time again, worth it for a figure
    or two, not for one a layer."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if not laid_out:
        fig.tight_layout()
    stem = safe_stem(stem)
    paths = [folder / f"{stem}.png", folder / f"{stem}.svg"]
    for path in paths:  # each under a temporary name, renamed once whole
        tmp = path.with_name(f".{path.name}.partial")
        try:
            fig.savefig(tmp, format=path.suffix[1:], dpi=120,
                        bbox_inches=None if laid_out else "tight")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    plt.close(fig)
    return paths
