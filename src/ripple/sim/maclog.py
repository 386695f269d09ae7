"""The MAC log: one row per issued MAC, streamed to CSV or Parquet chunk by chunk.

Columns: ``cycle``, one ``npe_<array dim>`` column per array dimension (the NPE coordinates),
``input`` (flat index into ``I [N, C, IY, IX]``, -1 for a padding tap), ``weight`` (flat index
into ``W [K, C/G, FY, FX]``), ``output`` (flat index into the output buffer ``[N, K, OY, OX]``,
enlarged for a scatter nest), the same as coordinates (:data:`COORDINATES`: ``n k oy ox`` of
the output buffer, ``c`` the input channel, ``fy fx`` the tap, ``iy ix`` the input position the
tap reads, outside the input for a padding tap) and ``valid``; an architecture that skips or
gates zero operands
adds ``effectual`` (its rows are the schedule's MACs, at their schedule cycles, and
``effectual`` tells which ones were performed in full: docs/sparsity.md). Rows are written as
the stream is produced (one Parquet row group per chunk) so a log of 1e8 MACs never sits in
memory. The file is written
under a temporary name and renamed on success: a failed run leaves no half-written log. The
readers stream the file back batch by batch, for the figures.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from numpy.typing import NDArray

from ripple.errors import RippleInputError
from ripple.sim.stream import MacChunk
from ripple.workload.layer import Layer

FORMATS = (".csv", ".parquet")
COORDINATES = ("n", "k", "c", "oy", "ox", "iy", "ix", "fy", "fx")


def log_schema(array_dims: list[str], marked: bool = False) -> pa.Schema:
    return pa.schema(
        [("cycle", pa.int64())]
        + [(f"npe_{d}", pa.int64()) for d in array_dims]
        + [("input", pa.int64()), ("weight", pa.int64()), ("output", pa.int64())]
        + [(name, pa.int64()) for name in COORDINATES]
        + [("valid", pa.bool_())]
        + ([("effectual", pa.bool_())] if marked else [])
    )


def coordinates(layer: Layer, out_shape: tuple[int, int], chunk: MacChunk
                ) -> list[NDArray[np.int64]]:
    """The columns of :data:`COORDINATES` for a chunk's MACs, decoded from its flat indices:
    readers then need no layer to tell which output, channel, tap or input a MAC touched.
    ``out_shape`` is the output buffer's ``(rows, columns)`` (enlarged for a scatter nest)."""
    n, k, oy, ox = np.unravel_index(chunk.o_flat, (layer.N, layer.K, *out_shape))
    _, cg, fy, fx = np.unravel_index(chunk.w_flat, (layer.K, layer.C_group, layer.FY, layer.FX))
    c = k // layer.K_group * layer.C_group + cg
    # a real input's position from its index; a padding tap's (input -1) from the geometry,
    # which only an output-indexed nest issues, where output row and tap fix the input row
    read = chunk.i_flat >= 0
    _, _, iy, ix = np.unravel_index(np.where(read, chunk.i_flat, 0),
                                    (layer.N, layer.C, layer.IY, layer.IX))
    y, x = layer.axis("y"), layer.axis("x")
    iy = np.where(read, iy, oy * y.stride + fy * y.dilation - y.pad)
    ix = np.where(read, ix, ox * x.stride + fx * x.dilation - x.pad)
    return [np.asarray(a, dtype=np.int64) for a in (n, k, c, oy, ox, iy, ix, fy, fx)]


class MacLogWriter:
    """Context manager writing :class:`MacChunk` rows to ``path`` (.csv or .parquet)."""

    def __init__(self, path: str | Path, array_dims: list[str],
                 npe_coords: NDArray[np.int64], layer: Layer, out_shape: tuple[int, int],
                 marked: bool = False) -> None:
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in FORMATS:
            raise RippleInputError(f"unknown MAC log format {suffix!r}; use .csv or .parquet",
                                   field="log_path")
        self.parquet = suffix == ".parquet"
        self.array_dims = array_dims
        self.npe_coords = npe_coords
        self.layer, self.out_shape = layer, out_shape
        self.schema = log_schema(array_dims, marked)
        self.tmp = self.path.with_name(f".{self.path.name}.partial")
        self.rows = 0
        self._writer: pq.ParquetWriter | pa_csv.CSVWriter | None = None

    def __enter__(self) -> MacLogWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)  # as every output's writer does
        try:  # a signal may arrive once the file exists and before the block has begun
            if self.parquet:
                self._writer = pq.ParquetWriter(str(self.tmp), self.schema)
            else:
                self._writer = pa_csv.CSVWriter(str(self.tmp), self.schema)
        except BaseException:
            self.tmp.unlink(missing_ok=True)
            raise
        return self

    def write(self, chunk: MacChunk, effectual: NDArray[np.bool_] | None = None) -> None:
        """Write a chunk's rows; ``effectual`` (the MACs' marks) when the log is marked."""
        if chunk.size == 0:
            return
        coords = self.npe_coords[chunk.sp]
        columns = [chunk.cycle()] + [coords[:, a] for a in range(len(self.array_dims))]
        columns += [chunk.i_flat, chunk.w_flat, chunk.o_flat,
                    *coordinates(self.layer, self.out_shape, chunk), chunk.valid]
        if "effectual" in self.schema.names:
            assert effectual is not None
            columns.append(effectual)
        table = pa.Table.from_arrays([pa.array(c) for c in columns], schema=self.schema)
        assert self._writer is not None
        self._writer.write_table(table)
        self.rows += chunk.size

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self._writer is not None:
                self._writer.close()
            if kind is None:
                os.replace(self.tmp, self.path)
        finally:  # also when a signal interrupts the closing
            self.tmp.unlink(missing_ok=True)


