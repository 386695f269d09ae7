"""File names made from layer names stay inside the output folder, one file per layer."""

from __future__ import annotations

from ripple.viz.filenames import safe_stem
from tests.conftest import EXAMPLES, run_main

NAMES = ["/features/features.0/Conv", "x/../../ESCAPED", "_features_features.0_Conv"]


def test_hostile_layer_names_plot_inside_the_folder(tmp_path):
    work = tmp_path / "work"
    plots = work / "plots"
    work.mkdir()
    layers = [f"  - {{name: '{NAMES[0]}', K: 4, C: 1, IY: 8, IX: 8, FY: 3, FX: 3}}"]
    layers += [f"  - {{name: '{name}', K: 4, C: 4, IY: 6, IX: 6, FY: 3, FX: 3, "
               f"inputs: ['{NAMES[0]}']}}" for name in NAMES[1:]]
    network = work / "net.yaml"
    network.write_text("name: hostile\nlayers:\n" + "\n".join(layers) + "\n")
    proc = run_main("compare", "-n", str(network), "-a", str(EXAMPLES / "seed_dram" / "arch.yaml"),
                    "--dataflows", "ws", "--plot", str(plots))
    assert proc.returncode == 0, proc.stderr
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and plots not in p.parents]
    assert outside == [network]
    readiness = sorted(p.name for p in plots.iterdir() if p.name.startswith("readiness_"))
    assert len(readiness) == 2 * len(NAMES), readiness  # a PNG and an SVG per layer
    assert all(p.parent == plots for p in plots.rglob("*"))


def test_stems_are_safe_and_unique():
    names = ["conv1", "a/b", "a_b", "..", "", ".hidden", "x" * 1000, "y" * 1000, "é"]
    stems = [safe_stem(name) for name in names]
    assert stems[0] == "conv1" and stems[2] == "a_b"
    assert len(set(stems)) == len(stems)
    for stem in stems:
        assert "/" not in stem and not stem.startswith(".") and 0 < len(stem) <= 130
