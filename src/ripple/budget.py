"""What a simulation will cost, said before it starts, and the limits past which it is refused.

The reference simulator executes every MAC: a large layer (10^11 MACs) runs for hours and its
MAC log fills a disk. Before the first MAC the command knows, exactly, how many MACs it will
stream, and from that an estimate of the time, the memory and the log's size; past a limit it
refuses with the one flag that raises it, instead of starting work nobody meant to wait for.

The MAC count comes from the analytical model (exact, in closed form, and equal to the
simulator's by the test suite), so this module sits beside both rather than inside ``sim/``,
which never imports the model. A nest the model refuses to count is bounded by the stream's
candidate (step, instance) pairs instead. Time, memory and log size are estimates from rates
measured with ``benchmarks/bench_sim.py`` on the Eyeriss-like example (2 cores): the slowest
rate and the largest sizes seen, so that the estimate errs on the long side.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ripple.errors import ModelError, RippleInputError
from ripple.resources import check_memory, duration, size

if TYPE_CHECKING:
    from ripple.mapping import LoopNest

MACS_PER_SECOND = 600_000  # the slowest simulation rate measured (eyeriss_like, ws)
BASE_BYTES = 180 * 2**20  # the interpreter, NumPy, the nest and its plan
BYTES_PER_CHUNK_MAC = 240  # every column of a chunk of the MAC stream, and its copies
BYTES_PER_OUTPUT = 400  # per output: its buffer, first and last cycles, residency trackers
BYTES_PER_LOGGED_MAC = 120  # a chunk's log columns (coordinates) while it is written
CHUNK_MACS = 2_000_000  # the simulator's chunk: memory grows with it, not with the layer
LOG_BYTES_PER_ROW = {".csv": 60.0, ".parquet": 6.0}  # with the coordinate columns

DEFAULT_MAX_MACS = 200_000_000  # about 6 minutes
DEFAULT_MAX_LOG_GB = 2.0


@dataclass(frozen=True)
class SimulationBudget:
    """``macs``: the MACs the simulator will stream (``exact``, or an upper bound); the
    rest are estimates derived from it."""

    macs: int
    exact: bool
    outputs: int
    log: Path | None
    what: str  # the layer and mapping, for the messages

    @property
    def seconds(self) -> float:
        return self.macs / MACS_PER_SECOND

    @property
    def memory_bytes(self) -> float:
        per_mac = BYTES_PER_CHUNK_MAC + (BYTES_PER_LOGGED_MAC if self.log is not None else 0)
        return BASE_BYTES + min(self.macs, CHUNK_MACS) * per_mac + self.outputs * BYTES_PER_OUTPUT

    @property
    def log_bytes(self) -> float:
        if self.log is None:
            return 0.0
        return self.macs * LOG_BYTES_PER_ROW.get(self.log.suffix.lower(), 0.0)

    def describe(self) -> str:
        """One line: the MACs, then the estimates."""
        count = f"{self.macs:,} MACs" if self.exact else f"at most {self.macs:,} MACs"
        log = (f", a MAC log ({self.log.name}) of about {size(self.log_bytes)}"
               if self.log is not None else "")
        return (f"{count}: about {duration(self.seconds)} and "
                f"{size(self.memory_bytes)} of memory{log}")

    def check(self, limits: SimulationLimits) -> None:
        """Refuse past any limit (MACs, log size, memory), naming the flag that raises it."""
        check_memory(self.memory_bytes, self.describe(), self.what)
        if self.macs > limits.max_macs:
            raise RippleInputError(f"{self.describe()}; that is past the limit of "
                                   f"{limits.max_macs:,} MACs (--max-macs N raises it)",
                                   source=self.what)
        if self.log_bytes > limits.max_log_gb * 1e9:
            raise RippleInputError(f"{self.describe()}; that is past the limit of "
                                   f"{limits.max_log_gb:g} GB of log (--max-log-gb N raises "
                                   "it, or leave out --log)", source=self.what)


@dataclass(frozen=True)
class SimulationLimits:
    """The largest simulation run without being asked for explicitly."""

    max_macs: int = DEFAULT_MAX_MACS
    max_log_gb: float = DEFAULT_MAX_LOG_GB


def simulation_budget(nest: LoopNest, log: str | Path | None = None,
                      figures: bool = False) -> SimulationBudget:
    """The cost of simulating ``nest``, writing the MAC log to ``log`` (or, for ``figures``,
    which are read from a log, to a temporary Parquet one)."""
    from ripple.model import evaluate

    outputs = nest.layer.N * nest.layer.K * nest.layer.OY * nest.layer.OX
    log_path = Path(log) if log is not None else Path("temporary.parquet") if figures else None
    what = f"layer {nest.layer.name} under {nest.mapping.name}"
    try:
        result = evaluate(nest)
    except ModelError:  # the simulator may still run it: bound it by its candidate pairs
        from ripple.sim.stream import StreamPlan

        plan = StreamPlan(nest)
        return SimulationBudget(plan.steps * plan.n_spatial, False, outputs, log_path, what)
    report = result.extras.get("sparsity")  # the stream is the dense schedule's
    macs = report["dense"]["macs_issued"] if report else result.macs_issued
    return SimulationBudget(int(macs), True, outputs, log_path, what)
