"""The Gantt chart of a multi-core schedule: one row per core, its MAC tiles as tall bars and its
MAC-free operations (post-processing unit) as a thin band under them, coloured by node (the
layer each tile belongs to); below, one row per link and off-chip port with the transfers it
carried, coloured by what moved; at the bottom, each core's buffer occupancy over time against
its capacity (dashed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from ripple.multicore.result import MulticoreResult
from ripple.viz.figures import save

TRANSFER_COLOURS = {"weights": "tab:purple", "input": "tab:gray", "activations": "tab:blue",
                    "output": "tab:red", "evict": "tab:orange", "refetch": "tab:olive"}
MAX_LEGEND = 20


def draw_gantt(cores_ax: Axes, links_ax: Axes, result: MulticoreResult) -> list[str]:
    """Draw the schedule; returns the core rows' labels, top to bottom."""
    cores = result.machine.cores
    nodes = list(dict.fromkeys(run.tile.node for run in result.schedule.runs))
    palette = plt.get_cmap("tab20")
    colour = {node: palette(i % 20) for i, node in enumerate(nodes)}
    row = {core: i for i, core in enumerate(cores)}
    for run in result.schedule.runs:
        y = row[run.tile.core]
        band = (y - 0.4, 0.6) if run.tile.mac else (y + 0.25, 0.15)
        cores_ax.broken_barh([(run.start, max(run.end - run.start, 1))], band,
                             facecolors=colour[run.tile.node], edgecolor="black",
                             linewidth=0.2)
    cores_ax.set_yticks(range(len(cores)), cores)
    cores_ax.set_ylim(len(cores) - 0.5, -0.5)
    cores_ax.set_title(f"{result.workload} on {result.machine.name}: {result.mode} mode, "
                       f"{result.dataflow} tiles, {result.latency_cycles:,} cycles")
    shown = nodes[:MAX_LEGEND]
    cores_ax.legend([Patch(color=colour[n]) for n in shown], shown, fontsize=6,
                    ncol=max(1, len(shown) // 10), loc="upper left", bbox_to_anchor=(1.0, 1.0))
    tracks = [link.label for link in result.machine.spec.links]
    tracks += sorted({t.port for t in result.schedule.transfers if t.port})
    lane = {track: i for i, track in enumerate(tracks)}
    for transfer in result.schedule.transfers:
        for track in [*transfer.links, *([transfer.port] if transfer.port else [])]:
            links_ax.broken_barh([(transfer.start, max(transfer.end - transfer.start, 1))],
                                 (lane[track] - 0.35, 0.7),
                                 facecolors=TRANSFER_COLOURS[transfer.what])
    links_ax.set_yticks(range(len(tracks)), tracks)
    links_ax.set_ylim(len(tracks) - 0.5, -0.5)
    links_ax.set_xlabel("cycle")
    links_ax.legend([Patch(color=c) for c in TRANSFER_COLOURS.values()], list(TRANSFER_COLOURS),
                    fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return cores


def draw_occupancy(ax: Axes, result: MulticoreResult) -> None:
    """Each core's buffer occupancy in KiB over time, its capacity dashed in the same colour."""
    palette = plt.get_cmap("tab10")
    for index, (core, curve) in enumerate(result.occupancy.items()):
        colour = palette(index % 10)
        cycles = [cycle for cycle, _ in curve] + [result.latency_cycles]
        levels = [level / 8192 for _, level in curve] + [curve[-1][1] / 8192]
        ax.step(cycles, levels, where="post", color=colour, linewidth=0.8, label=core)
        capacity = result.machine.home_capacity_bits(core)
        if capacity is not None:
            ax.axhline(capacity / 8192, color=colour, linestyle="--", linewidth=0.6)
    ax.set_ylabel("buffer KiB")
    ax.set_xlabel("cycle")
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def gantt(result: MulticoreResult, folder: str | Path) -> list[Path]:
    """``gantt_<mode>.png`` and ``.svg`` in ``folder``."""
    tracks = len(result.machine.spec.links) + 2
    cores = len(result.machine.cores)
    fig, (cores_ax, links_ax, buffer_ax) = plt.subplots(
        3, 1, sharex=True, figsize=(11, 3.5 + 0.6 * (cores + tracks)),
        gridspec_kw={"height_ratios": [cores, max(tracks, 1), max(cores, 3)]})
    draw_gantt(cores_ax, links_ax, result)
    links_ax.set_xlabel("")
    draw_occupancy(buffer_ax, result)
    return save(fig, folder, f"gantt_{result.mode}")
