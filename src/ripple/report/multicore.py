"""The table of a multi-core run: one row per core, the totals in the caption."""

from __future__ import annotations

from rich.table import Table

from ripple.multicore.result import MulticoreResult


def multicore_table(result: MulticoreResult) -> Table:
    energy = result.energy_breakdown()
    parts = ", ".join(f"{name.replace('_', ' ')} {value / 1e6:,.3f}"
                      for name, value in energy.items())
    table = Table(
        title=f"{result.workload} on {result.machine.name}: {result.mode} mode ({result.order}), "
              f"{result.dataflow} tiles",
        caption=(f"latency {result.latency_cycles:,} cycles | MACs {result.macs:,} | energy "
                 f"{result.energy_pj / 1e6:,.3f} uJ ({parts}){_mappings(result)}"),
    )
    for column in ("core", "architecture", "tiles", "MACs", "busy cycles", "utilisation",
                   "MAC utilisation", "energy uJ", "peak buffer KiB", "capacity KiB"):
        table.add_column(column, justify="left" if column in ("core", "architecture")
                         else "right")
    for core in result.cores():
        capacity = core["capacity_bits"]
        table.add_row(core["name"], core["architecture"], f"{core['tiles']:,}",
                      f"{core['macs']:,}", f"{core['busy_cycles']:,}",
                      f"{core['utilisation']:.1%}", f"{core['mac_utilisation']:.1%}",
                      f"{core['energy_pj'] / 1e6:,.3f}",
                      f"{core['peak_buffer_bits'] / 8192:,.1f}",
                      "unbounded" if capacity is None else f"{capacity / 8192:,.1f}")
    return table


def _mappings(result: MulticoreResult) -> str:
    """Which MAC tiles run an explored mapping and which a preset (explored runs), and how
    many allocations were scheduled (searched runs)."""
    notes = []
    mapped = [run.cost.result.mapping_name for run in result.schedule.runs if run.cost.result]
    explored = sum(name.startswith("explored") for name in mapped)
    if result.dataflow == "explore":
        notes.append(f"{explored:,} of {len(mapped):,} MAC tiles on the explorer's mapping "
                     "(bounded subspace), the others on their best preset")
    if result.allocations_tried > 1:
        notes.append(f"{result.allocations_tried:,} allocations scheduled")
    return "".join(f"\n{note}" for note in notes)
