"""An exploration's mapspace in a bounded size, however many mappings it holds.

Millions of mappings cannot be drawn one element each. The view keeps: the density of every
valid mapping in a grid of :data:`BINS` x :data:`BINS` cells of latency and energy, the whole
Pareto front, and a uniform random sample of at most :data:`SAMPLE` other mappings (seeded,
so a report is reproducible), each with its mapping. The export is read column by column:
the energies, latencies, validity and layer of every row, then the mapping text of the few
rows shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from numpy.typing import NDArray

from ripple.dse.analysis import pareto_front
from ripple.dse.rows import csv_options

BINS = 120
SAMPLE = 2_000
MAPPING_COLUMNS = ["index", "spatial", "loops"]


@dataclass
class Points:
    """Mappings drawn one by one: energy, latency and what the mapping is."""

    energy_pj: NDArray[np.float64]
    latency_cycles: NDArray[np.int64]
    mappings: list[str]


@dataclass
class MapspaceView:
    valid: int
    counts: NDArray[np.int64]  # [energy bin, latency bin]
    latency_edges: NDArray[np.float64]
    energy_edges: NDArray[np.float64]
    front: Points
    sample: Points


def mapspace_view(export: Path, layer: str) -> MapspaceView:
    """The binned density, the front and the sample of ``layer``'s valid mappings in
    ``export``."""
    table = _read(export, ["layer", "energy_pj", "latency_cycles", "valid"])
    keep = pc.and_(pc.equal(table["layer"], layer), table["valid"])
    positions = np.flatnonzero(keep.to_numpy(zero_copy_only=False))
    energy = table["energy_pj"].to_numpy()[positions]
    latency = table["latency_cycles"].to_numpy()[positions]
    del table
    counts, lat_edges, e_edges = np.histogram2d(latency, energy, bins=BINS) if len(positions) \
        else (np.zeros((0, 0)), np.zeros(1), np.zeros(1))
    front = pareto_front(energy, latency)
    drawn = np.random.default_rng(0).choice(len(positions), min(SAMPLE + len(front),
                                                                 len(positions)), replace=False)
    sample = np.sort(drawn[~np.isin(drawn, front)][:SAMPLE])
    texts = _mappings(export, positions[np.concatenate([front, sample])])
    return MapspaceView(
        valid=len(positions), counts=counts.T.astype(np.int64), latency_edges=lat_edges,
        energy_edges=e_edges,
        front=Points(energy[front], latency[front], [texts[p] for p in positions[front]]),
        sample=Points(energy[sample], latency[sample], [texts[p] for p in positions[sample]]))


def _read(export: Path, columns: list[str]) -> pa.Table:
    if export.suffix == ".parquet":
        return pq.read_table(export, columns=columns, read_dictionary=["layer"])
    return pacsv.read_csv(export, convert_options=csv_options(columns))


def _mappings(export: Path, positions: NDArray[np.int64]) -> dict[int, str]:
    """The mapping text (index | loops | spatial) of the rows at ``positions``, reading only
    the row groups that hold them."""
    wanted = np.unique(positions)
    found: dict[int, str] = {}
    for first, table in _row_groups(export):
        local = wanted[(wanted >= first) & (wanted < first + table.num_rows)] - first
        if not len(local):
            continue
        rows = table.take(pa.array(local)).to_pylist()
        found |= {int(first + i): _text(row) for i, row in zip(local, rows, strict=True)}
    return found


def _row_groups(export: Path) -> Iterator[tuple[int, pa.Table]]:
    """The mapping columns of ``export`` a row group at a time, with each one's first row."""
    if export.suffix != ".parquet":
        yield 0, _read(export, MAPPING_COLUMNS)
        return
    file = pq.ParquetFile(export)
    first = 0
    for i in range(file.num_row_groups):
        size = file.metadata.row_group(i).num_rows
        yield first, file.read_row_group(i, columns=MAPPING_COLUMNS)
        first += size


def _text(row: dict[str, str]) -> str:
    spatial = f" | {row['spatial']}" if row["spatial"] else ""
    return f"{row['loops']}{spatial} ({row['index']}-indexed)"
