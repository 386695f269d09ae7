"""Where an exploration's rows go: part files per finished task, merged into one export.

Each finished task is written as its own Parquet part (to a temporary name, then renamed), so an
interrupted run loses nothing finished and ``--resume`` skips every task that has a part. The
export (Parquet or CSV) is assembled from the parts in task order; a status file beside it says
whether it is complete, and a partial Parquet export carries the same flag in its metadata.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ripple.errors import RippleInputError


class PartStore:
    def __init__(self, export: str | Path, fingerprint: str, resume: bool):
        self.export = Path(export)
        if self.export.suffix not in (".parquet", ".csv"):
            raise RippleInputError("the export must end in .parquet or .csv",
                                   source=str(self.export), field="--export")
        self.parts = self.export.with_name(self.export.name + ".parts")
        self.status = self.export.with_name(self.export.name + ".status.json")
        meta = self.parts / "fingerprint.txt"
        if resume and self.parts.exists():
            if meta.read_text() != fingerprint:
                raise RippleInputError("cannot resume: the workload, architecture, constraints "
                                       "or batch size changed since the interrupted run",
                                       source=str(self.export), field="--resume")
        else:
            shutil.rmtree(self.parts, ignore_errors=True)
            self.parts.mkdir(parents=True)
            meta.write_text(fingerprint)

    def done(self) -> set[int]:
        return {int(p.stem.split("-")[1]) for p in self.parts.glob("part-*.parquet")}

    def part_path(self, task_id: int) -> Path:
        return self.parts / f"part-{task_id:09d}.parquet"

    def write_part(self, task_id: int, table: pa.Table) -> None:
        write_part(self.part_path(task_id), table)

    def finish(self, complete: bool, tasks_total: int | None = None) -> int:
        """Merge the parts into the export (atomically); returns the rows written."""
        parts = sorted(self.parts.glob("part-*.parquet"))
        tmp = self.export.with_name("." + self.export.name + ".tmp")
        rows = 0
        writer = None
        try:
            for part in parts:
                table = pq.read_table(part)
                rows += table.num_rows
                if writer is None:
                    writer = _writer(tmp, table.schema, self.export.suffix, complete)
                writer.write_table(table)
            if writer is not None:
                writer.close()
                os.replace(tmp, self.export)
        finally:
            tmp.unlink(missing_ok=True)
        self.status.write_text(json.dumps({
            "complete": complete, "rows": rows, "tasks_done": len(parts),
            "tasks_total": tasks_total, "parts": str(self.parts),
        }, indent=2))
        if complete:
            shutil.rmtree(self.parts, ignore_errors=True)
        return rows


def write_part(path: Path, table: pa.Table) -> None:
    tmp = path.with_name("." + path.name + ".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _writer(path: Path, schema: pa.Schema, suffix: str, complete: bool) -> object:
    if suffix == ".parquet":
        schema = schema.with_metadata({b"ripple.complete": b"true" if complete else b"false"})
        return pq.ParquetWriter(path, schema)
    return pacsv.CSVWriter(path, schema)


def fingerprint(*parts: object) -> str:
    return hashlib.sha256(json.dumps([repr(p) for p in parts]).encode()).hexdigest()
