"""The animation of simulated runs: the file, its frames and size, what a frame shows, and no
partial file when writing fails; the demo writes the seed-case event-driven and scatter runs
together."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from PIL import Image

from ripple import api
from ripple.sim import simulate
from ripple.sim.maclog import temporary_log
from ripple.viz import animation
from ripple.viz.animation import (
    DPI,
    FINAL,
    LEGEND_HEIGHT,
    VALID,
    WASTED,
    RunView,
    animate,
    figure_size,
)
from tests.conftest import run_cli


def _pixels(size: tuple[float, float]) -> tuple[int, int]:
    return int(size[0] * DPI), int(size[1] * DPI)


def _has_colour(frame: Image.Image, colour: str, tolerance: int = 12) -> bool:
    """Whether ``colour`` appears in the panels (the legend strip at the bottom excluded)."""
    rgb = np.asarray(frame.convert("RGB"), dtype=int)[: -int(LEGEND_HEIGHT * DPI)]
    target = np.array([round(255 * c) for c in to_rgb(colour)])
    return bool((np.abs(rgb - target).max(axis=-1) <= tolerance).any())


def _frame(path, k: int) -> Image.Image:
    image = Image.open(path)
    image.seek(k)
    return image.convert("RGB")


@pytest.fixture(scope="module")
def seed_runs():
    nests = {nest.mapping.name: nest for nest in api.seed_case_nests()}
    return nests


def test_gif_has_a_frame_per_cycle_and_shows_the_run(tmp_path, seed_runs):
    nest = seed_runs["event_driven"]
    with temporary_log() as log:
        run = simulate(nest, log_path=log)
        path = animate([RunView("event-driven", run.result, log)], tmp_path / "ed.gif")
    with Image.open(path) as gif:
        assert gif.n_frames == 81  # one frame per compute cycle
        assert gif.size == _pixels(figure_size(1))
    first, last = _frame(path, 0), _frame(path, 80)
    assert _has_colour(first, VALID) and not _has_colour(first, WASTED)
    assert not _has_colour(first, FINAL)  # no output is final after the first cycle
    assert _has_colour(last, FINAL)


def test_demo_writes_event_driven_and_scatter_on_one_clock(tmp_path):
    proc = run_cli("demo", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "seed_event_driven_vs_scatter.gif"
    assert str(path.name) in proc.stdout.replace("\n", "")
    with Image.open(path) as gif:
        assert gif.n_frames == 225  # the scatter run's cycles; the event-driven one ends at 81
        assert gif.size == _pixels(figure_size(2))
    # the first event's first tap (fy = fx = 0) feeds output (0, 0); its second (fy = 1) feeds a
    # buffer row above the image: the scatter run wastes all 8 NPEs, the event-driven one not
    first, second = _frame(path, 0), _frame(path, 1)
    assert _has_colour(first, VALID) and not _has_colour(first, WASTED)
    assert _has_colour(second, WASTED)


def test_failed_write_leaves_no_file(tmp_path, seed_runs, monkeypatch):
    def broken(frames, path, fps, hold):
        path.write_bytes(b"GIF89a")
        raise RuntimeError("disk full")

    monkeypatch.setattr(animation, "_write_gif", broken)
    with temporary_log() as log:
        run = simulate(seed_runs["input_scatter"], log_path=log)
        with pytest.raises(RuntimeError):
            animate([RunView("scatter", run.result, log)], tmp_path / "s.gif")
    assert not list(tmp_path.iterdir())
