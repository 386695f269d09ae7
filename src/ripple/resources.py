"""The memory a run may take, and the estimates checked against it before the work starts.

A layer of 4096x4096 channels at 224x224 has 2e8 outputs: the model's readiness arrays alone
(first and last cycle of every output, and their intermediates) need tens of GB, and NumPy
then dies mid-way with a traceback. Each command estimates its memory first and refuses past
the limit, with the estimate and the two ways past it: ``--max-memory GB`` or ``--force``.

The limit is ambient (a context variable the CLI sets from its flags) because the model is
reached through many paths (mappings, presets, imported tools, networks, multi-core tiles)
that all end in :func:`ripple.model.evaluate`. Its default: the smaller of 80% of the
machine's memory and the process's address-space limit (``ulimit -v``), so that a run under a
memory limit is refused rather than killed.

The per-output rate is the largest measured on the Eyeriss-like example (``/usr/bin/time -v``
of ``ripple evaluate`` on K=64 and K=256 layers at 224x224, C=64, the ws, os and ed presets:
the event-driven preset's 260 bytes an output is the largest), so estimates err on the
large side.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import resource
from collections.abc import Iterator

from ripple.errors import RippleInputError

BASE_BYTES = 180 * 2**20  # the interpreter, NumPy, the nest
MODEL_BYTES_PER_OUTPUT = 260  # readiness (first and last cycle) and their intermediates
MODEL_SECONDS_PER_OUTPUT = 2.5e-6  # the slowest measured, for the message only
#: Per element of one factor's table (a dimension's indices, or an axis's (position, tap)
#: pairs): its coordinates, loop digits and group histograms. Measured: ``evaluate
#: --dataflow ed`` of the seed layer at N = 4M and 16M took 0.83 and 3.0 GB, 176 bytes per
#: element of N; rounded up.
FACTOR_BYTES_PER_ELEMENT = 200
MACHINE_SHARE = 0.8

#: The memory limit in bytes; None: no limit (``--force``).
_LIMIT: contextvars.ContextVar[float | None] = contextvars.ContextVar("memory_limit")
OVERRIDES = "--max-memory GB raises the limit, --force runs anyway"


def default_limit() -> float:
    """80% of the machine's memory, or the address-space limit when it is lower."""
    machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * MACHINE_SHARE
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return float(min(machine, soft) if soft != resource.RLIM_INFINITY else machine)


def memory_limit() -> float | None:
    return _LIMIT.get(default_limit())


@contextlib.contextmanager
def limited(max_memory_gb: float | None, force: bool = False) -> Iterator[None]:
    """Within the block, the limit is ``max_memory_gb`` (the default when None), or none
    when ``force``."""
    limit = None if force else (max_memory_gb * 1e9 if max_memory_gb else default_limit())
    token = _LIMIT.set(limit)
    try:
        yield
    finally:
        _LIMIT.reset(token)


def check_memory(estimate: float, what: str, source: str | None = None) -> None:
    """Refuse ``what`` (which ends with its estimate) when ``estimate`` bytes pass the limit."""
    limit = memory_limit()
    if limit is not None and estimate > limit:
        raise RippleInputError(f"{what}; that is past the memory limit of {size(limit)} "
                               f"({OVERRIDES})", source=source)


def check_model(outputs: int, what: str, source: str | None = None) -> None:
    """The analytical model's cost for a layer of ``outputs`` outputs, refused past the
    limit."""
    estimate = BASE_BYTES + outputs * MODEL_BYTES_PER_OUTPUT
    check_memory(estimate, f"{what}: {outputs:,} outputs, about {size(estimate)} of memory and "
                 f"{duration(outputs * MODEL_SECONDS_PER_OUTPUT)} to evaluate its readiness",
                 source)


def check_factor(elements: int, what: str) -> None:
    """The table of one factor of the model (``elements`` long), refused past the limit: a
    dimension of 2^31 once asked NumPy for 16 GiB at a time, under every path to the model
    (presets, explorations, networks), before any per-output estimate was made."""
    estimate = BASE_BYTES + elements * FACTOR_BYTES_PER_ELEMENT
    check_memory(estimate, f"{what}: a table of {elements:,} elements, about {size(estimate)} "
                 "of memory", None)


def duration(seconds: float) -> str:
    for unit, length in (("h", 3600), ("min", 60)):
        if seconds >= length:
            return f"{seconds / length:.1f} {unit}"
    return f"{seconds:.0f} s"


def size(count: float) -> str:
    for unit, length in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if count >= length:
            return f"{count / length:.1f} {unit}"
    return f"{count / 1e3:.0f} kB"
