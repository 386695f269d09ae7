"""docs/presets.md states what the presets do: its table and its example are recomputed here."""

from __future__ import annotations

from pathlib import Path

import pytest

from ripple.arch import load_architecture
from ripple.dse.presets import ALIASES, PRESETS, preset_mapping
from ripple.mapping import bind
from ripple.workload.zoo import zoo_workload

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "presets.md").read_text()


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_table_row_is_the_preset(alias):
    preset = PRESETS[ALIASES[alias]]
    row = next(line for line in DOC.splitlines() if line.startswith(f"| `{alias}` "))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[0] == f"`{alias}` {preset.name}"
    assert cells[1].startswith(f"{preset.index}-indexed")
    assert cells[2].split(" (")[0] == " ".join(preset.spatial)
    assert ("smallest array dimension first" in cells[2]) == preset.smallest_first
    assert cells[3] == " ".join(preset.order)


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_example_is_what_the_preset_maps(alias):
    arch = load_architecture(ROOT / "src" / "ripple" / "examples" / "eyeriss_like" / "arch.yaml")
    layer = next(layer for layer in zoo_workload("lenet5").mac_layers if layer.name == "conv2")
    nest = bind(layer, arch, preset_mapping(layer, arch, alias))
    assert f"\n{alias}: {nest.describe()}\n" in DOC