def read_mac_log(path: str | Path) -> dict[str, NDArray]:
    """Read a MAC log back as one NumPy array per column."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        table = pq.read_table(str(path))
    else:
        table = pa_csv.read_csv(str(path))
    return {name: table.column(name).to_numpy() for name in table.column_names}


def iter_mac_log(path: str | Path, columns: list[str]) -> Iterator[dict[str, NDArray]]:
    """Stream a MAC log in batches of rows (only ``columns``), so that reading it, like
    writing it, needs memory for one batch only."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        batches: Iterator[pa.RecordBatch] = pq.ParquetFile(str(path)).iter_batches(
            columns=columns)
    else:
        batches = iter(pa_csv.open_csv(
            str(path), convert_options=pa_csv.ConvertOptions(include_columns=columns)))
    for batch in batches:
        yield {name: batch.column(name).to_numpy(zero_copy_only=False) for name in columns}


def activity(path: str | Path, edges: NDArray[np.int64]) -> tuple[NDArray[np.int64], ...]:
    """Valid and wasted (issued, invalid) MACs with a cycle in ``[edges[i], edges[i+1])``."""
    bins = edges.size - 1
    valid = np.zeros(bins, dtype=np.int64)
    wasted = np.zeros(bins, dtype=np.int64)
    for rows in iter_mac_log(path, ["cycle", "valid"]):
        where = np.searchsorted(edges, rows["cycle"], side="right") - 1
        inside = (where >= 0) & (where < bins)
        is_valid = rows["valid"].astype(bool)
        valid += np.bincount(where[inside & is_valid], minlength=bins)
        wasted += np.bincount(where[inside & ~is_valid], minlength=bins)
    return valid, wasted


def rows_at(path: str | Path, cycles: NDArray[np.int64], columns: list[str]
            ) -> dict[str, NDArray]:
    """The rows (only ``columns``, plus ``cycle``) whose cycle is one of ``cycles``."""
    wanted = ["cycle", *[c for c in columns if c != "cycle"]]
    parts: dict[str, list[NDArray]] = {name: [] for name in wanted}
    for rows in iter_mac_log(path, wanted):
        keep = np.isin(rows["cycle"], cycles)
        for name in wanted:
            parts[name].append(rows[name][keep])
    return {name: np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
            for name, chunks in parts.items()}


def first_use(path: str | Path, column: str, size: int) -> NDArray[np.int64]:
    """Per index ``0 <= i < size`` of ``column`` (e.g. ``input``), the first cycle a MAC used
    it; -1 when none did (negative indices, such as padding taps, are skipped)."""
    never = np.iinfo(np.int64).max
    first = np.full(size, never, dtype=np.int64)
    for rows in iter_mac_log(path, ["cycle", column]):
        used = rows[column] >= 0
        np.minimum.at(first, rows[column][used], rows["cycle"][used])
    first[first == never] = -1
    return first


@contextlib.contextmanager
def temporary_log() -> Iterator[Path]:
    """A Parquet log path in a temporary folder, deleted with its folder afterwards."""
    with tempfile.TemporaryDirectory(prefix="ripple-log-") as folder:
        yield Path(folder) / "macs.parquet"


@contextlib.contextmanager
def mac_log_file(path: str | Path | None, needed: bool) -> Iterator[Path | None]:
    """The log to write: ``path`` when given; else, when ``needed`` (figures read the log), a
    :func:`temporary_log`; else None (nothing per MAC is kept)."""
    if path is not None or not needed:
        yield None if path is None else Path(path)
        return
    with temporary_log() as log:
        yield log
