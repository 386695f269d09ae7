"""The comparison figures: readiness curves at a fixed resolution that still show every peak,
legends beside the bars, and ``--plot`` refusing a file in one line."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from ripple.api import compare_dataflows
from ripple.arch import load_architecture
from ripple.dse import ALIASES, preset_mapping
from ripple.mapping import bind
from ripple.model import evaluate
from ripple.viz.compare import energy_breakdown_figure, latency_energy_figure
from ripple.viz.readiness import RESOLUTION, label_readiness, plot_readiness, readiness_curves
from ripple.workload.zoo import zoo_workload
from tests.conftest import EXAMPLES, run_cli

EYERISS = EXAMPLES / "eyeriss_like" / "arch.yaml"


def per_cycle_live(result) -> np.ndarray:
    """Partial sums live after each cycle, counted cycle by cycle (a first MAC at ``f``, the
    last at ``ready - 1``: live after cycles ``f .. ready - 2``)."""
    ready, first = result.ready.ravel(), result.first.ravel()
    span = int(ready.max()) + 1
    live = np.zeros(span + 1, dtype=np.int64)
    touched = first >= 0
    np.add.at(live, first[touched], 1)
    np.add.at(live, ready[touched] - 1, -1)
    return np.cumsum(live)[:span]


@pytest.mark.parametrize("dataflow", sorted(ALIASES))
@pytest.mark.parametrize("resolution", [7, RESOLUTION])
def test_binned_curves_against_cycle_by_cycle(dataflow, resolution):
    layer = zoo_workload("lenet5").mac_layers[1]
    arch = load_architecture(EYERISS)
    result = evaluate(bind(layer, arch, preset_mapping(layer, arch, dataflow)))
    curves = readiness_curves(result, resolution)
    ready = result.ready.ravel()
    assert curves.edges[0] == 0 and curves.edges[-1] == ready.max() + 1
    assert curves.edges.size <= resolution + 1
    np.testing.assert_array_equal(curves.final, [(ready <= e).mean() for e in curves.edges])
    live = per_cycle_live(result)
    np.testing.assert_array_equal(
        curves.live, [live[a:b].max() for a, b in itertools.pairwise(curves.edges)])
    assert curves.live.max() == result.peak_live_psums


def test_a_large_layer_draws_a_fixed_number_of_points():
    """ResNet-18 conv1: 802,816 outputs over some 10^5 cycles, drawn with at most
    ``RESOLUTION + 1`` points a line."""
    layer = zoo_workload("resnet18").mac_layers[0]
    arch = load_architecture(EYERISS)
    result = evaluate(bind(layer, arch, preset_mapping(layer, arch, "ws")))
    assert result.ready.max() > 10 * RESOLUTION
    fig, (done_ax, live_ax) = plt.subplots(1, 2)
    plot_readiness(done_ax, live_ax, result, "ws")
    for line in [*done_ax.get_lines(), *live_ax.get_lines()]:
        assert len(line.get_xdata()) <= RESOLUTION + 1
    label_readiness(done_ax, live_ax, layer.name)
    assert done_ax.get_ylabel() == "share of outputs"
    assert live_ax.get_ylabel().startswith("live partial sums")
    plt.close(fig)


def test_legends_do_not_cover_the_bars():
    results = compare_dataflows(zoo_workload("lenet5"), load_architecture(EYERISS),
                                ["ws", "os", "ed"])
    for fig in (latency_energy_figure(results), energy_breakdown_figure(results)):
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for ax in fig.axes:
            legend = ax.get_legend()
            if legend is not None:
                box, area = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
                assert box.x0 >= area.x1  # beside the axes, not over them
        plt.close(fig)


def test_plot_at_an_existing_file_is_one_line(tmp_path):
    target = tmp_path / "figures"
    target.write_text("not a folder")
    proc = run_cli("compare", "-w", "zoo:lenet5", "-a", str(EYERISS), "--plot", str(target))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and str(target) in proc.stderr
    assert "--plot" in proc.stderr and "Traceback" not in proc.stderr
