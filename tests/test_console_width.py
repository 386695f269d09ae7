"""Tables are never cut: whole off a terminal, folded within the width on a terminal."""

from __future__ import annotations

import io
import json

from ripple.api import compare_dataflows
from ripple.arch import load_architecture
from ripple.report import dataflow_table
from ripple.report.console import WrappingConsole, output_console
from ripple.workload.zoo import zoo_workload
from tests.conftest import EXAMPLES, run_main

ARCH = EXAMPLES / "eyeriss_like" / "arch.yaml"


def test_piped_table_has_every_name_and_number_whole():
    """ResNet-18 under os: the table of a pipe holds each layer's full name, cycles and MACs
    as the JSON gives them, and no ellipsis."""
    proc = run_main("compare", "-w", "zoo:resnet18", "-a", str(ARCH), "--dataflows", "os")
    assert proc.returncode == 0, proc.stderr
    assert "…" not in proc.stdout
    document = json.loads(run_main("compare", "-w", "zoo:resnet18", "-a", str(ARCH),
                                   "--dataflows", "os", "--json", "-").stdout)
    rows = {line.split("│")[1].strip(): line for line in proc.stdout.splitlines()
            if line.startswith("│")}
    layers = document["comparison"][0]["layers"]
    assert len(layers) == 21
    for layer in layers:
        line = rows[layer["layer"]]
        assert f" {layer['latency_cycles']:,} " in line
        assert f" {layer['macs']['issued']:,} " in line


def test_output_console_is_unbounded_off_a_terminal():
    console = output_console(io.StringIO())
    assert not console.is_terminal
    assert console.width > 1000


def test_terminal_table_folds_within_the_width():
    arch = load_architecture(ARCH)
    results = compare_dataflows(zoo_workload("resnet18"), arch, ["os"])
    out = io.StringIO()
    console = WrappingConsole(file=out, force_terminal=True, width=60, color_system=None)
    console.print(dataflow_table(results))
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 60
    assert "…" not in out.getvalue()
    # a long layer name folds onto the next line: its parts are all there, in order
    names = "".join(line.split("│")[1].strip() for line in lines if line.startswith("│"))
    assert "layer4.1.conv2" in names
