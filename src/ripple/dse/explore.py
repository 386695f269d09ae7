"""Running an exploration: tasks (one skeleton, one chunk of its orders) evaluated on a backend,
rows streamed to part files, summaries kept for the objective and the report.

Backends: in-process (``workers=1``), a local process pool (``workers=N``), or a Dask
distributed cluster (``scheduler=ADDRESS``). Every backend runs the same task function and
the export is merged in task order, so all three give the same export row for row.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ripple.arch.spec import Architecture
from ripple.dse import space
from ripple.dse.cluster import connect
from ripple.dse.constraints import Constraints
from ripple.dse.lock import ExportLock
from ripple.dse.rows import batch_table
from ripple.dse.store import PartStore, fingerprint, write_part
from ripple.mapping.skeleton import Skeleton
from ripple.pool import stoppable_pool
from ripple.workload.layer import Layer

if TYPE_CHECKING:
    import pyarrow as pa
    from distributed import Client
    from distributed.security import Security


@dataclass
class Task:
    task_id: int
    layer: Layer
    skeleton: Skeleton
    orders: NDArray[np.int64]


@dataclass
class TaskSummary:
    task_id: int
    layer: str
    energy: NDArray[np.float64]
    latency: NDArray[np.int64]
    valid: NDArray[np.bool_]


def run_task(arch: Architecture, task: Task, part: str) -> TaskSummary:
    """Evaluate one task and write its part file (runs in a worker)."""
    batch = space.skeleton_batch(task.layer, arch, task.skeleton)
    assert batch is not None, "tasks() yields only skeletons that bind"
    columns = batch.evaluate(task.orders)
    table = batch_table(task.task_id, task.layer.name, task.skeleton, arch, task.orders, columns)
    write_part(Path(part), table)
    return TaskSummary(task.task_id, task.layer.name, columns.energy_pj, columns.latency["total"],
                       columns.valid)


def tasks(layers: list[Layer], arch: Architecture, constraints: Constraints, batch_size: int,
          limit: int | None, sample: space.Sample | None = None) -> Iterator[Task]:
    """Every task of the exploration, in a fixed order (ids are stable across runs).
    ``limit`` bounds each layer's mappings, not the network's: a network total is then a sum
    over every layer's best of its first ``limit`` mappings, never one layer's alone.
    ``sample``: only that many mappings of each layer, drawn with that seed."""
    task_id = 0
    for layer in layers:
        for chunk_task in _layer_tasks(layer, arch, constraints.for_layer(layer.name),
                                       batch_size, limit, sample):
            yield Task(task_id, *chunk_task)
            task_id += 1


def _layer_tasks(layer: Layer, arch: Architecture, constraints: Constraints, batch_size: int,
                 limit: int | None, sample: space.Sample | None
                 ) -> Iterator[tuple[Layer, Skeleton, NDArray[np.int64]]]:
    produced = 0
    for skeleton, chunk in space.layer_chunks(layer, arch, constraints, batch_size, sample):
        if limit is not None:
            chunk = chunk[: limit - produced]
        if len(chunk):
            yield layer, skeleton, chunk
            produced += len(chunk)
        if limit is not None and produced >= limit:
            return


@dataclass
class Exploration:
    """What a run leaves in memory: per task, energy, latency and validity of each row."""

    summaries: list[TaskSummary] = field(default_factory=list)
    complete: bool = False
    rows_written: int = 0
    stopped_by: int = 0  # the signal that interrupted the run (SIGINT or SIGTERM), else 0

    def __repr__(self) -> str:
        return (f"Exploration(tasks={len(self.summaries)}, rows_written={self.rows_written}, "
                f"complete={self.complete})")

    def of_layer(self, layer: str) -> Exploration:
        return Exploration([s for s in self.summaries if s.layer == layer], self.complete,
                           self.rows_written, self.stopped_by)

    def arrays(self) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64],
                              NDArray[np.int64], NDArray[np.bool_]]:
        ordered = sorted(self.summaries, key=lambda s: s.task_id)
        task = np.concatenate([np.full(len(s.valid), s.task_id) for s in ordered] or [[]])
        row = np.concatenate([np.arange(len(s.valid)) for s in ordered] or [[]])
        energy = np.concatenate([s.energy for s in ordered] or [[]])
        latency = np.concatenate([s.latency for s in ordered] or [[]])
        valid = np.concatenate([s.valid for s in ordered] or [[]]).astype(bool)
        return task.astype(np.int64), row.astype(np.int64), energy, latency.astype(np.int64), valid


class _Interrupted(Exception):
    pass


def explore(layers: list[Layer], arch: Architecture, constraints: Constraints, export: str | Path,
            *, workers: int = 1, scheduler: str | None = None, resume: bool = False,
            batch_size: int = 16_384, limit: int | None = None,
            progress: Callable[[int], None] | None = None,
            security: Security | None = None, sample: space.Sample | None = None
            ) -> Exploration:
    """Explore the mapspace of ``layers`` on ``arch``; every mapping becomes a row of
    ``export``. An interrupted run leaves a partial export marked as such; ``resume`` finishes
    it without redoing finished tasks. ``scheduler``: a Dask scheduler's address, reached with
    ``security`` (TLS: :func:`ripple.dse.cluster.scheduler_security`), before the export is
    touched (a scheduler out of reach leaves nothing behind). ``sample``: ``(N, seed)``,
    only N mappings of each layer drawn uniformly over its space."""
    with contextlib.ExitStack() as stack:
        client = stack.enter_context(connect(scheduler, security)) if scheduler else None
        stack.enter_context(ExportLock(Path(export)))
        store = PartStore(export, fingerprint((layers, arch, constraints), batch_size, limit,
                                              sample), resume)
        return _run(store, layers, arch, constraints, workers=workers, client=client,
                    batch_size=batch_size, limit=limit, progress=progress, sample=sample)


def _run(store: PartStore, layers: list[Layer], arch: Architecture, constraints: Constraints,
         *, workers: int, client: Client | None, batch_size: int,
         limit: int | None, progress: Callable[[int], None] | None,
         sample: space.Sample | None) -> Exploration:
    done = store.done()  # empty unless resuming
    result = Exploration()

    def record(summary: TaskSummary) -> None:
        result.summaries.append(summary)
        if progress:
            progress(len(summary.valid))

    def pending() -> Iterator[Task]:
        """The tasks without a part of their size (a part of another size is redone)."""
        for task in tasks(layers, arch, constraints, batch_size, limit, sample):
            table = done.pop(task.task_id, None)
            if table is not None and table.num_rows == len(task.orders):
                record(_summary_of_part(task.task_id, table))
            else:
                yield task

    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        if client is not None:
            _run_dask(client, arch, pending(), store, record)
        elif workers > 1:
            _run_pool(workers, arch, pending(), store, record)
        else:
            for task in pending():
                record(run_task(arch, task, str(store.part_path(task.task_id))))
        for task_id in done:  # parts of no task of this run
            store.part_path(task_id).unlink()
        result.complete = True
    except (KeyboardInterrupt, _Interrupted) as exc:
        result.complete = False
        result.stopped_by = signal.SIGTERM if isinstance(exc, _Interrupted) else signal.SIGINT
    finally:
        signal.signal(signal.SIGTERM, previous)
        result.rows_written = store.finish(result.complete)
    return result


def _raise_interrupted(*_: Any) -> None:
    raise _Interrupted


def _run_pool(workers: int, arch: Architecture, pending: Iterator[Task], store: PartStore,
              record: Callable[[TaskSummary], None]) -> None:
    with stoppable_pool(workers) as pool:
        in_flight: set[Future[TaskSummary]] = set()
        for task in pending:
            in_flight.add(pool.submit(run_task, arch, task, str(store.part_path(task.task_id))))
            if len(in_flight) >= 2 * workers:
                finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    record(future.result())
        for future in in_flight:
            record(future.result())


def _run_dask(client: Client, arch: Architecture, pending: Iterator[Task], store: PartStore,
              record: Callable[[TaskSummary], None]) -> None:
    from distributed import as_completed

    arch_future = client.scatter(arch, broadcast=True)
    window = 2 * max(1, len(client.scheduler_info()["workers"]))
    futures = as_completed()
    for task in pending:
        futures.add(client.submit(run_task, arch_future, task,
                                  str(store.part_path(task.task_id)), pure=False))
        if futures.count() >= window:
            record(next(futures).result())
    for future in futures:
        record(future.result())


def _summary_of_part(task_id: int, table: pa.Table) -> TaskSummary:
    return TaskSummary(task_id, table["layer"][0].as_py(), table["energy_pj"].to_numpy(),
                       table["latency_cycles"].to_numpy(), table["valid"].to_numpy())
