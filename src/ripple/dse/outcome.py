"""An exploration's outcome as a document: per layer, the optimum of each objective with its
loops (read back from the export), the Pareto front, the report, and the network total."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ripple.dse.analysis import findings
from ripple.dse.explore import Exploration
from ripple.dse.rows import csv_options

ROW_COLUMNS = ["task", "row", "layer", "index", "boundary", "spatial", "loops", "energy_pj",
               "latency_cycles", "edp"]


@dataclass
class ExplorationOutcome:
    run: Exploration
    layers: list[str]
    export: Path
    title: str
    limit: int | None = None  # --limit: the mappings explored of each layer
    space: int | None = None  # the mappings of the space (None: too large to count)
    notes: tuple[str, ...] = ()  # what reading the constraints decided (a ZigZag mapping)

    def _rows(self, keys: list[tuple[int, int]]) -> dict[tuple[int, int], dict[str, Any]]:
        """The export's rows ``(task, row)``, reading only what holds them: a Parquet export's
        row groups whose task range covers a wanted task (a CSV export is streamed), so memory
        does not grow with the export."""
        if not keys or not self.export.exists():
            return {}
        tasks = sorted({t for t, _ in keys})
        wanted = set(keys)
        found = {}
        for table in self._tables_holding(tasks):
            table = table.filter(pc.is_in(table["task"],
                                          value_set=pc.cast(tasks, table["task"].type)))
            found.update({(r["task"], r["row"]): r for r in table.to_pylist()
                          if (r["task"], r["row"]) in wanted})
        return found

    def _tables_holding(self, tasks: list[int]) -> Iterator[pa.Table]:
        if self.export.suffix != ".parquet":
            for chunk in pacsv.open_csv(self.export, convert_options=csv_options(ROW_COLUMNS)):
                yield pa.Table.from_batches([chunk])
            return
        export = pq.ParquetFile(self.export)
        column = export.schema_arrow.get_field_index("task")
        for i in range(export.num_row_groups):
            stats = export.metadata.row_group(i).column(column).statistics
            if stats is None or not stats.has_min_max or any(
                    stats.min <= t <= stats.max for t in tasks):
                yield export.read_row_group(i, columns=ROW_COLUMNS)

    def to_frame(self, columns: list[str] | None = None) -> Any:
        """The export as a pandas DataFrame: one row per mapping evaluated (``columns``: only
        those; an export of millions of rows is read whole otherwise)."""
        import pandas as pd

        if self.export.suffix == ".parquet":
            return pd.read_parquet(self.export, columns=columns)
        return pd.read_csv(self.export, usecols=columns)

    def __repr__(self) -> str:
        from ripple.results.frames import short_repr

        return short_repr("ExplorationOutcome", self.title, layers=self.layers,
                          rows=self.run.rows_written, complete=self.run.complete,
                          export=str(self.export))

    def document(self, objective: str, report: bool = False,
                 front: bool = False) -> dict[str, Any]:
        """The findings; the Pareto front is listed under the ``pareto`` objective, or when
        ``front`` asks for it."""
        front = front or objective == "pareto"
        per_layer = []
        total = {"energy_pj": 0.0, "latency_cycles": 0}
        for layer in self.layers:
            found = findings(self.run.of_layer(layer))
            doc: dict[str, Any] = {"layer": layer, "evaluated": found.evaluated,
                                   "valid": found.valid}
            keys = list(found.best.values())
            if front:
                keys += found.front
            rows = self._rows(keys)
            if front:
                doc["pareto_front"] = [rows[k] for k in found.front if k in rows]
            if objective != "pareto":
                chosen = rows.get(found.best[objective]) if found.best else None
                doc["best"] = chosen
                if chosen:
                    total["energy_pj"] += chosen["energy_pj"]
                    total["latency_cycles"] += chosen["latency_cycles"]
            if report and found.best:
                doc["report"] = {
                    "optima": {name: rows.get(key) for name, key in found.best.items()},
                    "within_of_optimum": found.within,
                    "latency_optimum_energy_loss_pct": found.latency_optimum_energy_loss_pct,
                    "energy_optimum_latency_loss_pct": found.energy_optimum_latency_loss_pct,
                }
            per_layer.append(doc)
        document: dict[str, Any] = {
            "export": str(self.export), "complete": self.run.complete,
            "rows": self.run.rows_written, "objective": objective, "layers": per_layer,
            "limit_per_layer": self.limit, "mappings_in_space": self.space,
        }
        if objective != "pareto":
            document["total"] = total
        if self.notes:
            document["imported"] = list(self.notes)
        return document
