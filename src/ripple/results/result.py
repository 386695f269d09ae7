"""The result of executing one layer under one mapping, whoever computed it.

Both the analytical model and the reference simulator fill a :class:`LayerResult`; the
equivalence tests compare two of them field by field. Energy and the readiness summary are
derived from the counts here, so that they are the same function of the same numbers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ripple.arch.area import area_report
from ripple.arch.spec import Architecture, Memory
from ripple.workload.layer import OPERANDS, Layer, Operand


@dataclass
class OperandAccess:
    """Transactions at one memory for one operand, and the bits they moved (expected values,
    floats, when the model counts a sparse layer: docs/sparsity.md). ``gated_*``: the part of
    them made at the memory's gated energy (docs/sparsity.md, "Gating and skipping at a
    memory"); they are included in ``reads``, ``writes`` and the bits."""

    reads: float = 0
    writes: float = 0
    final_writes: float = 0
    read_bits: float = 0
    write_bits: float = 0
    gated_reads: float = 0
    gated_writes: float = 0
    gated_read_bits: float = 0
    gated_write_bits: float = 0
    read_granules: float = 0  # accesses of the narrowest width (Memory.read_granule_bits)
    write_granules: float = 0

    def add(self, other: OperandAccess) -> None:
        for f in fields(OperandAccess):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def book(self, direction: str, transactions: float, bits: float, final: float = 0) -> None:
        """Add one transfer side's totals: a ``read`` side, or a write side (with its final
        transactions)."""
        if direction == "read":
            self.reads += transactions
            self.read_bits += bits
        else:
            self.writes += transactions
            self.write_bits += bits
            self.final_writes += final

    def swapped(self, before: OperandAccess, after: OperandAccess) -> OperandAccess:
        """This count with a share of it, ``before``, counted as ``after`` instead (the
        transfers skipping removes, the sides a compressed format shrinks)."""
        return OperandAccess(**{f.name: getattr(self, f.name) - getattr(before, f.name)
                                + getattr(after, f.name) for f in fields(OperandAccess)})


@dataclass(frozen=True)
class Latency:
    compute: float
    stall: float = 0
    fill: float = 0
    drain: float = 0

    @property
    def total(self) -> float:
        return self.compute + self.stall + self.fill + self.drain


