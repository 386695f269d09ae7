"""Animation of simulated runs: events arriving, NPE activity, outputs turning final.

One row per run, three panels: the input map (inputs already read shaded, the ones read in the
current cycle highlighted), the NPE array (idle, valid MAC, wasted MAC: issued but invalid) and the
output map shaded from empty through partial to final. Several runs share one clock, frame by
frame, so a shorter run visibly finishes first. Everything shown is read from the run's MAC log
and its result (readiness arrays); nothing here computes a cost.

Frames are drawn by blitting (the static parts once, the changing images per frame; the changing
counts are written by Pillow), which keeps a few hundred frames to a few seconds, and written
with Pillow (GIF) or piped to ffmpeg (MP4).
The file appears only when complete.
"""

from __future__ import annotations

import itertools
import math
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib import font_manager
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap, ListedColormap, to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from ripple.errors import RippleInputError
from ripple.results import LayerResult
from ripple.sim.golden import scatter_rows
from ripple.sim.maclog import activity, first_use, rows_at
from ripple.workload import Layer

FORMATS = (".gif", ".mp4")
IDLE, VALID, WASTED = "#e6e6e6", "#2ca02c", "#d62728"
EMPTY, PARTIAL, FINAL = "#ffffff", "#f4a261", "#264653"
NPE_COLOURS = ListedColormap([IDLE, VALID, WASTED])
OUTPUT_SHADES = LinearSegmentedColormap.from_list("readiness", [EMPTY, PARTIAL, FINAL])
INPUT_SHADES = LinearSegmentedColormap.from_list("read", ["#ffffff", "#6baed6"])
CURRENT = "#ffb000"  # the inputs read in the current cycle
WIDTH, ROW_HEIGHT, LEGEND_HEIGHT, DPI = 9.6, 3.3, 0.5, 72  # inches, and pixels per inch
MAX_BORDERED = 48  # cells per side up to which cell borders are drawn


@dataclass(frozen=True)
class RunView:
    """One simulated run as the animation shows it: a title, its result (shapes, cycles,
    readiness) and the MAC log it wrote."""

    title: str
    result: LayerResult
    log: Path


