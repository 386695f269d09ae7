"""Export rows: one per mapping evaluated, as an Arrow table.

Columns: task and skeleton identity, the nest kind, the loops (per level, outermost first) and
the unrolling, MACs, latency and its parts, energy, EDP, reads / writes / final writes per memory
and operand, the largest tile per memory and operand, the valid flag and its reason.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from numpy.typing import NDArray

from ripple.arch.spec import Architecture
from ripple.mapping.skeleton import Skeleton
from ripple.model.batch import BatchColumns

#: The export's text columns. A CSV reader infers a column's type from what it holds, and a
#: column of empty strings (no unrolling, every mapping valid) reads as nulls: these are read
#: as text, so that a CSV export reads back as its Parquet twin does.
TEXT_COLUMNS = ("layer", "index", "boundary", "spatial", "loops", "reason")


def csv_options(columns: list[str] | None = None) -> pacsv.ConvertOptions:
    """How to read an export's CSV (``columns``: only those)."""
    return pacsv.ConvertOptions(include_columns=columns or [], strings_can_be_null=False,
                                column_types={name: pa.string() for name in TEXT_COLUMNS})


def loop_strings(skeleton: Skeleton, arch: Architecture, orders: NDArray[np.int64]) -> list[str]:
    """``level: K2 C6 | level: ...`` per order, built column-wise with NumPy string ops."""
    loops, level_of = skeleton.loops, skeleton.level_of
    tokens = np.array([f"{d}{s}" for d, s in loops] or [""], dtype=object)
    text = np.full(len(orders), "", dtype=object)
    start = 0
    for index, level in enumerate(skeleton.levels):
        if not level:
            continue
        block = orders[:, start:start + len(level)]
        assert all(level_of[i] == index for i in block[0])
        part = tokens[block[:, 0]]
        for column in range(1, block.shape[1]):
            part = part + " " + tokens[block[:, column]]
        text = np.where(text == "", "", text + " | ") + (arch.levels[index].name + ": ") + part
        start += len(level)
    return list(text)


def spatial_string(skeleton: Skeleton) -> str:
    """The unrolling as the export writes it: ``K8@D1 C4@D2``."""
    return " ".join(f"{d}{s}@{a}" for d, s, a in skeleton.spatial)


def batch_table(task_id: int, layer: str, skeleton: Skeleton, arch: Architecture,
                orders: NDArray[np.int64], columns: BatchColumns) -> pa.Table:
    n = len(orders)
    spatial = spatial_string(skeleton)
    lat = columns.latency
    data: dict[str, object] = {
        "task": np.full(n, task_id, dtype=np.int64),
        "row": np.arange(n, dtype=np.int64),
        "layer": [layer] * n,
        "index": [skeleton.index] * n,
        "boundary": [skeleton.boundary] * n,
        "spatial": [spatial] * n,
        "loops": loop_strings(skeleton, arch, orders),
        "macs_issued": np.full(n, columns.macs_issued, dtype=np.int64),
        "macs_valid": np.full(n, columns.macs_valid, dtype=np.int64),
        "energy_pj": columns.energy_pj,
        "latency_cycles": lat["total"],
        "compute_cycles": lat["compute"],
        "stall_cycles": lat["stall"],
        "fill_cycles": lat["fill"],
        "drain_cycles": lat["drain"],
        "edp": columns.energy_pj * lat["total"],
    }
    for (memory, op), acc in sorted(columns.accesses.items()):
        for key in ("reads", "writes", "final_writes"):
            data[f"{memory}.{op}.{key}"] = acc[key]
    for (memory, op), words in sorted(columns.tiles.items()):
        data[f"{memory}.{op}.tile_words"] = words
    data["valid"] = columns.valid
    data["reason"] = columns.reason
    # from_arrays, not pa.table(): the latter imports pandas to check for a DataFrame
    return pa.Table.from_arrays([pa.array(v) for v in data.values()], names=list(data))
