"""What an exploration will cost, said before it starts: how many mappings its space has (or
that it is too large to count), how many this run evaluates, and the memory that takes.

Without this an exploration of a large layer ran for hours before anyone learnt its size. The
count enumerates the skeletons (unrollings and tilings) and counts each one's loop orders in
closed form. Enumerating skeletons is the slow part (about 200 a second on a deep hierarchy),
so at most :data:`MAX_COUNTED_SKELETONS` are counted (2 s): a budget in skeletons, not
seconds, so that the answer does not depend on the machine's load. A larger space is "too
large to count", and is explored only with ``--limit`` (per layer) or ``--force``.

Memory grows with the rows kept in memory (each row's energy, latency and validity, and what
the findings derive from them) and with the tasks in flight. The rates are the largest
measured with ``/usr/bin/time -v`` on LeNet-5 on the Eyeriss-like example (``--limit`` 2,000
and 40,000 a layer, batches of 1,000 and 16,384 mappings), so that the estimate errs on the
large side.
"""

from __future__ import annotations

from dataclasses import dataclass

from ripple.arch.spec import Architecture
from ripple.dse import space
from ripple.dse.constraints import Constraints
from ripple.errors import RippleInputError
from ripple.resources import check_memory, memory_limit, size
from ripple.workload.layer import Layer

BASE_BYTES = 270 * 2**20  # the interpreter, NumPy, pyarrow, the space's skeletons
BYTES_PER_ROW = 1_500  # a row's summary and its share of the findings and the export merge
BYTES_PER_TASK_ROW = 2_700  # a mapping being evaluated (every column of its batch)
MAX_COUNTED_SKELETONS = 400


@dataclass(frozen=True)
class ExplorationEstimate:
    """``space``: mappings of the space (None: too large to count in the budget);
    ``explored``: those this run evaluates (``limit`` of each layer at most)."""

    space: int | None
    explored: int | None
    limit: int | None
    in_flight_rows: int  # mappings evaluated at once: a batch per task in flight
    cap: str = "--limit"  # the option that caps each layer (--sample draws)

    @property
    def memory_bytes(self) -> float | None:
        if self.explored is None:
            return None
        return (BASE_BYTES + self.explored * BYTES_PER_ROW
                + min(self.in_flight_rows, self.explored) * BYTES_PER_TASK_ROW)

    def describe(self) -> str:
        """One line: the space, what is explored of it, the memory."""
        if self.space is None:
            text = (f"the space is too large to count (more than {MAX_COUNTED_SKELETONS:,} "
                    "unrollings and tilings)")
        else:
            text = f"the space has {self.space:,} mappings"
        if self.explored is not None and self.explored != self.space:
            text += f"; {self.explored:,} to explore ({self.cap} {self.limit:,} a layer)"
        if self.memory_bytes is not None:
            text += f", about {size(self.memory_bytes)} of memory"
        return text

    def check(self, export: str) -> None:
        """Refuse a run past the memory limit, or of a space too large to count without
        --limit (unless the limit is lifted)."""
        if self.memory_bytes is None:
            if memory_limit() is not None:
                raise RippleInputError(f"{self.describe()}: give --limit N (mappings a layer) "
                                       f"or --force to explore it all", source=export)
            return
        check_memory(self.memory_bytes, self.describe(), export)


def estimate(layers: list[Layer], arch: Architecture, constraints: Constraints,
             limit: int | None, batch_size: int, tasks_in_flight: int,
             cap: str = "--limit") -> ExplorationEstimate:
    """Count the space of ``layers`` (each layer's count capped at ``limit`` for the explored
    part), up to :data:`MAX_COUNTED_SKELETONS` skeletons."""
    skeletons = 0
    in_flight = batch_size * tasks_in_flight
    per_layer = []
    for layer in layers:
        in_layer, rules = 0, constraints.for_layer(layer.name)
        for skeleton in space.skeletons(layer, arch, rules):
            skeletons += 1
            if skeletons > MAX_COUNTED_SKELETONS:  # explored: at most every layer's limit
                bound = None if limit is None else limit * len(layers)
                return ExplorationEstimate(None, bound, limit, in_flight, cap)
            if space.skeleton_batch(layer, arch, skeleton) is not None:  # else: no task
                in_layer += space.count_orders(skeleton, rules)
        per_layer.append(in_layer)
    explored = sum(per_layer if limit is None else (min(n, limit) for n in per_layer))
    return ExplorationEstimate(sum(per_layer), explored, limit, in_flight, cap)
