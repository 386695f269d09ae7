"""The result of a multi-core schedule: latency, energy by where it is spent, per-core
utilisation and buffer peaks, and the JSON document of ``ripple multicore``.

Energy terms: ``compute`` (MACs), ``on_core_memories`` (every memory inside the cores: the tiles'
accesses from the single-core model, MAC-free operations' data movement, and the reads and
writes at either end of a transfer), ``links`` (bits x pJ per bit of every link crossed) and
``offchip`` (the off-chip memory's reads and writes).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ripple.multicore.partition import Placement
from ripple.multicore.scheduler import POST, Schedule
from ripple.multicore.spec import Multicore
from ripple.multicore.tiles import Mode, TileGraph


@dataclass
class MulticoreResult:
    workload: str
    machine: Multicore
    mode: Mode
    dataflow: str
    rows_per_tile: int
    graph: TileGraph
    schedule: Schedule
    placements: dict[str, Placement]
    peak_buffer_bits: dict[str, int]
    #: How the tiles were cut and walked: ``depth-first`` (row blocks, a core interleaving
    #: consecutive layers), ``layer order`` (each core's share of a node as one tile, node by
    #: node, rows final at their readiness) or ``layer by layer`` (and at the layer's end).
    order: str = "layer by layer"
    #: Whether activations went through the off-chip memory because the cores' buffers could
    #: not hold them otherwise (evicted when produced, refetched when read).
    spilled: bool = False
    #: Per core, the bits its home memory holds over time: steps ``(cycle, bits from then)``.
    occupancy: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    #: allocations scheduled to find this one (``--budget``; 1: the given one alone)
    allocations_tried: int = 1
    #: The nodes starting a fused stack after the first (empty: the whole network is one
    #: stack); the fused and event modes walk each stack depth first, one after the other.
    stacks: tuple[str, ...] = ()

    @property
    def latency_cycles(self) -> int:
        return self.schedule.latency

    @property
    def macs(self) -> int:
        return sum(run.cost.macs for run in self.schedule.runs)

    def core_energy(self) -> dict[str, dict[str, float]]:
        """Per core: ``compute`` and ``memories`` (tiles and transfer ends), in pJ."""
        out = {core: {"compute": 0.0, "memories": 0.0} for core in self.machine.cores}
        for run in self.schedule.runs:
            energy = dict(run.cost.energy_pj)
            out[run.tile.core]["compute"] += energy.pop("mac")
            out[run.tile.core]["memories"] += sum(energy.values())
        for transfer in self.schedule.transfers:
            for key, value in transfer.energy_pj.items():
                if key in out:
                    out[key]["memories"] += value
        return out

    def energy_breakdown(self) -> dict[str, float]:
        per_core = self.core_energy().values()
        return {
            "compute": sum(e["compute"] for e in per_core),
            "on_core_memories": sum(e["memories"] for e in per_core),
            "links": sum(t.energy_pj["links"] for t in self.schedule.transfers),
            "offchip": sum(t.energy_pj.get("offchip", 0.0) for t in self.schedule.transfers),
        }

    @property
    def energy_pj(self) -> float:
        return float(sum(self.energy_breakdown().values()))

    def cores(self) -> list[dict[str, Any]]:
        """Per core: MACs, busy cycles of the MAC array (``utilisation``: their share of the
        latency) and of the post-processing unit, MAC utilisation (MACs / (NPEs x latency)),
        energy, and the peak bits held in the home memory against its capacity."""
        latency = max(self.latency_cycles, 1)
        energy = self.core_energy()
        macs: dict[str, int] = defaultdict(int)
        tiles: dict[str, int] = defaultdict(int)
        for run in self.schedule.runs:
            macs[run.tile.core] += run.cost.macs
            tiles[run.tile.core] += 1
        out = []
        for core in self.machine.cores:
            busy = self.schedule.busy[core]
            npes = self.machine.archs[core].npes
            out.append({
                "name": core, "architecture": self.machine.archs[core].name, "npes": npes,
                "tiles": tiles[core], "macs": macs[core], "busy_cycles": busy,
                "post_busy_cycles": self.schedule.busy[f"{core}{POST}"],
                "utilisation": busy / latency, "mac_utilisation": macs[core] / (npes * latency),
                "energy_pj": energy[core]["compute"] + energy[core]["memories"],
                "peak_buffer_bits": self.peak_buffer_bits[core],
                "capacity_bits": self.machine.home_capacity_bits(core),
            })
        return out

    def links(self) -> list[dict[str, Any]]:
        """Every link, then the off-chip port(s): busy cycles, bits carried and energy."""
        carried: dict[str, int] = defaultdict(int)
        for transfer in self.schedule.transfers:
            for name in transfer.links:
                carried[name] += transfer.bits
        out = [{"name": link.label, "endpoints": link.endpoints, "bandwidth": link.bandwidth,
                "busy_cycles": self.schedule.busy[link.label], "bits": carried[link.label],
                "energy_pj": carried[link.label] * link.energy_pj_per_bit}
               for link in self.machine.spec.links]
        offchip = self.machine.offchip
        if offchip is not None:
            for name, busy in self.schedule.busy.items():
                if name.startswith(f"{offchip.name}."):
                    out.append({"name": name, "busy_cycles": busy})
        return out

    def layers(self) -> list[dict[str, Any]]:
        out = []
        for name, placement in self.placements.items():
            runs = [self.schedule.runs[i] for i in self.graph.by_node[name]]
            out.append({
                "name": name, "split": placement.split,
                "rows_per_tile": placement.rows_per_tile,
                "shares": [{"core": s.core, "channels": list(s.channels), "rows": list(s.rows)}
                           for s in placement.shares],
                "tiles": len(runs), "macs": sum(r.cost.macs for r in runs),
                "start": min(r.start for r in runs), "end": max(r.end for r in runs),
            })
        return out

    def to_frame(self, table: str = "cores") -> Any:
        """A pandas DataFrame of one table of the JSON document: ``cores`` (the default),
        ``links``, ``layers``, or ``tiles`` and ``transfers`` (the schedule)."""
        from ripple.results.frames import records_frame

        tables = {"cores": self.cores, "links": self.links, "layers": self.layers}
        if table in tables:
            return records_frame(tables[table]())
        if table in ("tiles", "transfers"):
            return records_frame(self.to_dict()[table])
        raise ValueError(f"no table {table!r}; expected cores, links, layers, tiles or "
                         "transfers")

    def __repr__(self) -> str:
        from ripple.results.frames import short_repr

        return short_repr("MulticoreResult", self.workload, machine=self.machine.name,
                          mode=self.mode, latency_cycles=self.latency_cycles,
                          energy_pj=self.energy_pj)

    def to_dict(self, *, tiles: bool = True) -> dict[str, Any]:
        document: dict[str, Any] = {
            "workload": self.workload, "machine": self.machine.name, "mode": self.mode,
            "order": self.order, "spilled": self.spilled, "dataflow": self.dataflow,
            "rows_per_tile": self.rows_per_tile, "allocations_tried": self.allocations_tried,
            "stacks": list(self.stacks),
            "latency_cycles": self.latency_cycles, "macs": self.macs,
            "energy_pj": self.energy_pj, "energy_breakdown_pj": self.energy_breakdown(),
            "cores": self.cores(), "links": self.links(), "layers": self.layers(),
        }
        if self.machine.notes:
            document["imported"] = list(self.machine.notes)
        if tiles:
            document["tiles"] = [
                {"id": run.tile.index, "node": run.tile.node, "core": run.tile.core,
                 "channels": list(run.tile.channels), "rows": list(run.tile.rows),
                 "dataflow": run.cost.result.mapping_name if run.cost.result else None,
                 "start": run.start, "end": run.end, "macs": run.cost.macs,
                 "energy_pj": sum(run.cost.energy_pj.values())}
                for run in self.schedule.runs]
            document["transfers"] = [
                {"what": t.what, "node": t.node, "source": t.source, "target": t.target,
                 "channels": list(t.channels), "rows": list(t.rows) if t.rows else None,
                 "bits": t.bits, "start": t.start, "end": t.end, "links": list(t.links),
                 "energy_pj": sum(t.energy_pj.values())}
                for t in self.schedule.transfers]
        return document