@dataclass
class LayerResult:
    """Counts of one layer. ``ready[n, k, y, x]`` is the cycle at which output ``(n, k, y, x)``
    is final and ``first[n, k, y, x]`` the cycle of its first MAC (SPEC section 3). An output
    that receives no MAC (every tap in padding, under ``skip_padding``) has ``ready`` 0 and
    ``first`` -1.

    Under sparsity (docs/sparsity.md) the counts are what the MACs actually did: the model's are
    expected values (floats), the simulator's exact ones; ``macs_gated`` of the issued MACs ran
    at the gated energy, and ``extras["sparsity"]`` keeps the dense values."""

    layer: Layer
    arch: Architecture
    mapping_name: str
    nest: str
    macs_issued: float
    macs_valid: int
    latency: Latency
    accesses: dict[str, dict[Operand, OperandAccess]]
    ready: NDArray[np.int64]
    first: NDArray[np.int64]
    extras: dict[str, Any] = field(default_factory=dict)
    macs_gated: float = 0
    #: memory -> operand -> action -> pJ of actions that are neither a read nor a write
    #: (Sparseloop's metadata and (de)compression counts: docs/sparseloop.md)
    action_energy_pj: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)

    # ----- derived -----------------------------------------------------------------------
    def energy_breakdown(self) -> dict[str, Any]:
        """``{"mac": pJ, memory: {operand: {"read": pJ, "write": pJ}}}``."""
        mac = self.arch.mac
        out: dict[str, Any] = {"mac": (self.macs_issued - self.macs_gated) * mac.energy_pj
                               + self.macs_gated * mac.gated_energy_pj}
        for name, per_operand in self.accesses.items():
            memory = self.arch.memory(name)
            per_bit = memory.energy_per == "bit"
            out[name] = {}
            for op, acc in per_operand.items():
                reads, gated_reads = ((acc.read_bits, acc.gated_read_bits) if per_bit
                                      else (memory.energy_units("read", acc.reads,
                                                                acc.read_granules),
                                            acc.gated_reads))
                writes, gated_writes = ((acc.write_bits, acc.gated_write_bits) if per_bit
                                        else (memory.energy_units("write", acc.writes,
                                                                  acc.write_granules),
                                              acc.gated_writes))
                out[name][op] = {
                    "read": (reads - gated_reads) * memory.read_energy_pj
                    + gated_reads * memory.gated_read_energy_pj,
                    "write": (writes - gated_writes) * memory.write_energy_pj
                    + gated_writes * memory.gated_write_energy_pj,
                    **self.action_energy_pj.get(name, {}).get(op, {}),
                }
        return out

    @property
    def energy_pj(self) -> float:
        breakdown = self.energy_breakdown()
        total = breakdown.pop("mac")
        for per_operand in breakdown.values():
            for actions in per_operand.values():
                total += sum(actions.values())
        return float(total)

    @property
    def schedule_cycles(self) -> float:
        """Compute cycles of the schedule: the clock of the readiness arrays and of the MAC
        log, which under skipping (docs/sparsity.md) stay those of the dense schedule."""
        report = self.extras.get("sparsity")
        return report["dense"]["compute"] if report else self.latency.compute

    @functools.cached_property
    def peak_live_psums(self) -> int:
        """Kept once computed: tables, totals and the JSON ask for it again and again, and it
        costs a pass over every output (``ready`` and ``first`` are never changed in place)."""
        return peak_live(self.first, self.ready)

    @property
    def first_output_ready_cycle(self) -> int:
        """The cycle at which the first output is final (docs/energy-latency.md): the least
        ready cycle over every output. ``ready`` holds cycles elapsed, so an output with MACs is
        final at 1 at the earliest; one that receives no MAC (``first`` -1) is final from the
        start, at 0, as the readiness curve and ``row_ready_cycles`` count it too."""
        return int(self.ready.min())

    @property
    def row_ready_cycles(self) -> list[int]:
        """Per output row, the cycle at which the whole row is final."""
        return [int(v) for v in self.ready.max(axis=(0, 1, 3))]

    def to_frame(self) -> Any:
        """A pandas DataFrame: one row per memory and operand, accesses and energy."""
        from ripple.results.frames import layer_frame

        return layer_frame(self)

    def __repr__(self) -> str:
        from ripple.results.frames import short_repr

        return short_repr("LayerResult", self.layer.name, mapping=self.mapping_name,
                          macs_issued=self.macs_issued, latency_cycles=self.latency.total,
                          energy_pj=self.energy_pj)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of SPEC section 9."""
        return {
            "layer": self.layer.name,
            "mapping": self.mapping_name,
            "nest": self.nest,
            "macs": {"issued": self.macs_issued, "valid": self.macs_valid},
            "latency_cycles": self.latency.total,
            "latency": {
                "compute": self.latency.compute,
                "stall": self.latency.stall,
                "fill": self.latency.fill,
                "drain": self.latency.drain,
            },
            "energy_pj": self.energy_pj,
            "energy_breakdown_pj": self.energy_breakdown(),
            "accesses": {
                name: {op: _access_dict(self.arch.memory(name), a)
                       for op, a in per_operand.items()}
                for name, per_operand in self.accesses.items()
            },
            "area": area_report(self.arch),
            "output_readiness": {
                "peak_live_psums": self.peak_live_psums,
                "outputs": int(self.ready.size),
                "first_output_ready_cycle": self.first_output_ready_cycle,
                "last_output_ready_cycle": int(self.ready.max(initial=0)),
                "row_ready_cycles": self.row_ready_cycles,
            },
            **self.extras,
        }


def _access_dict(memory: Memory, access: OperandAccess) -> dict[str, float]:
    """An operand's accesses at a memory in the JSON: transactions, and the narrow accesses
    where the memory prices them (``*_granule_bits``)."""
    out = {"reads": access.reads, "writes": access.writes, "final_writes": access.final_writes}
    for direction in ("read", "write"):
        if memory.granule(direction) is not None:
            out[f"{direction}_granules"] = getattr(access, f"{direction}_granules")
    return out


def empty_accesses(arch: Architecture) -> dict[str, dict[Operand, OperandAccess]]:
    """A zeroed access table: every memory, every operand it holds."""
    return {
        memory.name: {op: OperandAccess() for op in OPERANDS if op in memory.operands}
        for lvl in arch.levels
        for memory in lvl.memories
    }


def peak_live(first: NDArray[np.int64], ready: NDArray[np.int64]) -> int:
    """Largest number of outputs that are started but not final after some cycle.

    An output is live after cycle ``t`` when ``first <= t < ready - 1`` (its last MAC is in
    cycle ``ready - 1``). Outputs that receive no MAC are never live."""
    touched = ready.ravel() > 0
    start = first.ravel()[touched]
    end = ready.ravel()[touched] - 1  # cycle of the last MAC; live over [first, end)
    if not end.size:
        return 0
    span = int(end.max()) + 2
    delta = np.bincount(start, minlength=span)[:span] - np.bincount(end, minlength=span)[:span]
    live = np.cumsum(delta)
    return int(live.max()) if live.size else 0