def check_target(path: str | Path) -> None:
    """Fail before any work when the animation cannot be written."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise RippleInputError(f"unknown animation format {suffix!r}; use .gif or .mp4",
                               field="animate")
    if suffix == ".mp4" and shutil.which("ffmpeg") is None:
        raise RippleInputError("writing .mp4 needs ffmpeg on the PATH, which was not found; "
                               "write a .gif instead (Pillow)", field="animate")


def frame_cycles(runs: list[RunView], max_frames: int) -> NDArray[np.int64]:
    """The compute cycles shown, on a clock shared by all runs: every cycle of the longest run,
    or every k-th when it has more than ``max_frames``, always ending on its last cycle."""
    longest = max(run.result.schedule_cycles for run in runs)
    step = max(1, math.ceil(longest / max_frames))
    cycles = np.arange(0, longest, step, dtype=np.int64)
    return np.unique(np.r_[cycles, max(longest - 1, 0)])


class _Row:
    """The three panels of one run and their state at each shown cycle."""

    def __init__(self, axes: list[Axes], header: Axes, run: RunView,
                 cycles: NDArray[np.int64]) -> None:
        result, layer = run.result, run.result.layer
        self.run, self.cycles = run, cycles
        self.total = result.schedule_cycles
        n, c, iy, ix = layer.tensor_shape("I")
        self.input_shape = (iy, ix)
        first_in = first_use(run.log, "input", n * c * iy * ix).reshape(n * c, iy * ix)
        self.first_in = np.where(first_in < 0, np.iinfo(np.int64).max, first_in)
        array = result.arch.array
        dims = list(array)
        self.npe_columns = [f"npe_{d}" for d in dims]
        self.grid = (array[dims[0]], math.prod(array[d] for d in dims[1:])) if len(dims) > 1 \
            else (1, array[dims[0]])
        self.array_sizes = [array[d] for d in dims]
        self.rows = rows_at(run.log, cycles, ["input", "valid", *self.npe_columns])
        valid, wasted = activity(run.log, np.r_[0, cycles + 1])
        self.valid_so_far, self.wasted_so_far = np.cumsum(valid), np.cumsum(wasted)
        self.first = result.first.reshape(-1, *result.first.shape[2:])
        self.ready = result.ready.reshape(-1, *result.ready.shape[2:])

        in_ax, npe_ax, out_ax = axes
        self.inputs = in_ax.imshow(np.zeros((iy, ix, 4)), interpolation="nearest",
                                   animated=True)
        in_ax.set_title(f"input map {iy}x{ix} (N, C stacked)", fontsize=9)
        self.npes = npe_ax.imshow(np.zeros(self.grid), cmap=NPE_COLOURS, vmin=-0.5, vmax=2.5,
                                  interpolation="nearest", animated=True)
        npe_ax.set_title(f"NPE array {' x '.join(map(str, self.array_sizes))}", fontsize=9)
        oy, ox = self.ready.shape[1:]
        self.outputs = out_ax.imshow(np.zeros((oy, ox)), cmap=OUTPUT_SHADES, vmin=0, vmax=1,
                                     interpolation="nearest", animated=True)
        out_ax.set_title(f"output map {oy}x{ox} (N, K stacked)", fontsize=9)
        # drawn over the images each frame: cell borders (where cells are large enough to
        # see), and the image inside a scatter buffer
        self.overlays: list[Artist] = [
            _cell_borders(ax, *shape) for ax, shape in
            ((in_ax, (iy, ix)), (npe_ax, self.grid), (out_ax, (oy, ox)))
            if max(shape) <= MAX_BORDERED]
        if (oy, ox) != (layer.OY, layer.OX):  # the enlarged buffer of a scatter nest
            self.overlays += _image_outline(out_ax, layer, oy, ox)
        for ax in axes:
            ax.set_xticks([])
            ax.set_yticks([])
        header.text(0.0, 0.5, run.title, fontsize=10, fontweight="bold", va="center")
        self.header = header  # the per-frame counts are written there by Pillow (fast)

    def update(self, k: int) -> list[Artist]:
        cycle = int(self.cycles[k])
        at = self.rows["cycle"] == cycle
        iy, ix = self.input_shape
        shade = INPUT_SHADES((self.first_in <= cycle).mean(axis=0))
        inputs = self.rows["input"][at]
        shade[inputs[inputs >= 0] % (iy * ix)] = to_rgba(CURRENT)
        self.inputs.set_data(shade.reshape(iy, ix, 4))

        states = np.zeros(self.grid)
        coords = [self.rows[col][at] for col in self.npe_columns]
        flat = np.ravel_multi_index(coords, self.array_sizes) if coords[0].size else coords[0]
        states.flat[flat] = np.where(self.rows["valid"][at].astype(bool), 1, 2)
        self.npes.set_data(states)

        started = (self.first >= 0) & (self.first <= cycle)
        final = started & (self.ready <= cycle + 1)
        self.outputs.set_data((started.mean(axis=0) + final.mean(axis=0)) / 2)
        return [self.inputs, self.npes, self.outputs, *self.overlays]

    def counts(self, k: int) -> str:
        cycle = int(self.cycles[k])
        when = f"cycle {cycle + 1}/{self.total}" if cycle < self.total else \
            f"done in {self.total} cycles"
        return (f"{when}   MACs so far: {int(self.valid_so_far[k]):,} valid, "
                f"{int(self.wasted_so_far[k]):,} wasted")


def _cell_borders(ax: Axes, rows: int, cols: int) -> LineCollection:
    """Light lines between the cells of an ``rows`` x ``cols`` image."""
    lines = [[(x - 0.5, -0.5), (x - 0.5, rows - 0.5)] for x in range(1, cols)]
    lines += [[(-0.5, y - 0.5), (cols - 0.5, y - 0.5)] for y in range(1, rows)]
    return ax.add_collection(LineCollection(lines, colors="#c8c8c8", linewidths=1.0,
                                            animated=True))


def _image_outline(ax: Axes, layer: Layer, oy: int, ox: int) -> list[Artist]:
    """A frame around the buffer cells that hold the layer's outputs; the rest is waste."""
    qy, qx = scatter_rows(layer)
    qy, qx = qy[(qy >= 0) & (qy < oy)], qx[(qx >= 0) & (qx < ox)]
    if not (qy.size and qx.size):
        return []
    corner = (qx.min() - 0.5, qy.min() - 0.5)
    width, height = qx.max() - qx.min() + 1, qy.max() - qy.min() + 1
    return [ax.add_patch(Rectangle(corner, width, height, fill=False, lw=lw, ec=colour, ls=style,
                                   animated=True))
            for lw, colour, style in ((3.5, "white", "-"), (2.0, "black", "--"))]


def _legend(fig: Figure) -> None:
    """Categories for inputs and NPEs; a shade bar for outputs (a position stacks N and K, so
    its shade runs from empty through partial to final)."""
    handles = [Patch(color=CURRENT, label="input read now"),
               Patch(color=INPUT_SHADES(1.0), label="read before"),
               Patch(color=IDLE, label="idle NPE"), Patch(color=VALID, label="valid MAC"),
               Patch(color=WASTED, label="wasted MAC")]
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.01, 0.0),
               ncol=len(handles), fontsize=8, frameon=False)
    strip = LEGEND_HEIGHT / fig.get_figheight()
    bar = fig.add_axes((0.76, 0.3 * strip, 0.2, 0.3 * strip))
    bar.imshow(np.linspace(0, 1, 64)[None, :], cmap=OUTPUT_SHADES, aspect="auto")
    bar.set_yticks([])
    bar.set_xticks([0, 31.5, 63], ["output empty", "partial", "final"], fontsize=7)
    bar.xaxis.tick_top()
    bar.tick_params(length=2, pad=1)


