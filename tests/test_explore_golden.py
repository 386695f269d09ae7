"""Exhaustive exports pinned by content: every speed-up of the exploration (memoized factor
statistics, shared skeleton batches, reading back only the optima) must leave every row of
every column as it was. The digests were taken before those changes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ripple.arch import Architecture, load_architecture
from ripple.arch.zigzag_import import import_zigzag_architecture
from ripple.dse.constraints import Constraints
from ripple.dse.explore import explore
from ripple.workload import Layer, load_workload
from tests.conftest import EXAMPLES, SHARED

SEED = EXAMPLES / "seed_case"
LENET = SHARED / "reference" / "zigzag" / "lenet5"
SMALL = Layer(name="small", K=4, C=2, IY=4, IX=4, FY=3, FX=3)


def content_digest(export: Path) -> str:
    """SHA-256 of the export's columns, row for row (floats by their exact ``repr``)."""
    table = pq.read_table(export)
    columns = {name: [repr(v) for v in table[name].to_pylist()] for name in table.column_names}
    return hashlib.sha256(json.dumps(columns).encode()).hexdigest()


def cases() -> dict[str, tuple[list[Layer], Architecture, Constraints]]:
    seed_layers = load_workload(SEED / "workload.yaml").layers
    return {
        "seed_on_seed_dram": (seed_layers, load_architecture(EXAMPLES / "seed_dram" / "arch.yaml"),
                              Constraints(max_loops_per_level=4)),
        "small_on_zigzag_dram": ([SMALL], _zigzag_dram(), Constraints(index=["output"])),
        "small_on_eyeriss_like": ([SMALL], load_architecture(EXAMPLES / "eyeriss_like" /
                                                             "arch.yaml"),
                                  Constraints(index=["output"], max_loops_per_level=2)),
    }


def _zigzag_dram() -> Architecture:
    """ZigZag's DRAM array under the conventions its digest was taken with (the ZigZag preset
    has since written outputs back at one precision per link: docs/conventions.md)."""
    arch = import_zigzag_architecture(LENET / "accelerator_dram.yaml").value
    return arch.model_copy(update={"conventions": arch.conventions.model_copy(
        update={"writeback_precision": "per_word"})})


DIGESTS = {
    "seed_on_seed_dram": "ae81c3809d266d5de37ea4c1f7b70918f9b6451930fbad59fca670c4dee1f22f",
    "small_on_zigzag_dram": "203c696434e553983d1c6309f12cfb833e06f7f8e699d682b3414e54105d1cde",
    "small_on_eyeriss_like": "ba38da114c8c55a63e6810864a1dc96ca0c94e1a16f4accb99c2c64fbf470f32",
}


@pytest.mark.parametrize("name", ["seed_on_seed_dram", "small_on_zigzag_dram",
                                  pytest.param("small_on_eyeriss_like", marks=pytest.mark.slow)])
def test_exhaustive_export_is_unchanged(name, tmp_path):
    layers, arch, rules = cases()[name]
    run = explore(layers, arch, rules, tmp_path / "export.parquet")
    assert run.complete
    assert content_digest(tmp_path / "export.parquet") == DIGESTS[name]
