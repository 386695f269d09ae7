"""A multi-core schedule as a Chrome trace-event JSON document, which the Perfetto UI
(ui.perfetto.dev) and chrome://tracing open.

One process per core (thread 0: the MAC array, thread 1: the post-processing unit running
MAC-free operations), one per link and one per off-chip port. Every tile and transfer is a
complete event (``ph: "X"``); timestamps and durations are cycles, shown by the viewers as
microseconds (1 us = 1 cycle). Process and thread names are metadata events (``ph: "M"``);
each core's buffer occupancy is a counter (``ph: "C"``, ``buffer bits``) stepping at every
change.
"""

from __future__ import annotations

from typing import Any

from ripple.multicore.result import MulticoreResult

MAC_THREAD, POST_THREAD = 0, 1


def trace_document(result: MulticoreResult) -> dict[str, Any]:
    events: list[dict[str, Any]] = []
    pids: dict[str, int] = {}

    def process(name: str, threads: tuple[str, ...] = ()) -> int:
        pid = len(pids) + 1
        pids[name] = pid
        events.append(_meta("process_name", pid, 0, name))
        events.append({"name": "process_sort_index", "ph": "M", "pid": pid, "tid": 0,
                       "args": {"sort_index": pid}})
        for tid, thread in enumerate(threads):
            events.append(_meta("thread_name", pid, tid, thread))
        return pid

    for core in result.machine.cores:
        process(core, ("MAC array", "post-processing"))
    for link in result.machine.spec.links:
        process(f"link {link.label}")
    for port in sorted({t.port for t in result.schedule.transfers if t.port}):
        process(f"port {port}")
    for run in result.schedule.runs:
        tile = run.tile
        events.append({
            "name": f"{tile.node} r{tile.rows[0]}-{tile.rows[1]} c{tile.channels[0]}-"
                    f"{tile.channels[1]}",
            "cat": "mac" if tile.mac else "operation", "ph": "X", "ts": run.start,
            "dur": run.end - run.start, "pid": pids[tile.core],
            "tid": MAC_THREAD if tile.mac else POST_THREAD,
            "args": {"node": tile.node, "rows": list(tile.rows),
                     "channels": list(tile.channels), "macs": run.cost.macs,
                     "energy_pj": sum(run.cost.energy_pj.values())},
        })
    for transfer in result.schedule.transfers:
        tracks = [f"link {name}" for name in transfer.links]
        if transfer.port:
            tracks.append(f"port {transfer.port}")
        for track in tracks:
            events.append({
                "name": f"{transfer.what} {transfer.node} {transfer.source}->{transfer.target}",
                "cat": "transfer", "ph": "X", "ts": transfer.start,
                "dur": transfer.end - transfer.start, "pid": pids[track], "tid": 0,
                "args": {"bits": transfer.bits, "source": transfer.source,
                         "target": transfer.target,
                         "rows": list(transfer.rows) if transfer.rows else None},
            })
    for core, curve in result.occupancy.items():
        for cycle, level in curve:
            events.append({"name": "buffer bits", "cat": "buffer", "ph": "C", "ts": cycle,
                           "pid": pids[core], "tid": 0, "args": {"bits": level}})
    return {"traceEvents": events, "displayTimeUnit": "ns",
            "otherData": {"workload": result.workload, "machine": result.machine.name,
                          "mode": result.mode, "dataflow": result.dataflow,
                          "time_unit": "1 us = 1 cycle",
                          "latency_cycles": result.latency_cycles}}


def _meta(kind: str, pid: int, tid: int, name: str) -> dict[str, Any]:
    return {"name": kind, "ph": "M", "pid": pid, "tid": tid, "args": {"name": name}}