def figure_size(n_runs: int) -> tuple[float, float]:
    """Width and height in inches of an animation of ``n_runs`` rows."""
    return WIDTH, ROW_HEIGHT * n_runs + LEGEND_HEIGHT


def _frames(runs: list[RunView], cycles: NDArray[np.int64]) -> Iterator[Image.Image]:
    """RGB frames, one per shown cycle."""
    fig = Figure(figsize=figure_size(len(runs)), dpi=DPI)
    canvas = FigureCanvasAgg(fig)
    grid = fig.add_gridspec(2 * len(runs) + 1, 3,
                            height_ratios=[0.12, 1.0] * len(runs) + [0.12])
    rows = []
    for r, run in enumerate(runs):
        header = fig.add_subplot(grid[2 * r, :])
        header.set_axis_off()
        axes = [fig.add_subplot(grid[2 * r + 1, col]) for col in range(3)]
        rows.append(_Row(axes, header, run, cycles))
    _legend(fig)
    fig.subplots_adjust(left=0.02, right=0.98, top=0.98, bottom=0.02, hspace=0.25, wspace=0.1)
    canvas.draw()  # everything but the animated artists: the background of every frame
    background = canvas.copy_from_bbox(fig.bbox)
    # matplotlib lays out changing text slowly (about 3 ms a string); Pillow writes it instead
    font = ImageFont.truetype(font_manager.findfont("DejaVu Sans"), round(9 * fig.dpi / 72))
    height = canvas.get_width_height()[1]
    anchors = [(row.header.get_window_extent(), row) for row in rows]
    for k in range(cycles.size):
        canvas.restore_region(background)
        for row in rows:
            for artist in row.update(k):
                fig.draw_artist(artist)
        image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(),
                                 "raw", "RGBA", 0, 1).convert("RGB")
        draw = ImageDraw.Draw(image)
        for box, row in anchors:
            draw.text((box.x0 + 0.4 * box.width, height - (box.y0 + box.y1) / 2), row.counts(k),
                      fill="black", font=font, anchor="lm")
        yield image


def animate(runs: list[RunView], path: str | Path, *, max_frames: int = 240,
            fps: int = 8, hold_seconds: float = 2.0) -> Path:
    """Write the animation of ``runs`` (one row each, one shared clock) to ``path`` (.gif or
    .mp4); the last frame is held for ``hold_seconds``."""
    check_target(path)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cycles = frame_cycles(runs, max_frames)
    tmp = path.with_name(f".{path.name}.partial{path.suffix}")
    try:
        if path.suffix.lower() == ".gif":
            _write_gif(_frames(runs, cycles), tmp, fps, hold_seconds)
        else:
            _write_mp4(_frames(runs, cycles), tmp, fps, hold_seconds)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _write_gif(frames: Iterator[Image.Image], path: Path, fps: int,
               hold_seconds: float) -> None:
    first = next(frames)
    palette = _palette(first)
    images = [frame.quantize(palette=palette, dither=Image.Dither.NONE)
              for frame in itertools.chain([first], frames)]
    durations = [round(1000 / fps)] * len(images)
    durations[-1] = round(1000 * hold_seconds)
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:],
                   duration=durations, loop=0, optimize=False)


def _palette(first: Image.Image) -> Image.Image:
    """One palette for every frame, so that each frame after the first is stored as its change
    from the previous one: the first frame's colours (the legend shows every category) and the
    input and output shade ramps (positions stack several inputs or outputs)."""
    ramps = np.concatenate([cmap(np.linspace(0, 1, 64))[:, :3]
                            for cmap in (INPUT_SHADES, OUTPUT_SHADES)])
    strip = Image.fromarray(np.round(ramps * 255).astype(np.uint8)[None, :, :])
    source = Image.new("RGB", (max(first.width, strip.width), first.height + 1), "white")
    source.paste(first, (0, 0))
    source.paste(strip, (0, first.height))
    return source.quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                           dither=Image.Dither.NONE)


def _write_mp4(frames: Iterator[Image.Image], path: Path, fps: int,
               hold_seconds: float) -> None:
    first = next(frames)
    width, height = first.size
    command = ["ffmpeg", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
               "-s", f"{width}x{height}", "-r", str(fps), "-i", "-", "-vf",
               "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p", "-f", "mp4", str(path)]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE) as ffmpeg:
        assert ffmpeg.stdin is not None
        last = first
        for frame in itertools.chain([first], frames):
            ffmpeg.stdin.write(frame.tobytes())
            last = frame
        for _ in range(round(fps * hold_seconds)):
            ffmpeg.stdin.write(last.tobytes())
        ffmpeg.stdin.close()
        error = ffmpeg.stderr.read().decode() if ffmpeg.stderr else ""
    if ffmpeg.returncode:
        raise RippleInputError(f"ffmpeg failed: {error.strip()}", field="animate")
