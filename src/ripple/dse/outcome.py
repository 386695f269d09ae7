"""An exploration's outcome as a document: per layer, the optimum of each objective with its
loops (read back from the export), the Pareto front, the report, and the network total."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ripple.dse.analysis import findings
from ripple.dse.explore import Exploration

ROW_COLUMNS = ["task", "row", "layer", "index", "spatial", "loops", "energy_pj",
               "latency_cycles", "edp"]


@dataclass
class ExplorationOutcome:
    run: Exploration
    layers: list[str]
    export: Path
    title: str

    def _rows(self, keys: list[tuple[int, int]]) -> dict[tuple[int, int], dict[str, Any]]:
        if not keys or not self.export.exists():
            return {}
        if self.export.suffix == ".parquet":
            table = pq.read_table(self.export, columns=ROW_COLUMNS)
        else:
            table = pacsv.read_csv(self.export,
                                   convert_options=pacsv.ConvertOptions(include_columns=ROW_COLUMNS))
        tasks = sorted({t for t, _ in keys})
        table = table.filter(pc.is_in(table["task"], value_set=pc.cast(tasks, table["task"].type)))
        wanted = set(keys)
        return {(r["task"], r["row"]): r for r in table.to_pylist()
                if (r["task"], r["row"]) in wanted}

    def document(self, objective: str, report: bool = False) -> dict[str, Any]:
        per_layer = []
        total = {"energy_pj": 0.0, "latency_cycles": 0}
        for layer in self.layers:
            found = findings(self.run.of_layer(layer))
            doc: dict[str, Any] = {"layer": layer, "evaluated": found.evaluated,
                                   "valid": found.valid}
            keys = list(found.best.values())
            if objective == "pareto":
                keys += found.front
            rows = self._rows(keys)
            if objective == "pareto":
                doc["pareto_front"] = [rows[k] for k in found.front if k in rows]
            else:
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
        }
        if objective != "pareto":
            document["total"] = total
        return document
