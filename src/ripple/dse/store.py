"""Where an exploration's rows go: part files per finished task, merged into one export.

Each finished task is written as its own Parquet part (to a temporary name, then renamed), so an
interrupted run loses nothing finished and ``--resume`` skips every task that has a readable
part of the task's size (an empty, truncated or corrupt part is done again). The export
(Parquet or CSV) is assembled from the parts in task order; a status file beside it says
whether it is complete and of which run (its fingerprint), and a partial Parquet export carries
the same flag in its metadata. The caller holds :class:`ripple.dse.lock.ExportLock` meanwhile.
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

from ripple.errors import NothingToDo, RippleInputError

#: The columns the summaries are read from when a run resumes.
SUMMARY_COLUMNS = ["layer", "energy_pj", "latency_cycles", "valid"]
#: What each part of a fingerprint stands for, in the message refusing a resume.
FINGERPRINT_NAMES = {"inputs": "the workload, architecture or constraints",
                     "batch_size": "--batch-size", "limit": "--limit",
                     "sample": "--sample/--seed"}

Fingerprint = dict[str, object]


class PartStore:
    def __init__(self, export: str | Path, fingerprint: Fingerprint, resume: bool):
        self.export = Path(export)
        if self.export.suffix not in (".parquet", ".csv"):
            raise RippleInputError("the export must end in .parquet or .csv",
                                   source=str(self.export), field="--export")
        self.parts = self.export.with_name(self.export.name + ".parts")
        self.status = self.export.with_name(self.export.name + ".status.json")
        self.fingerprint = fingerprint
        meta = self.parts / "fingerprint.json"
        if resume and self.parts.exists():
            self._check_same_run(_read_json(meta), "the interrupted run")
        else:
            if resume:
                self._refuse_finished_run()
            shutil.rmtree(self.parts, ignore_errors=True)
            self.parts.mkdir(parents=True)
            _write_atomic(meta, json.dumps(fingerprint))

    def _check_same_run(self, earlier: object, what: str) -> None:
        if not isinstance(earlier, dict):
            raise RippleInputError(f"cannot resume: {what} left no readable fingerprint; run "
                                   "again without --resume", source=str(self.export),
                                   field="--resume")
        changed = [FINGERPRINT_NAMES[key] + (f" (was {earlier.get(key)}, now {value})"
                                             if key != "inputs" else "")
                   for key, value in self.fingerprint.items() if earlier.get(key) != value]
        if changed:
            raise RippleInputError(f"cannot resume: {' and '.join(changed)} changed since "
                                   f"{what}; give the same options, or run again without "
                                   "--resume", source=str(self.export), field="--resume")

    def _refuse_finished_run(self) -> None:
        """``--resume`` with no parts: a complete run of the same options has nothing left."""
        status = _read_json(self.status)
        if isinstance(status, dict) and status.get("complete") and self.export.exists():
            self._check_same_run(status.get("fingerprint"), "the completed run")
            raise NothingToDo(f"{self.export} is complete ({status.get('rows', 0):,} rows); "
                              "nothing to resume")

    def done(self) -> dict[int, pa.Table]:
        """The summary columns of every readable part, by task; an unreadable part (empty,
        truncated, corrupt) is removed, so that its task is done again."""
        out = {}
        for part in sorted(self.parts.glob("part-*.parquet")):
            try:
                table = pq.read_table(part, columns=SUMMARY_COLUMNS)
            except (pa.ArrowException, OSError):
                table = None
            if table is None or table.num_rows == 0:
                part.unlink()
                continue
            out[int(part.stem.split("-")[1])] = table
        return out

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
        _write_atomic(self.status, json.dumps({
            "complete": complete, "rows": rows, "tasks_done": len(parts),
            "tasks_total": tasks_total, "parts": str(self.parts),
            "fingerprint": self.fingerprint,
        }, indent=2))
        if complete:
            shutil.rmtree(self.parts, ignore_errors=True)
        return rows


def write_part(path: Path, table: pa.Table) -> None:
    tmp = path.with_name("." + path.name + ".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _writer(path: Path, schema: pa.Schema, suffix: str, complete: bool) -> object:
    if suffix == ".parquet":
        schema = schema.with_metadata({b"ripple.complete": b"true" if complete else b"false"})
        return pq.ParquetWriter(path, schema)
    return pacsv.CSVWriter(path, schema)


def fingerprint(inputs: tuple[object, ...], batch_size: int, limit: int | None,
                sample: tuple[int, int] | None = None) -> Fingerprint:
    """What decides the rows of a run: its inputs (hashed) and the options that cut, draw or
    group them. A resume must match all of them."""
    digest = hashlib.sha256(json.dumps([repr(p) for p in inputs]).encode()).hexdigest()
    return {"inputs": digest, "batch_size": batch_size, "limit": limit,
            "sample": list(sample) if sample is not None else None}
